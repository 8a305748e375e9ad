"""`gradsim run --iterations 1 --npz` records the gradients of the initial parameters: they must equal
central finite differences of J, computed here by a forward pass written independently of the engine
from `gradsim show --json` (layers, activations, slopes, loss) and the NPZ's own X, Y, W[l], b[l].
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.scenario import list_bundled

DATA = Path(__file__).resolve().parent / "data" / "cli"
SCENARIOS = [name for name, _ in list_bundled()] + [str(DATA / f"{n}.toml") for n in ("tiny", "mini", "failing")]
EPS = 1e-6
PER_PARAM = 12  # sampled entries of each W[l] and b[l]


def g(name: str, Z: np.ndarray, layer: dict) -> np.ndarray:
    """g[l] written out here, independently of the engine's registry (its parameters from show --json)."""
    if name == "linear":
        return Z
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -Z))  # 1 / (1 + e^{−z}), no overflow, no underflow to 0
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, layer["slope"] * Z)
    if name == "elu":
        return np.where(Z > 0, Z, layer["alpha"] * np.expm1(np.minimum(Z, 0.0)))
    if name == "softplus":
        return np.logaddexp(0.0, Z)
    if name == "softmax":
        e = np.exp(Z - Z.max(axis=0))
        return e / e.sum(axis=0)
    raise AssertionError(name)


def cost(loss: str, Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    if loss in ("logistic", "multilabel"):  # −[y log σ(z) + (1−y) log(1−σ(z))] = log(1 + e^z) − y z
        return float((np.logaddexp(0.0, Z) - Y * Z).sum() / m)
    if loss == "softmax_ce":
        shifted = Z - Z.max(axis=0)
        return float(-(Y * (shifted - np.log(np.exp(shifted).sum(axis=0)))).sum() / m)
    if loss == "l1":
        return float(np.abs(A - Y).sum() / m)
    if loss == "l2":
        return float(0.5 * ((A - Y) ** 2).sum() / m)
    raise AssertionError(loss)


def forward(params, below: list, Y, layers, loss, start: int = 1, As: list | None = None, masks=None):
    """(J, kinks) from layer ``start`` on, given A[0..start-1] (``below``: a skip may read any of them); a
    batch-norm layer normalises Z[l] over the batch before g (its kinks are then Ztilde's).
    ``kinks`` records on which side of its kink every piecewise-linear piece sits (Z > 0 of ReLU layers,
    ŷ > y of the l1 loss): where it does not change between θ − ε and θ + ε, J is smooth there and a finite
    difference must match. A layer with ``skip = k`` adds A[l−k]: A[l] = g(Z[l]) + A[l−k] (Ws[l]·A[l−k] with a
    ``projection`` in show --json); one with ``dropout = p`` multiplies g(Z[l]) by the iteration's mask
    (``masks``, from the NPZ) before the skip: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) (+ the skip)."""
    seen = list(below)
    A = Z = seen[-1]
    kinks = []
    for l in range(start, len(layers) + 1):
        layer = layers[l - 1]
        Z = params[f"W[{l}]"] @ A + params[f"b[{l}]"]
        if "batch_norm" in layer:  # Zhat over the batch's columns (biased variance), then gamma ⊙ Zhat + beta
            mu = Z.mean(axis=1, keepdims=True)
            var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
            Z = params[f"gamma[{l}]"] * (Z - mu) / np.sqrt(var + layer["batch_norm"]["eps"]) + params[f"beta[{l}]"]
        A = g(layer["activation"], Z, layer)
        if layer.get("dropout"):  # the mask first, then the skip (A[l−k] is not dropped)
            A = A * masks[f"M[{l}]"] / (1 - layer["dropout"])
        if layer.get("projection"):  # a skip from another width: + Ws[l]·A[l−k]
            A = A + params[f"Ws[{l}]"] @ seen[l - layer["skip"]]
        elif layer.get("skip"):
            A = A + seen[l - layer["skip"]]
        seen.append(A)
        if layer["activation"] in ("relu", "leaky_relu", "elu"):
            kinks.append(Z > 0)
        if As is not None:
            As.append(A)
    if loss == "l1":
        kinks.append(np.sign(A - Y))
    return cost(loss, Z, A, Y), kinks


def same(a: list, b: list) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: Path(s).stem)
def test_npz_gradients_equal_finite_differences(scenario, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(gradsim, ["show", scenario, "--json"])
    assert shown.exit_code == 0, shown.output
    spec = json.loads(shown.stdout)
    path = tmp_path / "first.npz"
    ran = runner.invoke(gradsim, ["run", scenario, "--iterations", "1", "--npz", str(path), "--quiet"])
    assert ran.exit_code == 0, ran.output
    z = np.load(path)
    layers, loss = spec["layers"], spec["loss"]
    X, Y = z["X"], z["Y"]
    params = {k: z[k].copy() for k in z.files if k.split("[")[0] in ("W", "b", "gamma", "beta", "Ws")}
    masks = {k: z[k] for k in z.files if k[0] == "M"}  # held fixed: J is a function of W, b given them
    As = [X]
    J, _ = forward(params, [X], Y, layers, loss, As=As, masks=masks)
    if not np.isfinite(J):
        pytest.skip("J is not finite at the initial parameters")
    # the NPZ's X, Y, W[l], b[l] are exactly what that iteration's forward pass used; its J is the objective,
    # the data loss plus weight decay's λ/(2m)·Σ‖W[l]‖² (the dW[l] below stay the data loss's gradients)
    m = X.shape[1]
    penalty = sum(t["lambda"] / (2 * m) * sum(float((params[f"W[{l}]"] ** 2).sum()) for l in range(1, len(layers) + 1))
                  for t in spec["transforms"] if t["name"] == "weight_decay")
    np.testing.assert_allclose(J + penalty, float(z["J"]), rtol=1e-12, atol=0)
    for l in range(1, len(layers) + 1):
        # relative to the array's scale: a skip's sum g(Z) + A[l−k] may cancel to far below its terms
        np.testing.assert_allclose(As[l], z[f"A[{l}]"], rtol=1e-12, atol=1e-12 * np.abs(z[f"A[{l}]"]).max(initial=1e-300))
    big = sum(layer["n"] for layer in layers) * X.shape[1] > 10_000
    per_param = 4 if big else PER_PARAM
    rng = np.random.default_rng(0)
    checked = straddled = 0
    for l in range(1, len(layers) + 1):
        _, base = forward(params, As[:l], Y, layers, loss, start=l, masks=masks)  # layers below l do not move
        own = [(f"{k}[{l}]", z[f"d{k}[{l}]"]) for k in ("W", "b", "gamma", "beta", "Ws") if f"{k}[{l}]" in params]
        for p, grad in own:
            flat = params[p].reshape(-1)
            for e in rng.choice(flat.size, min(per_param, flat.size), replace=False):
                got = float(grad.reshape(-1)[e])
                for eps in (EPS, EPS / 10, EPS / 100):  # smaller steps while θ ± ε straddles a kink
                    old = flat[e]
                    flat[e] = old + eps
                    jp, kp = forward(params, As[:l], Y, layers, loss, start=l, masks=masks)
                    flat[e] = old - eps
                    jm, km = forward(params, As[:l], Y, layers, loss, start=l, masks=masks)
                    flat[e] = old
                    if same(kp, base) and same(km, base):
                        fd = (jp - jm) / (2 * eps)
                        # truncation ~ ε², round-off ~ |J|·1e-16/ε
                        assert abs(fd - got) <= 1e-5 * abs(got) + 1e-14 / eps * max(1.0, abs(J)), \
                            (p, int(e), got, fd, eps)
                        checked += 1
                        break
                else:
                    straddled += 1
    assert checked > 0 and checked >= straddled, (checked, straddled)  # never a vacuous pass
