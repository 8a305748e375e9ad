"""BLAS threads: gradsim's single-threaded start-up against OpenBLAS's default of one thread per core.

    python bench/bench_blas.py [--rounds 3]

Two measurements, each run alternately with ``OPENBLAS_NUM_THREADS`` unset (gradsim sets it to 1 when it
is imported, before NumPy) and set to the machine's core count (what OpenBLAS does by itself, and what
gradsim did before it set the thread count), in fresh interpreters:

- the median of 200 products of a 128×256 by a 256×128 float64 matrix (after ``import gradsim``);
- the wall time of ``gradsim check`` over the whole bundled library (exit 0 or 1 both count).

Run it on a busy machine (other processes on the cores) to see the contended case, and on an idle one for
the quiet case; the script prints the load average first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MATMUL = """
import time, statistics, gradsim, numpy as np
a, b = np.random.default_rng(0).standard_normal((128, 256)), np.random.default_rng(1).standard_normal((256, 128))
ts = []
for _ in range(200):
    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
print(statistics.median(ts))
"""


def env_for(threads: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("NUM_THREADS", "MAXIMUM_THREADS"))}
    env["PYTHONPATH"] = str(ROOT)
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = threads
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cores = str(os.cpu_count() or 1)
    with open("/proc/loadavg") as f:
        print(f"load average {f.read().split()[0]}, {cores} cores")
    cases = [("gradsim default (1 thread)", None), (f"OPENBLAS_NUM_THREADS={cores}", cores)]
    mm: dict[str, list[float]] = {c: [] for c, _ in cases}
    chk: dict[str, list[float]] = {c: [] for c, _ in cases}
    for _ in range(args.rounds):
        for label, threads in cases:
            out = subprocess.run([sys.executable, "-c", MATMUL], capture_output=True, text=True, check=True,
                                 env=env_for(threads))
            mm[label].append(float(out.stdout))
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "gradsim", "check"], capture_output=True, env=env_for(threads),
                           cwd=ROOT)
            chk[label].append(time.perf_counter() - t0)
    print(f"{'threads':32} {'128×256@256×128 median ms':>26} {'gradsim check (library) s':>26}")
    for label, _ in cases:
        print(f"{label:32} {statistics.median(mm[label]) * 1e3:26.3f} {statistics.median(chk[label]):26.2f}")
    one, many = cases[0][0], cases[1][0]
    print(f"check: {statistics.median(chk[many]) / statistics.median(chk[one]):.2f}× slower with {cores} threads")


if __name__ == "__main__":
    main()
