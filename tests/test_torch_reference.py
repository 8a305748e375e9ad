"""An independent reference, when PyTorch is installed (it is never a dependency): the NPZ of
``gradsim run --iterations 1`` against torch autograd on the same X, Y, W[l], b[l], in float64."""

import numpy as np
import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")

from gradsim.cli import gradsim  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402

G = {
    "linear": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "softmax": lambda z: torch.softmax(z, dim=0), "elu": torch.nn.functional.elu,
    "softplus": torch.nn.functional.softplus,
}


def torch_cost(loss, Z, A, Y):
    m = Y.shape[1]
    if loss in ("logistic", "multilabel"):
        return torch.nn.functional.binary_cross_entropy_with_logits(Z, Y, reduction="sum") / m
    if loss == "softmax_ce":
        return -(Y * torch.log_softmax(Z, dim=0)).sum() / m
    if loss == "l1":
        return (A - Y).abs().sum() / m
    return 0.5 * ((A - Y) ** 2).sum() / m


@pytest.mark.parametrize("name", ["three-layer-cache", "needles-softmax", "needles-multilabel",
                                  "relu-regression-l1", "init-xavier-tanh", "exploding-linear", "backprop-dw3",
                                  "elu-negative-bias", "softplus-negative-bias"])
def test_npz_gradients_match_torch_autograd(name, tmp_path):
    out = tmp_path / "last.npz"
    r = CliRunner().invoke(gradsim, ["run", name, "--iterations", "1", "--npz", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    z = np.load(out)
    sc = load_scenario(name)
    L = len(sc.layers)
    t = {k: torch.tensor(z[k], dtype=torch.float64) for k in z.files}
    params = []
    A = t["X"]
    for l in range(1, L + 1):
        W = t[f"W[{l}]"].clone().requires_grad_(True)
        b = t[f"b[{l}]"].clone().requires_grad_(True)
        params.append((W, b))
        Z = W @ A + b
        act = sc.layers[l - 1].activation
        A = torch.where(Z > 0, Z, sc.layers[l - 1].value("slope") * Z) if act == "leaky_relu" else G[act](Z)
    J = torch_cost(sc.loss, Z, A, t["Y"])
    J.backward()
    assert float(z["J"]) == pytest.approx(J.item(), rel=1e-12)
    for l, (W, b) in enumerate(params, 1):
        np.testing.assert_allclose(z[f"dW[{l}]"], W.grad.numpy(), rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(z[f"db[{l}]"], b.grad.numpy(), rtol=1e-9, atol=1e-300)
