"""Batch norm on screen and in files: the equations (`gradsim step` and the app's equation panel) show the
forward lines mu, sigma2, Zhat, Ztilde, A = g(Ztilde) and the backward lines dZtilde, dgamma, dbeta, dZhat,
dZ with the batch terms; the update shows gamma, beta; the NPZ holds them."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.batchnorm import BatchNormSpec
from gradsim.engine.phases import Phase
from gradsim.display import num
from gradsim.equations import equations
from gradsim.scenario import build_simulation

from export_helpers import exported_run, gradsim_run, scenario

SCENARIO = """\
loss = "logistic"
[network]
layers = [{ n = 3, activation = "tanh", batch_norm = true }, { n = 3, activation = "tanh", batch_norm = { eps = 1e-3 }, skip = 1 }, { n = 1, activation = "sigmoid" }]
[data]
kind = "linear"
m = 6
"""


def sim() -> Simulation:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 5)), (rng.random((1, 5)) > 0.5).astype(float)
    layers = [LayerSpec(3, "tanh", batch_norm=BatchNormSpec()), LayerSpec(3, "tanh", skip=1,
              batch_norm=BatchNormSpec(eps=1e-3)), LayerSpec(1, "sigmoid")]
    return Simulation(X, Y, layers, "logistic", InitSpec("xavier"), OptimizerSpec("adam", 0.01))


def test_the_equations_show_the_batch_norm_steps_with_values():
    s = sim()
    s.step_iteration()
    fwd = {e.target: e for e in equations(s, Phase("forward", 2))}
    assert [e.formula for e in equations(s, Phase("forward", 1))][:5] == [
        "Z[1] = W[1]·A[0] + b[1]", "mu[1] = (1/m) Σ_i Z[1]", "sigma2[1] = (1/m) Σ_i (Z[1] − mu[1])²",
        "Zhat[1] = (Z[1] − mu[1]) / √(sigma2[1] + ε)   [ε = 1e-05]", "Ztilde[1] = gamma[1] ⊙ Zhat[1] + beta[1]"]
    assert fwd["A[2]"].formula == "A[2] = tanh(Ztilde[2]) + A[1]"
    assert "[ε = 0.001]" in fwd["Zhat[2]"].formula and fwd["mu[2]"].shapes == "(3,5) → (3,1)"
    assert fwd["Zhat[2]"].value.startswith("‖Zhat[2]‖ = ") and "running_mu" in fwd["running[2]"].value
    back = {e.target: e for e in equations(s, Phase("backward", 1))}
    assert back["dZtilde[1]"].formula.startswith("dZtilde[1] = dA[1] ⊙ ")
    assert back["dgamma[1]"].formula == "dgamma[1] = Σ_i dZtilde[1] ⊙ Zhat[1]"
    assert back["dbeta[1]"].formula == "dbeta[1] = Σ_i dZtilde[1]"
    assert back["dZhat[1]"].formula == "dZhat[1] = gamma[1] ⊙ dZtilde[1]"
    assert back["dZ[1]"].formula == ("dZ[1] = (dZhat[1] − mean_i dZhat[1] − Zhat[1] ⊙ mean_i(dZhat[1] ⊙ Zhat[1]))"
                                     " / √(sigma2[1] + ε)")
    assert "mu absorbs b" in back["db[1]"].value
    upd = [e.target for e in equations(s, Phase("update"))]
    assert upd[-4:] == ["gamma[1]", "beta[1]", "gamma[2]", "beta[2]"]
    # a plain layer's lines are untouched
    assert [e.formula for e in equations(s, Phase("forward", 3))] == ["Z[3] = W[3]·A[2] + b[3]", "A[3] = σ(Z[3])"]


def test_step_prints_the_batch_norm_lines(tmp_path):
    path = tmp_path / "bn.toml"
    path.write_text(SCENARIO)
    r = CliRunner().invoke(gradsim, ["step", str(path)])
    assert r.exit_code == 0, r.output
    for text in ("Zhat[1] = (Z[1] − mu[1]) / √(sigma2[1] + ε)", "A[1] = tanh(Ztilde[1])",
                 "dgamma[2] = Σ_i dZtilde[2] ⊙ Zhat[2]", "mu absorbs b", "gamma[2] := gamma[2] − α·dgamma[2]"):
        assert text in r.output, text


def test_the_npz_holds_the_batch_norm_arrays(tmp_path):
    path = tmp_path / "bn.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "last.npz"
    r = CliRunner().invoke(gradsim, ["run", str(path), "-n", "3", "--npz", str(out), "-q"])
    assert r.exit_code == 0, r.output
    with np.load(out) as z:
        for name in ("gamma[1]", "beta[2]", "dgamma[1]", "dbeta[2]", "Zhat[1]", "mu[2]", "sigma2[1]"):
            assert name in z.files, (name, z.files)
        assert z["gamma[1]"].shape == (3, 1)


async def test_the_app_shows_the_batch_norm_step(tmp_path):
    from gradsim.scenario import load_scenario
    from gradsim.tui.app import GradsimApp
    from gradsim.tui.equations import text_of
    from gradsim.tui.widgets import EquationPanel
    from gradsim.tui.widgets.layer import LayerPanel

    app = GradsimApp(load_scenario("deep-tanh-batchnorm"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        text = text_of(app.main.query_one(EquationPanel).lines)
        assert "Zhat[1] = (Z[1] − mu[1]) / √(sigma2[1] + ε)" in text, text
        assert "A[1] = tanh(Ztilde[1])" in text
        a = app.main.sim.arrays
        z, mu, s2, zh = (float(a[f"{k}[1]"][0, 0]) for k in ("Z", "mu", "sigma2", "Zhat"))
        assert zh == pytest.approx((z - mu) / np.sqrt(s2 + 1e-5), rel=1e-12)
        assert f"Zhat[1][0,0] = ({num(z, 4)} − " in text and f" = {num(zh)}" in text, text
        layer = app.main.query_one(LayerPanel)
        shown = {b.kind for b in layer.blocks if b.display and b.parent.display}
        assert {"gamma", "beta", "Zhat", "Ztilde", "dgamma", "dbeta"} <= shown
        # on to backward l = 1 (phase P − 1): dZtilde, dgamma, dbeta, dZhat and dZ with the batch terms
        for _ in range(app.main.sim.P - 2):
            await pilot.press("space")
        await pilot.pause()
        assert app.main.sim.phase_index == app.main.sim.P - 1
        text = text_of(app.main.query_one(EquationPanel).lines)
        assert "dZ[1] = (dZhat[1] − mean_i dZhat[1] − Zhat[1] ⊙ mean_i(dZhat[1] ⊙ Zhat[1])) / √(sigma2[1] + ε)" in text
        assert "dgamma[1] = Σ_i dZtilde[1] ⊙ Zhat[1]" in text and "mu absorbs b" in text, text
        assert f"dZ[1][0,0] = {num(float(app.main.sim.arrays['dZ[1]'][0, 0]))}" in text, text


async def test_the_gradient_flow_panel_follows_dgamma_in_a_batch_norm_net():
    from gradsim.scenario import load_scenario
    from gradsim.tui.app import GradsimApp
    from gradsim.tui.widgets import GradientFlow

    app = GradsimApp(load_scenario("deep-tanh-batchnorm"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        flow = app.main.query_one(GradientFlow)
        for _ in range(4):
            await pilot.press("g")
        await pilot.pause()
        assert flow.gradient == "dgamma"
        text = flow.render().plain
        assert "‖dgamma[l]‖" in text
        want = float(np.linalg.norm(app.main.sim.arrays["dgamma[1]"]))
        assert flow.snap.flow[0].dgamma == pytest.approx(want, rel=1e-12) and np.isnan(flow.snap.flow[-1].dgamma)
        await pilot.press("g")
        await pilot.pause()
        assert flow.gradient == "dZ"


def test_the_numpy_export_writes_batch_norm_bit_for_bit(tmp_path):
    from export_helpers import exported_run, gradsim_run, scenario

    sc = scenario(hidden='{ n = 4, activation = "tanh", batch_norm = { eps = 1e-3, momentum = 0.8 } }, '
                         '{ n = 4, activation = "elu", batch_norm = true, skip = 1 }', optimizer="adam", iterations=5)
    got = exported_run(sc, tmp_path, "numpy", subprocess=False)
    sim = gradsim_run(sc)
    np.testing.assert_array_equal(got["J"], np.array(sim.J_history))
    for name, p in zip(sim.param_keys, sim.params):
        np.testing.assert_array_equal(got[name.replace("[", "").replace("]", "")], p, err_msg=name)
    text = (tmp_path / "numpy_export.py").read_text()
    assert "Zhat[1] = (Z[1] - mu[1]) / np.sqrt(sigma2[1] + 0.001)" in text and "A[2] = G[2] + A[1]" in text


TRANSFORMS = {
    "clip_norm": '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n',
    "clip_value": '[[transform]]\nname = "clip_value"\nmax_value = 0.002\n',
    "decay-then-clip": '[[transform]]\nname = "weight_decay"\nlambda = 0.3\n[[transform]]\nname = "clip_norm"\n'
                       'max_norm = 0.05\n',
    "clip-then-decay": '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n[[transform]]\nname = "weight_decay"\n'
                       'lambda = 0.3\n',
}


def bn_with(transforms: str, optimizer: str = "adam"):
    return scenario(hidden='{ n = 4, activation = "tanh", batch_norm = { eps = 1e-3, momentum = 0.8 } }, '
                           '{ n = 3, activation = "relu", batch_norm = true }', optimizer=optimizer, iterations=8,
                    extra="\n" + transforms)


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_the_numpy_export_of_batch_norm_with_transforms_is_bit_equal(name, tmp_path):
    """The transform lines see dgamma, dbeta as gradsim's Chain does (clipping does, weight decay not)."""
    sc = bn_with(TRANSFORMS[name])
    got = exported_run(sc, tmp_path, "numpy", subprocess=False)
    sim = gradsim_run(sc)
    np.testing.assert_array_equal(got["J"], np.array(sim.J_history))
    for key, p in zip(sim.param_keys, sim.params):
        np.testing.assert_array_equal(got[key.replace("[", "").replace("]", "")], p, err_msg=key)
    text = (tmp_path / "numpy_export.py").read_text()
    assert "grads = [dW[1], db[1], dW[2], db[2], dW[3], db[3], dgamma[1], dbeta[1], dgamma[2], dbeta[2]]" in text


def test_the_transforms_act_on_gamma_and_beta_in_the_exported_run():
    """The bit-equality above can fail: dgamma, dbeta are clipped by value, they weigh in the global norm, and
    weight decay leaves them alone (so a script that treated them otherwise would give other numbers)."""
    from gradsim.engine.transforms import Chain, TransformSpec, global_norm

    sim = build_simulation(bn_with(TRANSFORMS["clip_value"]))
    sim.run(1)
    grads = tuple(sim.arrays[k] for k in sim._grad_keys)
    assert sim._grad_keys[6:] == ("dgamma[1]", "dbeta[1]", "dgamma[2]", "dbeta[2]")
    assert max(float(np.abs(g).max()) for g in grads[6:]) > 0.002  # clip_value changes dgamma, dbeta
    assert global_norm(grads) > 1.01 * global_norm(grads[:6]) and global_norm(grads) > 0.05  # clip_norm acts
    got = Chain([TransformSpec("weight_decay", **{"lambda": 0.3})], weights=6).grads(sim.params, grads, 16)
    assert all(a is b for a, b in zip(got[6:], grads[6:])) and not np.array_equal(got[0], grads[0])


def test_the_torch_export_of_batch_norm_with_a_transform_is_written(tmp_path):
    r = CliRunner().invoke(gradsim, ["export", "deep-tanh-batchnorm", "--numpy", str(tmp_path / "n.py"),
                                     "--torch", str(tmp_path / "t.py"),
                                     "--set", 'transform=[{name = "clip_norm", max_norm = 1.0}]'])
    assert r.exit_code == 0, r.output
    assert "nn.BatchNorm1d(8, eps=1e-05, momentum=0.09999999999999998" in (tmp_path / "t.py").read_text()
    assert "dgamma[1], dbeta[1]" in (tmp_path / "n.py").read_text()


def test_gradcheck_passes_on_the_batch_norm_scenario_and_lists_gamma_beta():
    r = CliRunner().invoke(gradsim, ["gradcheck", "deep-tanh-batchnorm"])
    assert r.exit_code == 0, r.output
    assert "gamma, beta" in r.output and "FAIL" not in r.output
