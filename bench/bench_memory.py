"""Memory over a long run: RSS after 10^4 and after 10^6 iterations, headless and with the app's snapshots.

    python bench/bench_memory.py [--iterations 1000000] [--scenario three-layer-cache] [--gradsim-root PATH]

Each mode runs in a fresh interpreter (one BLAS thread), so one mode's garbage cannot hide in another's
numbers. ``headless`` is ``Simulation.run`` with no stop conditions (what ``gradsim run --ignore-stop``
does); ``snapshots`` adds what the app's training worker does besides: ``take_snapshot`` (which copies
the J history for the loss curve) every 1000 iterations, keeping only the newest one, as the screen does.
The figure of merit is the growth between the two marks (the goal: under 5 MB). ``--gradsim-root`` runs
another tree (e.g. main before this change) the same way, side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, {root!r})
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
from gradsim.scenario import build_simulation, load_scenario
sim = build_simulation(load_scenario({scenario!r}), None)
snap_every = {snap_every}
keep = None
if snap_every:
    from gradsim.tui.state import take_snapshot
marks = {{}}
done = 0
t0 = time.perf_counter()
for target in (10_000, {iterations}):
    while done < target:
        k = min(snap_every or target, target - done)
        sim.run(k, stop_below=None, stop_on_blowup=False)
        done += k
        if snap_every:
            keep = take_snapshot(sim)
    gc.collect()
    marks[target] = rss_mb()
print(json.dumps({{"marks": marks, "seconds": time.perf_counter() - t0, "samples": len(sim.J_history)}}))
"""


def measure(root: str, scenario: str, iterations: int, snap_every: int) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = CHILD.format(root=root, scenario=scenario, iterations=iterations, snap_every=snap_every)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(p.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=1_000_000)
    ap.add_argument("--scenario", default="three-layer-cache")
    ap.add_argument("--gradsim-root", action="append", default=[], help="another tree to measure too")
    args = ap.parse_args()
    roots = [str(ROOT)] + args.gradsim_root
    print(f"{'tree':40} {'mode':10} {'RSS@1e4 MB':>11} {f'RSS@{args.iterations:.0e} MB':>12} "
          f"{'growth MB':>10} {'it/s':>8} {'samples':>8}")
    for root in roots:
        for mode, every in (("headless", 0), ("snapshots", 1000)):
            r = measure(root, args.scenario, args.iterations, every)
            a, b = r["marks"]["10000"], r["marks"][str(args.iterations)]
            print(f"{root[-40:]:40} {mode:10} {a:11.1f} {b:12.1f} {b - a:10.1f} "
                  f"{args.iterations / r['seconds']:8.0f} {r['samples']:8d}")


if __name__ == "__main__":
    main()
