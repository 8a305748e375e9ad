"""Residual connections: A[l] = g(Z[l]) + A[l−k], and dA[l−k] gets dA[l] through the skip.

The stepped simulation's gradients are checked against finite differences of a J written here from scratch
in NumPy (no gradsim code in it), for m = 1 and m > 1; gradcheck (which recomputes J through
network.cost/gradients) must agree; the scenario format refuses a skip it cannot add, naming file and field;
the equations, `gradsim step`, the app and the NumPy export show or write the skip.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.display import num
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.gradcheck import gradcheck
from gradsim.engine.network import cost, gradients, skip_sources
from gradsim.equations import equations
from gradsim.engine.phases import Phase
from export_helpers import assert_same, exported_run, gradsim_run
from gradsim.scenario import build_simulation, load_scenario
from test_cli import assert_show_refuses

# layer 1 skips from A[0] = X (k = l), layer 3 from A[2] (k = 1), layer 5 from A[1] (k = 4, across layers)
LAYERS = [LayerSpec(3, "tanh", skip=1), LayerSpec(3, "sigmoid"), LayerSpec(3, "sigmoid", skip=1),
          LayerSpec(3, "elu"), LayerSpec(3, "tanh", skip=4), LayerSpec(1, "sigmoid")]
SKIPS = [1, 0, 1, 0, 4, 0]


def sim_for(m: int, layers=LAYERS, seed: int = 0) -> Simulation:
    rng = np.random.default_rng(m)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return Simulation(X, Y, layers, "logistic", InitSpec("xavier", bias=0.1), OptimizerSpec("gd", 0.5), seed=seed)


def own_J(params, X, Y) -> float:
    """J of the net above, written out by hand: tanh, σ, σ + skip, elu, tanh + skip from A[1], σ, logistic."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    elu = lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1)  # noqa: E731
    W = params[0::2]
    b = params[1::2]
    A0 = X
    A1 = np.tanh(W[0] @ A0 + b[0]) + A0
    A2 = sig(W[1] @ A1 + b[1])
    A3 = sig(W[2] @ A2 + b[2]) + A2
    A4 = elu(W[3] @ A3 + b[3])
    A5 = np.tanh(W[4] @ A4 + b[4]) + A1
    A6 = sig(W[5] @ A5 + b[5])
    return float(-np.mean(Y * np.log(A6) + (1 - Y) * np.log(1 - A6)))


def fd(params, X, Y, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            jp = own_J(params, X, Y)
            p[idx] = old - eps
            jm = own_J(params, X, Y)
            p[idx] = old
            g[idx] = (jp - jm) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("m", [1, 7])
def test_stepped_gradients_equal_finite_differences_of_an_independent_J(m):
    sim = sim_for(m)
    params = [np.array(p) for p in sim.params]
    sim.step_iteration()
    a = sim.arrays
    assert sim.J == pytest.approx(own_J(params, a["X"], a["Y"]), rel=1e-12)
    numeric = fd(params, a["X"], a["Y"])
    for j, key in enumerate(sim._grad_keys):
        assert np.allclose(a[key], numeric[j], rtol=1e-6, atol=1e-9), key
    # the skip's term really is there: without it layer 1's gradient would differ
    plain = gradients(tuple(params), a["X"], a["Y"], sim.acts, sim.loss)
    assert not np.allclose(plain[0], a["dW[1]"])


@pytest.mark.parametrize("m", [1, 7])
def test_gradcheck_and_network_gradients_agree_with_the_simulation(m):
    sim = sim_for(m)
    params = tuple(np.array(p) for p in sim.params)
    checks = gradcheck(sim)
    assert all(c.resolved and c.rel_error < 1e-7 for c in checks), checks
    sim.step_iteration()
    a = sim.arrays
    grads = gradients(params, a["X"], a["Y"], sim.acts, sim.loss, sim.skips)
    for g, key in zip(grads, sim._grad_keys):
        assert np.array_equal(g, a[key]), key  # the same operations in the same order
    assert cost(params, a["X"], a["Y"], sim.acts, sim.loss, sim.skips) == sim.J


def test_forward_adds_the_earlier_A_and_backward_passes_dA_through():
    sim = sim_for(5)
    sim.step_iteration()
    a = sim.arrays
    assert np.array_equal(a["A[5]"], np.tanh(a["Z[5]"]) + a["A[1]"])
    assert np.array_equal(a["A[1]"], np.tanh(a["Z[1]"]) + a["X"])
    # dA[1] = W[2]ᵀ dZ[2] + dA[5] (layer 5's skip); dA[2] = W[3]ᵀ dZ[3] + dA[3] (layer 3's)
    assert np.allclose(a["dA[1]"], a["W[2]"].T @ a["dZ[2]"] + a["dA[5]"], rtol=1e-14, atol=0)
    assert np.allclose(a["dA[2]"], a["W[3]"].T @ a["dZ[3]"] + a["dA[3]"], rtol=1e-14, atol=0)
    # g' is taken at g(Z[l]), not at A[l] (which includes the skip)
    assert np.allclose(a["dZ[3]"], a["dA[3]"] * (s := 1 / (1 + np.exp(-a["Z[3]"]))) * (1 - s), rtol=1e-12)
    assert skip_sources(SKIPS) == [(1,), (5,), (3,), (), (), ()]


def test_rewind_comes_back_to_the_same_arrays():
    sim = sim_for(4)
    sim.run(4)
    assert sim.goto(3, 9)
    fresh = sim_for(4)
    fresh.run(2)
    for _ in range(9):
        fresh.step()
    assert sim.arrays.keys() == fresh.arrays.keys()
    for k, v in fresh.arrays.items():
        assert np.array_equal(sim.arrays[k], v), k


def test_a_net_without_skips_runs_as_before():
    layers = [LayerSpec(3, "tanh"), LayerSpec(3, "sigmoid"), LayerSpec(1, "sigmoid")]
    sim = sim_for(6, layers)
    params = tuple(np.array(p) for p in sim.params)
    sim.step_iteration()
    a = sim.arrays
    assert sim.skips == (0, 0, 0)
    for g, key in zip(gradients(params, a["X"], a["Y"], sim.acts, sim.loss), sim._grad_keys):
        assert np.array_equal(g, a[key])


def test_the_engine_refuses_a_skip_it_cannot_add():
    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    for layers in ([LayerSpec(2, "tanh", skip=2), LayerSpec(1, "sigmoid")],  # k > l
                   [LayerSpec(2, "tanh"), LayerSpec(1, "sigmoid", skip=1)]):  # the output layer
        with pytest.raises(ValueError, match="skip"):
            Simulation(X, Y, layers, "logistic")


# --------------------------------------------------------------------------------- scenario format
BASE = """\
loss = "logistic"
[network]
layers = [{{ n = 2, activation = "tanh"{s1} }}, {{ n = {n2}, activation = "sigmoid"{s2} }}, {{ n = 1, activation = "sigmoid"{s3} }}]
[data]
kind = "linear"
m = 8
"""


def toml(s1="", s2="", s3="", n2=2) -> str:
    return BASE.format(s1=s1, s2=s2, s3=s3, n2=n2)


@pytest.mark.parametrize("text, field, words", [
    (toml(s2=", skip = 3"), "network.layers[1].skip", "k ≤ l = 2"),
    (toml(s3=", skip = 1"), "network.layers[2].skip", "a skip into the output layer only with a loss on A[L]"),
    (toml(s1=", projection = true"), "network.layers[0].projection", "only on a layer with a skip"),
    (toml(s1=", batch_norm = true", s2=", skip = 1", n2=3), "network.layers[1].skip", "one or the other"),
    (toml(s1=", skip = 0"), "network.layers[0].skip", "an integer from 1"),
    (toml(s1=", skip = 1.0"), "network.layers[0].skip", "an integer"),
])
def test_bad_skips_are_one_line_errors_naming_file_and_field(tmp_path, text, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert_show_refuses(path, field, words)


def test_a_good_skip_loads_and_show_json_carries_it(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(toml(s1=", skip = 1", s2=", skip = 2"))
    sim = build_simulation(load_scenario(str(path)))
    assert sim.skips == (1, 2, 0)
    r = CliRunner().invoke(gradsim, ["show", str(path), "--json"])
    assert r.exit_code == 0, r.output
    assert [layer.get("skip") for layer in json.loads(r.stdout)["layers"]] == [1, 2, None]


# ------------------------------------------------------------------------------------- equations
def test_equations_show_the_skip_as_its_own_term():
    sim = sim_for(5)
    sim.step_iteration()
    text = lambda phase: [e.formula for e in equations(sim, phase)]  # noqa: E731
    assert "A[5] = tanh(Z[5]) + A[1]" in text(Phase("forward", 5))
    assert "A[2] = σ(Z[2])" in text(Phase("forward", 2))
    assert "dA[1] = W[2]ᵀ·dZ[2] + dA[5]" in text(Phase("backward", 2))
    assert "dA[1] gets W[2]ᵀ·dZ[2] + dA[5] through the skip" in text(Phase("backward", 5))
    assert "dA[2] = W[3]ᵀ·dZ[3] + dA[3]" in text(Phase("backward", 3))
    assert "dA[3] = W[4]ᵀ·dZ[4]" in text(Phase("backward", 4))


def test_step_prints_the_skip_terms():
    r = CliRunner().invoke(gradsim, ["step", "deep-sigmoid-residual"])
    assert r.exit_code == 0, r.output
    assert "A[3] = σ(Z[3]) + A[2]" in r.stdout
    assert "dA[2] = W[3]ᵀ·dZ[3] + dA[3]" in r.stdout
    assert "dA[0] gets W[1]ᵀ·dZ[1] + dA[1] through the skip" in r.stdout


async def test_the_app_shows_the_residual_term():
    pytest.importorskip("textual")
    from gradsim.tui.app import GradsimApp
    from gradsim.tui.equations import _paren, text_of
    from gradsim.tui.widgets import EquationPanel

    app = GradsimApp(load_scenario("deep-sigmoid-residual"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        text = text_of(app.main.query_one(EquationPanel).lines)
        assert "A[1] = σ(Z[1]) + A[0]" in text
        a = app.main.sim.arrays
        z, skip, out = (float(a[k][0, 0]) for k in ("Z[1]", "A[0]", "A[1]"))
        assert out == pytest.approx(1 / (1 + np.exp(-z)) + skip, rel=1e-12)
        assert f"A[1][0,0] = σ({num(z)}) + {_paren(num(skip))} = {num(out)}" in text, text


# -------------------------------------------------------------------------------------- scenarios
def test_the_residual_twin_trains_where_the_plain_net_does_not():
    plain, res = (build_simulation(load_scenario(f"deep-sigmoid-{k}")) for k in ("plain", "residual"))
    assert plain.L == res.L == 20 and res.skips == (1,) * 19 + (0,) and not any(plain.skips)
    for sim in (plain, res):
        sim.step_iteration()
    ratio = lambda s: np.linalg.norm(s.arrays["dW[1]"]) / np.linalg.norm(s.arrays["dW[20]"])  # noqa: E731
    assert ratio(plain) < 1e-9 < 1e-3 < ratio(res)
    plain.run(299)
    res.run(299)
    assert res.J < 0.1 < 0.6 < plain.J


def test_the_numpy_export_writes_the_skip(tmp_path):
    sc = load_scenario("deep-sigmoid-residual")
    got = exported_run(sc, tmp_path, "numpy", iterations=3, subprocess=False)
    text = (tmp_path / "numpy_export.py").read_text()
    assert "A[3] = G[3] + A[2]" in text and "dA[2] = W[3].T @ dZ[3] + dA[3]" in text
    assert_same(got, gradsim_run(sc, 3), rtol=1e-12)


def test_the_torch_export_writes_the_skips_in_the_forward(tmp_path):
    """The numbers are checked with PyTorch in test_export_torch_fixes.py."""
    r = CliRunner().invoke(gradsim, ["export", "deep-sigmoid-residual", "--torch", str(tmp_path / "t.py")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "t.py").read_text()
    assert f"self.skips = {[1] * 19 + [0]}" in text and "g(Z) + As[-k] if k else g(Z)" in text
    compile(text, "t.py", "exec")


def test_evaluation_forward_passes_add_the_skips():
    from gradsim.engine import evaluate
    from gradsim.tui.dataview import DataSource

    sim = sim_for(6)
    sim.step()  # iteration 1 started: its W[l], b[l] are the ones J is computed with
    sim.step_iteration()
    J_full, _ = evaluate.score(sim, sim.X, sim.Y, evaluate.used_params(sim))
    assert J_full == sim.J  # batch gradient descent: the full-set J is the iteration's J, to the bit
    src = DataSource.of(sim)
    assert src.skips == sim.skips
    assert np.array_equal(evaluate.forward(src, sim.X, evaluate.used_params(sim))[1], sim.arrays["A[6]"])
