"""Start-up time of `gradsim --help` and `gradsim list`, against bare Python and against importing Textual.

    python bench/bench_startup.py [--runs 15]

Each command runs in a fresh interpreter ``--runs`` times (after one warm-up run that fills the OS file
cache); the table gives the median and the minimum wall time and the ratios of the medians to
``python -c pass`` (the floor any Python CLI pays) and to ``python -c "import textual.app"`` (what
the headless commands would pay if they imported the app). The commands run as ``python -m gradsim``
so the numbers do not depend on where the console script was installed.

Then the app's **first screen**: the wall time from spawning ``python -c`` to the end of the first paint
(the child stamps ``time.time()`` in a callback after the first screen refresh, headless at 160×48) of the
gradsim app on three-layer-cache, against a minimal Textual app showing one ``Static`` measured the same
way in the same run (the issue's goal: at most 1.5× the minimal app).
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

CASES = [
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ('python -c "import textual.app"', [sys.executable, "-c", "import textual.app"]),
    ("gradsim --help", [sys.executable, "-m", "gradsim", "--help"]),
    ("gradsim list", [sys.executable, "-m", "gradsim", "list"]),
]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


FIRST_SCREEN = {
    "minimal Textual app (one Static)": """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("gradsim " * 20)
    def on_mount(self):
        self.call_after_refresh(self.painted)
    def painted(self):
        print(time.time())
        self.exit()
Minimal().run(headless=True, size=(160, 48))
""",
    "gradsim app, three-layer-cache": """
from gradsim.scenario import load_scenario
import gradsim.tui.app, os
from gradsim.tui.app import GradsimApp
class Stamped(GradsimApp):
    CSS_PATH = os.path.join(os.path.dirname(gradsim.tui.app.__file__), GradsimApp.CSS_PATH)
    def on_mount(self):
        self.call_after_refresh(self.painted)
        if hasattr(GradsimApp, 'on_mount'):  # a tree before it had one
            super().on_mount()
    def painted(self):
        print(time.time())
        self.exit()
Stamped(load_scenario("three-layer-cache")).run(headless=True, size=(160, 48))
""",
}


def first_screen(code: str, env: dict[str, str]) -> float:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", "import time\n" + code], capture_output=True, text=True,
                         check=True, env=env, cwd=ROOT).stdout
    return float(out.split()[-1]) - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    times: dict[str, list[float]] = {}
    for label, cmd in CASES:
        wall(cmd, env)  # warm-up
        times[label] = [wall(cmd, env) for _ in range(args.runs)]
    base = statistics.median(times["python -c pass"])
    textual = statistics.median(times['python -c "import textual.app"'])
    print(f"{'command':34} {'median ms':>10} {'min ms':>8} {'× python':>9} {'× textual':>10}")
    for label, _ in CASES:
        med = statistics.median(times[label])
        print(f"{label:34} {med * 1e3:10.1f} {min(times[label]) * 1e3:8.1f} {med / base:9.2f} {med / textual:10.2f}")
    print(f"\n{args.runs} runs each, Python {sys.version.split()[0]}, {sys.platform}")
    shots: dict[str, list[float]] = {label: [] for label in FIRST_SCREEN}
    for label, code in FIRST_SCREEN.items():
        first_screen(code, env)  # warm-up
    for _ in range(args.runs):  # interleaved, so that a busy spell hits both
        for label, code in FIRST_SCREEN.items():
            shots[label].append(first_screen(code, env))
    floor = statistics.median(shots["minimal Textual app (one Static)"])
    print(f"\n{'first screen (spawn to first paint)':34} {'median ms':>10} {'min ms':>8} {'× minimal':>10}")
    for label, xs in shots.items():
        print(f"{label:34} {statistics.median(xs) * 1e3:10.1f} {min(xs) * 1e3:8.1f} {statistics.median(xs) / floor:10.2f}")


if __name__ == "__main__":
    main()
