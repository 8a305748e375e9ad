"""Projection skips: a residual connection from an A of another width, through a matrix that is a parameter.

A layer with ``skip = k`` whose A[l−k] has another width (n[l−k] ≠ n[l]), or with ``projection = true``,
adds the skip through its projection matrix Ws[l] of shape (n[l], n[l−k])::

    forward l:      A[l] = g(Z[l]) + Ws[l]·A[l−k]                  (with dropout: g(Z[l]) ⊙ M[l]/(1 − p) + Ws[l]·A[l−k])
    backward l:     dZ[l] = dA[l] ⊙ g'(Z[l]) at g(Z[l]),  dWs[l] = dA[l]·A[l−k]ᵀ   (the 1/m is in dA[l], as in dZ[l])
    backward l−k+1: dA[l−k] = W[l−k+1]ᵀ·dZ[l−k+1] + Ws[l]ᵀ·dA[l]    (the skip's term, through the projection)

Ws[l] is drawn by the layer's own initialiser (fan-in n[l−k], fan-out n[l]; the default xavier when the
layer's W is explicit) from the seeded generator after
every W, b, so a net without projections draws exactly what it drew before. In the parameter tuple it comes
after every W, b (and gamma, beta): ``features.param_keys``. The optimiser updates it with its slots,
clipping sees dWs[l], rewind and the NPZ keep it; weight decay does not decay it (J_reg = λ/(2m)·Σ‖W[l]‖²
over the layers' W only, like batch norm's gamma). A net with batch norm takes no projection (refused).

Layers a projection touches get the closures here; same-width skips keep residual.py's, plain layers theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .init import InitSpec, get_initializer
from .network import layer_backward, layer_forward, output_dZ
from .record import Record

if TYPE_CHECKING:  # pragma: no cover
    from .network import LayerSpec
    from .simulation import Simulation

Array = np.ndarray
NAME, GRAD = "Ws", "dWs"


def layers_with(n: Sequence[int], skips: Sequence[int], layers: Sequence["LayerSpec"]) -> tuple[bool, ...]:
    """Per layer: does its skip go through a projection (another width, or ``projection = true``)?"""
    return tuple(bool(k) and (n[l - k] != n[l] or ls.projection) for l, (k, ls) in enumerate(zip(skips, layers), 1))


def check(layers: Sequence["LayerSpec"], projs: Sequence[bool], bns: Sequence[object]) -> str | None:
    """Why these projections cannot run, or None."""
    for l, ls in enumerate(layers, start=1):
        if ls.projection and not ls.skip:
            return f"layer {l}'s projection = true needs a skip"
    if any(projs) and any(bn is not None for bn in bns):
        return "batch norm and a projection skip in one net: one or the other"
    return None


def ws_spec(spec: InitSpec) -> InitSpec:
    """The initialiser Ws[l] is drawn by: the layer's own; the default one (xavier) when W[l] is explicit."""
    return spec if get_initializer(spec.name).selectable else InitSpec()


def initial(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """Ws[l] (n[l], n[l−k]) by the layer's own initialiser (an explicit W of the layer is W[l]'s alone)."""
    spec = ws_spec(spec)
    return get_initializer(spec.name).draw(rng, n_out, n_in, spec.values())


def initial_all(rng: np.random.Generator, n: Sequence[int], skips: Sequence[int], projs: Sequence[bool],
                specs: Sequence[InitSpec]) -> list[Array]:
    """Ws[l] of every projection layer in order, drawn after every W, b (a net without draws nothing more)."""
    return [initial(rng, n[l], n[l - k], specs[l - 1]) for l, k in enumerate(skips, start=1) if projs[l - 1]]


def indices(sim: "Simulation") -> tuple[int | None, ...]:
    """Per layer the index of Ws[l] in the parameter tuple, or None (the whole-net passes take these)."""
    return tuple(sim._index.get(f"{NAME}[{l}]") for l in range(1, sim.L + 1))


def through(sim: "Simulation", j: int) -> list[tuple[str, int | None]]:
    """What dA[j] gets through the skips that read A[j]: (dA[l], index of Ws[l] or None for a plain skip)."""
    return [(f"dA[{l}]", sim._index.get(f"{NAME}[{l}]")) for l in sim._into[j]]


def add_through(dA_prev: Array, terms: list[tuple[str, int | None]], cache, params) -> Array:
    for name, w in terms:
        dA_prev = dA_prev + (cache[name] if w is None else params[w].T @ cache[name])
    return dA_prev


def forward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Forward l with a projection skip: A[l] = g(Z[l]) + Ws[l]·A[l−k] (g(Z[l]) kept apart, as g' reads it)."""
    g, i, iws = sim.acts[l - 1], 2 * (l - 1), sim._index[f"{NAME}[{l}]"]
    a_prev, a_skip, zn, an = f"A[{l - 1}]", f"A[{l - sim.skips[l - 1]}]", f"Z[{l}]", f"A[{l}]"

    def forward() -> Record:
        cache, params = sim._cache, sim._params
        Z, G = layer_forward(params[i], params[i + 1], cache[a_prev], g)
        A = G + params[iws] @ cache[a_skip]
        sim._gz[l] = G
        cache[zn] = Z
        cache[an] = A
        return Record(sim.iteration, sim.phase_index, "forward", l, {zn: Z, an: A}, None, None)

    return forward


def backward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Backward l where a projection is involved: this layer's own skip (dWs[l] = dA[l]·A[l−k]ᵀ when it
    projects) and dA[l−1] = W[l]ᵀ·dZ[l] + the terms of the skips that read A[l−1] (Ws[j]ᵀ·dA[j] or dA[j])."""
    g, i, k = sim.acts[l - 1], 2 * (l - 1), sim.skips[l - 1]
    own = bool(k)
    proj = own and f"{NAME}[{l}]" in sim._index
    zn, an, a_prev, a_skip = f"Z[{l}]", f"A[{l}]", f"A[{l - 1}]", f"A[{l - k}]"
    dan, dzn, dwn, dbn, dan_prev = f"dA[{l}]", f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"
    dwsn = f"{GRAD}[{l}]"
    terms = through(sim, l - 1)

    def backward() -> Record:
        cache, params = sim._cache, sim._params
        Z = cache[zn]
        G = sim._gz[l] if own else cache[an]
        out: dict[str, Array] = {}
        if l == sim.L:
            dA, dZ = output_dZ(sim.loss, g, Z, cache[an], cache["Y"], G if own else None)
            cache[dan] = out[dan] = dA
        else:
            dA = cache[dan]
            dZ = g.backward(dA, Z, G)
        dW, db, dA_prev = layer_backward(params[i], dZ, cache[a_prev])
        dA_prev = add_through(dA_prev, terms, cache, params)
        cache[dzn] = out[dzn] = dZ
        cache[dwn] = out[dwn] = dW
        cache[dbn] = out[dbn] = db
        if proj:
            cache[dwsn] = out[dwsn] = dA @ cache[a_skip].T
        cache[dan_prev] = out[dan_prev] = dA_prev
        return Record(sim.iteration, sim.phase_index, "backward", l, out)

    return backward


def involved(sim: "Simulation", l: int) -> bool:
    """Does layer l's backward phase touch a projection (its own, or one whose skip reads A[l−1])?"""
    return f"{NAME}[{l}]" in sim._index or any(w is not None for _, w in through(sim, l - 1))
