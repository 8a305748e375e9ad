"""gradsim.display: one norm and one set of number/shape formats, and every place prints the same number.

The same-number tests run a 2-layer linear net whose hidden activations are ~1e200 (W[1] = 1e200·I,
W[2] = 1e-200·I), so J stays finite while A[1] and dW[2] are huge: a BLAS dot would square them to inf.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import gradsim.display as display
import gradsim.engine.stats as stats
from gradsim.cli import gradsim
from gradsim.display import fmt, norm, percent, shape
from gradsim.engine import array_stats
from gradsim.replay import RunResult, run, step_lines, summary_lines
from gradsim.scenario import build_simulation, loads_scenario
from gradsim.trace import trace_row
from gradsim.tui.state import take_snapshot

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------- the norm
def test_display_norm_is_the_engines_norm():
    assert display.norm is stats.norm


@pytest.mark.parametrize("shape_", [(1,), (3,), (4, 5), (100, 37), (2, 3, 7)])
def test_norm_of_huge_entries_is_finite_and_exact(shape_):
    a = np.full(shape_, 1e200)
    n = a.size
    assert norm(a) == pytest.approx(1e200 * math.sqrt(n), rel=1e-15, abs=0)
    assert norm(-a) == norm(a)


def test_norm_near_the_top_of_float64_is_finite():
    a = np.full((3, 4), 8.6e305)
    v = norm(a)
    assert math.isfinite(v)
    assert v == pytest.approx(8.6e305 * math.sqrt(12), rel=1e-15, abs=0)


@pytest.mark.parametrize("entries", [[np.nan, np.inf], [np.inf, np.nan], [np.nan, -np.inf], [-np.inf], [1.0, np.inf]])
def test_norm_with_an_infinite_entry_is_inf_even_beside_nan(entries):
    assert norm(np.array(entries)) == math.inf


@pytest.mark.parametrize("entries", [[np.nan, 1.0], [np.nan], [1e200, np.nan, 1e-200]])
def test_norm_with_nan_and_no_inf_is_nan(entries):
    assert math.isnan(norm(np.array(entries)))


def test_norm_of_zeros_empty_and_none():
    assert norm(np.zeros((3, 4))) == 0.0
    assert norm(-np.zeros(5)) == 0.0
    assert norm(np.zeros((0,))) == 0.0
    assert norm(np.zeros((3, 0))) == 0.0
    assert math.isnan(norm(None))


def test_norm_of_tiny_entries_does_not_underflow():
    a = np.full((5, 10), 1e-170)  # each square, 1e-340, underflows to 0
    v = norm(a)
    assert v > 0.0
    assert v == pytest.approx(1e-170 * math.sqrt(50), rel=1e-15, abs=0)
    assert norm(np.array([1e-200, 0.0, -1e-200])) == pytest.approx(1e-200 * math.sqrt(2), rel=1e-15, abs=0)


def test_norm_of_mixed_scales():
    assert norm(np.array([1e200, 1e-200, 3.0])) == 1e200
    assert norm(np.array([[3.0, 4.0]])) == 5.0


def test_norm_of_a_non_contiguous_array_equals_its_contiguous_copy_bit_for_bit():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((41, 33))
    for view in (a[:, ::3], a[::2, 1::2], a.T, np.asfortranarray(a), a[::-1]):
        assert not view.flags.c_contiguous
        assert norm(view) == norm(np.ascontiguousarray(view))
    big = a * 1e200  # the rescaled path too
    assert norm(big[:, ::3]) == norm(np.ascontiguousarray(big[:, ::3]))
    assert math.isfinite(norm(big.T))


def test_norm_matches_hypot_on_ordinary_arrays():
    rng = np.random.default_rng(1)
    for size in (1, 7, 100, 1000):
        a = rng.standard_normal(size)
        assert norm(a) == pytest.approx(math.hypot(*a), rel=1e-14)


def test_array_stats_norm_comes_from_the_one_norm():
    huge = np.full((2, 3), 1e200)
    s = array_stats(huge)
    assert s.nonfinite == 0 and s.finite
    assert math.isfinite(s.norm) and s.norm == norm(huge)
    near_top = np.full((2, 2), 8.6e305)  # even the sum overflows: the slow path
    s = array_stats(near_top)
    assert s.nonfinite == 0 and s.norm == norm(near_top) and math.isfinite(s.norm)
    assert s.min == s.max == 8.6e305
    s = array_stats(np.array([[1.0, np.nan, 3.0]]))
    assert s.nonfinite == 1 and math.isnan(s.norm) and s.mean == 2.0
    s = array_stats(np.array([[1.0, np.inf, np.nan]]))
    assert s.nonfinite == 2 and s.norm == math.inf
    rng = np.random.default_rng(2)
    a = rng.standard_normal((6, 9))[:, ::2]
    assert array_stats(a).norm == norm(a)


# ------------------------------------------------------------------------------------------- formats
def test_shape_takes_an_array_or_a_tuple():
    assert shape(np.zeros((3, 8))) == "(3,8)"
    assert shape((3, 8)) == "(3,8)"
    assert shape([np.int64(2), 1]) == "(2,1)"
    assert shape(np.zeros(4)) == "(4)"
    assert shape(()) == "()"


@pytest.mark.parametrize("x, text", [(0.42, "42%"), (0.0, "0%"), (1.0, "100%"), (0.125, "12%"),
                                     (math.nan, "—"), (math.inf, "—"), (None, "—")])
def test_percent(x, text):
    assert percent(x) == text


def test_formats_live_in_display_only():
    import gradsim.equations as equations
    import gradsim.tui.format as tui_format
    import gradsim.tui.state as state

    names = ("special", "fmt", "fmt_shape", "num", "short", "full", "sci", "decade", "shape", "norm")
    for module in (equations, tui_format, state):
        for name in names:  # absent, or display's own object imported: never a second copy
            assert getattr(module, name, None) in (None, getattr(display, name, None)), (module, name)
    assert not hasattr(display, "fmt_shape")
    assert {"log_range", "bar", "EIGHTHS", "heat_rgb", "summary_indices"} <= set(vars(tui_format))


def test_display_is_free_of_textual_and_click():
    imports = [ln for ln in Path(display.__file__).read_text(encoding="utf-8").splitlines()
               if ln.lstrip().startswith(("import ", "from "))]
    assert imports and not [ln for ln in imports if "textual" in ln or "click" in ln or "tui" in ln]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-c",
         "import sys, gradsim.display; "
         "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'click', 'rich')); "
         "print(bad); sys.exit(1 if bad else 0)"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert p.returncode == 0, p.stdout + p.stderr


# --------------------------------------------------------------------- the same number everywhere
HUGE = """\
seed = 0
loss = "l2"

[network]
layers = [{ n = 2, activation = "linear", repeat = 2 }]

[data]
kind = "explicit"
X = [[1.0, 2.0], [3.0, -1.0]]
Y = [[0.5, 0.0], [0.0, 1.0]]

[init]
bias = 0.0

[init.layers.1]
W = [[1e200, 0.0], [0.0, 1e200]]

[init.layers.2]
W = [[1e-200, 0.0], [0.0, 1e-200]]

[optimizer]
name = "gd"
learning_rate = 0.1

[run]
iterations = 1
"""


def _huge_sim():
    return build_simulation(loads_scenario(HUGE, name="huge"))


def _value(lines: list[str], name: str) -> str:
    """The text after '‖name‖ = ' in the first line that has it."""
    pattern = re.compile(re.escape(f"‖{name}‖ = ") + r"(\S+)")
    for line in lines:
        m = pattern.search(line)
        if m:
            return m.group(1)
    raise AssertionError(f"no ‖{name}‖ in {lines}")


def test_the_huge_scenario_really_is_huge_and_finite():
    sim = _huge_sim()
    sim.run(1)
    A1 = sim.arrays["A[1]"]
    assert np.isfinite(A1).all() and np.abs(A1).max() >= 1e200
    with np.errstate(over="ignore"):
        assert math.isinf(float(np.vdot(A1, A1)))  # the squares overflow: a dot-product norm would say inf
    assert norm(A1) == pytest.approx(1e200 * math.sqrt(15), rel=1e-15, abs=0)
    assert math.isfinite(sim.J) and sim.blowup is None and not sim.halted


def test_step_summary_trace_and_app_print_the_same_norm(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(HUGE, encoding="utf-8")
    r = CliRunner().invoke(gradsim, ["step", str(path)])
    assert r.exit_code == 0, r.output
    cli_lines = r.stdout.splitlines()

    sim = _huge_sim()
    lines = list(step_lines(sim))  # leaves sim at the end of iteration 1: every array of it is there
    assert [ln for ln in cli_lines if "‖" in ln] == [ln for ln in lines if "‖" in ln]

    arrays = sim.arrays
    expected = {name: norm(arrays[name]) for name in ("A[1]", "A[2]", "dW[1]", "dW[2]", "db[1]", "db[2]")}
    assert expected["A[1]"] == pytest.approx(1e200 * math.sqrt(15), rel=1e-15, abs=0)
    assert expected["dW[2]"] > 1e200 and expected["dW[1]"] < 1e-199
    assert all(math.isfinite(v) and v > 0 for v in expected.values())

    # gradsim step: the equation lines
    for name in ("A[1]", "dW[2]", "dW[1]", "db[1]"):
        assert _value(cli_lines, name) == fmt(expected[name]), name

    # the trace row, and what the trace file holds
    row = trace_row(sim)
    for name, v in expected.items():
        assert row[f"norm({name})"] == v, name
    assert row["nonfinite"] is False and row["blowup"] is False and row["halted"] is False

    # the run summary's table: l, n[l], g[l], ‖W[l]‖, ‖A[l]‖, ‖dW[l]‖, ‖db[l]‖, saturated, dead
    summary = summary_lines(sim, RunResult("iterations", 1, 0), "huge")
    table = [ln.split() for ln in summary if ln[:1].isdigit()]
    assert [t[0] for t in table] == ["1", "2"]
    for l, cells in enumerate(table, 1):
        assert cells[3] == fmt(norm(sim.param(f"W[{l}]")))
        assert cells[4:7] == [fmt(expected[f"{k}[{l}]"]) for k in ("A", "dW", "db")]
    W1 = fmt(norm(sim.param("W[1]")))
    assert W1 == "1.4e200" and f"‖W[1]‖ = {W1}" in "\n".join(cli_lines)

    # the app's snapshot
    flow = take_snapshot(sim).flow
    for l, f in enumerate(flow, 1):
        assert f.A == expected[f"A[{l}]"] and f.dW == expected[f"dW[{l}]"]
        assert f.dZ == norm(arrays[f"dZ[{l}]"])
    assert fmt(flow[0].A) == _value(cli_lines, "A[1]") == "3.9e200"
    assert fmt(flow[1].dW) == _value(cli_lines, "dW[2]") == "6.0e200"

    for text in cli_lines + lines + summary:
        assert "inf" not in text and "nan" not in text, text


def test_the_trace_file_writes_the_finite_norm(tmp_path):
    for suffix in (".jsonl", ".csv"):
        sim = _huge_sim()
        trace = tmp_path / f"huge{suffix}"
        result = run(sim, 1, trace=trace)
        assert result.trace_rows == 1
        text = trace.read_text(encoding="utf-8")
        assert "inf" not in text and "null" not in text, text
        if suffix == ".jsonl":
            row = json.loads(text.splitlines()[0])
            assert row["nonfinite"] is False
        else:
            header, cells = (ln.split(",") for ln in text.splitlines())
            row = dict(zip(header, cells))
            assert row["nonfinite"] == "false"
        assert float(row["norm(A[1])"]) == norm(sim.arrays["A[1]"])
        assert float(row["norm(dW[2])"]) == norm(sim.arrays["dW[2]"])


def test_std_and_rms_of_huge_finite_arrays_stay_finite():
    """array_stats' std and the expression language's rms are built on the same scaled norm."""
    from gradsim.engine import array_stats
    from gradsim.scenario.expressions import evaluate, parse

    a = np.array([1e200, -1e200, 3.0])
    assert array_stats(a).std == pytest.approx(math.sqrt(2 / 3) * 1e200, rel=1e-14)
    huge = np.full((2, 2), 1e200)
    assert evaluate(parse("rms(X)"), lambda name, layer: huge) == pytest.approx(1e200, rel=1e-15)
    assert evaluate(parse("rms(X)"), lambda name, layer: np.array([[3.0, 4.0]])) == pytest.approx(math.sqrt(12.5))
