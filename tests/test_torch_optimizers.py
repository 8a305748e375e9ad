"""Every optimiser entry against torch.optim, when PyTorch is installed (never a dependency): the same
net, data and initial weights, several steps, the same parameters to 1e-10.

gradsim's momentum and nesterov are the (1 − β)-dampened forms of the CS229 notes, so they match
SGD(lr = α(1 − β), momentum = β[, nesterov = True]); the others take their hyper-parameters as they are.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gradsim.engine import OPTIMIZERS, InitSpec, LayerSpec, OptimizerSpec, Simulation  # noqa: E402


def torch_optimizer(spec: OptimizerSpec, params):
    a, hp = spec.learning_rate, spec.values()
    make = {
        "gd": lambda: torch.optim.SGD(params, lr=a),
        "momentum": lambda: torch.optim.SGD(params, lr=a * (1 - hp["beta"]), momentum=hp["beta"]),
        "nesterov": lambda: torch.optim.SGD(params, lr=a * (1 - hp["beta"]), momentum=hp["beta"], nesterov=True),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=a, alpha=hp["rho"], eps=hp["eps"]),
        "adagrad": lambda: torch.optim.Adagrad(params, lr=a, eps=hp["eps"]),
        "adam": lambda: torch.optim.Adam(params, lr=a, betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"]),
    }
    return make[spec.name]()


def test_every_optimizer_has_a_torch_counterpart_here():
    assert set(OPTIMIZERS) <= {"gd", "momentum", "nesterov", "rmsprop", "adagrad", "adam"}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_equal_torch_optim(name):
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((3, 16)), rng.standard_normal((2, 16))
    spec = OptimizerSpec(name, 0.05)
    sim = Simulation(X, Y, [LayerSpec(4, "tanh"), LayerSpec(2, "linear")], "l2", InitSpec("xavier", bias=0.1),
                     spec, seed=2)
    t = [torch.tensor(np.array(p), dtype=torch.float64, requires_grad=True) for p in sim.params]
    opt = torch_optimizer(spec, t)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for _ in range(6):
        sim.step_iteration()
        opt.zero_grad()
        A = torch.tanh(t[0] @ Xt + t[1])
        J = 0.5 * ((t[2] @ A + t[3] - Yt) ** 2).sum() / Xt.shape[1]
        J.backward()
        opt.step()
        assert sim.J == pytest.approx(J.item(), rel=1e-12)
    for ours, theirs in zip(sim.params, t):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
