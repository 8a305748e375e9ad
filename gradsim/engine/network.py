"""The layer equations of the lecture as pure functions, and a network's specification.

Forward:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l])
Backward: dZ[l] = dA[l] ⊙ g'[l](Z[l]),  dW[l] = dZ[l] A[l-1]ᵀ,  db[l] = Σ_i dZ[l],  dA[l-1] = W[l]ᵀ dZ[l]
(J = (1/m) Σ L, so the 1/m enters at dA[L] or the fused dZ[L] and every gradient carries it.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from typing import Mapping

from .activations import Activation, get_activation
from .losses import Loss, fused_dZ
from .params import Values, frozen_values

Array = np.ndarray


@dataclass(frozen=True, init=False)
class LayerSpec:
    """Layer l: n[l] units and its activation g[l] with the activation's parameters (leaky_relu's slope,
    elu's alpha), e.g. ``LayerSpec(3, "leaky_relu", slope=0.2)``. Parameters left out take the registry's
    defaults; a parameter the activation does not declare is an error when the layer is resolved."""

    n: int
    activation: str
    params: Values

    def __init__(self, n: int, activation: str, params: Mapping[str, float] | Values = (), **values: float):
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))

    def resolve(self) -> Activation:
        return get_activation(self.activation, **dict(self.params))

    def value(self, name: str) -> float:
        """A parameter of the activation: the given value, or the registry's default."""
        return dict(self.resolve().values)[name]


def layer_forward(W: Array, b: Array, A_prev: Array, g: Activation) -> tuple[Array, Array]:
    """(Z[l], A[l]) from A[l-1]; b (n[l], 1) broadcasts over the m columns."""
    Z = W @ A_prev + b
    return Z, g.g(Z)


def output_dZ(loss: Loss, g: Activation, Z: Array, A: Array, Y: Array) -> tuple[Array, Array]:
    """(dA[L], dZ[L]). Fused pairs use dZ[L] = (A − Y)/m; dA[L] is then for display only."""
    dA = loss.dA(A, Y)
    if loss.fused_with == g.name:
        return dA, fused_dZ(A, Y)
    return dA, g.backward(dA, Z, A)


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
            dZ = acts[l - 1].backward(dA_prev, Zs[l - 1], As[l])
    return tuple(grads)

