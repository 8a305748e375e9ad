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


@pytest.mark.parametrize("option", [["--tolerance", "nan"], ["--tolerance", "inf"], ["--eps", "nan"],
                                    ["--eps", "1e300"], ["--eps", "0.2"]])
def test_gradcheck_refuses_what_it_would_silently_change(option):
    r = invoke("gradcheck", TINY, *option)
    assert r.exit_code == 2 and r.output.count("\n") == 1, r.output
    assert f"Invalid value for '{option[0]}'" in r.output


def test_a_rejected_expression_is_not_echoed_in_full(tmp_path):
    p = tmp_path / "long.toml"
    value = " + ".join(["J"] * 300) + " + sum(X @ X)"  # 1,200 characters whose shapes do not fit
    p.write_text(Path(TINY).read_text().replace('value = "J"', f'value = "{value}"', 1))
    r = invoke("show", p)
    assert r.exit_code == 2 and "expect[0].value" in r.output
    assert len(r.output) < 400 and "…" in r.output


def test_scenario_size_message_counts_bytes(tmp_path):
    p = tmp_path / "big.toml"
    p.write_text("#" * (2**20 + 1))
    r = invoke("show", p)
    assert r.exit_code == 2
    assert "expected a scenario file of at most 1,048,576 bytes (1024 KiB); got 1,048,577 bytes" in r.output


def test_csv_is_bounded_while_it_streams(tmp_path, monkeypatch):
    """The row and number caps stop the reader at the first row past them, not after the whole file."""
    from gradsim import datasets as ds

    p = tmp_path / "d.csv"
    p.write_text("x,y\n" + "1,2\n" * 50 + "oops,not a number\n")
    monkeypatch.setattr(ds, "MAX_ROWS", 20)
    with pytest.raises(ValueError, match="holds more than 20 examples"):
        ds.load_csv(p, ["y"])  # refused at row 21: the bad row 52 is never reached
    monkeypatch.setattr(ds, "MAX_ROWS", 1000)
    monkeypatch.setattr(ds, "MAX_TABLE", 30)
    with pytest.raises(ValueError, match="or 30 numbers"):
        ds.load_csv(p, ["y"])
    monkeypatch.setattr(ds, "MAX_TABLE", 1000)
    with pytest.raises(ValueError, match="line 52 holds a value that is not a number"):
        ds.load_csv(p, ["y"])


def test_npy_shape_is_checked_before_it_is_read(tmp_path, monkeypatch):
    import numpy as np

    from gradsim import datasets as ds

    p = tmp_path / "d.npy"
    np.save(p, np.zeros((40, 3)))
    monkeypatch.setattr(ds, "MAX_TABLE", 100)
    with pytest.raises(ValueError, match="holds 120 numbers; expected at most 100"):
        ds.load_npy(p, [-1])
