"""Metrics beyond the batch (engine/evaluate.py): the held-out split, J and accuracy over the full training
set and the held-out set, their trace columns, expression names and run summary."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.checks import run_expectations
from gradsim.cli import gradsim
from gradsim.engine import evaluate
from gradsim.errors import ScenarioError
from gradsim.scenario import build_simulation, loads_scenario, make_data
from gradsim.scenario.build import make_split, held_out_indices

BASE = """
seed = {seed}
loss = "{loss}"
[network]
layers = [{{ n = 4, activation = "tanh" }}, {{ n = {out}, activation = "{act}" }}]
[data]
kind = "moons"
m = 50
{data}
[optimizer]
name = "gd"
learning_rate = 0.5
{opt}
[run]
iterations = 30
{expect}
"""


def scenario(seed=0, loss="logistic", out=1, act="sigmoid", data="test_fraction = 0.2\nnormalize = true", opt="",
             expect=""):
    return loads_scenario(BASE.format(seed=seed, loss=loss, out=out, act=act, data=data, opt=opt, expect=expect))


def test_split_is_seeded_disjoint_and_complete():
    sc = scenario()
    assert sc.data.m_test == 10 and sc.data.m_train == 40
    a, b = held_out_indices(sc.data, 0), held_out_indices(sc.data, 0)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, held_out_indices(sc.data, 1))
    assert len(set(a.tolist())) == 10 and set(a.tolist()) <= set(range(50))
    # without normalisation the two parts are exactly the columns of the whole draw
    raw = scenario(data="test_fraction = 0.2")
    X, Y = make_data(raw.data, 0)
    Xtr, Ytr, Xte, Yte = make_split(raw.data, 0)
    idx = held_out_indices(raw.data, 0)
    rest = np.setdiff1d(np.arange(50), idx)
    assert np.array_equal(Xte, X[:, idx]) and np.array_equal(Yte, Y[:, idx])
    assert np.array_equal(Xtr, X[:, rest]) and np.array_equal(Ytr, Y[:, rest])


def test_split_differs_across_seeds_and_normalises_with_train_statistics():
    s0, s1 = build_simulation(scenario(seed=0)), build_simulation(scenario(seed=1))
    assert not np.array_equal(s0.heldout[0], s1.heldout[0])
    again = build_simulation(scenario(seed=0))
    assert np.array_equal(s0.heldout[0], again.heldout[0]) and np.array_equal(s0.X, again.X)
    assert s0.m == 40 and s0.heldout[0].shape == (2, 10)
    assert np.allclose(s0.X.mean(axis=1), 0, atol=1e-12) and np.allclose(s0.X.std(axis=1), 1)
    assert not np.allclose(s0.heldout[0].mean(axis=1), 0, atol=1e-3)


@pytest.mark.parametrize("value", [1.0, 0.95, -0.1, "a"])
def test_bad_test_fraction_is_one_line_naming_the_field(value):
    with pytest.raises(ScenarioError) as e:
        scenario(data=f"test_fraction = {value!r}".replace("'", '"'))
    assert "data.test_fraction" in str(e.value)


def test_a_split_that_leaves_nothing_out_is_refused():
    with pytest.raises(ScenarioError, match="test_fraction"):
        scenario(data="test_fraction = 0.001")


def independent_score(params, X, Y, loss):
    W1, b1, W2, b2 = params
    Z2 = W2 @ np.tanh(W1 @ X + b1) + b2
    if loss == "logistic":
        A = 1 / (1 + np.exp(-Z2))
        J = float(np.mean(np.logaddexp(0, Z2) - Y * Z2))
        return J, float(np.mean((A > 0.5) == (Y > 0.5)))
    e = np.exp(Z2 - Z2.max(axis=0))
    A = e / e.sum(axis=0)
    return float(-np.mean((Y * np.log(A)).sum(axis=0))), float(np.mean(A.argmax(0) == Y.argmax(0)))


@pytest.mark.parametrize("loss,out,act,data", [("logistic", 1, "sigmoid", ""), ("softmax_ce", 2, "softmax", "one_hot = true")])
def test_metrics_equal_numpy_and_leave_the_simulation_alone(loss, out, act, data):
    sc = scenario(loss=loss, out=out, act=act, data="test_fraction = 0.2\n" + data, opt="batch_size = 8")
    sim = build_simulation(sc)
    sim.run(7)
    sim.step()  # mid-iteration: forward l=1 of iteration 8
    before = (sim.iteration, sim.phase_index, list(sim.J_history), dict(sim.arrays), sim.params, len(sim.records))
    m = evaluate.metrics(sim)
    after = (sim.iteration, sim.phase_index, list(sim.J_history), dict(sim.arrays), sim.params, len(sim.records))
    assert before[:3] == after[:3] and before[5] == after[5]
    assert all(before[3][k] is after[3][k] for k in before[3]) and before[4] is after[4]
    params = [sim.arrays[f"{k}[{l}]"] for l in (1, 2) for k in ("W", "b")]
    Xtr, Ytr, Xte, Yte = make_split(sc.data, sc.seed)
    assert (m["J_full"], m["accuracy"]) == pytest.approx(independent_score(params, Xtr, Ytr, loss), rel=1e-12)
    assert (m["J_test"], m["accuracy_test"]) == pytest.approx(independent_score(params, Xte, Yte, loss), rel=1e-12)
    assert evaluate.applies(sim) == ("J_full", "accuracy", "J_test", "accuracy_test")
    # rewind still comes back to the same numbers
    J8 = sim.J_history[-1]
    assert sim.goto(7, sim.P) and sim.J_history[-1] == J8


def test_batch_gd_full_cost_is_the_batch_cost():
    sim = build_simulation(scenario())
    sim.run(5)
    assert evaluate.metrics(sim)["J_full"] == sim.J


def test_regression_has_no_accuracy_and_no_split_no_columns():
    reg = loads_scenario(BASE.format(seed=0, loss="l2", out=1, act="linear", data="", opt="batch_size = 10", expect="")
                         .replace('"moons"', '"teacher"'))
    sim = build_simulation(reg)
    assert evaluate.applies(sim) == ("J_full",)
    assert evaluate.applies(build_simulation(scenario(data=""))) == ()


def expect(value, op=">=", rhs=0.0):
    return f'[[expect]]\nvalue = "{value}"\nop = "{op}"\nrhs = {rhs}\n'


def test_expression_names_check_against_the_run():
    sc = scenario(expect=expect("accuracy", ">=", 0.5) + expect("J_test", "<", 5) + expect("accuracy_test - accuracy", ">", -1)
                  + expect("accuracy(A[L], Y)", ">=", 0.5))
    results = run_expectations(sc)
    assert all(r.passed for r in results), [r.line() for r in results]
    sim = build_simulation(sc)
    sim.run(30)
    assert float(results[0].got) == pytest.approx(evaluate.metrics(sim)["accuracy"], abs=1e-9)


def test_names_that_do_not_apply_are_load_errors():
    with pytest.raises(ScenarioError, match="held-out split"):
        scenario(data="", expect=expect("J_test"))
    with pytest.raises(ScenarioError, match="classification loss"):
        loads_scenario(BASE.format(seed=0, loss="l2", out=1, act="linear", data="", opt="", expect=expect("accuracy"))
                       .replace('"moons"', '"teacher"'))


def test_trace_and_npz_agree_with_an_independent_accuracy(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE.format(seed=0, loss="logistic", out=1, act="sigmoid", data="test_fraction = 0.25",
                                opt="batch_size = 8", expect=""))
    trace, npz = tmp_path / "t.csv", tmp_path / "a.npz"
    r = CliRunner().invoke(gradsim, ["run", str(path), "-n", "12", "--trace", str(trace), "--npz", str(npz)])
    assert r.exit_code == 0, r.output
    assert "J_full = " in r.output and "accuracy_test = " in r.output
    rows = list(csv.DictReader(trace.open()))
    assert list(rows[0])[-4:] == ["J_full", "accuracy", "J_test", "accuracy_test"]
    arrays = np.load(npz)
    params = [arrays[f"{k}[{l}]"] for l in (1, 2) for k in ("W", "b")]
    Xtr, Ytr, Xte, Yte = make_split(loads_scenario(path.read_text()).data, 0)
    J, acc = independent_score(params, Xtr, Ytr, "logistic")
    Jt, acct = independent_score(params, Xte, Yte, "logistic")
    last = rows[-1]
    assert float(last["accuracy"]) == acc and float(last["accuracy_test"]) == acct
    assert float(last["J_full"]) == pytest.approx(J, rel=1e-12) and float(last["J_test"]) == pytest.approx(Jt, rel=1e-12)
    assert math.isfinite(float(last["J"]))
