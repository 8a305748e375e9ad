"""The layer equations of the lecture as pure functions, and a network's specification.

Forward:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l])
Backward: dZ[l] = dA[l] ⊙ g'[l](Z[l]),  dW[l] = dZ[l] A[l-1]ᵀ,  db[l] = Σ_i dZ[l],  dA[l-1] = W[l]ᵀ dZ[l]
Residual: a layer with ``skip = k`` adds A[l−k] (same shape; from another width through a projection Ws[l],
engine/projection.py): A[l] = g[l](Z[l]) + A[l−k]; backward then
g'[l] is taken at g[l](Z[l]) (not at A[l]), and dA[l−k] = W[l−k+1]ᵀ dZ[l−k+1] + Σ dA[l] over the layers l
that skip into it (``skip_sources``). A skip into the output layer L takes the loss on A[L] and dA[L] from it
(a loss on A[L] only: l1, l2; a fused loss needs ŷ = g(Z[L])).
Dropout: a hidden layer with ``dropout = p`` multiplies by its mask M[l] and scales, A[l] = g(Z[l]) ⊙ M[l] / (1 − p);
the functions here apply it only when handed the masks (``masks``: per layer (M[l], 1 − p) or None), so
evaluation runs without them (engine/dropout.py draws them). With a skip too: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) + A[l−k].
(J = (1/m) Σ L, so the 1/m enters at dA[L] or the fused dZ[L] and every gradient carries it.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from typing import Any, Mapping, Sequence

from .activations import Activation, get_activation
from .losses import Loss, fused_dZ
from .params import Values, frozen_values

Array = np.ndarray
_sum = np.add.reduce  # (array, axis, dtype, out, keepdims)


@dataclass(frozen=True, init=False)
class LayerSpec:
    """Layer l: n[l] units and its activation g[l] with the activation's parameters (leaky_relu's slope,
    elu's alpha), e.g. ``LayerSpec(3, "leaky_relu", slope=0.2)``. Parameters left out take the registry's
    defaults; a parameter the activation does not declare is an error when the layer is resolved."""

    n: int
    activation: str
    params: Values
    skip: int  # k > 0: A[l] = g(Z[l]) + A[l−k] (a residual connection); 0: none
    dropout: float  # p: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) in training (engine/dropout.py); 0: none
    batch_norm: Any  # an engine.batchnorm.BatchNormSpec (A[l] = g(γ ⊙ Ẑ[l] + β)), or None
    projection: bool  # the skip through Ws[l] even when n[l−k] = n[l] (another width always takes one)

    def __init__(self, n: int, activation: str, params: Mapping[str, float] | Values = (), *, skip: int = 0,
                 dropout: float = 0.0, batch_norm: Any = None, projection: bool = False, **values: float):
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))
        object.__setattr__(self, "skip", int(skip))
        object.__setattr__(self, "dropout", float(dropout))
        object.__setattr__(self, "batch_norm", batch_norm)
        object.__setattr__(self, "projection", bool(projection))

    def resolve(self) -> Activation:
        return get_activation(self.activation, **dict(self.params))

    def value(self, name: str) -> float:
        """A parameter of the activation: the given value, or the registry's default."""
        return dict(self.resolve().values)[name]


def layer_forward(W: Array, b: Array, A_prev: Array, g: Activation) -> tuple[Array, Array]:
    """(Z[l], A[l]) from A[l-1]; b (n[l], 1) broadcasts over the m columns."""
    Z = W @ A_prev + b
    return Z, g.g(Z)


def output_dZ(loss: Loss, g: Activation, Z: Array, A: Array, Y: Array, G: Array | None = None) -> tuple[Array, Array]:
    """(dA[L], dZ[L]). Fused pairs use dZ[L] = (A − Y)/m; dA[L] is then for display only. With a skip into the
    output layer (``G`` = g(Z[L]), A = A[L] = G + A[L−k]) the loss is on A[L] and dZ[L] = dA[L] ⊙ g'(Z[L]) at G
    (never fused: the scenario format and Simulation refuse a fused loss there, ``skip_into_output_problem``)."""
    dA = loss.dA(A, Y)
    if G is not None:
        return dA, g.backward(dA, Z, G)
    if loss.fused_with == g.name:
        return dA, fused_dZ(A, Y)
    return dA, g.backward(dA, Z, A)


def skip_into_output_problem(loss: Loss) -> str | None:
    """Why a skip into the output layer cannot go with ``loss`` (None: it can): a fused loss is computed from
    Z[L] with ŷ = g(Z[L]) and starts backprop at dZ[L] = (A[L] − Y)/m; A[L] = g(Z[L]) + A[L−k] is not that ŷ."""
    if loss.fused_with is None:
        return None
    return (f"{loss.name} loss needs ŷ = {loss.fused_with}(Z[L]) itself, so no skip into the output layer "
            "(a loss on A[L], such as l1 or l2, takes one)")


def layer_backward(W: Array, dZ: Array, A_prev: Array) -> tuple[Array, Array, Array]:
    """(dW[l], db[l], dA[l-1]) from dZ[l]. (``np.add.reduce`` is what ``dZ.sum`` calls, without its wrapper.)"""
    return dZ @ A_prev.T, _sum(dZ, 1, None, None, True), W.T @ dZ


def skip_sources(skips: Sequence[int]) -> list[tuple[int, ...]]:
    """For j = 0..L−1: the layers l whose skip reads A[j] (l − skip[l] = j), so dA[j] gets their dA[l]."""
    into: list[list[int]] = [[] for _ in range(len(skips))]
    for l, k in enumerate(skips, start=1):
        if k:
            into[l - k].append(l)
    return [tuple(ls) for ls in into]


Masks = Sequence["tuple[Array, float] | None"]  # per layer (M[l], 1 − p) or None
Proj = Sequence["int | None"]  # per layer the index of Ws[l] in the parameter tuple, or None


def forward_pass(params: Sequence[Array], X: Array, acts: Sequence[Activation],
                 skips: Sequence[int] | None = None,
                 masks: Masks | None = None,
                 proj: Proj | None = None) -> tuple[list[Array], list[Array], list[Array]]:
    """(Z[1..L], G[1..L] = g(Z[l]), A[0..L]) with each layer's skip added, A[l] = G[l] + A[l−k], and its
    dropout mask applied when ``masks`` are given, A[l] = G[l] ⊙ M[l] / (1 − p). ``proj``: per layer the
    index of its projection Ws[l] in ``params`` (engine/projection.py), A[l] = G[l] + Ws[l]·A[l−k]."""
    As, Zs, Gs = [X], [], []
    for l, g in enumerate(acts):
        Z, G = layer_forward(params[2 * l], params[2 * l + 1], As[-1], g)
        k = skips[l] if skips else 0
        drop = masks[l] if masks else None
        w = proj[l] if proj else None
        Zs.append(Z)
        Gs.append(G)
        A = G * drop[0] / drop[1] if drop is not None else G
        if k:  # the mask first, then the skip (A[l−k] is not dropped)
            A = A + (As[l + 1 - k] if w is None else params[w] @ As[l + 1 - k])
        As.append(A)
    return Zs, Gs, As


def cost(params: tuple[Array, ...], X: Array, Y: Array, acts: list[Activation], loss: Loss,
         skips: Sequence[int] | None = None, masks: Masks | None = None, proj: Proj | None = None) -> float:
    """J for parameters (W[1], b[1], ..., W[L], b[L], then any Ws[l]): the whole forward pass in one call."""
    Zs, _, As = forward_pass(params, X, acts, skips, masks, proj)
    return loss.value(Zs[-1], As[-1], Y)


def gradients(params: tuple[Array, ...], X: Array, Y: Array, acts: list[Activation], loss: Loss,
              skips: Sequence[int] | None = None, masks: Masks | None = None,
              proj: Proj | None = None) -> tuple[Array, ...]:
    """(dW[1], db[1], ..., dW[L], db[L], then any dWs[l]) by backprop, for checking against finite differences."""
    Zs, Gs, As = forward_pass(params, X, acts, skips, masks, proj)
    into = skip_sources(skips) if skips else [()] * len(acts)
    dAs: dict[int, Array] = {}
    grads: list[Array] = [None] * len(params)  # type: ignore[list-item]
    dAs[len(acts)], dZ = output_dZ(loss, acts[-1], Zs[-1], As[-1], Y, Gs[-1] if skips and skips[-1] else None)
    for l in range(len(acts) - 1, -1, -1):  # l is layer l+1's index
        dW, db, dA_prev = layer_backward(params[2 * l], dZ, As[l])
        for src in into[l]:  # the skips that read A[l]: dA[src], or Ws[src]ᵀ·dA[src] through a projection
            w = proj[src - 1] if proj else None
            dA_prev = dA_prev + (dAs[src] if w is None else params[w].T @ dAs[src])
            if w is not None:
                grads[w] = dAs[src] @ As[l].T  # dWs[src] = dA[src]·A[src−k]ᵀ
        dAs[l] = dA_prev
        grads[2 * l], grads[2 * l + 1] = dW, db
        if l > 0:
            drop = masks[l - 1] if masks else None
            if drop is not None:
                dA_prev = dA_prev * drop[0] / drop[1]
            dZ = acts[l - 1].backward(dA_prev, Zs[l - 1], Gs[l - 1])
    return tuple(grads)

