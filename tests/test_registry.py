"""One entry per concept: a throwaway activation and optimiser, added in a test-local registry entry and
nowhere else, are accepted by a scenario, run, gradchecked, printed by `gradsim step`, listed by
`gradsim show --json` and offered by the editor. And every change of a scenario goes through validation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim as cli
from gradsim.engine import ACTIVATIONS, OPTIMIZERS, Activation, Optimizer, Param, gradcheck, sigmoid
from gradsim.errors import ScenarioError
from gradsim.scenario import build_simulation, loads_scenario, with_overrides

BETA = Param("beta", 1.0, lo=0.0, hi=10.0, lo_open=True, symbol="β")


def swish(beta: float = BETA.default) -> Activation:
    """swish(z) = z·σ(βz) (Ramachandran et al. 2017); g' = σ(βz) + βz·σ(βz)(1 − σ(βz))."""

    def dg(Z, A):
        s = sigmoid(beta * Z)
        return s + beta * Z * s * (1.0 - s)

    return Activation("swish", "swish", lambda Z: Z * sigmoid(beta * Z), dg, "swish'(Z) = σ(βZ)(1 + βZ(1 − σ(βZ)))",
                      "Z", output_range=(-0.2785 / beta, float("inf")), params=(BETA,),
                      values=(("beta", beta),), factory=swish)


def _signsgd(hp, params, grads, state, t, lr):
    return tuple(p - lr * np.sign(g) for p, g in zip(params, grads)), ()


SIGNSGD = Optimizer("signsgd", (), (), _signsgd, "{p}[{l}] := {p}[{l}] − α·sign(d{p}[{l}])",
                    "W := W − α·sign(dW)", "Bernstein et al. (2018)")

SCENARIO = """\
# A swish net trained by sign SGD
seed = 3
loss = "logistic"

[network]
layers = [{ n = 6, activation = "swish", beta = 2.0 }, { n = 1, activation = "sigmoid" }]

[data]
kind = "moons"
m = 40
normalize = true

[init]
weights = "xavier"
bias = 0.1

[optimizer]
name = "signsgd"
learning_rate = 0.01

[run]
iterations = 20
"""


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "swish", swish())
    monkeypatch.setitem(OPTIMIZERS, "signsgd", SIGNSGD)


def test_a_new_activation_and_optimiser_are_accepted_run_and_gradchecked(registered, tmp_path):
    sc = loads_scenario(SCENARIO)
    assert sc.layers[0].activation == "swish" and sc.layers[0].value("beta") == 2.0
    sim = build_simulation(sc)
    assert sim.acts[0].value("beta") == 2.0
    for c in gradcheck(sim):
        assert c.rel_error <= 1e-7, c
    J0 = None
    for _ in range(20):
        sim.step_iteration()
        J0 = sim.J if J0 is None else J0
    assert np.isfinite(sim.J) and sim.J < J0
    # the update is the entry's own: every weight moved by exactly ±α in iteration 1
    sim.reset()
    sim.step_iteration()
    step = sim.param("W[1]") - sim.arrays["W[1]"]
    np.testing.assert_allclose(np.abs(step), 0.01, rtol=1e-12)


def test_its_parameter_bounds_come_from_its_declaration(registered):
    with pytest.raises(ScenarioError) as info:
        loads_scenario(SCENARIO.replace("beta = 2.0", "beta = 50.0"))
    assert "network.layers[0].beta: expected a number ≤ 10; got 50" in str(info.value)
    with pytest.raises(ScenarioError) as info:
        loads_scenario(SCENARIO.replace('activation = "swish", beta = 2.0', 'activation = "tanh", beta = 2.0'))
    assert "network.layers[0].beta: expected beta only with activation = \"swish\"" in str(info.value)


def test_step_and_show_print_the_new_entries(registered, tmp_path):
    path = tmp_path / "swish.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(cli, ["step", str(path)])
    assert r.exit_code == 0, r.output
    assert "A[1] = swish(Z[1])" in r.output
    assert "dZ[1] = dA[1] ⊙ swish'(Z[1])" in r.output
    assert "W[1] := W[1] − α·sign(dW[1])" in r.output
    r = runner.invoke(cli, ["show", str(path), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["layers"][0] == {"n": 6, "activation": "swish", "beta": 2.0}
    assert d["optimizer"]["name"] == "signsgd"
    r = runner.invoke(cli, ["show", str(path)])
    assert "swish (beta 2)" in r.output


def test_the_expression_language_knows_it_at_once(registered):
    """swish(x) is a function of expressions (with its default β = 1) as soon as it is registered."""
    sc = loads_scenario(SCENARIO + '\n[[expect]]\nvalue = "max(abs(A[1] - Z[1] * sigmoid(2 * Z[1]))) + abs(swish(1) - sigmoid(1))"\nop = "<"\nrhs = 1e-12\n'
                        'at = { iteration = 1, phase = "forward", layer = 1 }\n')
    from gradsim.checks import run_expectations

    assert all(r.passed for r in run_expectations(sc))


async def test_the_editor_offers_the_new_activation_and_refuses_what_a_file_would(registered):
    pytest.importorskip("textual")
    from textual.widgets import Input, Select

    from gradsim.tui.app import GradsimApp
    from gradsim.tui.screens import HyperParameterEditor

    app = GradsimApp(loads_scenario(SCENARIO.replace('"swish", beta = 2.0', '"tanh"')))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, HyperParameterEditor)
        select = editor.query_one("#edit-act", Select)
        offered = [value for _, value in select._options]
        assert "swish" in offered and "elu" in offered and "softmax" not in offered
        editor.query_one("#edit-lr", Input).value = "1e300"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor
        error = str(editor.query_one("#editor-error").render())
        assert "optimizer.learning_rate: expected a number ≤ 1e+06; got 1e+300" in error
        with pytest.raises(ScenarioError) as info:  # the same message a file gets
            loads_scenario(SCENARIO.replace("learning_rate = 0.01", "learning_rate = 1e300"))
        assert "optimizer.learning_rate: expected a number ≤ 1e+06; got 1e+300" in str(info.value)
        optimizers = [value for _, value in editor.query_one("#edit-opt", Select)._options]
        assert "signsgd" in optimizers and "rmsprop" in optimizers
        select.value = "swish"
        editor.query_one("#edit-opt", Select).value = "rmsprop"
        editor.query_one("#edit-lr", Input).value = "0.02"
        await pilot.click("#edit-apply")
        await pilot.pause()
        assert app.screen is app.main
        assert app.main.info.activations == ("swish", "sigmoid")
        assert app.main.info.optimizer == "rmsprop" and app.main.sim.optimizer.values() == {"rho": 0.9, "eps": 1e-8}


def test_overrides_go_through_validation():
    sc = loads_scenario(SCENARIO.replace('"swish", beta = 2.0', '"leaky_relu", slope = 0.2').replace(
        '"signsgd"', '"momentum"'))
    changed = with_overrides(sc, [("optimizer.learning_rate", 0.05), ("optimizer.beta", 0.5),
                                  ("network.layers[0].slope", 0.3)])
    assert changed.optimizer.learning_rate == 0.05 and changed.optimizer.values()["beta"] == 0.5
    assert changed.layers[0].value("slope") == 0.3
    assert sc.optimizer.learning_rate == 0.01  # the original is untouched
    with pytest.raises(ScenarioError, match=r"optimizer.beta: expected a number in \[0, 1\) \(1 would never forget"):
        with_overrides(sc, [("optimizer.beta", 1.0)])
    with pytest.raises(ScenarioError, match="optimizer.rho: expected no 'rho' here"):
        with_overrides(sc, [("optimizer.rho", 0.5)])
    with pytest.raises(ScenarioError, match=r"network.layers\[5\]: expected an index from 0 to 1"):
        with_overrides(sc, [("network.layers[5].n", 3)])
