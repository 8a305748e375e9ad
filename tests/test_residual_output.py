"""A skip into the output layer: A[L] = g(Z[L]) + A[L−k], the loss taken on A[L], dA[L] from it and
dZ[L] = dA[L] ⊙ g'(Z[L]) at g(Z[L]). The stepped simulation's gradients against finite differences of a J
written here from scratch (m = 1 and m > 1); a fused loss (logistic, multilabel, softmax_ce: ŷ = g(Z[L])
itself) with such a skip is refused, by the scenario format in one line naming file and field, and by the
engine."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.gradcheck import gradcheck
from gradsim.engine.network import gradients
from gradsim.scenario import build_simulation, load_scenario

from export_helpers import assert_same, exported_run, gradsim_run
from test_cli import assert_show_refuses

# layer 1: tanh with a skip from X; layer 2: sigmoid; layer 3 (the output): tanh + A[1] (k = 2)
LAYERS = [LayerSpec(2, "tanh", skip=1), LayerSpec(2, "sigmoid"), LayerSpec(2, "tanh", skip=2)]


def sim_for(m: int, loss: str = "l2") -> Simulation:
    rng = np.random.default_rng(10 + m)
    X = rng.standard_normal((2, m))
    Y = rng.standard_normal((2, m))
    return Simulation(X, Y, LAYERS, loss, InitSpec("xavier", bias=0.1), OptimizerSpec("gd", 0.1), seed=2)


def own_J(params, X, Y, loss: str) -> float:
    """J of the net above, by hand: A1 = tanh(Z1) + X, A2 = σ(Z2), ŷ = A3 = tanh(Z3) + A1."""
    W, b = params[0::2], params[1::2]
    A1 = np.tanh(W[0] @ X + b[0]) + X
    A2 = 1 / (1 + np.exp(-(W[1] @ A1 + b[1])))
    A3 = np.tanh(W[2] @ A2 + b[2]) + A1
    m = X.shape[1]
    return float(0.5 * ((A3 - Y) ** 2).sum() / m) if loss == "l2" else float(np.abs(A3 - Y).sum() / m)


def fd(params, X, Y, loss, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            hi = [q.copy() for q in params]
            lo = [q.copy() for q in params]
            hi[len(out)][idx] += eps
            lo[len(out)][idx] -= eps
            g[idx] = (own_J(hi, X, Y, loss) - own_J(lo, X, Y, loss)) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("loss", ["l2", "l1"])
@pytest.mark.parametrize("m", [1, 5])
def test_stepped_gradients_against_finite_differences(m, loss):
    sim = sim_for(m, loss)
    params = tuple(np.array(p) for p in sim.params)
    sim.step_iteration()
    a = sim.arrays
    assert sim.J_history[0] == pytest.approx(own_J(params, a["X"], a["Y"], loss), rel=1e-13)
    # A[L] holds the skip, and dA[L] is the loss's gradient at that A[L]
    W3, b3 = params[4], params[5]
    A3 = np.tanh(W3 @ a["A[2]"] + b3) + a["A[1]"]
    np.testing.assert_allclose(a["A[3]"], A3, rtol=1e-13)
    expected_dA = (A3 - a["Y"]) / m if loss == "l2" else np.sign(A3 - a["Y"]) / m
    np.testing.assert_allclose(a["dA[3]"], expected_dA, rtol=1e-13)
    for key, g in zip(sim._grad_keys, fd(params, a["X"], a["Y"], loss)):
        np.testing.assert_allclose(a[key], g, rtol=1e-6, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("m", [1, 6])
def test_network_gradients_and_gradcheck_agree(m):
    sim = sim_for(m)
    params = tuple(np.array(p) for p in sim.params)
    sim.step_iteration()
    a = sim.arrays
    for g, key in zip(gradients(params, a["X"], a["Y"], sim.acts, sim.loss, sim.skips), sim._grad_keys):
        np.testing.assert_allclose(g, a[key], rtol=1e-13, atol=1e-15, err_msg=key)
    fresh = sim_for(m)
    for check in gradcheck(fresh):
        assert check.rel_error_W < 1e-6 and check.rel_error_b < 1e-6, check


@pytest.mark.parametrize("loss", ["logistic", "softmax_ce"])
def test_the_engine_refuses_a_skip_into_a_fused_output(loss):
    out = "sigmoid" if loss == "logistic" else "softmax"
    n = 1 if loss == "logistic" else 2
    X, Y = np.zeros((n, 3)), np.full((n, 3), 1.0 / n)
    with pytest.raises(ValueError, match="skip"):
        Simulation(X, Y, [LayerSpec(n, "tanh"), LayerSpec(n, out, skip=1)], loss)


TOML = """\
loss = "{loss}"
[network]
layers = [{{ n = 2, activation = "tanh" }}, {{ n = 2, activation = "{out}", skip = 1 }}]
[data]
kind = "explicit"
X = [[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]]
Y = {Y}
[optimizer]
learning_rate = 0.1
[run]
iterations = 20
"""


@pytest.mark.parametrize("loss, out, Y", [
    ("multilabel", "sigmoid", "[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]"),
    ("softmax_ce", "softmax", "[[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]"),
])
def test_a_fused_loss_with_a_skip_into_the_output_is_one_line(tmp_path, loss, out, Y):
    f = tmp_path / "bad.toml"
    f.write_text(TOML.format(loss=loss, out=out, Y=Y))
    assert_show_refuses(f, "network.layers[1].skip", "l1 or l2")


def test_a_regression_scenario_with_a_skip_into_the_output_runs_checks_and_exports(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(TOML.format(loss="l2", out="linear", Y="[[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]"))
    r = CliRunner().invoke(gradsim, ["run", str(f), "-n", "5"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(gradsim, ["step", str(f)])
    assert r.exit_code == 0, r.output
    assert "dA[1] = W[2]ᵀ·dZ[2] + dA[2]" in r.output and "dA[2] = (A[2] − Y)/m" in r.output
    sc = load_scenario(f)
    sim = build_simulation(sc)
    assert sim.skips == (0, 1)
    assert_same(exported_run(sc, tmp_path, "numpy", 20, subprocess=False), gradsim_run(sc, 20), 1e-12)
