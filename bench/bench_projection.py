"""Projection skips in the hot loop: µs per iteration of Simulation.run for deep-sigmoid-residual (19
same-width skips: residual.py's closures) against the same net with ``projection = true`` on every skip
(A[l] = σ(Z[l]) + Ws[l]·A[l−1], Ws[l] (2, 2): projection.py's closures) and against deep-sigmoid-plain (no
skips), interleaved in one process (best of 5 runs of 1000 iterations each); then residual-projection.
Run with OPENBLAS_NUM_THREADS=1. Run it on two checkouts (PYTHONPATH=...) to compare a branch with main:
the same-width and plain rows must not move."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

from gradsim.scenario import build_simulation, load_scenario, with_overrides  # noqa: E402

N, REPS = 1000, 5
residual = load_scenario("deep-sigmoid-residual")
cases = {"plain (deep-sigmoid-plain)": load_scenario("deep-sigmoid-plain"),
         "same-width skips (deep-sigmoid-residual)": residual}
try:
    cases["projection = true on every skip"] = with_overrides(residual, [("network.layers[0].projection", True)])
    cases["residual-projection (2 projections, 17 same-width)"] = load_scenario("residual-projection")
except Exception as e:  # a checkout without projections (main before the merge)
    print(f"note: no projections here ({type(e).__name__})")
best = dict.fromkeys(cases, 9e9)
for sc in cases.values():
    build_simulation(sc).run(100)  # warm caches and the allocator before timing
for _ in range(REPS):
    for label, sc in cases.items():
        sim = build_simulation(sc)
        t = time.perf_counter()
        sim.run(N, stop_below=None, stop_on_blowup=False)
        best[label] = min(best[label], time.perf_counter() - t)
ref = best["same-width skips (deep-sigmoid-residual)"]
for label, b in best.items():
    print(f"{label}: {b / N * 1e6:.1f} µs per iteration ({b / ref:.2f} × same-width)")
