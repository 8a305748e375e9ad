"""gradsim export --torch, run in a subprocess when PyTorch is installed (it is never a dependency; the
module is skipped, saying so, without it): after one iteration its autograd gradients equal gradsim's
backprop to 1e-9, after N iterations its J per iteration and its W[l], b[l] equal gradsim's to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the --torch export is not run (pip install torch)")

from gradsim.engine.activations import hidden_activations  # noqa: E402
from gradsim.engine.init import selectable_initializers  # noqa: E402
from gradsim.engine.optim import OPTIMIZERS  # noqa: E402
from gradsim.export import export  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402

from export_helpers import assert_same, exported_run, first_gradients, gradsim_run, run_in_process, scenario  # noqa: E402
from test_export_numpy import LOSS_CASES  # noqa: E402

TOL = 1e-9


@pytest.fixture(autouse=True)
def _default_dtype():
    """The script sets torch's default dtype to float64; other tests keep theirs."""
    import torch

    saved, threads = torch.get_default_dtype(), torch.get_num_threads()
    yield
    torch.set_default_dtype(saved)
    torch.set_num_threads(threads)


def check(sc, tmp_path, iterations=None, subprocess=False):
    """In this process by default (PyTorch's import is the slow part); the bundled case runs as a subprocess."""
    got = exported_run(sc, tmp_path, "torch", iterations, subprocess=subprocess)
    for key, g in first_gradients(sc).items():
        np.testing.assert_allclose(got[key], g, rtol=TOL, atol=TOL * np.abs(g).max(initial=1e-300), err_msg=key)
    assert_same(got, gradsim_run(sc, iterations), TOL)


def test_every_hidden_activation_in_one_deep_net_with_adam_and_minibatches(tmp_path):
    hidden = ", ".join(f'{{ n = 4, activation = "{a}" }}' for a in hidden_activations())
    check(scenario(hidden=hidden, optimizer="adam", iterations=15, init="glorot"), tmp_path)


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_every_loss(case, tmp_path):
    check(scenario(**LOSS_CASES[case], iterations=10), tmp_path)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer(optimizer, tmp_path):
    check(scenario(optimizer=optimizer, iterations=15), tmp_path)


def test_bundled_three_layer_cache(tmp_path):
    check(load_scenario("three-layer-cache"), tmp_path, iterations=200, subprocess=True)


def test_torch_init_draws_every_initializer_with_nn_init(tmp_path):
    inits = selectable_initializers()
    hidden = ", ".join('{ n = 3, activation = "tanh" }' for _ in inits[:-1])
    extra = "".join(f'\n[init.layers.{l}]\nweights = "{name}"\n' for l, name in enumerate(inits, 1))
    sc = scenario(hidden=hidden, extra=extra, iterations=1,
                  output='{ n = 1, activation = "sigmoid" }', data='kind = "moons"\nm = 20')
    target = tmp_path / "t.py"
    export(sc, torch=target)
    out = tmp_path / "drawn.npz"
    run_in_process(target, str(out), "--torch-init")
    sim = gradsim_run(sc, 0)
    with np.load(out) as z:
        W0 = {l: z[f"W{l}"] for l in range(1, len(inits) + 1)}  # after one step: only their shapes are checked
        J = z["J"]
    assert J.shape == (1,) and np.isfinite(J).all()
    for l, name in enumerate(inits, 1):
        assert W0[l].shape == np.asarray(sim.params[2 * (l - 1)]).shape, name
    text = target.read_text()
    for call in ("nn.init.zeros_", "nn.init.orthogonal_", "nn.init.kaiming_normal_", "nn.init.xavier_uniform_",
                 "nn.init.eye_"):
        assert call in text


def test_momentum_says_how_it_maps_to_torch_sgd(tmp_path):
    export(scenario(optimizer="momentum"), torch=tmp_path / "m.py")
    text = (tmp_path / "m.py").read_text()
    assert "torch.optim.SGD(params, lr=alpha * (1 - beta), momentum=beta)" in text
    assert "(1 − β)" in text and "# " in text.split("opt = ")[0].splitlines()[-1]
