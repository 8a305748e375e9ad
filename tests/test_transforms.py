"""Gradient transformations (engine/transforms.py): weight decay against finite differences of the
regularised J, clipping against its closed forms, the update phase against independent NumPy, validation
messages, and the equations' ‖g‖ before → after."""

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim as main
from gradsim.engine import ACTIVATIONS, LOSSES, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.network import cost, gradients
from gradsim.engine.transforms import TRANSFORMS, Chain, TransformSpec, global_norm
from gradsim.equations import equations
from gradsim.engine.phases import Phase


def _net(m, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    Y = rng.standard_normal((2, m))
    params = tuple(rng.standard_normal(s) for s in [(4, 3), (4, 1), (2, 4), (2, 1)])
    acts = [ACTIVATIONS["tanh"], ACTIVATIONS["linear"]]
    return X, Y, params, acts, LOSSES["l2"]


@pytest.mark.parametrize("m", [1, 5])
def test_weight_decay_gradient_is_the_derivative_of_the_regularised_J(m):
    """dW[l] + (λ/m)·W[l] (and db[l] unchanged) against central differences of J_data + λ/(2m)·Σ‖W[l]‖²."""
    X, Y, params, acts, loss = _net(m)
    chain = Chain([TransformSpec("weight_decay", **{"lambda": 0.7})])

    def J(ps):
        return cost(ps, X, Y, acts, loss) + chain.penalty(ps, m)

    analytic = chain.grads(params, gradients(params, X, Y, acts, loss), m)
    eps = 1e-6
    for k, p in enumerate(params):
        fd = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus, minus = p.copy(), p.copy()
            plus[idx] += eps
            minus[idx] -= eps
            ps_p = params[:k] + (plus,) + params[k + 1:]
            ps_m = params[:k] + (minus,) + params[k + 1:]
            fd[idx] = (J(ps_p) - J(ps_m)) / (2 * eps)
        np.testing.assert_allclose(analytic[k], fd, rtol=1e-6, atol=1e-8)
    # the penalty is λ/(2m)·Σ‖W‖², biases excluded
    expect = 0.7 / (2 * m) * sum(float((W * W).sum()) for W in params[0::2])
    assert chain.penalty(params, m) == pytest.approx(expect, rel=1e-12)


def test_clip_norm_scales_to_the_bound_and_keeps_the_direction():
    grads = (np.array([[3.0, 0.0]]), np.array([[0.0]]), np.array([[0.0, 4.0]]), np.array([[0.0]]))  # ‖g‖ = 5
    out = Chain([TransformSpec("clip_norm", max_norm=2.0)]).grads((), grads, 1)
    assert global_norm(out) == pytest.approx(2.0, rel=1e-15)
    np.testing.assert_allclose(out[0], [[1.2, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(out[2], [[0.0, 1.6]], rtol=1e-15)
    same = Chain([TransformSpec("clip_norm", max_norm=6.0)]).grads((), grads, 1)
    assert all(a is b for a, b in zip(same, grads))  # within the bound: untouched


def test_clip_value_clips_every_entry():
    grads = (np.array([[3.0, -0.2]]), np.array([[-7.0]]))
    out = Chain([TransformSpec("clip_value", max_value=0.5)]).grads((), grads, 1)
    np.testing.assert_array_equal(out[0], [[0.5, -0.2]])
    np.testing.assert_array_equal(out[1], [[-0.5]])
    assert grads[0][0, 0] == 3.0  # never written in place


def _sim(transforms, m=6, lr=0.3):
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((3, m)), rng.standard_normal((1, m))
    return Simulation(X, Y, [LayerSpec(4, "tanh"), LayerSpec(1, "linear")], "l2",
                      optimizer=OptimizerSpec("gd", lr), seed=2, transforms=transforms)


@pytest.mark.parametrize("m", [1, 6])
def test_the_update_phase_applies_the_chain_in_order(m):
    """weight decay then clipping by global norm, then W := W − α·g: against NumPy written out here."""
    lam, c, lr = 0.4, 0.05, 0.3
    sim = _sim([TransformSpec("weight_decay", **{"lambda": lam}), TransformSpec("clip_norm", max_norm=c)], m, lr)
    sim.run_to(1, sim.P - 1)
    a = sim.arrays
    W = [a["W[1]"], a["b[1]"], a["W[2]"], a["b[2]"]]
    g = [a["dW[1]"], a["db[1]"], a["dW[2]"], a["db[2]"]]
    g = [gi + lam / m * Wi if i % 2 == 0 else gi for i, (gi, Wi) in enumerate(zip(g, W))]
    total = np.sqrt(sum(float((gi * gi).sum()) for gi in g))
    assert total > c  # so the clip acts
    g = [gi * (c / total) for gi in g]
    # J: the data loss plus the penalty, kept apart in J_parts
    Z2 = a["Z[2]"]
    data = 0.5 * float(((Z2 - a["Y"]) ** 2).sum()) / m
    reg = lam / (2 * m) * (float((W[0] ** 2).sum()) + float((W[2] ** 2).sum()))
    assert sim.J_parts == (pytest.approx(data, rel=1e-12), pytest.approx(reg, rel=1e-12))
    assert sim.J == pytest.approx(data + reg, rel=1e-12)
    sim.step()
    for name, Wi, gi in zip(("W[1]", "b[1]", "W[2]", "b[2]"), W, g):
        np.testing.assert_allclose(sim.param(name), Wi - lr * gi, rtol=1e-13, atol=1e-16)
    lines = [e.value for e in equations(sim, Phase("update")) if e.target == "g"]
    assert lines[1].endswith(f"→ {c:g}")  # the clip's line: ‖g‖ before → after


def test_rewind_replays_a_transformed_update_exactly():
    sim = _sim([TransformSpec("clip_value", max_value=0.01)])
    sim.run(3)
    after = sim.params
    assert sim.goto(3, sim.P)
    assert all(np.array_equal(a, b) for a, b in zip(after, sim.params))


def test_every_transform_declares_a_formula_and_bounded_params():
    for name, entry in TRANSFORMS.items():
        assert entry.formula and entry.rule, name
        assert (entry.penalty is None) == (entry.penalty_formula == ""), name


BASE = """loss = "l2"
[network]
layers = [{ n = 2, activation = "linear" }, { n = 1, activation = "linear" }]
[data]
kind = "explicit"
X = [[1.0, 2.0], [0.5, -1.5]]
Y = [[1.0, -2.0]]
"""


@pytest.mark.parametrize("extra, field, expected", [
    ('[[transform]]\nname = "clip"\n', "transform[0].name", "expected one of clip_norm"),
    ('[[transform]]\nname = "weight_decay"\nlambda = -1\n', "transform[0].lambda", "from 0"),
    ('[[transform]]\nname = "clip_norm"\nmax_value = 1\n', "transform[0].max_value", "is for name = 'clip_value'"),
    ('[[transform]]\nname = "clip_norm"\nmax_norm = 0\n', "transform[0].max_norm", "> 0"),
    ('transform = 3\n', "transform", "an array of [[transform]] tables"),
    ('[[transform]]\nname = "clip_norm"\n[[transform]]\nname = "clip_norm"\n', "transform", "at most once"),
])
def test_bad_transforms_are_one_line_naming_the_field(tmp_path, extra, field, expected):
    f = tmp_path / "t.toml"
    f.write_text(extra + BASE if not extra.startswith("[[") else BASE + extra)
    r = CliRunner().invoke(main, ["show", str(f)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(f.name) in err and field in err and expected in err, err


def test_show_and_step_name_the_transforms(tmp_path):
    f = tmp_path / "t.toml"
    f.write_text(BASE + '[[transform]]\nname = "weight_decay"\nlambda = 0.5\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.1\n')
    r = CliRunner().invoke(main, ["show", str(f)])
    assert r.exit_code == 0, r.output
    assert "weight_decay (λ = 0.5), then clip_norm (c = 0.1)" in r.output
    r = CliRunner().invoke(main, ["show", str(f), "--json"])
    assert '"transforms"' in r.output and '"lambda": 0.5' in r.output
    r = CliRunner().invoke(main, ["step", str(f)])
    assert r.exit_code == 0, r.output
    assert "J = J_data + J_reg" in r.output and "J_reg = λ/(2m)·Σ_l ‖W[l]‖²" in r.output
    assert "g := g·min(1, c/‖g‖)" in r.output and "→ 0.1" in r.output


def test_torch_export_refusal_is_one_line_before_writing(tmp_path, monkeypatch):
    """export/torch_parts.TORCH_CHECKS is the one place that decides what --torch cannot write (batch norm,
    dropout, ... add their check there): a refusal is one line, exit 2, and neither script is written."""
    from gradsim.export import torch_parts

    monkeypatch.setattr(torch_parts, "TORCH_CHECKS", [lambda plan: ("no clip_value for this test", "clip_value",
                                                                    "transform")])
    f = tmp_path / "t.toml"
    f.write_text(BASE + '[[transform]]\nname = "clip_value"\n')
    r = CliRunner().invoke(main, ["export", str(f), "--numpy", str(tmp_path / "out.py"),
                                  "--torch", str(tmp_path / "out_torch.py")])
    assert r.exit_code == 2
    assert "transform" in r.stderr and "clip_value" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.py").exists() and not (tmp_path / "out_torch.py").exists()


def test_torch_export_writes_the_transforms(tmp_path):
    """The numbers are checked with PyTorch in test_export_torch_fixes.py."""
    f = tmp_path / "t.toml"
    f.write_text(BASE + '[[transform]]\nname = "weight_decay"\nlambda = 0.5\n[[transform]]\nname = "clip_value"\n')
    r = CliRunner().invoke(main, ["export", str(f), "--torch", str(tmp_path / "out_torch.py")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "out_torch.py").read_text()
    assert "J = J + 0.5 / (2.0 * m) * sum((linear.weight ** 2).sum() for linear in net.linear)" in text
    assert "torch.nn.utils.clip_grad_value_(net.parameters(), 1.0)" in text
    compile(text, "out_torch.py", "exec")


@pytest.mark.parametrize("transforms", [
    '[[transform]]\nname = "clip_value"\nmax_value = 0.05\n',
    '[[transform]]\nname = "weight_decay"\nlambda = 0.3\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.2\n',
])
def test_numpy_export_of_transforms_gives_gradsims_numbers(tmp_path, transforms):
    from export_helpers import assert_same, exported_run, gradsim_run
    from gradsim.scenario import load_scenario

    f = tmp_path / "t.toml"
    f.write_text(BASE + "[optimizer]\nlearning_rate = 0.2\n" + transforms)
    sc = load_scenario(str(f))
    assert_same(exported_run(sc, tmp_path, "numpy", 30), gradsim_run(sc, 30), 1e-12)


def test_J_data_and_J_reg_in_expressions_split_J(tmp_path):
    from gradsim.checks import make_lookup

    sim = _sim([TransformSpec("weight_decay", **{"lambda": 2.0})], m=4)
    sim.run_to(1, 3)  # forward, forward, loss
    look = make_lookup(sim)
    assert look("J_data", None) + look("J_reg", None) == sim.J
    W1, W2 = sim.arrays["W[1]"], sim.arrays["W[2]"]
    assert look("J_reg", None) == pytest.approx(2.0 / 8 * (float((W1**2).sum()) + float((W2**2).sum())), rel=1e-12)
    plain = _sim([])
    plain.run_to(1, 3)
    assert make_lookup(plain)("J_reg", None) == 0.0 and make_lookup(plain)("J_data", None) == plain.J
