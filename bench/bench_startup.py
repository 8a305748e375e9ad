"""Start-up time of `gradsim --help` and `gradsim list`, against bare Python and against importing Textual.

    python bench/bench_startup.py [--runs 15]

Each command runs in a fresh interpreter ``--runs`` times (after one warm-up run that fills the OS file
cache); the table gives the median and the minimum wall time and the ratios of the medians to
``python -c pass`` (the floor any Python CLI pays) and to ``python -c "import textual.app"`` (what
the headless commands would pay if they imported the app). The commands run as ``python -m gradsim``
so the numbers do not depend on where the console script was installed.

Then the app's **first screen**: the wall time from spawning ``python -c`` to the end of the first paint
(the child stamps ``time.time()``, and its CPU time ``time.process_time()``, which a busy machine
disturbs less than the wall time, in a callback after the first screen refresh, headless at 160×48) of the
gradsim app on three-layer-cache, against a minimal Textual app showing one ``Static`` measured the same
way in the same run (the issue's goal: at most 1.5× the minimal app). ``--gradsim-root DIR`` adds the app of
another tree (e.g. ``git archive <commit> | tar -x -C DIR``) to the same interleaved runs, and ``--only-app``
skips the command table.

The children run with their bytecode cached, as after a ``pip install`` (which compiles every module): this
machine's environment sets ``PYTHONDONTWRITEBYTECODE=1``, under which each start compiled gradsim's ~100
modules again (~100 ms of the first screen, none of which a user pays). So the children get
``PYTHONPYCACHEPREFIX`` (a temporary directory, filled by the warm-up run; no tree is written to) and not
``PYTHONDONTWRITEBYTECODE``; ``--compile-each-start`` measures the old way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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
        print(time.process_time(), time.time())
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
        print(time.process_time(), time.time())
        self.exit()
Stamped(load_scenario("three-layer-cache")).run(headless=True, size=(160, 48))
""",
}


def first_screen(code: str, env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """(wall time from spawning to the first paint, the child's CPU time by then)."""
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", "import time\n" + code], capture_output=True, text=True,
                         check=True, env=env, cwd=cwd).stdout
    cpu, stamp = out.split()[-2:]
    return float(stamp) - t0, float(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    ap.add_argument("--gradsim-root", type=Path, help="also time the app of this tree (a 'before')")
    ap.add_argument("--only-app", action="store_true", help="only the first screens, not the commands")
    ap.add_argument("--compile-each-start", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE from the environment (compile gradsim on every start)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if not args.compile_each_start:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="gradsim-bench-pyc-")
    if not args.only_app:
        commands(args, env)
    apps = {label: (code, env, ROOT) for label, code in FIRST_SCREEN.items()}
    if args.gradsim_root is not None:
        other = args.gradsim_root.resolve()
        label = f"gradsim app, {other.name}"
        apps[label] = (FIRST_SCREEN["gradsim app, three-layer-cache"],
                       {**env, "PYTHONPATH": str(other) + os.pathsep + os.environ.get("PYTHONPATH", "")}, other)
    shots: dict[str, list[float]] = {label: [] for label in apps}
    for code, e, cwd in apps.values():
        first_screen(code, e, cwd)  # warm-up
    for _ in range(args.runs):  # interleaved, so that a busy spell hits every app
        for label, (code, e, cwd) in apps.items():
            shots[label].append(first_screen(code, e, cwd))
    walls = {label: [w for w, _ in xs] for label, xs in shots.items()}
    cpus = {label: [c for _, c in xs] for label, xs in shots.items()}
    floor = statistics.median(walls["minimal Textual app (one Static)"])
    cpu_floor = statistics.median(cpus["minimal Textual app (one Static)"])
    print(f"\n{'first screen (spawn to first paint)':34} {'median ms':>10} {'min ms':>8} {'× minimal':>10}"
          f" {'CPU ms':>8} {'CPU × minimal':>14}")
    for label, xs in walls.items():
        med, cpu = statistics.median(xs), statistics.median(cpus[label])
        print(f"{label:34} {med * 1e3:10.1f} {min(xs) * 1e3:8.1f} {med / floor:10.2f} {cpu * 1e3:8.1f}"
              f" {cpu / cpu_floor:14.2f}")
    cache = "compiled on every start" if args.compile_each_start else "bytecode cached"
    print(f"\n{args.runs} runs each, {cache}, load average {os.getloadavg()[0]:.2f}")


def commands(args, env: dict[str, str]) -> None:
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


if __name__ == "__main__":
    main()
