"""Batch norm and dropout in one net (on one layer too: A[l] = g(Ztilde[l]) ⊙ M[l] / (1 − p)): the stepped
gradients against finite differences of a J written out by hand with the iteration's masks, gradcheck,
rewind, evaluation without masks, the equations and the NumPy export (bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.batchnorm import BatchNormSpec
from gradsim.engine.dropout import mask
from gradsim.engine.evaluate import forward
from gradsim.engine.gradcheck import gradcheck
from gradsim.equations import equations

from export_helpers import exported_run, gradsim_run, scenario

EPS = 1e-5
BN = BatchNormSpec(eps=EPS, momentum=0.8)
P1, P2 = 0.3, 0.25
# layer 1: batch norm and dropout on one layer; layer 2: dropout alone; layer 3: batch norm alone
LAYERS = [LayerSpec(5, "tanh", batch_norm=BN, dropout=P1), LayerSpec(4, "sigmoid", dropout=P2),
          LayerSpec(4, "tanh", batch_norm=BN), LayerSpec(1, "sigmoid")]


def sim_for(m: int, seed: int = 2) -> Simulation:
    rng = np.random.default_rng(m)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return Simulation(X, Y, LAYERS, "logistic", InitSpec("xavier", bias=0.1), OptimizerSpec("gd", 0.5), seed=seed)


def own_J(p: dict, X, Y, M1, M2) -> float:
    """J of the net above by hand, with the iteration's masks M1, M2 (inverted dropout)."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

    def bn(Z, g, b):
        mu = Z.mean(axis=1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
        return g * (Z - mu) / np.sqrt(var + EPS) + b

    A1 = np.tanh(bn(p["W[1]"] @ X + p["b[1]"], p["gamma[1]"], p["beta[1]"])) * M1 / (1 - P1)
    A2 = sig(p["W[2]"] @ A1 + p["b[2]"]) * M2 / (1 - P2)
    A3 = np.tanh(bn(p["W[3]"] @ A2 + p["b[3]"], p["gamma[3]"], p["beta[3]"]))
    A4 = sig(p["W[4]"] @ A3 + p["b[4]"])
    return float(-np.mean(Y * np.log(A4) + (1 - Y) * np.log(1 - A4)))


@pytest.mark.parametrize("m", [2, 7])
def test_stepped_gradients_equal_finite_differences_with_the_masks(m):
    sim = sim_for(m)
    sim.step_iteration()  # gamma, beta have moved from 1, 0
    sim.run_to(2, sim.P - 1)  # iteration 2 up to (not through) its update
    a = sim.arrays
    M1, M2 = a["M[1]"], a["M[2]"]
    np.testing.assert_array_equal(M1, mask(2, 2, 1, (5, m), P1))
    np.testing.assert_array_equal(a["A[1]"], np.tanh(a["Ztilde[1]"]) * M1 / (1 - P1))
    p = {k: a[k] for k in sim.param_keys}
    X, Y = a["X"], a["Y"]
    for name in sim.param_keys:
        base, g = p[name], np.zeros_like(p[name])
        for idx in np.ndindex(base.shape):
            out = []
            for h in (1e-6, -1e-6):
                q = dict(p)
                q[name] = base.copy()
                q[name][idx] += h
                out.append(own_J(q, X, Y, M1, M2))
            g[idx] = (out[0] - out[1]) / 2e-6
        np.testing.assert_allclose(a["d" + name], g, rtol=1e-5, atol=1e-9, err_msg=name)
    if m > 2:
        assert (M1 == 0).any() and (M1 == 1).any()  # the mask mattered


def test_the_whole_net_passes_take_the_masks_and_equal_the_stepped_ones():
    from gradsim.engine import batchnorm
    from gradsim.engine.dropout import masks_of

    sim = sim_for(9)
    sim.run_to(1, sim.P - 1)
    a = sim.arrays
    masks = masks_of(sim, 1, 9)
    got = batchnorm.gradients(sim.params, sim.param_keys, a["X"], a["Y"], sim.acts, sim.loss, sim.skips, sim.bns, masks)
    for key, g in zip(sim.param_keys, got):
        np.testing.assert_array_equal(g, a["d" + key], err_msg=key)
    lay = batchnorm.forward_pass(sim.params, sim.param_keys, a["X"], sim.acts, sim.skips, sim.bns, masks=masks)
    np.testing.assert_array_equal(lay[0]["A"], a["A[1]"])
    np.testing.assert_array_equal(lay[-1]["A"], a["A[4]"])


@pytest.mark.parametrize("m", [3, 7])
def test_gradcheck_holds_the_masks_fixed(m):
    sim = sim_for(m)
    sim.run(2)
    checks = gradcheck(sim)
    assert [c.layer for c in checks] == [1, 2, 3, 4] and all(c.rel_error < 1e-6 for c in checks), checks


def test_rewind_and_replay_are_exact_and_evaluation_drops_nothing():
    a, b = sim_for(8), sim_for(8)
    a.run(6)
    b.run(3)
    b.run_to(2, 3)  # rewind into iteration 2, then on again
    b.run(6 - b.iteration)
    for x, y in zip(a.params, b.params):
        np.testing.assert_array_equal(x, y)
    assert list(a.J_history) == list(b.J_history)
    # evaluation: running statistics and no masks; by hand
    p = dict(zip(a.param_keys, a.params))
    (m1, v1), (m3, v3) = a.running[1], a.running[3]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    A1 = np.tanh(p["gamma[1]"] * (p["W[1]"] @ a.X + p["b[1]"] - m1) / np.sqrt(v1 + EPS) + p["beta[1]"])
    A2 = sig(p["W[2]"] @ A1 + p["b[2]"])
    A3 = np.tanh(p["gamma[3]"] * (p["W[3]"] @ A2 + p["b[3]"] - m3) / np.sqrt(v3 + EPS) + p["beta[3]"])
    np.testing.assert_allclose(forward(a, a.X)[1], sig(p["W[4]"] @ A3 + p["b[4]"]), rtol=1e-13)


def test_the_equations_show_the_mask_after_batch_norm():
    sim = sim_for(7)
    sim.step()
    lines = {e.target: e for e in equations(sim, sim.phases[0])}
    assert "M[1]" in lines and "Ztilde[1]" in lines
    assert lines["A[1]"].formula == "A[1] = tanh(Ztilde[1]) ⊙ M[1] / (1 − p)"
    sim.run_to(1, sim.P - 1)
    back = {e.target: e for e in equations(sim, sim.phase)}
    assert "dA[1] ⊙ M[1] / (1 − p)" in back["dZtilde[1]"].formula


def test_a_scenario_with_both_loads_and_checks(tmp_path):
    f = tmp_path / "both.toml"
    f.write_text('# both\nseed = 1\nloss = "logistic"\n[network]\nlayers = [{ n = 6, activation = "tanh", '
                 'batch_norm = true, dropout = 0.5 }, { n = 1, activation = "sigmoid" }]\n'
                 '[data]\nkind = "moons"\nm = 40\n[optimizer]\nname = "gd"\nlearning_rate = 0.3\n[run]\niterations = 20\n')
    r = CliRunner().invoke(gradsim, ["gradcheck", str(f)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(gradsim, ["run", str(f)])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("hidden", [
    '{ n = 5, activation = "tanh", batch_norm = true, dropout = 0.4 }, { n = 3, activation = "relu", dropout = 0.2 }',
    '{ n = 5, activation = "elu", dropout = 0.4 }, { n = 3, activation = "tanh", batch_norm = { eps = 1e-3 }, dropout = 0.3 }',
])
def test_the_numpy_export_is_bit_equal(hidden, tmp_path):
    sc = scenario(hidden=hidden, optimizer="adam", iterations=8,
                  extra='\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n')
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    np.testing.assert_array_equal(got["J"], np.array(sim.J_history))
    for key, p in zip(sim.param_keys, sim.params):
        np.testing.assert_array_equal(got[key.replace("[", "").replace("]", "")], p, err_msg=key)


async def test_the_app_shows_the_mask_after_batch_norm_in_the_equation_panel():
    from gradsim.display import num
    from gradsim.scenario import loads_scenario
    from gradsim.tui.app import GradsimApp
    from gradsim.tui.equations import text_of
    from gradsim.tui.widgets import EquationPanel
    from gradsim.tui.widgets.layer import LayerPanel

    sc = loads_scenario('seed = 1\nloss = "logistic"\n[network]\nlayers = [{ n = 6, activation = "tanh", '
                        'batch_norm = true, dropout = 0.5 }, { n = 1, activation = "sigmoid" }]\n'
                        '[data]\nkind = "moons"\nm = 40\n', name="both")
    app = GradsimApp(sc)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space")  # forward l = 1
        await pilot.pause()
        text = text_of(app.main.query_one(EquationPanel).lines)
        a = app.main.sim.arrays
        m0 = float(a["M[1]"][0, 0])
        assert "A[1] = tanh(Ztilde[1]) ⊙ M[1] / (1 − p)" in text and "Zhat[1] = " in text, text
        assert f"tanh({num(float(a['Ztilde[1]'][0, 0]))})·{num(m0)}/{num(0.5)}" in text, text
        shown = {b.kind for b in app.main.query_one(LayerPanel).blocks if b.display and b.parent.display}
        assert {"gamma", "Zhat", "M"} <= shown  # the mask row beside the batch-norm rows
        for _ in range(app.main.sim.P - 2):  # on to backward l = 1
            await pilot.press("space")
        await pilot.pause()
        text = text_of(app.main.query_one(EquationPanel).lines)
        assert "dA[1] ⊙ M[1] / (1 − p)" in text and f"·{num(m0)}/{num(0.5)}·g'" in text, text
