"""Activations, losses, initialisers and optimisers against their formulas."""

import math
import statistics

import numpy as np
import pytest

from gradsim.engine import ACTIVATIONS, INITIALIZERS, LOSSES, InitSpec, OptimizerSpec, check_compatible, init_layer
from gradsim.engine import optim
from gradsim.engine.activations import fraction_dead, fraction_saturated, get_activation

Z = np.linspace(-6, 6, 25).reshape(5, 5)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.dg is not None])
def test_each_derivative_matches_finite_differences_of_its_g(name):
    g = get_activation(name, **{p.name: 0.2 for p in ACTIVATIONS[name].params})  # not the defaults
    z = Z + 0.013  # keep off the ReLU kink
    h = 1e-6
    fd = (g.g(z + h) - g.g(z - h)) / (2 * h)
    np.testing.assert_allclose(g.dg(z, g.g(z)), fd, rtol=1e-7, atol=1e-9)


def test_sigmoid_is_stable_and_exact():
    g = ACTIVATIONS["sigmoid"].g
    z = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        a = g(z)
    np.testing.assert_allclose(a[0, 1:4], 1 / (1 + np.exp(-z[0, 1:4])), rtol=1e-15)
    assert a[0, 0] == 0.0 and a[0, -1] == 1.0


def test_leaky_relu_keeps_its_slope():
    g = get_activation("leaky_relu", slope=0.2)
    assert g.value("slope") == 0.2 and get_activation("leaky_relu").value("slope") == 0.01
    np.testing.assert_array_equal(g.g(np.array([[-2.0, 3.0]])), [[-0.4, 3.0]])


def test_softmax_columns_sum_to_one_even_for_huge_z():
    z = np.array([[1000.0, 1.0], [1001.0, 2.0], [999.0, 3.0]])
    a = ACTIVATIONS["softmax"].g(z)
    np.testing.assert_allclose(a.sum(axis=0), 1.0)
    np.testing.assert_allclose(a[:, 1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())


def test_logistic_loss_is_stable_for_saturated_but_finite_z():
    Y = np.array([[1.0, 0.0]])
    Z = np.array([[-800.0, 800.0]])  # both confidently wrong
    A = ACTIVATIONS["sigmoid"].g(Z)
    J = LOSSES["logistic"].value(Z, A, Y)
    assert J == pytest.approx(800.0)  # −log σ(−800) = 800, not log(0) = inf
    z = np.array([[0.3, -1.2]])
    a = ACTIVATIONS["sigmoid"].g(z)
    direct = -np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))
    assert LOSSES["logistic"].value(z, a, Y) == pytest.approx(direct, rel=1e-14)


def test_softmax_cross_entropy_matches_its_formula():
    z = np.array([[0.1, 2.0], [1.0, -1.0], [-0.5, 0.3]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    a = ACTIVATIONS["softmax"].g(z)
    assert LOSSES["softmax_ce"].value(z, a, Y) == pytest.approx(-np.sum(Y * np.log(a)) / 2, rel=1e-14)


def test_l1_l2_and_multilabel_formulas():
    a = np.array([[0.2, 0.9], [0.5, 0.1]])
    y = np.array([[0.0, 1.0], [1.0, 1.0]])
    assert LOSSES["l1"].value(a, a, y) == pytest.approx((0.2 + 0.1 + 0.5 + 0.9) / 2)
    assert LOSSES["l2"].value(a, a, y) == pytest.approx(0.5 * (0.04 + 0.01 + 0.25 + 0.81) / 2)
    z = np.log(a / (1 - a))
    per_unit = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    assert LOSSES["multilabel"].value(z, a, y) == pytest.approx(per_unit.sum() / 2, rel=1e-12)


def test_compatibility_rules():
    assert check_compatible("logistic", "sigmoid", 1) is None
    assert "sigmoid" in check_compatible("logistic", "tanh", 1)
    assert "multilabel" in check_compatible("logistic", "sigmoid", 3)
    assert "softmax" in check_compatible("softmax_ce", "sigmoid", 3)
    assert check_compatible("l2", "softmax", 3) is None
    assert "unknown loss" in check_compatible("hinge", "linear")


def test_saturation_and_dead_fractions():
    z = np.array([[-10.0, 0.0], [10.0, 1.0]])
    assert fraction_saturated(ACTIVATIONS["sigmoid"], z, ACTIVATIONS["sigmoid"].g(z)) == 0.5
    z = np.array([[3.0, 0.1]])
    assert fraction_saturated(ACTIVATIONS["tanh"], z, np.tanh(z)) == 0.5
    z = np.array([[-1.0, -2.0], [1.0, -1.0]])
    assert fraction_dead(ACTIVATIONS["relu"], z, np.maximum(z, 0)) == 0.5
    assert fraction_dead(ACTIVATIONS["tanh"], z, np.tanh(z)) == 0.0


N_IN, N_OUT = 400, 300


def _draw(name, **kw):
    return init_layer(np.random.default_rng(0), N_OUT, N_IN, InitSpec(name, **kw))[0]


@pytest.mark.parametrize("name,var", [
    ("standard", 1 / (3 * N_IN)),
    ("xavier", 1 / N_IN),
    ("he", 2 / N_IN),
    ("glorot", 2 / (N_IN + N_OUT)),
    ("normal", 0.01**2),
    ("uniform", 0.05**2 / 3),
])
def test_random_initialisers_have_their_documented_variance(name, var):
    W = _draw(name)
    assert W.shape == (N_OUT, N_IN)
    assert W.var() == pytest.approx(var, rel=0.02)
    assert _draw(name, gain=2.0).var() == pytest.approx(4 * var, rel=0.02)  # the gain multiplies W


def test_uniform_initialisers_respect_their_bounds():
    assert np.abs(_draw("standard")).max() <= 1 / np.sqrt(N_IN)
    assert np.abs(_draw("glorot")).max() <= np.sqrt(6 / (N_IN + N_OUT))


def test_deterministic_initialisers():
    assert np.array_equal(_draw("identity", scale=1.5)[:3, :3], 1.5 * np.eye(3))
    assert np.all(_draw("constant", value=0.3) == 0.3) and np.all(_draw("zeros") == 0)
    Q = _draw("orthogonal")
    np.testing.assert_allclose(Q @ Q.T, np.eye(N_OUT), atol=1e-12)
    W, b = init_layer(np.random.default_rng(0), 2, 2, InitSpec(W=np.array([[1.0, 2.0], [3.0, 4.0]]), bias=0.5))
    assert W.tolist() == [[1, 2], [3, 4]] and b.tolist() == [[0.5], [0.5]]
    assert set(INITIALIZERS) >= {"zeros", "constant", "normal", "uniform", "standard", "xavier", "glorot", "he",
                                 "identity", "orthogonal"}


def test_every_initialiser_documents_its_formula():
    for name, entry in INITIALIZERS.items():
        assert entry.draw.__doc__ and "W" in entry.draw.__doc__ and "W" in entry.formula, name


def _params():
    return (np.array([[1.0, -2.0]]), np.array([[0.5]]))


def _grads():
    return (np.array([[0.1, 0.3]]), np.array([[-0.2]]))


def test_gd_step():
    new, _ = optim.update(OptimizerSpec("gd", 0.5), _params(), _grads(), (), 1)
    np.testing.assert_allclose(new[0], [[0.95, -2.15]])
    np.testing.assert_allclose(new[1], [[0.6]])


def test_momentum_two_steps():
    spec = OptimizerSpec("momentum", 0.5, beta=0.9)
    p, s = _params(), optim.init_state(spec, _params())
    p, s = optim.update(spec, p, _grads(), s, 1)
    p, s = optim.update(spec, p, _grads(), s, 2)
    v1 = 0.1 * np.array([0.1, 0.3])
    v2 = 0.9 * v1 + 0.1 * np.array([0.1, 0.3])
    np.testing.assert_allclose(p[0][0], np.array([1.0, -2.0]) - 0.5 * (v1 + v2))


def test_adam_first_step_moves_each_weight_by_the_learning_rate():
    spec = OptimizerSpec("adam", 0.01)
    p, _ = optim.update(spec, _params(), _grads(), optim.init_state(spec, _params()), 1)
    # bias correction makes m̂/√v̂ = sign(g) on step 1
    np.testing.assert_allclose(p[0], [[1.0 - 0.01, -2.0 - 0.01]], rtol=1e-6)
    np.testing.assert_allclose(p[1], [[0.5 + 0.01]], rtol=1e-6)


def test_updates_never_write_into_their_inputs():
    spec = OptimizerSpec("adam", 0.01)
    params, state = _params(), optim.init_state(spec, _params())
    given = params + tuple(a for slot in state for a in slot)
    copies = [a.copy() for a in given]
    optim.update(spec, params, _grads(), state, 1)
    assert all(np.array_equal(a, c) for a, c in zip(given, copies))


@pytest.mark.parametrize("a", [
    np.arange(12.0).reshape(3, 4) - 5.5,
    np.array([[1e200, -1e200, 3.0]]),  # finite entries whose squares overflow
    np.arange(20.0).reshape(4, 5)[:, ::2],  # strided
])
def test_array_stats_match_numpy(a):
    from gradsim.engine import array_stats
    s = array_stats(a)
    assert s.nonfinite == 0 and s.shape == a.shape
    assert s.mean == pytest.approx(a.mean()) and s.min == a.min() and s.max == a.max()
    with np.errstate(over="ignore"):
        assert s.std == pytest.approx(statistics.pstdev(a.ravel().tolist()))  # numpy.std overflows on 1e200
        assert s.norm == pytest.approx(math.hypot(*a.ravel()))  # np.linalg.norm overflows


def test_array_stats_count_non_finite_entries():
    from gradsim.engine import array_stats
    s = array_stats(np.array([[1.0, np.inf, np.nan, 3.0]]))
    assert s.nonfinite == 2 and not s.finite and s.mean == 2.0 and s.min == 1.0 and s.max == 3.0
