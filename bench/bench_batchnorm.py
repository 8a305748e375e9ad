"""Batch norm in the hot loop: µs per iteration of Simulation.run for a net with batch norm on every hidden
layer against its plain twin (the same layers, data and optimiser), interleaved in one process, best of 7
blocks of 200 iterations each after a warm-up past the rewind ring's filling; and the bundled pair
deep-tanh-plain / deep-tanh-batchnorm. Run with OPENBLAS_NUM_THREADS=1 (set here too).

    python bench/bench_batchnorm.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation  # noqa: E402
from gradsim.engine.batchnorm import BatchNormSpec  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402

N, REPS = 200, 7


def net(L: int, w: int, m: int, bn: bool) -> Simulation:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((w, m)), rng.standard_normal((1, m))
    kw = {"batch_norm": BatchNormSpec()} if bn else {}
    layers = [LayerSpec(w, "tanh", **kw) for _ in range(L)] + [LayerSpec(1, "linear")]
    return Simulation(X, Y, layers, "l2", InitSpec("xavier"), OptimizerSpec("gd", 0.01))


def compare(label: str, sims: dict[str, Simulation]) -> None:
    for s in sims.values():
        s.run(max(300, s.history_size + 50), stop_on_blowup=False)
    best = {k: 9e9 for k in sims}
    for _ in range(REPS):
        for k, s in sims.items():
            t = time.perf_counter()
            s.run(N, stop_on_blowup=False)
            best[k] = min(best[k], (time.perf_counter() - t) / N)
    plain, bn = best["plain"], best["batch norm"]
    print(f"{label}: plain {plain * 1e6:.1f} µs, batch norm {bn * 1e6:.1f} µs, ratio {bn / plain:.2f}")


for L, w, m in ((3, 8, 64), (10, 64, 64), (10, 64, 512)):
    compare(f"{L}×{w}×{m}", {"plain": net(L, w, m, False), "batch norm": net(L, w, m, True)})
compare("deep-tanh", {"plain": build_simulation(load_scenario("deep-tanh-plain")),
                      "batch norm": build_simulation(load_scenario("deep-tanh-batchnorm"))})
