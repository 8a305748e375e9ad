"""Dropout on hidden layers in the stepped simulation: the mask, and the forward and backward phases of a
layer that drops units.

A layer with ``dropout = p`` (0 ≤ p < 1, the probability of dropping a unit) draws a 0/1 mask M[l] of
A[l]'s shape each iteration and scales what it keeps (inverted dropout):

    forward:   A[l] = g(Z[l]) ⊙ M[l] / (1 − p)
    backward:  dZ[l] = (dA[l] ⊙ M[l] / (1 − p)) ⊙ g'(Z[l]),  g' read at g(Z[l]) (``sim._gz``), not at A[l]

M[l] is a pure function of (seed, iteration t, layer l) — ``mask`` — so replay, rewind and two runs with one
seed give the same masks bit for bit, and nothing about it is kept in the rewind state. M[l] is in the
cache and the record under that name (the expression language reads it: ``mean(M[1])`` is the kept
fraction). Evaluation (engine/evaluate.py: J_full, J_test, accuracy; the data panel) runs the net without
masks: ``network.forward_pass`` drops nothing unless it is handed them (``masks``).

Plain layers keep the phase functions of phase_steps.py untouched, so a net without dropout runs exactly
as fast as before. A layer with both a skip and dropout masks g(Z[l]) before the skip adds A[l−k]:
A[l] = g(Z[l]) ⊙ M[l] / (1 − p) + A[l−k] (the skip is not dropped: the identity path stays whole, as in a
residual block whose branch drops units), so dA[l] reaches A[l−k] unmasked and g(Z[l]) through the mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from . import projection
from .network import layer_backward, layer_forward
from .params import Param
from .record import Record

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray

DROPOUT = Param("dropout", 0.0, lo=0.0, hi=1.0, hi_open=True, symbol="p",
                doc="the probability p of dropping a unit of this hidden layer in each iteration",
                why="p = 1 would drop every unit")


def mask(seed: int, t: int, l: int, shape: tuple[int, int], p: float) -> Array:
    """M[l] of iteration t: 1 keeps a unit of an example, 0 drops it (probability p), float64.

    Drawn from a generator seeded with (seed, t, l) alone, so any iteration's masks can be drawn again.
    """
    u = np.random.default_rng([seed, t, l]).random(shape)
    return (u >= p).astype(np.float64)


def masks_of(sim: "Simulation", t: int, m: int) -> list[tuple[Array, float] | None]:
    """Per layer, (M[l], 1 − p) of iteration t for a batch of m columns, or None for a layer without dropout."""
    return [None if not p else (mask(sim.seed, t, l, (sim.n[l], m), p), 1.0 - p)
            for l, p in enumerate(sim.dropout, start=1)]


def check(dropout: Sequence[float], skips: Sequence[int] = ()) -> str | None:
    """Why these per-layer drop probabilities cannot run, or None (a skip on the layer is fine)."""
    L = len(dropout)
    for l, p in enumerate(dropout, start=1):
        if not p:
            continue
        problem = DROPOUT.problem(p)
        if problem:
            return f"layer {l}'s dropout must be {problem}, got {p:g}"
        if l == L:
            return f"dropout on hidden layers only (the loss reads the output layer {L}'s A[L])"
    return None


def forward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Forward l with dropout: Z[l], M[l] of this iteration, A[l] = g(Z[l]) ⊙ M[l] / (1 − p) (+ A[l−k])."""
    g, i = sim.acts[l - 1], 2 * (l - 1)
    p, k = sim.dropout[l - 1], sim.skips[l - 1]
    keep, seed, shape0 = 1.0 - p, sim.seed, sim.n[l]
    a_prev, zn, an, mn, a_skip = f"A[{l - 1}]", f"Z[{l}]", f"A[{l}]", f"M[{l}]", f"A[{l - k}]"
    iws = sim._index.get(f"Ws[{l}]")  # a projection skip (engine/projection.py): + Ws[l]·A[l−k]

    def forward() -> Record:
        cache = sim._cache
        Z, G = layer_forward(sim._params[i], sim._params[i + 1], cache[a_prev], g)
        M = mask(seed, sim.iteration, l, (shape0, Z.shape[1]), p)
        A = G * M / keep
        if k:  # the skip is added after the mask: A[l−k] passes whole
            A = A + (cache[a_skip] if iws is None else sim._params[iws] @ cache[a_skip])
        sim._gz[l] = G
        cache[zn] = Z
        cache[mn] = M
        cache[an] = A
        return Record(sim.iteration, sim.phase_index, "forward", l, {zn: Z, mn: M, an: A}, None, None)

    return forward


def backward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Backward l with dropout (a hidden layer): the mask and the scale first, then g' at g(Z[l]); dA[l−1]
    also gets dA[j] of the layers j whose skip reads A[l−1], as in residual.py."""
    g, i = sim.acts[l - 1], 2 * (l - 1)
    keep = 1.0 - sim.dropout[l - 1]
    zn, mn, a_prev = f"Z[{l}]", f"M[{l}]", f"A[{l - 1}]"
    dan, dzn, dwn, dbn, dan_prev = f"dA[{l}]", f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"
    terms = projection.through(sim, l - 1)  # dA[j], or Ws[j]ᵀ·dA[j] through a projection
    proj = f"Ws[{l}]" in sim._index
    a_skip, dwsn = f"A[{l - sim.skips[l - 1]}]", f"dWs[{l}]"

    def backward() -> Record:
        cache = sim._cache
        dZ = g.backward(cache[dan] * cache[mn] / keep, cache[zn], sim._gz[l])
        dW, db, dA_prev = layer_backward(sim._params[i], dZ, cache[a_prev])
        dA_prev = projection.add_through(dA_prev, terms, cache, sim._params)
        out: dict[str, Array] = {}
        if proj:  # dWs[l] = dA[l]·A[l−k]ᵀ: the skip is not masked
            cache[dwsn] = out[dwsn] = cache[dan] @ cache[a_skip].T
        cache[dzn] = out[dzn] = dZ
        cache[dwn] = out[dwn] = dW
        cache[dbn] = out[dbn] = db
        cache[dan_prev] = out[dan_prev] = dA_prev
        return Record(sim.iteration, sim.phase_index, "backward", l, out)

    return backward
