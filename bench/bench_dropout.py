"""Dropout in the hot loop: µs per iteration of Simulation.run for dropout-overfit (p = 0.5 on its 32-unit
hidden layer) against its twin without dropout (p = 0: the plain closures), and for a deeper net with
dropout on every hidden layer against the same net without; interleaved in one process (best of 5 runs of
2000 iterations each), with the cost of one mask draw alone. Run with OPENBLAS_NUM_THREADS=1."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402
import timeit  # noqa: E402

from gradsim.engine.dropout import mask  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario, with_overrides  # noqa: E402

N, REPS = 2000, 5
base = load_scenario("dropout-overfit")
deep = load_scenario("init-xavier-tanh")  # 10 tanh layers
cases = {
    "dropout-overfit": (with_overrides(base, [("network.layers[0].dropout", 0.0)]), base),
    "init-xavier-tanh": (deep, with_overrides(deep, [("network.layers[0].dropout", 0.2)])),
}
for name, (plain, drop) in cases.items():
    best = {"plain": 9e9, "dropout": 9e9}
    build_simulation(plain).run(200)  # warm caches and the allocator before timing
    for _ in range(REPS):
        for label, sc in (("plain", plain), ("dropout", drop)):
            sim = build_simulation(sc)
            t = time.perf_counter()
            sim.run(N, stop_below=None, stop_on_blowup=False)
            best[label] = min(best[label], time.perf_counter() - t)
    layers = sum(1 for p in build_simulation(drop).dropout if p)
    print(f"{name} ({layers} layer(s) with dropout): plain {best['plain'] / N * 1e6:.1f} µs, "
          f"dropout {best['dropout'] / N * 1e6:.1f} µs ({best['dropout'] / best['plain']:.2f})")
one = min(timeit.repeat(lambda: mask(1, 5, 1, (32, 30), 0.5), number=2000, repeat=5)) / 2000
print(f"one mask draw (32, 30): {one * 1e6:.1f} µs")
