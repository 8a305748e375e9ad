"""Residual connections in the stepped simulation: the forward and backward phases of a layer a skip touches.

A layer with ``skip = k`` computes A[l] = g(Z[l]) + A[l−k] in its forward phase and keeps g(Z[l]) apart
(``sim._gz``), since g' reads g(Z[l]), not A[l]. The backward phase that computes dA[j] = W[j+1]ᵀ·dZ[j+1]
also adds dA[l] of every layer l whose skip reads A[j]; those ran earlier in backprop (l ≥ j + 1), so the
phase table stays as it is and only what these phases compute changes. Plain layers keep the phase
functions of simulation.py untouched, so a net without skips runs exactly as fast as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .network import layer_backward, layer_forward, output_dZ
from .record import Record

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray


def forward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Forward l with a skip: A[l] = g(Z[l]) + A[l−k] (kept apart so plain layers stay as fast)."""
    g, i = sim.acts[l - 1], 2 * (l - 1)
    a_prev, a_skip, zn, an = f"A[{l - 1}]", f"A[{l - sim.skips[l - 1]}]", f"Z[{l}]", f"A[{l}]"

    def forward() -> Record:
        cache = sim._cache
        Z, G = layer_forward(sim._params[i], sim._params[i + 1], cache[a_prev], g)
        A = G + cache[a_skip]
        sim._gz[l] = G
        cache[zn] = Z
        cache[an] = A
        return Record(sim.iteration, sim.phase_index, "forward", l, {zn: Z, an: A}, None, None)

    return forward


def backward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Backward l where a skip is involved: g' at g(Z[l]) when layer l has one, and dA[l−1] also
    gets dA[j] of every layer j whose skip reads A[l−1] (their backward phases ran already, j ≥ l)."""
    g, i = sim.acts[l - 1], 2 * (l - 1)
    own = bool(sim.skips[l - 1])
    zn, an, a_prev = f"Z[{l}]", f"A[{l}]", f"A[{l - 1}]"
    dan, dzn, dwn, dbn, dan_prev = f"dA[{l}]", f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"
    through = [f"dA[{j}]" for j in sim._into[l - 1]]

    def backward() -> Record:
        cache = sim._cache
        Z = cache[zn]
        A = sim._gz[l] if own else cache[an]
        out: dict[str, Array] = {}
        if l == sim.L:  # with a skip into the output: the loss's dA[L] at A[L], g' at g(Z[L])
            dA, dZ = output_dZ(sim.loss, g, Z, cache[an], cache["Y"], A if own else None)
            cache[dan] = out[dan] = dA
        else:
            dZ = g.backward(cache[dan], Z, A)
        dW, db, dA_prev = layer_backward(sim._params[i], dZ, cache[a_prev])
        for name in through:  # the skip's term: dA[l−1] = W[l]ᵀ·dZ[l] + dA[j]
            dA_prev = dA_prev + cache[name]
        cache[dzn] = out[dzn] = dZ
        cache[dwn] = out[dwn] = dW
        cache[dbn] = out[dbn] = db
        cache[dan_prev] = out[dan_prev] = dA_prev
        return Record(sim.iteration, sim.phase_index, "backward", l, out)

    return backward
