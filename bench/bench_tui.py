"""The app's speed through Textual's Pilot: key-to-repaint latency, continuous training, idle CPU.

    python bench/bench_tui.py [--keys 30] [--seconds 4] [--gradsim-root PATH]

All in one process per tree (one BLAS thread), at 160×48, headless (Textual renders every strip; only
writing the escape codes to a terminal is skipped):

- **latency**: ``space`` (one phase) pressed ``--keys`` times on three-layer-cache, exploding-linear and
  init-he-relu; the time from the key to the end of the last compositor refresh it caused (the screen's
  ``_compositor_refresh`` is wrapped to stamp the clock, so Pilot's fixed waits are not counted). The same
  is measured on a minimal Textual app whose ``space`` rewrites a full-screen ``Static`` (160×48 fresh
  characters): that is Textual's own repaint floor in this process, and the ratios are against it. The
  UI thread's CPU time over the same span (``time.thread_time``) is printed too: on a shared machine the
  wall time includes waiting for a core, the CPU time much less so.
- **throughput**: ``r`` at max speed for ``--seconds`` with the panels repainting at 10 Hz (the scenario's
  ``run.iterations`` raised to 10^5 and its stop conditions off, so the run does not end meanwhile), against
  ``Simulation.run`` headless on a fresh simulation of the same scenario for the same time, in the same
  process (the app's event loop idle meanwhile).
- **idle CPU**: process CPU time over wall time while the app sits paused for ``--seconds``.
- **app memory** (``--memory N``): RSS before and after N iterations of ``r`` at max speed (three-layer-cache).

``--gradsim-root`` measures another tree (e.g. one before a change) the same way, each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import asyncio, json, os, statistics, sys, time
sys.path.insert(0, {root!r})
from textual.app import App, ComposeResult
from textual.widgets import Static
from gradsim.scenario import build_simulation, load_scenario
from gradsim.tui.app import GradsimApp

SIZE = (160, 48)
LATENCY_CPU = []
KEYS, SECONDS, MEMORY = {keys}, {seconds}, {memory}

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

class Minimal(App):
    BINDINGS = [("space", "flip", "")]
    def compose(self) -> ComposeResult:
        yield Static(id="s")
    def action_flip(self) -> None:
        self.n = getattr(self, "n", 0) + 1
        row = "".join(chr(0x41 + (self.n + i) % 26) for i in range(160))
        self.query_one(Static).update("\n".join(row[k:] + row[:k] for k in range(48)))

def stamp(screen, stamps):
    orig = screen._compositor_refresh
    def wrapped():
        orig()
        stamps.append((time.perf_counter(), time.thread_time()))
    screen._compositor_refresh = wrapped

async def latencies(app, key, n, screen_of):
    out, cpu = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        stamps = []
        stamp(screen_of(app), stamps)
        for _ in range(n + 2):
            t0, c0 = time.perf_counter(), time.thread_time()
            await pilot.press(key)
            await pilot.pause(0.08)  # a fixed wait for the refreshes it causes (not counted)
            after = [s for s in stamps if s[0] > t0]
            if after:
                out.append(after[-1][0] - t0)
                cpu.append(after[-1][1] - c0)  # the UI thread's CPU time: what the other processes do not inflate
    LATENCY_CPU.append(cpu[2:])
    return out[2:]  # the first presses warm caches

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]

async def throughput(name):
    from gradsim.scenario import with_overrides
    # long enough that the run does not end (and stop conditions off) while it is timed
    long = with_overrides(load_scenario(name), [("run.iterations", max(100000, MEMORY)), ("run.stop_below", 0.0),
                                                ("run.stop_on_blowup", False)])
    app = GradsimApp(long)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main
        for _ in range(7):
            await pilot.press("plus")
        await pilot.pause(0.1)
        it0 = screen.sim.iteration
        t0 = time.perf_counter()
        await pilot.press("r")
        while time.perf_counter() - t0 < SECONDS and screen.running:
            await pilot.pause(0.1)
        its = screen.sim.iteration - it0
        wall = time.perf_counter() - t0
        if screen.running:  # else the run reached the scenario's length: r would start another
            await pilot.press("r")
        await pilot.pause(1.0)  # let the repaint after the pause settle
        c0, w0 = time.process_time(), time.perf_counter()
        await pilot.pause(SECONDS)
        idle = (time.process_time() - c0) / (time.perf_counter() - w0)
        mem = None
        if MEMORY and name == "three-layer-cache":
            screen.sim.reset()
            await pilot.pause(0.2)
            m0 = rss_mb()
            await pilot.press("r")
            while screen.sim.iteration < MEMORY:
                await pilot.pause(0.5)
                if not screen.running:
                    await pilot.press("r")  # the scenario's length, or a stop condition: go on
            await pilot.press("r")
            await pilot.pause(0.3)
            mem = (m0, rss_mb(), screen.sim.iteration)
    sim = build_simulation(load_scenario(name))
    sim.run(200, stop_below=None, stop_on_blowup=False)
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < min(SECONDS, wall):
        sim.run(100, stop_below=None, stop_on_blowup=False)
        n += 100
    headless = n / (time.perf_counter() - t0)
    return its / wall, headless, idle, mem

async def main():
    res = {{"latency": {{}}}}
    floor = await latencies(Minimal(), "space", KEYS, lambda a: a.screen)
    res["latency"]["minimal Static"] = floor
    for name in ("three-layer-cache", "exploding-linear", "init-he-relu"):
        res["latency"][name] = await latencies(GradsimApp(load_scenario(name)), "space", KEYS, lambda a: a.main)
    res["latency_cpu"] = dict(zip(res["latency"], LATENCY_CPU))
    res["throughput"] = {{}}
    for name in ("three-layer-cache", "init-he-relu"):
        res["throughput"][name] = await throughput(name)
    print(json.dumps(res))

asyncio.run(main())
'''


def measure(root: str, keys: int, seconds: float, memory: int) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = CHILD.format(root=root, keys=keys, seconds=seconds, memory=memory)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--memory", type=int, default=0, metavar="N", help="also RSS over N iterations in the app")
    ap.add_argument("--gradsim-root", action="append", default=[], help="another tree to measure too")
    args = ap.parse_args()
    with open("/proc/loadavg") as f:
        print(f"load average {f.read().split()[0]}")
    for root in [str(ROOT)] + args.gradsim_root:
        r = measure(root, args.keys, args.seconds, args.memory)
        floor = r["latency"]["minimal Static"]
        f50, f95 = pct(floor, 0.5), pct(floor, 0.95)
        print(f"\n{root}\n{'key-to-repaint (space)':28} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×floor':>11} {'p95 ×floor':>11} {'CPU p50':>9} {'CPU p95':>9}")
        for name, xs in r["latency"].items():
            p50, p95 = pct(xs, 0.5), pct(xs, 0.95)
            cpu = r["latency_cpu"][name]
            print(f"{name:28} {p50 * 1e3:8.1f} {p95 * 1e3:8.1f} {p50 / f50:11.2f} {p95 / f95:11.2f}"
                  f" {pct(cpu, 0.5) * 1e3:9.1f} {pct(cpu, 0.95) * 1e3:9.1f}")
        print(f"{'continuous training':28} {'app it/s':>9} {'headless':>9} {'ratio':>6} {'idle CPU':>9}")
        for name, (app, headless, idle, mem) in r["throughput"].items():
            print(f"{name:28} {app:9.0f} {headless:9.0f} {app / headless:6.2f} {idle:9.1%}")
            if mem:
                print(f"{'':28} app RSS {mem[0]:.1f} MB → {mem[1]:.1f} MB after {mem[2]} iterations")


if __name__ == "__main__":
    main()
