"""Weight decay and the metrics beyond the batch: J_full and J_test carry the same penalty λ/(2m)·Σ‖W[l]‖² as J
(m: the set's own examples), so under batch GD J_full = J exactly; J_full_data, J_test_data (and J_data) are
the data losses, checked against an independent NumPy forward pass; compare's verdict compares data losses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.compare import compare_scenarios
from gradsim.engine import evaluate
from gradsim.scenario import build_simulation, load_scenario
from gradsim.scenario.overrides import apply_assignments

LAM = 3.0  # weight-decay-overfit's λ


def own(params, X, Y):
    """(data loss, penalty) of weight-decay-overfit's tanh → linear net with l2 loss on (X, Y), by hand."""
    W1, b1, W2, b2 = params
    A = W2 @ np.tanh(W1 @ X + b1) + b2
    m = X.shape[1]
    return 0.5 * ((A - Y) ** 2).sum() / m, LAM / (2 * m) * ((W1 ** 2).sum() + (W2 ** 2).sum())


def test_batch_gd_j_full_is_j_and_j_test_has_the_penalty():
    sim = build_simulation(load_scenario("weight-decay-overfit"))
    for _ in range(5):
        sim.step_iteration()
        values = evaluate.metrics(sim, evaluate.applies(sim))
        assert values["J_full"] == sim.J  # bit for bit: the same forward pass and the same penalty
        assert values["J_full_data"] == sim.J_parts[0]
        params = evaluate.used_params(sim)
        data, reg = own(params, *sim.heldout)
        assert values["J_test_data"] == pytest.approx(data, rel=1e-12)
        assert values["J_test"] == pytest.approx(data + reg, rel=1e-12)
        data, reg = own(params, sim.X, sim.Y)
        assert sim.J == pytest.approx(data + reg, rel=1e-12)


def test_minibatches_take_the_full_sets_m_in_the_penalty():
    sim = build_simulation(apply_assignments(load_scenario("weight-decay-overfit"), ["optimizer.batch_size=8"]))
    sim.run(3)
    values = evaluate.metrics(sim, ("J_full", "J_full_data"))
    data, reg = own(evaluate.used_params(sim), sim.X, sim.Y)
    assert sim.m == 30 and values["J_full_data"] == pytest.approx(data, rel=1e-12)
    assert values["J_full"] == pytest.approx(data + reg, rel=1e-12)


def test_without_a_penalty_the_data_names_equal_the_plain_ones_and_are_not_traced(tmp_path):
    sc = apply_assignments(load_scenario("weight-decay-overfit"), ["transform=[]"])
    sim = build_simulation(sc)
    sim.run(2)
    assert "J_full_data" not in evaluate.applies(sim)
    values = evaluate.metrics(sim, evaluate.NAMES[:1] + ("J_full_data", "J_test", "J_test_data"))
    assert values["J_full"] == values["J_full_data"] == sim.J and values["J_test"] == values["J_test_data"]
    out = tmp_path / "t.jsonl"
    r = CliRunner().invoke(gradsim, ["run", "weight-decay-overfit", "--set", "transform=[]", "-n", "2", "-q",
                                     "--trace", str(out)])
    assert r.exit_code == 0, r.output
    row = json.loads(out.read_text().splitlines()[0])
    assert not {"J_data", "J_full_data", "J_test_data"} & set(row) and {"J_full", "J_test"} <= set(row)


def test_the_trace_has_the_data_losses_under_weight_decay(tmp_path):
    out = tmp_path / "t.jsonl"
    r = CliRunner().invoke(gradsim, ["run", "weight-decay-overfit", "-n", "3", "-q", "--trace", str(out)])
    assert r.exit_code == 0, r.output
    sim = build_simulation(load_scenario("weight-decay-overfit"))
    for line in out.read_text().splitlines():
        row = json.loads(line)
        sim.step_iteration()
        assert row["J_full"] == row["J"] and row["J_data"] == row["J_full_data"] == sim.J_parts[0]
        assert row["J_test"] > row["J_test_data"]


def test_expectations_read_the_data_names(tmp_path):
    f = tmp_path / "e.toml"
    f.write_text(load_scenario("weight-decay-overfit").source.read_text() + '''
[[expect]]
name = "the full-set data loss is J_data under batch GD"
at = { iteration = 3 }
value = "J_full_data"
op = "=="
rhs = "J_data"

[[expect]]
name = "J_test is its data loss plus the penalty on the held-out m"
at = { iteration = 3, phase = "loss" }  # W[l]: the iteration's own (after its update they are the new ones)
value = "J_test - J_test_data"
op = "=="
rtol = 1e-12
rhs = "3.0 / (2 * 30) * (norm(W[1])**2 + norm(W[2])**2)"
''')
    r = CliRunner().invoke(gradsim, ["check", str(f)])
    assert r.exit_code == 0, r.output


def test_compare_verdict_compares_the_data_losses():
    a = load_scenario("weight-decay-overfit")
    b = apply_assignments(a, ["transform=[]"])
    c = compare_scenarios(a, b, 300, labels=("decay", "plain"))
    verdict = c.verdict()
    assert "J_data" in verdict and "on the held-out set: A (decay) ends lower: J_test_data" in verdict, verdict
    last = c.a.metrics[300]
    assert c.b.metrics[300]["J_data"] == c.b.metrics[300]["J"]  # the plain run's data loss is its J
    assert last["J_data"] < last["J"]
    # without weight decay on either side the verdict stays on J
    plain = compare_scenarios(b, b, 5)
    assert "ends lower" not in plain.verdict() and "the same J = " in plain.verdict()
