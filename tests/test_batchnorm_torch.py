"""Batch norm in the --torch export (nn.BatchNorm1d with momentum 1 − ρ and gradsim's ε): after one
iteration autograd's dW, db, dgamma, dbeta equal gradsim's backprop, and J and the final parameters follow
gradsim's run. Skipped without PyTorch (run with /work/main/.venv's interpreter, which has it)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the --torch export is not run (pip install torch)")

from gradsim.scenario import build_simulation, load_scenario  # noqa: E402

from export_helpers import exported_run, gradsim_run, scenario  # noqa: E402


@pytest.fixture(autouse=True)
def _default_dtype():
    import torch

    saved = torch.get_default_dtype()
    yield
    torch.set_default_dtype(saved)


@pytest.mark.parametrize("sc", [
    scenario(hidden='{ n = 4, activation = "tanh", batch_norm = { eps = 1e-3, momentum = 0.8 } }, '
                    '{ n = 3, activation = "relu", batch_norm = true }', optimizer="adam", iterations=8),
    scenario(hidden='{ n = 4, activation = "tanh", batch_norm = true }, '
                    '{ n = 4, activation = "tanh", batch_norm = true, skip = 1 }', iterations=8),
    load_scenario("deep-tanh-batchnorm"),
], ids=["adam-minibatch", "with-a-skip", "deep-tanh-batchnorm"])
def test_the_torch_export_matches_gradsim_with_batch_norm(sc, tmp_path):
    got = exported_run(sc, tmp_path, "torch", iterations=8, subprocess=False)
    sim = build_simulation(sc)
    sim.run(1)
    for name in sim.param_keys:
        key = "d" + name.replace("[", "").replace("]", "")
        want = sim.arrays["d" + name]
        l = int(name[:-1].split("[")[1])
        if name.startswith("b[") and sim.bns[l - 1] is not None:  # 0 up to rounding on both sides
            assert np.abs(got[key]).max() < 1e-15 and np.abs(want).max() < 1e-15
            continue
        scale = float(np.abs(want).max()) or 1.0
        np.testing.assert_allclose(got[key], want, rtol=1e-9, atol=1e-9 * scale, err_msg=key)
    sim = gradsim_run(sc, 8)
    np.testing.assert_allclose(got["J"], np.array(sim.J_history), rtol=1e-9, atol=0)
    for name, p in zip(sim.param_keys, sim.params):
        l = int(name[:-1].split("[")[1])
        if name.startswith("b[") and sim.bns[l - 1] is not None:
            continue  # Adam scales db's rounding noise up to whole steps; J does not depend on b[l] here
        key = name.replace("[", "").replace("]", "")
        np.testing.assert_allclose(got[key], p, rtol=1e-9, atol=1e-9 * (float(np.abs(p).max()) or 1.0), err_msg=key)


@pytest.mark.parametrize("transforms", [
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n',
    '[[transform]]\nname = "clip_value"\nmax_value = 0.002\n',
    '[[transform]]\nname = "weight_decay"\nlambda = 0.3\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n',
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.05\n[[transform]]\nname = "weight_decay"\nlambda = 0.3\n',
], ids=["clip_norm", "clip_value", "decay-then-clip", "clip-then-decay"])
def test_the_torch_export_with_batch_norm_and_transforms(transforms, tmp_path):
    """clip over net.parameters() is gradsim's global norm over the same gradients (W, b, then gamma, beta:
    the module registers linear before bn), weight decay over net.linear only (gamma, beta not decayed).
    Every clip here acts (tests/test_batchnorm_views.py), so leaving gamma, beta out of the norm would differ far above 1e-10."""
    sc = scenario(hidden='{ n = 4, activation = "tanh", batch_norm = { eps = 1e-3, momentum = 0.8 } }, '
                         '{ n = 3, activation = "relu", batch_norm = true }', iterations=8, extra="\n" + transforms)
    got = exported_run(sc, tmp_path, "torch", subprocess=False)
    sim = gradsim_run(sc)
    np.testing.assert_allclose(got["J"], np.array(sim.J_history), rtol=1e-10, atol=0)
    for name, p in zip(sim.param_keys, sim.params):
        key = name.replace("[", "").replace("]", "")
        if name.startswith("b[") and sim.bns[int(name[2:-1]) - 1] is not None:  # rounding noise (~1e-19) on both sides
            assert np.abs(got[key]).max() < 1e-15 and np.abs(p).max() < 1e-15
            continue
        np.testing.assert_allclose(got[key], p, rtol=1e-10, atol=1e-10 * (float(np.abs(p).max()) or 1.0), err_msg=key)
