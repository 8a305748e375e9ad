"""Hostile and careless input on the command line (issue 17): exit 2 and one line, never exit 1
"unexpected …" and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim

DATA = Path(__file__).resolve().parent / "data"
TINY = str(DATA / "cli" / "tiny.toml")
BROKEN = DATA / "broken"


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


@pytest.mark.parametrize("command", ["run", "step", "gradcheck", "check"])
@pytest.mark.parametrize("seed", ["-1", str(2**63), "1.5"])
def test_bad_seed_is_a_usage_error(command, seed):
    r = invoke(command, TINY, "--seed", seed)
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "Invalid value for '--seed'" in r.output
    assert "did not run" not in r.output and "unexpected" not in r.output


def test_largest_seed_is_accepted():
    r = invoke("run", TINY, "-n", "1", "--seed", str(2**63 - 1), "-q")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("stem", ["nested-500-deep", "dotted-key-too-deep", "huge-int-learning-rate",
                                  "huge-int-explicit-x", "npz-as-npy", "one-hot-huge-label"])
def test_hostile_files_exit_2_naming_the_file(stem):
    path = BROKEN / f"{stem}.toml"
    r = invoke("show", path)
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: {path}: ") and r.output.count("\n") == 1, r.output
