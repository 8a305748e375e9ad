"""gradsim sweep's worker processes against a plain loop of single runs, in one process.

    OPENBLAS_NUM_THREADS=1 python bench/bench_sweep.py [--points 8] [--iterations 40] [--jobs 1 2]

The peer is the loop a user would write by hand: ``with_overrides`` + ``build_simulation`` + ``run`` for
each point, in this process. The table gives the wall time of that loop and of ``sweep`` with each
``--jobs``, the ratio of each to the loop, and whether every result equals the loop's bit for bit. On a
machine whose cores are busy (load above the core count) more jobs cannot help; read the load average
printed with the table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gradsim.scenario import build_simulation, load_scenario, with_overrides  # noqa: E402
from gradsim.scenario.overrides import without_expectations  # noqa: E402
from gradsim.sweep import parse_grid, sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="init-xavier-tanh")
    ap.add_argument("--points", type=int, default=8)
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    base = without_expectations(load_scenario(args.scenario))
    axis = parse_grid(f"optimizer.learning_rate=0.001:0.1:{args.points}:log")

    t0 = time.perf_counter()
    loop = []
    for lr in axis.values:
        sim = build_simulation(with_overrides(base, [(axis.path, lr)]))
        sim.run(args.iterations, stop_on_blowup=False)
        loop.append(float(sim.J))
    t_loop = time.perf_counter() - t0

    rows = [("plain loop (peer)", t_loop, 1.0, True)]
    for jobs in args.jobs:
        t0 = time.perf_counter()
        result = sweep(base, [axis], args.iterations, "J", jobs=jobs)
        t = time.perf_counter() - t0
        rows.append((f"sweep --jobs {jobs}", t, t / t_loop, [p.value for p in result.points] == loop))
    print(f"{args.scenario}: {args.points} points x {args.iterations} iterations, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':24}{'wall s':>8}{'/ loop':>8}  same results")
    for name, t, ratio, same in rows:
        print(f"{name:24}{t:8.2f}{ratio:8.2f}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
