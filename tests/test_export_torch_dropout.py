"""Dropout in the --torch export: the script draws gradsim's own masks (from (seed, t, l)), so J per
iteration and the final W[l], b[l] equal gradsim's to rounding (autograd divides and multiplies in another
order than gradsim's backward, hence ~1e-12, not bit for bit). Skipped without PyTorch (run with
/work/main/.venv's interpreter, which has it)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the --torch export is not run (pip install torch)")

from gradsim.scenario import load_scenario  # noqa: E402

from export_helpers import exported_run, gradsim_run, scenario  # noqa: E402


@pytest.fixture(autouse=True)
def _default_dtype():
    import torch

    saved, threads = torch.get_default_dtype(), torch.get_num_threads()
    yield
    torch.set_default_dtype(saved)
    torch.set_num_threads(threads)


def assert_close(got, sim, tol=1e-12):
    J = np.array(sim.J_history)
    assert got["J"].shape == J.shape
    np.testing.assert_allclose(got["J"], J, rtol=tol, atol=0)
    for name, p in zip(sim.param_keys, sim.params):
        key = name.replace("[", "").replace("]", "")
        if name.startswith("b[") and sim.bns[int(name[2:-1]) - 1] is not None:  # mu absorbs b: rounding noise
            assert np.abs(got[key]).max() < 1e-15 and np.abs(p).max() < 1e-15
            continue
        np.testing.assert_allclose(got[key], p, rtol=tol, atol=tol * float(np.abs(p).max()), err_msg=key)


CASES = {
    "dropout-overfit": (load_scenario("dropout-overfit"), 200),
    "minibatch-two-layers-adam": (scenario(hidden='{ n = 5, activation = "tanh", dropout = 0.4 }, '
                                                   '{ n = 3, activation = "relu", dropout = 0.2 }',
                                           optimizer="adam", iterations=12), None),
    "with-batch-norm": (scenario(hidden='{ n = 5, activation = "tanh", batch_norm = true, dropout = 0.4 }, '
                                        '{ n = 3, activation = "relu", dropout = 0.2 }', iterations=10), None),
    "beside-a-skip": (scenario(hidden='{ n = 4, activation = "tanh", dropout = 0.3 }, '
                                      '{ n = 4, activation = "sigmoid", skip = 1 }', iterations=10), None),
    "with-a-skip-and-a-projection": (scenario(hidden='{ n = 4, activation = "tanh", dropout = 0.3, skip = 1 }, '
                                                     '{ n = 3, activation = "sigmoid", dropout = 0.2, skip = 1 }',
                                              iterations=10), None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_torch_script_applies_gradsims_masks(name, tmp_path):
    sc, iterations = CASES[name]
    got = exported_run(sc, tmp_path, "torch", iterations, subprocess=False)
    assert_close(got, gradsim_run(sc, iterations))


def test_the_first_gradients_are_gradsims_backprop_with_the_mask(tmp_path):
    sc, _ = CASES["minibatch-two-layers-adam"]
    got = exported_run(sc, tmp_path, "torch", 1, subprocess=False)
    sim = gradsim_run(sc, 1)
    for l in (1, 2, 3):
        for k in ("dW", "db"):
            want = sim.arrays[f"{k}[{l}]"]
            np.testing.assert_allclose(got[f"{k}{l}"], want, rtol=1e-12, atol=1e-12 * float(np.abs(want).max()))
    assert (sim.arrays["M[1]"] == 0).any()  # a unit was dropped: the masks mattered


def test_the_script_draws_gradsims_masks_and_evaluates_without_them(tmp_path):
    """The forward called without masks (evaluation) drops nothing: the final net on every example gives
    gradsim's evaluation forward (engine/evaluate.forward, no masks), and differs from a masked forward."""
    import runpy
    import sys

    import torch

    from gradsim.engine.evaluate import forward
    from gradsim.export import export

    sc, _ = CASES["minibatch-two-layers-adam"]
    target = tmp_path / "t.py"
    export(sc, torch=target)
    text = target.read_text()
    assert "np.random.default_rng([seed, t, l]).random((n[l], m)) >= p" in text
    assert "net(Xb, masks(t, Xb.shape[0]))" in text
    argv, sys.argv = sys.argv, [str(target), str(tmp_path / "o.npz")]
    try:
        ns = runpy.run_path(str(target), run_name="__main__")
    finally:
        sys.argv = argv
    sim = gradsim_run(sc)
    with torch.no_grad():
        _, A = ns["net"](ns["X"])
        _, A_masked = ns["net"](ns["X"], ns["masks"](1, ns["X"].shape[0]))
    want = forward(sim, sim.X)[1]
    np.testing.assert_allclose(A.numpy().T, want, rtol=1e-12, atol=1e-12)
    assert np.abs(A_masked.numpy().T - want).max() > 1e-3
