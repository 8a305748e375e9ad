"""The engine against an earlier tree of itself and the plain NumPy loop, side by side in one process.

    git archive <commit> | tar -x -C /tmp/before
    cp -r /tmp/before/gradsim /tmp/twin/gradsim_before      # the same package under another name
    python bench/bench_before_after.py --twin /tmp/twin [--rounds 21] [--iterations 200]

For each net of bench_iteration.py (tanh hidden layers, linear output, l2, batch GD) it times, per
iteration: ``Simulation.run`` ("run"), ``step()`` P times ("step"), and ``run`` with ``trace_row`` after
every iteration ("trace"), for the earlier tree and for this one, and the plain loop, in alternating short
blocks (the machine is shared: other processes' noise hits both trees alike), and prints medians in µs and
ratios. The row's cost is (trace − run) / run.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import bench_iteration as bi  # noqa: E402


def variants(pkg: str, X, Y, L, w):
    eng = importlib.import_module(f"{pkg}.engine")
    trace_row = importlib.import_module(f"{pkg}.trace").trace_row

    def build():
        sim = bi.build_sim(eng, X, Y, L, w)
        sim.run(sim.history_size + 20)
        return sim

    sims = {k: build() for k in ("run", "step", "trace")}

    def run(n):
        sims["run"].run(n)

    def step(n):
        s = sims["step"]
        f = s.step
        for _ in range(n * s.P):
            f()

    def trace(n):
        sims["trace"].run(n, callback=trace_row)

    return {"run": run, "step": step, "trace": trace}, sims["run"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--twin", required=True, help="directory holding gradsim_before (the earlier tree's package)")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--iterations", type=int, default=100, help="iterations per block on the 10×2×1 net (scaled down for the others)")
    args = ap.parse_args(argv)
    sys.path.insert(0, args.twin)
    print(f"load average at the start: {'%.2f %.2f %.2f' % os.getloadavg()}")
    print("| net | run before | run after | step before | step after | trace before | trace after | plain |"
          " run/plain before → after | step/plain before → after | row/iteration before → after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    best: dict[str, dict[str, float]] = {}
    for L, w, m in bi.CONFIGS:
        X, Y = bi.make_data(L, w, m)
        before, sim0 = variants("gradsim_before", X, Y, L, w)
        after, _ = variants("gradsim", X, Y, L, w)
        p0 = [np.array(p) for p in sim0.params]
        setup, prun = bi.plain_peer(p0, X, Y, L)
        pstate = setup()
        n = max(5, args.iterations * 20 // (L * w * max(m, 8) // 8 + 20))
        blocks = {f"{k} {tag}": f for tag, d in (("before", before), ("after", after)) for k, f in d.items()}
        blocks["plain"] = lambda k: prun(pstate, k)
        times: dict[str, list[float]] = {k: [] for k in blocks}
        for f in blocks.values():
            f(n)  # warm
        for r in range(args.rounds):
            order = list(blocks.items())
            if r % 2:
                order.reverse()
            for k, f in order:
                t0 = time.perf_counter()
                f(n)
                times[k].append((time.perf_counter() - t0) / n * 1e6)
        med = {k: statistics.median(v) for k, v in times.items()}
        p = med["plain"]

        def row(tag):
            return (med[f"trace {tag}"] - med[f"run {tag}"]) / med[f"run {tag}"]

        print(f"| {L}×{w}×{m} | {med['run before']:.1f} | {med['run after']:.1f} | {med['step before']:.1f} | "
              f"{med['step after']:.1f} | {med['trace before']:.1f} | {med['trace after']:.1f} | {p:.1f} | "
              f"{med['run before'] / p:.2f} → {med['run after'] / p:.2f} | "
              f"{med['step before'] / p:.2f} → {med['step after'] / p:.2f} | {row('before'):.2f} → {row('after'):.2f} |",
              flush=True)
        best[f"{L}×{w}×{m}"] = {k: min(v) for k, v in times.items()}
    print("\nbest blocks (on a loaded machine the medians move with the load, the best blocks much less):")
    print("| net | run/plain before → after | step/plain before → after | row/iteration before → after |")
    print("|---|---|---|---|")
    for net, b in best.items():
        p = b["plain"]
        rows = [(b[f"trace {t}"] - b[f"run {t}"]) / b[f"run {t}"] for t in ("before", "after")]
        print(f"| {net} | {b['run before'] / p:.2f} → {b['run after'] / p:.2f} | "
              f"{b['step before'] / p:.2f} → {b['step after'] / p:.2f} | {rows[0]:.2f} → {rows[1]:.2f} |")
    print(f"load average at the end: {'%.2f %.2f %.2f' % os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
