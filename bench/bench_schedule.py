"""Learning-rate schedules in the hot loop: µs per iteration of Simulation.run for the same scenario under
each schedule, interleaved in one process (best of 5 runs of 2000 iterations each), and the ratio to the
constant rate. Run with OPENBLAS_NUM_THREADS=1."""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402

from gradsim.engine.schedules import SCHEDULES  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario, with_overrides  # noqa: E402

N, REPS = 2000, 5
for name in ("adam-ill-conditioned", "three-layer-cache", "stochastic-gd"):
    base = load_scenario(name)
    scs = {s: with_overrides(base, [("optimizer.schedule", s)]) for s in SCHEDULES}
    best = {s: 9e9 for s in SCHEDULES}
    build_simulation(base).run(200)  # warm caches and the allocator before timing
    for _ in range(REPS):
        for s, sc in scs.items():
            sim = build_simulation(sc)
            t = time.perf_counter()
            sim.run(N, stop_below=None, stop_on_blowup=False)
            best[s] = min(best[s], time.perf_counter() - t)
    c = best["constant"]
    print(f"{name}: " + ", ".join(f"{s} {best[s] / N * 1e6:.1f} µs ({best[s] / c:.2f})" for s in SCHEDULES))

# before/after in one process: the update phase as it was before schedules (optim.update with the spec's α),
# against today's (α(t) from the bound schedule), on the default constant schedule
import numpy as np  # noqa: E402

from gradsim.engine import Simulation  # noqa: E402
from gradsim.engine.record import Record  # noqa: E402

after = Simulation._update


def before(self):
    grads = tuple(map(self._cache.__getitem__, self._grad_keys))
    if self._chain is not None:
        grads = self._chain(self._params, grads, self._cache["X"].shape[1])
    entry = self.optimizer.entry
    params, state = entry.update(self._hp, self._params, grads, self.opt_state, self.iteration,
                                 self.optimizer.learning_rate)
    self._params, self.opt_state = params, state
    if self._fp or self.blowup is not None:
        self.halted = not all(np.isfinite(p).all() for p in params)
    return Record(self.iteration, self.phase_index, "update", None, dict(zip(self._param_keys, params)))


for name in ("adam-ill-conditioned", "three-layer-cache", "stochastic-gd"):
    sc = load_scenario(name)
    best = {"before": 9e9, "after": 9e9}
    for _ in range(REPS):
        for label, fn in (("before", before), ("after", after)):
            Simulation._update = fn
            sim = build_simulation(sc)
            t = time.perf_counter()
            sim.run(N, stop_below=None, stop_on_blowup=False)
            best[label] = min(best[label], time.perf_counter() - t)
    Simulation._update = after
    print(f"{name}: before {best['before'] / N * 1e6:.1f} µs, after {best['after'] / N * 1e6:.1f} µs per iteration, "
          f"ratio {best['after'] / best['before']:.3f}")
