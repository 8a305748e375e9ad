"""The trace's gradient-dynamics columns (norm(dZ[l]), norm(dA[l]), std(A[l])) and dA[0] in the NPZ,
against NumPy on the arrays of the same run and against the closed forms of the linear scenarios."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import std
from gradsim.scenario import build_simulation, load_scenario
from gradsim.scenario.expressions import evaluate, parse
from gradsim.trace import trace_columns


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


def test_columns_name_every_layer_once():
    cols = trace_columns(3)
    assert [c for c in cols if c.startswith("norm(dZ")] == ["norm(dZ[1])", "norm(dZ[2])", "norm(dZ[3])"]
    assert [c for c in cols if c.startswith("norm(dA")] == ["norm(dA[0])", "norm(dA[1])", "norm(dA[2])"]
    assert [c for c in cols if c.startswith("std(")] == ["std(A[1])", "std(A[2])", "std(A[3])"]
    assert len(cols) == len(set(cols))


@pytest.mark.parametrize("name, gain, y", [("exploding-linear", 1.5, 0.0), ("vanishing-linear", 0.5, 1.0)])
def test_linear_scenarios_trace_the_closed_form(tmp_path, name, gain, y):
    trace, npz = tmp_path / "t.jsonl", tmp_path / "last.npz"
    r = invoke("run", name, "-n", 1, "--trace", trace, "--npz", npz, "-q")
    assert r.exit_code == 0, r.output
    row = json.loads(trace.read_text().splitlines()[0])
    z = np.load(npz)
    x = np.array([[1.0], [2.0]])
    dyhat = gain**10 * x - y  # l2 loss, m = 1: dA[10] = ŷ − y = gain^10·x − y
    for l in range(1, 11):
        assert row[f"norm(dZ[{l}])"] == pytest.approx(gain ** (10 - l) * np.linalg.norm(dyhat), rel=1e-14)
        assert row[f"norm(dZ[{l}])"] == pytest.approx(np.linalg.norm(z[f"dZ[{l}]"]), rel=1e-15)
        assert row[f"std(A[{l}])"] == pytest.approx(np.std(z[f"A[{l}]"]), rel=1e-14)
    for l in range(0, 10):
        assert row[f"norm(dA[{l}])"] == pytest.approx(np.linalg.norm(z[f"dA[{l}]"]), rel=1e-15)
    assert row["norm(dZ[1])"] / row["norm(dZ[10])"] == pytest.approx(gain**9, rel=1e-14)
    # dA[0] = W[1]ᵀ dZ[1] = gain^10 · dA[10]
    np.testing.assert_allclose(z["dA[0]"], z["W[1]"].T @ z["dZ[1]"], rtol=1e-15)
    np.testing.assert_allclose(z["dA[0]"], gain**10 * z["dA[10]"], rtol=1e-14)
    assert "norm(dA[10])" not in row  # dA[L] is the loss's dŷ; dZ[L] shows it


def test_csv_trace_matches_numpy_on_a_sigmoid_net(tmp_path):
    trace, npz = tmp_path / "t.csv", tmp_path / "last.npz"
    r = invoke("run", "three-layer-cache", "-n", 3, "--trace", trace, "--npz", npz, "-q")
    assert r.exit_code == 0, r.output
    with open(trace, newline="") as f:
        rows = list(csv.DictReader(f))
    last, z = rows[-1], np.load(npz)
    for l in range(1, 4):
        assert float(last[f"norm(dZ[{l}])"]) == pytest.approx(np.linalg.norm(z[f"dZ[{l}]"]), rel=1e-14)
        assert float(last[f"std(A[{l}])"]) == pytest.approx(np.std(z[f"A[{l}]"]), rel=1e-13)
    for l in range(0, 3):
        assert float(last[f"norm(dA[{l}])"]) == pytest.approx(np.linalg.norm(z[f"dA[{l}]"]), rel=1e-14)
    assert z["dA[0]"].shape == z["X"].shape


def test_trace_columns_are_expressions_with_the_same_value():
    sim = build_simulation(load_scenario("three-layer-cache"))
    sim.run(1)
    from gradsim.trace import trace_row
    row = trace_row(sim)
    arrays = sim.arrays

    def lookup(name, layer):
        return arrays[name if layer is None else f"{name}[{layer}]"]

    for col in ("norm(dZ[2])", "norm(dA[0])", "std(A[1])"):
        assert evaluate(parse(col), lookup) == row[col], col


def test_std_is_overflow_safe_and_nan_for_non_finite():
    a = np.array([1e200, -1e200, 3e200, 5e200])
    assert std(a) == pytest.approx(np.std(a / 1e200) * 1e200, rel=1e-15)
    assert math.isfinite(std(np.array([1.7e308, 1.7e308, -1.7e308])))
    assert std(np.array([1.0, np.inf])) != std(np.array([1.0, np.inf]))  # NaN
    assert std(np.array([2.0, 2.0, 2.0])) == 0.0
    rng = np.random.default_rng(1)
    b = rng.normal(size=(7, 13))
    assert std(b) == pytest.approx(np.std(b), rel=1e-14)
