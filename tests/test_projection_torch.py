"""The --torch export of projection skips (export/torch_projection.py): autograd's dWs[l] after one iteration
equals gradsim's backprop, and after N iterations J and W[l], b[l], Ws[l] equal gradsim's (to ~1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the --torch export is not run (pip install torch)")

from export_helpers import assert_same, exported_run, gradsim_run, scenario  # noqa: E402

from gradsim.scenario.build import build_simulation  # noqa: E402


@pytest.fixture(autouse=True)
def _default_dtype():
    import torch

    saved, threads = torch.get_default_dtype(), torch.get_num_threads()
    yield
    torch.set_default_dtype(saved)
    torch.set_num_threads(threads)


@pytest.mark.parametrize("hidden, output, loss, optimizer", [
    ('{ n = 5, activation = "tanh", skip = 1 }, { n = 3, activation = "relu", skip = 2 }',
     '{ n = 1, activation = "sigmoid" }', "logistic", "adam"),
    ('{ n = 4, activation = "tanh", skip = 1, projection = true }, { n = 3, activation = "sigmoid" }',
     '{ n = 1, activation = "linear", skip = 2 }', "l2", "gd"),
])
def test_torch_matches_gradsim_with_projection_skips(tmp_path, hidden, output, loss, optimizer):
    sc = scenario(loss=loss, hidden=hidden, output=output, optimizer=optimizer, iterations=10)
    got, sim = exported_run(sc, tmp_path, "torch", subprocess=False), gradsim_run(sc)
    assert_same(got, sim, 1e-12)
    for k in sim.param_keys:
        if k.startswith("Ws"):
            l = k[3:-1]
            np.testing.assert_allclose(got[f"Ws{l}"], sim.param(k), rtol=1e-12, atol=1e-12 * np.abs(sim.param(k)).max())
    first = build_simulation(sc)
    first.run(1)
    for k in first.param_keys:
        if k.startswith("Ws"):
            d = first.arrays["d" + k]
            np.testing.assert_allclose(got[f"dWs{k[3:-1]}"], d, rtol=1e-12, atol=1e-12 * np.abs(d).max())


@pytest.mark.parametrize("transforms", [
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n',
    '[[transform]]\nname = "weight_decay"\nlambda = 0.5\n[[transform]]\nname = "clip_value"\nmax_value = 0.01\n',
], ids=["clip_norm", "decay-then-clip_value"])
def test_torch_matches_gradsim_with_a_projection_and_transforms(tmp_path, transforms):
    """clip_norm's global norm over net.parameters() includes Ws (proj) as gradsim's does; weight decay
    leaves it alone in both."""
    sc = scenario(hidden='{ n = 5, activation = "tanh", skip = 1 }', extra=transforms, iterations=10)
    got, sim = exported_run(sc, tmp_path, "torch", subprocess=False), gradsim_run(sc)
    assert_same(got, sim, 1e-12)
    np.testing.assert_allclose(got["Ws1"], sim.param("Ws[1]"), rtol=1e-12, atol=1e-12 * np.abs(sim.param("Ws[1]")).max())
