"""Start-up time of `gradsim --help` and `gradsim list`, against bare Python and against importing Textual.

    python bench/bench_startup.py [--runs 15]

Each command runs in a fresh interpreter ``--runs`` times (after one warm-up run that fills the OS file
cache); the table gives the median and the minimum wall time and the ratios of the medians to
``python -c pass`` (the floor any Python CLI pays) and to ``python -c "import textual.app"`` (what
the headless commands would pay if they imported the app). The commands run as ``python -m gradsim``
so the numbers do not depend on where the console script was installed.
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


if __name__ == "__main__":
    main()
