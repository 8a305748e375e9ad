"""Dropout: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) in training, the mask a pure function of (seed, t, l).

The stepped gradients are checked against finite differences of a J written here from scratch in NumPy
with the iteration's masks held fixed (m = 1 and m > 1); gradcheck must hold the masks fixed too; rewind,
replay and two runs with one seed give the same masks bit for bit; evaluation runs without masks; the
scenario format refuses dropout where it cannot go, naming file and field.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine import evaluate
from gradsim.engine.dropout import mask, masks_of
from gradsim.engine.gradcheck import gradcheck
from gradsim.engine.network import cost, gradients
from test_cli import assert_show_refuses

P1, P3 = 0.5, 0.3
# layer 1 drops (p = 0.5), layer 2 adds A[1] (masked) through a skip, layer 3 drops (p = 0.3), σ output
LAYERS = [LayerSpec(4, "tanh", dropout=P1), LayerSpec(4, "sigmoid", skip=1), LayerSpec(3, "elu", dropout=P3),
          LayerSpec(1, "sigmoid")]


def sim_for(m: int, layers=LAYERS, seed: int = 0, heldout: bool = False) -> Simulation:
    rng = np.random.default_rng(m)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    sim = Simulation(X, Y, layers, "logistic", InitSpec("xavier", bias=0.1), OptimizerSpec("gd", 0.5), seed=seed)
    if heldout:
        sim.heldout = (rng.standard_normal((3, 9)), (rng.random((1, 9)) > 0.5).astype(float))
    return sim


def own_J(params, X, Y, M1, M3) -> float:
    """J of the net above by hand, the masks M1, M3 given: tanh·M/(1−p), σ + skip, elu·M/(1−p), σ, logistic."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    elu = lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1)  # noqa: E731
    W, b = params[0::2], params[1::2]
    A1 = np.tanh(W[0] @ X + b[0]) * M1 / (1 - P1)
    A2 = sig(W[1] @ A1 + b[1]) + A1
    A3 = elu(W[2] @ A2 + b[2]) * M3 / (1 - P3)
    A4 = sig(W[3] @ A3 + b[3])
    return float(-np.mean(Y * np.log(A4) + (1 - Y) * np.log(1 - A4)))


def fd(params, X, Y, M1, M3, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            jp = own_J(params, X, Y, M1, M3)
            p[idx] = old - eps
            jm = own_J(params, X, Y, M1, M3)
            p[idx] = old
            g[idx] = (jp - jm) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("m", [1, 7])
def test_stepped_gradients_equal_finite_differences_of_an_independent_J_with_the_mask_fixed(m):
    sim = sim_for(m)
    sim.run(2)  # a later iteration: its masks are drawn afresh
    params = [np.array(p) for p in sim.params]
    sim.step_iteration()
    a = sim.arrays
    M1, M3 = a["M[1]"], a["M[3]"]
    assert sim.J == pytest.approx(own_J(params, a["X"], a["Y"], M1, M3), rel=1e-12)
    numeric = fd(params, a["X"], a["Y"], M1, M3)
    for j, key in enumerate(sim._grad_keys):
        assert np.allclose(a[key], numeric[j], rtol=1e-6, atol=1e-9), key
    # the masks matter: without them the gradients differ
    plain = gradients(tuple(params), a["X"], a["Y"], sim.acts, sim.loss, sim.skips)
    assert not np.allclose(plain[0], a["dW[1]"])


@pytest.mark.parametrize("m", [1, 7])
def test_gradcheck_holds_the_mask_fixed_and_network_gradients_equal_the_simulation(m):
    sim = sim_for(m)
    sim.run(3)
    params = tuple(np.array(p) for p in sim.params)
    checks = gradcheck(sim)  # on iteration 4's batch and masks
    assert all(c.resolved and c.rel_error < 1e-7 for c in checks), checks
    sim.step_iteration()
    a = sim.arrays
    masks = masks_of(sim, 4, m)
    assert np.array_equal(masks[0][0], a["M[1]"]) and masks[1] is None and np.array_equal(masks[2][0], a["M[3]"])
    grads = gradients(params, a["X"], a["Y"], sim.acts, sim.loss, sim.skips, masks)
    for g, key in zip(grads, sim._grad_keys):
        assert np.array_equal(g, a[key]), key  # the same operations in the same order
    assert cost(params, a["X"], a["Y"], sim.acts, sim.loss, sim.skips, masks) == sim.J


def test_forward_scales_what_it_keeps_and_backward_masks_before_g_prime():
    sim = sim_for(6)
    sim.step_iteration()
    a = sim.arrays
    M = a["M[1]"]
    assert M.shape == (4, 6) and set(np.unique(M)) <= {0.0, 1.0} and M.dtype == np.float64
    assert np.array_equal(a["A[1]"], np.tanh(a["Z[1]"]) * M / (1 - P1))
    assert np.all(a["A[1]"][M == 0] == 0)
    # dZ[1] = dA[1] ⊙ M[1]/(1 − p) ⊙ tanh'(Z[1]), tanh' read at tanh(Z[1]) (A[1] is scaled)
    t = np.tanh(a["Z[1]"])
    assert np.allclose(a["dZ[1]"], a["dA[1]"] * M / (1 - P1) * (1 - t * t), rtol=1e-12, atol=1e-300)
    assert np.all(a["dZ[1]"][M == 0] == 0)
    assert "M[2]" not in a and "M[4]" not in a  # only the layers that drop have a mask


def test_rewind_and_replay_give_the_same_arrays_masks_included():
    sim = sim_for(5)
    sim.run(4)
    before = dict(sim.arrays)
    assert sim.goto(2, 3)  # back into iteration 2, after forward l = 3
    fresh = sim_for(5)
    fresh.run(1)
    for _ in range(3):
        fresh.step()
    assert sim.arrays.keys() == fresh.arrays.keys() and "M[3]" in sim.arrays
    for k, v in fresh.arrays.items():
        assert np.array_equal(sim.arrays[k], v), k
    while sim.iteration < 4 or sim.phase_index < sim.P:  # forward again to where it was
        sim.step()
    for k, v in before.items():
        assert np.array_equal(sim.arrays[k], v), k
    sim.step_back()
    sim.step_back()
    assert np.array_equal(sim.arrays["M[1]"], before["M[1]"])


def test_two_runs_with_one_seed_are_bit_identical_and_other_seeds_draw_other_masks():
    one, two, other = sim_for(8, seed=11), sim_for(8, seed=11), sim_for(8, seed=12)
    seen = []
    for _ in range(5):
        one.step_iteration(), two.step_iteration(), other.step_iteration()
        for k, v in one.arrays.items():
            assert np.array_equal(two.arrays[k], v), k
        assert not np.array_equal(one.arrays["M[1]"], other.arrays["M[1]"])
        seen.append(one.arrays["M[1]"])
        assert one.J == two.J
    assert not np.array_equal(seen[0], seen[1])  # a new mask each iteration
    assert not np.array_equal(mask(0, 1, 1, (4, 8), 0.5), mask(0, 1, 2, (4, 8), 0.5))  # and each layer


def test_the_dropped_fraction_is_p_within_a_binomial_bound():
    for p in (0.1, 0.5, 0.8):
        N, dropped = 0, 0
        for t in range(1, 201):
            M = mask(7, t, 1, (50, 100), p)
            N += M.size
            dropped += int((M == 0).sum())
        sd = math.sqrt(N * p * (1 - p))
        assert abs(dropped - N * p) < 5 * sd, (p, dropped / N)  # 5σ: 6e-7 two-sided, and the seed is fixed
    assert not mask(7, 1, 1, (50, 100), 0.0).size - mask(7, 1, 1, (50, 100), 0.0).sum()  # p = 0 keeps all


def test_evaluation_runs_without_masks():
    drop = sim_for(10, heldout=True)
    plain = sim_for(10, [LayerSpec(s.n, s.activation, skip=s.skip) for s in LAYERS], heldout=True)
    for k in range(len(drop.params)):
        assert np.array_equal(drop.params[k], plain.params[k])  # the masks take nothing from the init draw
    drop.run(3)
    params = evaluate.used_params(drop)  # the weights iteration 3's forward pass used
    got = evaluate.metrics(drop, ("J_full", "J_test"))
    want_full = cost(params, drop.X, drop.Y, plain.acts, plain.loss, plain.skips)  # the p = 0 forward pass
    assert got["J_full"] == want_full
    assert got["J_test"] == cost(params, *drop.heldout, plain.acts, plain.loss, plain.skips)
    # and that is not what training saw: the masked J of the same weights differs
    masked = cost(params, drop.X, drop.Y, drop.acts, drop.loss, drop.skips, masks_of(drop, 3, drop.m))
    assert masked == drop.J and masked != want_full


def test_a_net_without_dropout_runs_as_before():
    layers = [LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid")]
    sim = sim_for(6, layers)
    params = tuple(np.array(p) for p in sim.params)
    sim.step_iteration()
    assert sim.dropout == (0.0, 0.0) and not any(k.startswith("M[") for k in sim.arrays)
    for g, key in zip(gradients(params, sim.arrays["X"], sim.arrays["Y"], sim.acts, sim.loss), sim._grad_keys):
        assert np.array_equal(g, sim.arrays[key])


def test_the_engine_refuses_dropout_it_cannot_apply():
    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    for layers, words in (([LayerSpec(2, "tanh"), LayerSpec(1, "sigmoid", dropout=0.5)], "hidden layers only"),
                          ([LayerSpec(2, "tanh", dropout=1.0), LayerSpec(1, "sigmoid")], "in [0, 1)"),
                          ([LayerSpec(2, "tanh", dropout=-0.1), LayerSpec(1, "sigmoid")], "from 0 to 1")):
        with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            Simulation(X, Y, layers, "logistic")


# --------------------------------------------------------------------------------- scenario format
BASE = """\
loss = "logistic"
[network]
layers = [{{ n = 2, activation = "tanh"{s1} }}, {{ n = 2, activation = "sigmoid"{s2} }}, {{ n = 1, activation = "sigmoid"{s3} }}]
[data]
kind = "linear"
m = 8
"""


def toml(s1="", s2="", s3="") -> str:
    return BASE.format(s1=s1, s2=s2, s3=s3)


@pytest.mark.parametrize("text, field, words", [
    (toml(s3=", dropout = 0.5"), "network.layers[2].dropout", "dropout on a hidden layer only"),
    (toml(s1=", dropout = 1.0"), "network.layers[0].dropout", "a number in [0, 1) (p = 1 would drop every unit)"),
    (toml(s1=", dropout = -0.2"), "network.layers[0].dropout", "from 0 to 1"),
    (toml(s1=', dropout = "half"'), "network.layers[0].dropout", "a number"),
])
def test_bad_dropout_is_a_one_line_error_naming_file_and_field(tmp_path, text, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert_show_refuses(path, field, words)


def test_show_lists_p_per_layer(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(toml(s1=", dropout = 0.25", s2=", dropout = 0.5"))
    r = CliRunner().invoke(gradsim, ["show", str(path), "--json"])
    assert r.exit_code == 0, r.output
    import json

    assert [layer.get("dropout") for layer in json.loads(r.stdout)["layers"]] == [0.25, 0.5, None]
    text = CliRunner().invoke(gradsim, ["show", str(path)]).stdout
    assert "tanh (dropout 0.25)" in text and "sigmoid (dropout 0.5)" in text


# ------------------------------------------------------------------------------------- equations
def test_step_shows_the_mask_and_the_scaling():
    from gradsim.engine.phases import Phase
    from gradsim.equations import equations

    sim = sim_for(5)
    sim.step_iteration()
    text = lambda phase: [e.formula for e in equations(sim, phase)]  # noqa: E731
    assert "A[1] = tanh(Z[1]) ⊙ M[1] / (1 − p)" in text(Phase("forward", 1))
    assert "M[1] = [u ≥ p], u ~ U(0,1), p = 0.5" in text(Phase("forward", 1))
    assert "A[3] = ELU(Z[3]) ⊙ M[3] / (1 − p)" in text(Phase("forward", 3))
    assert "A[2] = σ(Z[2]) + A[1]" in text(Phase("forward", 2))  # no mask on layer 2
    assert "dZ[1] = dA[1] ⊙ M[1] / (1 − p) ⊙ tanh'(Z[1])" in text(Phase("backward", 1))
    assert "dZ[2] = dA[2] ⊙ σ'(Z[2])" in text(Phase("backward", 2))
    dropped = 1 - sim.arrays["M[1]"].mean()
    line = next(e for e in equations(sim, Phase("forward", 1)) if e.target == "M[1]")
    from gradsim.display import percent

    assert line.value == f"dropped {percent(dropped)}"
    r = CliRunner().invoke(gradsim, ["step", "dropout-overfit", "--phases", "1"])
    assert r.exit_code == 0, r.output
    assert "A[1] = tanh(Z[1]) ⊙ M[1] / (1 − p)" in r.stdout and "p = 0.5" in r.stdout


def test_expressions_read_the_mask_and_say_where_there_is_none():
    from gradsim.checks import make_lookup
    from gradsim.scenario.expressions import EvalError, evaluate
    from gradsim.scenario.expressions.parser import parse

    sim = sim_for(6)
    lookup = make_lookup(sim)
    sim.step()
    assert evaluate(parse("1 - mean(M[1])"), lookup) == 1 - sim.arrays["M[1]"].mean()
    with pytest.raises(EvalError, match="M\\[3\\] is not computed yet"):
        evaluate(parse("M[3]"), lookup)
    with pytest.raises(EvalError, match="M\\[2\\] needs dropout on layer 2"):
        evaluate(parse("M[2]"), lookup)


# ----------------------------------------------------------------------------------------- export
def test_the_numpy_export_draws_the_same_masks_bit_for_bit(tmp_path):
    from export_helpers import exported_run, gradsim_run, scenario

    sc = scenario(hidden='{ n = 5, activation = "tanh", dropout = 0.4 }, { n = 3, activation = "relu", dropout = 0.2 }',
                  iterations=8)
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    assert np.array_equal(got["J"], np.array(sim.J_history))
    for l in range(1, sim.L + 1):
        assert np.array_equal(got[f"W{l}"], sim.param(f"W[{l}]")) and np.array_equal(got[f"b{l}"], sim.param(f"b[{l}]"))
    script = (tmp_path / "numpy_export.py").read_text()
    assert "np.random.default_rng([seed, t, 1])" in script and "A[1] = G[1] * M[1] / (1 - 0.4)" in script


def test_gradsim_gradcheck_passes_on_the_dropout_scenario():
    r = CliRunner().invoke(gradsim, ["gradcheck", "dropout-overfit"])
    assert r.exit_code == 0, r.output
    rows = [line for line in r.stdout.splitlines() if line[:1].isdigit()]
    assert len(rows) == 2 and all(line.rstrip().endswith("ok") for line in rows), r.stdout
