"""The loss panel's J_test curve: iterations per second of sim.run with and without HeldOutHistory.record
(throttled to one forward pass per 2 ms, as the training worker calls it). Run with OPENBLAS_NUM_THREADS=1."""
import time
from gradsim.scenario import load_scenario, build_simulation
from gradsim.tui.heldout import HeldOutHistory
for name in ("minibatch-gd", "stochastic-gd", "symmetry-broken"):
    sc = load_scenario(name)
    res = {}
    for mode in ("plain", "record", "plain", "record"):
        sim = build_simulation(sc); h = HeldOutHistory(sim)
        cb = (lambda s: True) if mode == "plain" else (lambda s: (h.record(s, min_interval=0.002), True)[1])
        t = time.perf_counter(); sim.run(2000, callback=cb); dt = time.perf_counter() - t
        res[mode] = min(res.get(mode, 9e9), dt)
    print(f"{name}: {2000/res['plain']:.0f} it/s plain, {2000/res['record']:.0f} it/s with J_test per iteration, ratio {res['record']/res['plain']:.2f}")
