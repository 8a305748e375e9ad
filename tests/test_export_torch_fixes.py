"""gradsim export --torch of the fixes: learning-rate schedules (a LambdaLR over the same α(t)), the
[[transform]] tables (clip_norm by hand, clip_value, weight decay's term in J) and skips in the module's
forward. J per iteration and the final W[l], b[l] equal gradsim's to 1e-12 on the bundled scenarios that use
them; the script's lr at every t is gradsim's α(t). Skipped, saying so, without PyTorch."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys

import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the --torch export is not run (pip install torch)")

from gradsim.engine.schedules import SCHEDULES  # noqa: E402
from gradsim.export import export  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.scenario.overrides import with_overrides  # noqa: E402

from export_helpers import exported_run, first_gradients, gradsim_run, scenario  # noqa: E402
from test_schedules import CLOSED  # noqa: E402

TOL = 1e-12


@pytest.fixture(autouse=True)
def _default_dtype():
    import torch

    saved, threads = torch.get_default_dtype(), torch.get_num_threads()
    yield
    torch.set_default_dtype(saved)
    torch.set_num_threads(threads)


def same_run(sc, tmp_path, iterations=None):
    """The exported script's J and final W[l], b[l] against gradsim's run (J to TOL of its first value: a J
    that falls to 1e-9 keeps only the digits its cancellation leaves)."""
    with contextlib.redirect_stdout(io.StringIO()):
        got = exported_run(sc, tmp_path, "torch", iterations, subprocess=False)
    sim = gradsim_run(sc, iterations)
    J = np.array(sim.J_history)
    assert got["J"].shape == J.shape and np.isfinite(J).all()
    np.testing.assert_allclose(got["J"], J, rtol=TOL, atol=TOL * abs(J[0]))
    for l in range(1, sim.L + 1):
        for k, P in (("W", sim.params[2 * (l - 1)]), ("b", sim.params[2 * (l - 1) + 1])):
            np.testing.assert_allclose(got[f"{k}{l}"], P, rtol=TOL, atol=TOL * max(1.0, np.abs(P).max()),
                                       err_msg=f"{k}[{l}]")
    return got, sim


@pytest.mark.parametrize("name", ["diverging-clipped", "weight-decay-overfit", "warmup-adam", "deep-sigmoid-residual"])
def test_bundled_scenario_gives_gradsims_numbers(name, tmp_path):
    same_run(load_scenario(name), tmp_path)


def test_the_clip_acts_in_the_bundled_run(tmp_path):
    """diverging-clipped's first global norm is above c, so a torch run without the clip would differ."""
    sim = build_simulation(load_scenario("diverging-clipped"))
    sim.run(1)
    g = [sim.arrays[f"{k}[{l}]"] for l in (1, 2) for k in ("dW", "db")]
    assert np.sqrt(sum((a ** 2).sum() for a in g)) > 0.5


def run_globals(sc, tmp_path) -> dict:
    target = tmp_path / "s.py"
    export(sc, torch=target)
    saved = sys.argv
    sys.argv = [str(target)]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return runpy.run_path(str(target), run_name="__main__")
    finally:
        sys.argv = saved


@pytest.mark.parametrize("name", [s for s in SCHEDULES if s != "constant"])
def test_every_schedule_lr_is_gradsims_alpha_t_at_every_t(name, tmp_path):
    params, closed = CLOSED[name]
    extra = "\n[optimizer.schedule]\n" + f'name = "{name}"\n' + "".join(f"{k} = {v}\n" for k, v in params.items())
    sc = with_overrides(scenario(optimizer="gd", iterations=14, extra=extra), [("optimizer.learning_rate", 0.3)])
    g = run_globals(sc, tmp_path)
    sched = g["scheduler"]
    base = sched.base_lrs[0]
    for t in range(1, 30):  # LambdaLR's k = t − 1: the boundaries of step (t = 5, 9) and warm-up (t = 5) included
        assert base * sched.lr_lambdas[0](t - 1) == pytest.approx(closed(t), rel=1e-14), t
    same_run(sc, tmp_path, 14)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_a_schedule_with_a_stateful_optimizer(optimizer, tmp_path):
    extra = '\n[optimizer.schedule]\nname = "step"\ngamma = 0.5\nstep_size = 3\n'
    same_run(scenario(optimizer=optimizer, iterations=12, extra=extra), tmp_path)


@pytest.mark.parametrize("transforms", [
    '[[transform]]\nname = "clip_value"\nmax_value = 0.05\n',
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.1\n',
    '[[transform]]\nname = "weight_decay"\nlambda = 0.3\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.2\n',
    # weight decay after a clip: its λ/m·W[l] goes into .grad by hand after the clip, its J term detached
    '[[transform]]\nname = "clip_norm"\nmax_norm = 0.2\n[[transform]]\nname = "weight_decay"\nlambda = 0.3\n',
])
def test_transforms_in_their_order(transforms, tmp_path):
    sc = scenario(optimizer="adam", iterations=12, extra="\n" + transforms)
    text_check = run_globals(sc, tmp_path)  # runs once; the numbers are checked below
    assert "opt" in text_check
    same_run(sc, tmp_path, 12)


def test_clip_norm_is_written_by_hand_without_torchs_eps(tmp_path):
    export(scenario(extra='\n[[transform]]\nname = "clip_norm"\nmax_norm = 0.1\n'), torch=tmp_path / "c.py")
    text = (tmp_path / "c.py").read_text()
    assert "p.grad.mul_(0.1 / total)" in text and "clip_grad_norm_(" not in text.replace("clip_grad_norm_ would", "")


def test_weight_decay_first_is_autograds_term_in_the_first_gradients(tmp_path):
    """With the penalty in J, autograd's dW[l] of iteration 1 is gradsim's backprop dW[l] + (λ/m)·W[l]."""
    sc = scenario(batch="", iterations=3, extra='\n[[transform]]\nname = "weight_decay"\nlambda = 0.7\n')
    got, _ = same_run(sc, tmp_path, 3)
    sim0 = build_simulation(sc)
    m = sim0.X.shape[1]
    for key, g in first_gradients(sc).items():
        l = int(key[2:])
        expected = g + 0.7 / m * sim0.params[2 * (l - 1)] if key.startswith("dW") else g
        np.testing.assert_allclose(got[key], expected, rtol=1e-12, atol=1e-14, err_msg=key)


def test_skips_with_minibatches_and_adam(tmp_path):
    hidden = '{ n = 3, activation = "tanh" }, { n = 3, activation = "relu", skip = 1 }, ' \
             '{ n = 3, activation = "sigmoid", skip = 2 }'
    same_run(scenario(hidden=hidden, optimizer="adam", iterations=10,
                      data='kind = "moons"\nm = 40\nnormalize = true'), tmp_path)


def test_a_skip_into_the_output_layer(tmp_path):
    """ŷ = A[L] = g(Z[L]) + A[L−k] with a loss on A[L] (l2): the forward's last A is the one the loss reads."""
    hidden = '{ n = 2, activation = "tanh" }, { n = 2, activation = "sigmoid" }'
    sc = scenario(loss="l2", hidden=hidden, output='{ n = 2, activation = "tanh", skip = 2 }', optimizer="momentum",
                  data='kind = "explicit"\nX = [[1.0, 2.0, -1.0, 0.5], [0.5, -1.5, 2.0, 1.0]]\n'
                       'Y = [[1.0, -2.0, 3.0, 0.5], [0.0, 1.0, -1.0, 2.0]]', batch="", iterations=10)
    same_run(sc, tmp_path, 10)
