"""Projection skips: A[l] = g(Z[l]) + Ws[l]·A[l−k] when n[l−k] ≠ n[l] (or ``projection = true``).

The stepped gradients (dW, db and dWs[l] = dA[l]·A[l−k]ᵀ) are checked against finite differences of a J
written here from scratch in NumPy (m = 1 and m > 1; a skip from X of another width with k = 1 and k = 2,
one into the output layer with l2); the whole-net backprop gives the stepped arrays bit for bit; Ws[l] is a
parameter like W (the optimiser, clipping, rewind), weight decay leaves it alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.transforms import TransformSpec
from gradsim.engine.gradcheck import gradcheck
from gradsim.engine.network import gradients
from gradsim.engine.projection import indices

sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

# n = 3 → 4 → 2 → 1: layer 1 skips from X (3 → 4, k = 1), layer 2 from X (3 → 2, k = 2), logistic loss
HIDDEN = [LayerSpec(4, "tanh", skip=1), LayerSpec(2, "sigmoid", skip=2), LayerSpec(1, "sigmoid")]
# n = 3 → 4 → 2, layer 2 (the output, identity) skips from A[1] (4 → 2) with l2
OUTPUT = [LayerSpec(4, "tanh"), LayerSpec(2, "linear", skip=1)]


def own_J_hidden(p, X, Y) -> float:
    W1, b1, W2, b2, W3, b3, S1, S2 = p
    A1 = np.tanh(W1 @ X + b1) + S1 @ X
    A2 = sig(W2 @ A1 + b2) + S2 @ X
    A3 = sig(W3 @ A2 + b3)
    return float(-np.mean(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)))


def own_J_output(p, X, Y) -> float:
    W1, b1, W2, b2, S2 = p
    A1 = np.tanh(W1 @ X + b1)
    A2 = (W2 @ A1 + b2) + S2 @ A1
    return float(np.mean(np.sum((A2 - Y) ** 2, axis=0)) / 2)


def fd(J, params, X, Y, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            jp = J(params, X, Y)
            p[idx] = old - eps
            jm = J(params, X, Y)
            p[idx] = old
            g[idx] = (jp - jm) / (2 * eps)
        out.append(g)
    return out


def sim_for(m, layers, loss, optimizer=OptimizerSpec("gd", 0.3), transforms=()):
    rng = np.random.default_rng(m)
    X = rng.standard_normal((3, m))
    n = layers[-1].n
    Y = (rng.random((n, m)) > 0.5).astype(float) if loss == "logistic" else rng.standard_normal((n, m))
    return Simulation(X, Y, layers, loss, InitSpec("xavier", bias=0.1), optimizer, seed=3, transforms=transforms)


@pytest.mark.parametrize("m", [1, 6])
@pytest.mark.parametrize("layers, loss, J", [(HIDDEN, "logistic", own_J_hidden), (OUTPUT, "l2", own_J_output)])
def test_stepped_gradients_equal_finite_differences_of_an_independent_J(m, layers, loss, J):
    sim = sim_for(m, layers, loss)
    sim.run(2)
    params = [np.array(p) for p in sim.params]
    assert [k for k in sim.param_keys if k.startswith("Ws")] == (["Ws[1]", "Ws[2]"] if layers is HIDDEN else ["Ws[2]"])
    sim.step_iteration()
    a = sim.arrays
    assert sim.J == pytest.approx(J(params, a["X"], a["Y"]), rel=1e-12)
    numeric = fd(J, params, a["X"], a["Y"])
    for j, key in enumerate(sim._grad_keys):
        assert np.allclose(a[key], numeric[j], rtol=1e-6, atol=1e-9), key
    # the whole-net backprop gives the stepped arrays bit for bit
    for g, key in zip(gradients(tuple(params), a["X"], a["Y"], sim.acts, sim.loss, sim.skips, None, indices(sim)),
                      sim._grad_keys):
        assert np.array_equal(g, a[key]), key


def test_shapes_and_the_closed_forms_of_forward_and_backward():
    sim = sim_for(5, HIDDEN, "logistic")
    sim.step_iteration()
    a = sim.arrays
    assert a["Ws[1]"].shape == (4, 3) and a["Ws[2]"].shape == (2, 3)
    assert np.array_equal(a["A[2]"], sig(a["Z[2]"]) + a["Ws[2]"] @ a["X"])
    assert np.allclose(a["dWs[2]"], a["dA[2]"] @ a["X"].T, rtol=1e-15, atol=0)
    # dA[0] gets W[1]ᵀ·dZ[1] + Ws[1]ᵀ·dA[1] + Ws[2]ᵀ·dA[2]
    want = a["W[1]"].T @ a["dZ[1]"] + a["Ws[1]"].T @ a["dA[1]"] + a["Ws[2]"].T @ a["dA[2]"]
    assert np.allclose(a["dA[0]"], want, rtol=1e-13, atol=1e-16)


def test_gradcheck_checks_ws():
    checks = gradcheck(sim_for(4, HIDDEN, "logistic"))
    assert [c.rel_error_Ws is not None for c in checks] == [True, True, False]
    assert all(c.resolved and c.rel_error < 1e-7 for c in checks), checks


def test_the_optimiser_updates_ws_and_clipping_sees_it_weight_decay_does_not_decay_it():
    sim = sim_for(5, HIDDEN, "logistic")
    sim.step_iteration()
    a = sim.arrays
    assert np.array_equal(sim.param("Ws[1]"), a["Ws[1]"] - 0.3 * a["dWs[1]"])
    clip = sim_for(5, HIDDEN, "logistic", transforms=[TransformSpec("clip_norm", max_norm=1e-3)])
    clip.step_iteration()
    c = clip.arrays
    total = np.sqrt(sum(float(np.sum(c[k] ** 2)) for k in clip._grad_keys))
    assert total > 1e-3
    assert np.allclose(clip.param("Ws[1]"), c["Ws[1]"] - 0.3 * c["dWs[1]"] * 1e-3 / total, rtol=1e-12)
    decay = sim_for(5, HIDDEN, "logistic", transforms=[TransformSpec("weight_decay", **{"lambda": 10.0})])
    decay.step_iteration()
    d = decay.arrays
    assert np.array_equal(decay.param("Ws[1]"), d["Ws[1]"] - 0.3 * d["dWs[1]"])  # not decayed
    assert not np.array_equal(decay.param("W[1]"), d["W[1]"] - 0.3 * d["dW[1]"])  # W is


def test_adam_keeps_slots_for_ws_and_rewind_is_exact():
    sim = sim_for(5, HIDDEN, "logistic", OptimizerSpec("adam", 0.01))
    sim.run(4)
    before = dict(sim.arrays)
    assert sim.goto(2, 5)
    fresh = sim_for(5, HIDDEN, "logistic", OptimizerSpec("adam", 0.01))
    fresh.run(1)
    for _ in range(5):
        fresh.step()
    for k, v in fresh.arrays.items():
        assert np.array_equal(sim.arrays[k], v), k
    while sim.iteration < 4 or sim.phase_index < sim.P:
        sim.step()
    for k, v in before.items():
        assert np.array_equal(sim.arrays[k], v), k


def test_same_width_skips_take_no_projection_unless_forced():
    layers = [LayerSpec(3, "tanh", skip=1), LayerSpec(1, "sigmoid")]
    assert sim_for(4, layers, "logistic").projs == (False, False)
    forced = sim_for(4, [LayerSpec(3, "tanh", skip=1, projection=True), LayerSpec(1, "sigmoid")], "logistic")
    assert forced.projs == (True, False) and forced.param("Ws[1]").shape == (3, 3)
    # a net without projections draws the same W, b as before
    plain = sim_for(4, [LayerSpec(3, "tanh", skip=1), LayerSpec(1, "sigmoid")], "logistic")
    for k in plain.param_keys:
        assert np.array_equal(plain.param(k), forced.param(k)), k
    with pytest.raises(ValueError, match="needs a skip"):
        sim_for(4, [LayerSpec(3, "tanh", projection=True), LayerSpec(1, "sigmoid")], "logistic")


def test_dropout_and_a_projection_on_one_layer():
    layers = [LayerSpec(4, "tanh", skip=1, dropout=0.5), LayerSpec(1, "sigmoid")]
    sim = sim_for(6, layers, "logistic")
    sim.run(1)
    params = [np.array(p) for p in sim.params]
    sim.step_iteration()
    a = sim.arrays
    M = a["M[1]"]

    def J(p, X, Y):
        W1, b1, W2, b2, S1 = p
        A1 = np.tanh(W1 @ X + b1) * M / 0.5 + S1 @ X
        A2 = sig(W2 @ A1 + b2)
        return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))

    assert sim.J == pytest.approx(J(params, a["X"], a["Y"]), rel=1e-12)
    for j, g in enumerate(fd(J, params, a["X"], a["Y"])):
        assert np.allclose(a[sim._grad_keys[j]], g, rtol=1e-6, atol=1e-9), sim._grad_keys[j]
    assert all(c.rel_error < 1e-7 for c in gradcheck(sim))


TOML = """\
# A net whose skips change width
loss = "logistic"
[network]
layers = [{ n = 6, activation = "tanh", skip = 1 }, { n = 3, activation = "sigmoid", skip = 1 }, { n = 1, activation = "sigmoid" }]
[data]
kind = "moons"
m = 20
[run]
iterations = 3
"""


def _file(tmp_path, text=TOML):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def test_run_npz_holds_ws_and_dws(tmp_path):
    from click.testing import CliRunner

    from gradsim.cli import gradsim
    from gradsim.scenario import load_scenario
    from gradsim.scenario.build import build_simulation

    path = _file(tmp_path)
    r = CliRunner().invoke(gradsim, ["run", str(path), "--npz", str(tmp_path / "z.npz"), "-q"])
    assert r.exit_code == 0, r.output
    sim = build_simulation(load_scenario(path))
    sim.run(3)
    with np.load(tmp_path / "z.npz") as z:
        for k in ("Ws[1]", "dWs[1]", "Ws[2]", "dWs[2]"):
            assert np.array_equal(z[k], sim.arrays[k]), k
        assert z["Ws[2]"].shape == (3, 6)


def test_show_and_gradcheck_name_the_projection(tmp_path):
    from click.testing import CliRunner

    from gradsim.cli import gradsim

    path = _file(tmp_path)
    r = CliRunner().invoke(gradsim, ["show", str(path)])
    assert r.exit_code == 0 and "skip 1 through Ws (3,6)" in r.output, r.output
    r = CliRunner().invoke(gradsim, ["show", "--json", str(path)])
    import json
    assert [d.get("projection") for d in json.loads(r.output)["layers"]] == [[6, 2], [3, 6], None]
    r = CliRunner().invoke(gradsim, ["gradcheck", str(path)])
    assert r.exit_code == 0 and "Ws[l]" in r.output, r.output


def test_step_shows_the_projection_terms(tmp_path):
    from click.testing import CliRunner

    from gradsim.cli import gradsim

    r = CliRunner().invoke(gradsim, ["step", str(_file(tmp_path)), "--phases", "8"])
    assert r.exit_code == 0, r.output
    for text in ("A[2] = σ(Z[2]) + Ws[2]·A[1]", "dWs[2] = dA[2]·A[1]ᵀ", "dA[1] = W[2]ᵀ·dZ[2] + Ws[2]ᵀ·dA[2]",
                 "dA[0] gets W[1]ᵀ·dZ[1] + Ws[1]ᵀ·dA[1] through the skip", "Ws[2] := Ws[2] − α·dWs[2]"):
        assert text in r.output, text


def test_expressions_read_ws_only_where_there_is_one(tmp_path):
    from click.testing import CliRunner

    from gradsim.cli import gradsim

    good = TOML + '[[expect]]\nat = "end"\nvalue = "norm(dWs[2]) / norm(Ws[2])"\nop = ">"\nrhs = 0\n'
    r = CliRunner().invoke(gradsim, ["check", str(_file(tmp_path, good))])
    assert r.exit_code == 0, r.output
    bad = TOML + '[[expect]]\nat = "end"\nvalue = "norm(Ws[3])"\nop = ">"\nrhs = 0\n'
    r = CliRunner().invoke(gradsim, ["check", str(_file(tmp_path, bad))])
    assert r.exit_code == 2 and "only on a layer whose skip has a projection" in r.stderr, r.output


@pytest.mark.parametrize("hidden, optimizer", [
    ('{ n = 5, activation = "tanh", skip = 1 }, { n = 3, activation = "relu", skip = 2 }', "gd"),
    ('{ n = 4, activation = "tanh", skip = 1, dropout = 0.3 }, { n = 4, activation = "sigmoid", skip = 1, '
     'projection = true }', "adam"),
])
def test_the_numpy_export_is_bit_equal(tmp_path, hidden, optimizer):
    from export_helpers import exported_run, gradsim_run, scenario

    sc = scenario(hidden=hidden, optimizer=optimizer, iterations=8)
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    assert np.array_equal(got["J"], np.array(sim.J_history))
    for k in sim.param_keys:
        name, l = k[:-1].split("[")
        assert np.array_equal(got[f"{name}{l}"], sim.param(k)), k
    script = (tmp_path / "numpy_export.py").read_text()
    assert "dWs[2] = dA[2] @ A[" in script and "Ws[2].T @ dA[2]" in script


@pytest.mark.parametrize("transforms", [
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n',
    '[[transform]]\nname = "weight_decay"\nlambda = 0.5\n[[transform]]\nname = "clip_value"\nmax_value = 0.01\n',
], ids=["clip_norm", "decay-then-clip_value"])
def test_the_numpy_export_of_a_projection_with_transforms_is_bit_equal(tmp_path, transforms):
    """The transform lines rewrite every gradient in gradsim's order, dWs[l] too (clipping sees it, weight
    decay leaves Ws alone as it leaves gamma, beta)."""
    from export_helpers import exported_run, gradsim_run, scenario

    sc = scenario(hidden='{ n = 5, activation = "tanh", skip = 1 }', extra=transforms, iterations=8)
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    assert np.array_equal(got["J"], np.array(sim.J_history))
    for k in sim.param_keys:
        name, l = k[:-1].split("[")
        assert np.array_equal(got[f"{name}{l}"], sim.param(k)), k
    assert any(k.startswith("Ws[") for k in sim.param_keys)


def test_an_explicit_w_leaves_ws_to_the_default_initialiser_and_the_export_draws_it_too(tmp_path):
    from export_helpers import exported_run, gradsim_run

    from gradsim.engine.init import get_initializer
    from gradsim.scenario import load_scenario

    path = tmp_path / "explicit.toml"
    path.write_text('# explicit W on a projection layer\nloss = "l2"\n[network]\n'
                    'layers = [{ n = 3, activation = "tanh", skip = 1 }, { n = 1, activation = "linear" }]\n'
                    '[data]\nkind = "explicit"\nX = [[1.0, 2.0], [0.5, -1.0]]\nY = [[0.3, 0.1]]\n'
                    '[init.layers.1]\nW = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]\n[run]\niterations = 5\n')
    sc = load_scenario(path)
    sim = gradsim_run(sc, 0)
    rng = np.random.default_rng(sim.seed)
    get_initializer("xavier").draw(rng, 1, 3, {"gain": 1.0})  # W[2], drawn first (W[1] is given)
    assert np.array_equal(sim.param("Ws[1]"), get_initializer("xavier").draw(rng, 3, 2, {"gain": 1.0}))
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    assert np.array_equal(got["J"], np.array(sim.J_history)) and np.array_equal(got["Ws1"], sim.param("Ws[1]"))
