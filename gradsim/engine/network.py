"""The layer equations of the lecture as pure functions, and a network's specification.

Forward:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l])
Backward: dZ[l] = dA[l] ⊙ g'[l](Z[l]),  dW[l] = dZ[l] A[l-1]ᵀ,  db[l] = Σ_i dZ[l],  dA[l-1] = W[l]ᵀ dZ[l]
(J = (1/m) Σ L, so the 1/m enters at dA[L] or the fused dZ[L] and every gradient carries it.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation, softmax_backward
from .losses import LOSSES, Loss, fused_dZ

Array = np.ndarray


@dataclass(frozen=True)
class LayerSpec:
    """Layer l: n[l] units and its activation g[l] (``slope`` is used by leaky_relu only)."""

    n: int
    activation: str
    slope: float = 0.01

    def resolve(self) -> Activation:
        return get_activation(self.activation, self.slope if self.activation == "leaky_relu" else None)


def layer_forward(W: Array, b: Array, A_prev: Array, g: Activation) -> tuple[Array, Array]:
    """(Z[l], A[l]) from A[l-1]; b (n[l], 1) broadcasts over the m columns."""
    Z = W @ A_prev + b
    return Z, g.g(Z)


def output_dZ(loss: Loss, g: Activation, Z: Array, A: Array, Y: Array) -> tuple[Array, Array]:
    """(dA[L], dZ[L]). Fused pairs use dZ[L] = (A − Y)/m; dA[L] is then for display only."""
    dA = loss.dA(A, Y)
    if loss.fused_with == g.name:
        return dA, fused_dZ(A, Y)
    return dA, activation_backward(g, dA, Z, A)


def activation_backward(g: Activation, dA: Array, Z: Array, A: Array) -> Array:
    """dZ[l] = dA[l] ⊙ g'(Z[l]) (softmax: the Jacobian-vector product)."""
    if g.dg is None:
        return softmax_backward(dA, A)
    if g.name == "linear":
        return dA  # g' = 1
    return dA * g.dg(Z, A)


def layer_backward(W: Array, dZ: Array, A_prev: Array) -> tuple[Array, Array, Array]:
    """(dW[l], db[l], dA[l-1]) from dZ[l]."""
    return dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ


def cost(params: tuple[Array, ...], X: Array, Y: Array, acts: list[Activation], loss: Loss) -> float:
    """J for parameters (W[1], b[1], ..., W[L], b[L]): the whole forward pass in one call."""
    A = X
    Z = X
    for l, g in enumerate(acts):
        Z, A = layer_forward(params[2 * l], params[2 * l + 1], A, g)
    return loss.value(Z, A, Y)


def gradients(params: tuple[Array, ...], X: Array, Y: Array, acts: list[Activation], loss: Loss) -> tuple[Array, ...]:
    """(dW[1], db[1], ..., dW[L], db[L]) by backprop, for checking against finite differences."""
    As, Zs = [X], []
    for l, g in enumerate(acts):
        Z, A = layer_forward(params[2 * l], params[2 * l + 1], As[-1], g)
        Zs.append(Z)
        As.append(A)
    grads: list[Array] = [None] * len(params)  # type: ignore[list-item]
    _, dZ = output_dZ(loss, acts[-1], Zs[-1], As[-1], Y)
    for l in range(len(acts) - 1, -1, -1):
        dW, db, dA_prev = layer_backward(params[2 * l], dZ, As[l])
        grads[2 * l], grads[2 * l + 1] = dW, db
        if l > 0:
            dZ = activation_backward(acts[l - 1], dA_prev, Zs[l - 1], As[l])
    return tuple(grads)


def get_loss(name: str) -> Loss:
    if name not in LOSSES:
        raise KeyError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
    return LOSSES[name]
