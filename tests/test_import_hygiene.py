"""The headless core never imports Textual (harlequin's tests/unit_tests/test_import_hygiene.py, adapted).

Each check runs in a fresh interpreter, so what another test imported cannot hide a leak.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEADLESS = ["gradsim", "gradsim.engine", "gradsim.scenario", "gradsim.datasets", "gradsim.errors",
            "gradsim.equations", "gradsim.trace", "gradsim.junit", "gradsim.replay", "gradsim.checks", "gradsim.cli"]


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)


@pytest.mark.parametrize("module", HEADLESS)
def test_importing_headless_module_does_not_import_textual(module):
    p = run_python(
        f"import sys, importlib; importlib.import_module({module!r}); "
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') "
        "or m.startswith('textual_')); print(leaked); sys.exit(1 if leaked else 0)"
    )
    assert p.returncode == 0, p.stdout + p.stderr


CLI_RUN = """
import sys
from gradsim.cli import gradsim
try:
    gradsim.main({args!r}, prog_name="gradsim")
except SystemExit as exc:
    assert exc.code == 0, exc.code
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith(("textual.", "textual_")))
print("LEAKED", leaked, file=sys.stderr)
print("NUMPY", "numpy" in sys.modules, file=sys.stderr)
sys.exit(1 if leaked else 0)
"""


@pytest.mark.parametrize("args", [["--help"], ["list"], ["show", "tests/data/cli/tiny.toml"],
                                  ["run", "tests/data/cli/tiny.toml", "-q"], ["step", "tests/data/cli/tiny.toml"],
                                  ["check", "tests/data/cli/tiny.toml"]])
def test_cli_commands_without_the_app_do_not_import_textual(args):
    p = run_python(CLI_RUN.format(args=args))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "LEAKED []" in p.stderr


@pytest.mark.parametrize("args", [["--help"], ["list"]])
def test_help_and_list_do_not_even_import_numpy(args):
    p = run_python(CLI_RUN.format(args=args))
    assert p.returncode == 0, p.stderr
    assert "NUMPY False" in p.stderr


def test_headless_sources_never_name_textual():
    """A static guard as well: no module outside gradsim/tui/ imports textual at the top level."""
    offenders = []
    for path in (ROOT / "gradsim").rglob("*.py"):
        if "tui" in path.relative_to(ROOT / "gradsim").parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("import textual", "from textual")):
                offenders.append(f"{path.relative_to(ROOT)}: {line}")
    assert offenders == []
