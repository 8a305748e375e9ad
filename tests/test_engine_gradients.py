"""Backprop against central finite differences, and the lecture's closed forms."""

import dataclasses
import itertools
import zlib

import numpy as np
import pytest

from gradsim.engine import ACTIVATIONS, InitSpec, LayerSpec, OptimizerSpec, Simulation, gradcheck, hidden_activations
from gradsim.engine.losses import LOSSES as LOSS_REGISTRY, check_compatible

# every entry of the registries, so a new activation or loss is checked against finite differences at once
HIDDEN = hidden_activations()
OUTPUTS = [name for name, a in ACTIVATIONS.items() if a.output]
LOSSES = list(LOSS_REGISTRY)


def _layer(n, name):
    """A layer whose activation parameters (leaky_relu's slope, elu's alpha) are not the defaults."""
    return LayerSpec(n, name, **{p.name: 0.1 for p in ACTIVATIONS[name].params})


def _targets(loss, out, n_out, m, rng):
    """Targets the outputs never touch, so no |ŷ − y| kink falls inside the finite-difference stencil."""
    if loss == "softmax_ce" or (out == "softmax"):
        return np.eye(n_out)[:, rng.integers(0, n_out, m)]
    if loss in ("logistic", "multilabel") or out == "sigmoid":
        return (rng.random((n_out, m)) > 0.5).astype(float)
    if out == "tanh":
        return rng.choice([-1.0, 1.0], (n_out, m))
    if loss == "l1":
        return rng.choice([-1.0, 1.0], (n_out, m)) * (3 + rng.random((n_out, m)))
    return rng.standard_normal((n_out, m))


def _combos():
    for hidden, out, loss, m in itertools.product(HIDDEN, OUTPUTS, LOSSES, [1, 7]):
        n_out = 1 if loss == "logistic" else 3
        if check_compatible(loss, out, n_out) is None:
            yield hidden, out, loss, m


@pytest.mark.parametrize("hidden,out,loss,m", list(_combos()))
def test_backprop_matches_finite_differences(hidden, out, loss, m):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{out}-{loss}-{m}".encode()))
    n_out = 1 if loss == "logistic" else 3
    X = rng.standard_normal((4, m))
    Y = _targets(loss, out, n_out, m, rng)
    layers = [_layer(5, hidden), _layer(3, hidden), _layer(n_out, out)]
    # biases away from 0 keep ReLU kinks away from the finite-difference stencil
    sim = Simulation(X, Y, layers, loss, InitSpec("xavier", bias=0.05), OptimizerSpec("gd", 0.1), seed=3)
    checks = gradcheck(sim)
    assert len(checks) == 3
    for c in checks:
        assert c.checked == c.total
        assert c.rel_error_W <= 1e-7, (c, hidden, out, loss, m)
        assert c.rel_error_b <= 1e-7, (c, hidden, out, loss, m)


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    """The check itself can fail: break tanh' and it must report a large error."""
    from gradsim.engine import activations

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((1, 5))
    broken = dataclasses.replace(activations.ACTIVATIONS["tanh"], dg=lambda Z, A: 1.0 - A)  # wrong: 1 − A²
    monkeypatch.setitem(activations.ACTIVATIONS, "tanh", broken)
    sim = Simulation(X, Y, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")], "l2", InitSpec("xavier"), seed=0)
    assert gradcheck(sim)[0].rel_error_W > 1e-3


def test_sampled_gradcheck_on_a_large_layer():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((60, 4)), rng.standard_normal((2, 4))
    sim = Simulation(X, Y, [LayerSpec(40, "tanh"), LayerSpec(2, "linear")], "l2", InitSpec("xavier"), seed=0)
    c = gradcheck(sim, max_per_layer=50)[0]
    assert c.checked == 50 + 40 and c.total == 60 * 40 + 40
    assert c.rel_error <= 1e-7


def _run_one_iteration(sim):
    sim.step_iteration()
    return sim.arrays


def test_lecture_dW3_closed_form_for_sigmoid_and_logistic_loss():
    """dJ/dW[3] = −(1/m) Σ_i (y(i) − a[3](i)) a[2](i)ᵀ (lecture 11, the cached a[2] and a[3])."""
    rng = np.random.default_rng(4)
    m = 9
    X, Y = rng.standard_normal((5, m)), (rng.random((1, m)) > 0.5).astype(float)
    layers = [LayerSpec(4, "sigmoid"), LayerSpec(3, "sigmoid"), LayerSpec(1, "sigmoid")]
    sim = Simulation(X, Y, layers, "logistic", InitSpec("xavier"), seed=2)
    a = _run_one_iteration(sim)
    expected = -(1 / m) * (Y - a["A[3]"]) @ a["A[2]"].T
    np.testing.assert_allclose(a["dW[3]"], expected, rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(a["db[3]"], -(1 / m) * (Y - a["A[3]"]).sum(axis=1, keepdims=True), rtol=1e-14)
    # and the chain rule one layer further: dZ[2] = W[3]ᵀ dZ[3] ⊙ a[2](1 − a[2])
    dZ3 = (a["A[3]"] - Y) / m
    np.testing.assert_allclose(a["dZ[2]"], (a["W[3]"].T @ dZ3) * a["A[2]"] * (1 - a["A[2]"]), rtol=1e-14)


@pytest.mark.parametrize("scale,expected", [(1.5, 57.6650390625), (0.5, 0.0009765625)])
def test_ten_layer_identity_net_scales_as_power_ten(scale, expected):
    """W[l] = c·I, b = 0, linear: ŷ = c^10 x exactly; dW[l] = c^9 dZ[10] xᵀ for every l."""
    assert expected == scale**10
    x = np.array([[1.0, -2.0, 0.25], [3.0, 0.5, -1.0]])  # n[0] = 2, m = 3
    y = np.zeros((2, 3))
    layers = [LayerSpec(2, "linear")] * 10
    sim = Simulation(x, y, layers, "l2", InitSpec("identity", scale=scale), OptimizerSpec("gd", 0.0), seed=0)
    a = _run_one_iteration(sim)
    assert np.array_equal(a["A[10]"], expected * x)  # exact: powers of 1.5 and 0.5 are dyadic
    for l in range(1, 11):
        assert np.array_equal(a[f"A[{l}]"], scale**l * x)
    dZ10 = (expected * x - y) / 3
    for l in range(1, 11):
        np.testing.assert_allclose(a[f"dW[{l}]"], scale**9 * dZ10 @ x.T, rtol=1e-14)
        np.testing.assert_allclose(a[f"db[{l}]"], scale ** (10 - l) * dZ10.sum(axis=1, keepdims=True), rtol=1e-14)
    ratio = np.linalg.norm(a["dW[1]"]) / np.linalg.norm(a["dW[10]"])
    assert ratio == pytest.approx(1.0)  # with identity weights every layer sees c^9: it is the outputs that blow up


def test_network_without_activations_is_one_linear_map():
    """W = W[3]W[2]W[1], B = W[3]W[2]b[1] + W[3]b[2] + b[3]; A[3] = W X + B."""
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((4, 6)), rng.standard_normal((2, 6))
    layers = [LayerSpec(5, "linear"), LayerSpec(3, "linear"), LayerSpec(2, "linear")]
    sim = Simulation(X, Y, layers, "l2", InitSpec("normal", std=0.7, bias=0.0), seed=1)
    W1, b1, W2, b2, W3, b3 = sim.params
    # biases non-zero so B is tested too
    specs = [InitSpec("explicit", W=W1, b=rng.standard_normal((5, 1))),
             InitSpec("explicit", W=W2, b=rng.standard_normal((3, 1))),
             InitSpec("explicit", W=W3, b=rng.standard_normal((2, 1)))]
    sim = Simulation(X, Y, layers, "l2", specs, seed=1)
    W1, b1, W2, b2, W3, b3 = sim.params
    a = _run_one_iteration(sim)
    W = W3 @ W2 @ W1
    B = W3 @ W2 @ b1 + W3 @ b2 + b3
    np.testing.assert_allclose(a["A[3]"], W @ X + B, rtol=1e-12, atol=1e-12)
    assert np.linalg.matrix_rank(W) <= 3  # the product cannot be richer than its narrowest layer


def test_sigmoid_saturation_vanishes_gradient():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 16))
    Y = (rng.random((1, 16)) > 0.5).astype(float)
    layers = [LayerSpec(4, "sigmoid"), LayerSpec(1, "sigmoid")]
    small = Simulation(X, Y, layers, "logistic", InitSpec("xavier"), seed=0)
    big = Simulation(X * 1000, Y, layers, "logistic", InitSpec("xavier"), seed=0)
    a_small, a_big = _run_one_iteration(small), _run_one_iteration(big)
    assert np.isfinite(big.J)
    assert big.layer_stats(1)["fraction_saturated"] > 0.9
    assert small.layer_stats(1)["fraction_saturated"] < 0.2
    assert np.linalg.norm(a_big["dZ[1]"]) < 1e-3 * np.linalg.norm(a_small["dZ[1]"])


def test_gradcheck_leaves_out_samples_on_a_relu_kink():
    """A ReLU unit sitting exactly at z = 0 has no derivative: the check skips it rather than failing."""
    X = np.array([[1.0, 2.0]])
    Y = np.array([[1.0, 3.0]])
    W1 = np.array([[1.0], [1.0]])
    b1 = np.array([[-1.0], [0.5]])  # unit 1 has z = 0 on the first example
    specs = [InitSpec(W=W1, b=b1), InitSpec(W=np.array([[1.0, 1.0]]))]
    sim = Simulation(X, Y, [LayerSpec(2, "relu"), LayerSpec(1, "linear")], "l2", specs)
    c = gradcheck(sim)
    assert c[0].skipped > 0 and c[0].checked + c[0].skipped == c[0].total
    assert c[0].rel_error <= 1e-7 and c[1].rel_error <= 1e-7
