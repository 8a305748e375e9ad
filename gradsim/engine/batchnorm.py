"""Batch normalisation as a step of a hidden layer (Ioffe & Szegedy 2015), stepped like the rest.

Forward l (batch statistics over the m columns of the iteration's batch)::

    Z[l] = W[l]·A[l−1] + b[l]
    mu[l] = mean_cols Z[l],   sigma2[l] = mean_cols (Z[l] − mu[l])²         (σ², the biased variance)
    Zhat[l] = (Z[l] − mu[l]) / √(sigma2[l] + ε)
    Ztilde[l] = gamma[l] ⊙ Zhat[l] + beta[l],   A[l] = g(Ztilde[l])  (+ A[l−k] with a skip,
    ⊙ M[l] / (1 − p) with dropout: the mask of engine/dropout.mask, and dA[l] ⊙ M[l] / (1 − p) backward)

Backward l (the full backward, with the batch terms)::

    dZtilde = dA ⊙ g′(Ztilde),  dgamma = Σ_cols dZtilde ⊙ Zhat,  dbeta = Σ_cols dZtilde,  dZhat = gamma ⊙ dZtilde
    dZ = (dZhat − mean_cols dZhat − Zhat ⊙ mean_cols(dZhat ⊙ Zhat)) / √(sigma2 + ε)
    then dW = dZ·A[l−1]ᵀ, db = Σ_cols dZ (exactly 0 up to rounding: μ absorbs b), dA[l−1] = W[l]ᵀ·dZ

gamma[l], beta[l] (n[l], 1) are parameters after every W, b in the parameter tuple (``param_keys``), so
code that indexes W[l], b[l] at 2(l−1), 2(l−1)+1 is unchanged. The running statistics
(running_mu[l], running_var[l]) (exponential averages: r := momentum·r + (1 − momentum)·batch, from 0 and 1)
are state like the optimiser's: the forward phase updates them, the ring of iteration starts keeps them,
and evaluation on the full and held-out sets normalises with them instead of the batch's.

The names (cache, records, the expression language): mu[l], sigma2[l] (σ²; ``var`` is the function),
Zhat[l], Ztilde[l] forward; dZtilde[l], dgamma[l], dbeta[l], dZhat[l] backward; gamma[l], beta[l] the
parameters (from the iteration's start, new ones after the update).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from . import phases
from .activations import Activation
from .dropout import mask
from .network import Masks, layer_backward
from .params import Param, bind
from .record import Record

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray
_sum = np.add.reduce  # what .sum() and .mean() (then / m) call

PARAMS = (
    Param("eps", 1e-5, lo=0.0, hi=1.0, lo_open=True, symbol="ε", doc="added to var[l] under the square root"),
    Param("momentum", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="ρ",
          doc="running statistics r := ρ·r + (1 − ρ)·batch", why="1 would never move them"),
)
FORWARD_NAMES = phases.BN_FORWARD  # computed by forward l, between Z[l] and A[l]
BACKWARD_NAMES = phases.BN_BACKWARD  # computed by backward l, before dZ[l]
PARAM_NAMES = phases.PARAMS[2:]  # gamma, beta


@dataclass(frozen=True)
class BatchNormSpec:
    """A layer's batch normalisation: ε and the running-average momentum (defaults from ``PARAMS``)."""

    eps: float = 1e-5
    momentum: float = 0.9

    def __post_init__(self) -> None:
        bind(PARAMS, {"eps": self.eps, "momentum": self.momentum}, "batch_norm")

    @classmethod
    def from_values(cls, values: Mapping[str, float]) -> "BatchNormSpec":
        return cls(**bind(PARAMS, values, "batch_norm"))

    def describe(self) -> str:
        return f"batch_norm (ε = {self.eps:g}, ρ = {self.momentum:g})"


# ---- the parameter tuple: (W[1], b[1], ..., W[L], b[L], gamma[l], beta[l] for each BN layer l) ------
def check_batches(bns: Sequence["BatchNormSpec | None"], m: int, size: int) -> None:
    """Batch statistics need m ≥ 2 columns in every batch (the last batch of an epoch too)."""
    if any(bn is not None for bn in bns) and (size < 2 or (m % size or size) < 2):
        raise ValueError(f"batch norm needs m ≥ 2 examples in every batch; m = {m} in batches of {size}")


def check_skips(bns: Sequence["BatchNormSpec | None"], skips: Sequence[int]) -> str | None:
    """Why a net with batch norm cannot run with these skips, or None: a skip into the output layer (the
    whole-net passes here, ``forward_pass`` and ``gradients`` for gradcheck and evaluation, take the loss's
    fused dZ[L]). Dropout is fine, on the same layer too: A[l] = g(Ztilde[l]) ⊙ M[l] / (1 − p) (those passes
    take the iteration's masks as network.py's do)."""
    if any(bn is not None for bn in bns) and skips and skips[-1]:
        return "batch norm and a skip into the output layer in one net: one or the other"
    return None


def initial(n: int) -> tuple[Array, Array]:
    """gamma[l] = 1, beta[l] = 0: the normalised Zhat passes unchanged at the start."""
    return np.ones((n, 1)), np.zeros((n, 1))


def initial_running(n: int) -> tuple[Array, Array]:
    return np.zeros((n, 1)), np.ones((n, 1))


# ---- the equations as pure functions ---------------------------------------------------------------
def normalise(Z: Array, gamma: Array, beta: Array, eps: float) -> tuple[Array, Array, Array, Array]:
    """(mu, var, Zhat, Ztilde) with the batch's statistics. ``add.reduce(·)/m`` is what ``mean`` computes,
    bit for bit (the export writes ``.mean``), without its Python-level overhead."""
    m = Z.shape[1]
    mu = _sum(Z, axis=1, keepdims=True) / m
    d = Z - mu
    var = _sum(d ** 2, axis=1, keepdims=True) / m
    Zhat = d / np.sqrt(var + eps)
    return mu, var, Zhat, gamma * Zhat + beta


def backward(dZt: Array, Zhat: Array, var: Array, gamma: Array, eps: float) -> tuple[Array, Array, Array, Array]:
    """(dgamma, dbeta, dZhat, dZ) from dZtilde, with the batch terms of mu and var in dZ."""
    m = dZt.shape[1]
    dgamma = _sum(dZt * Zhat, axis=1, keepdims=True)
    dbeta = _sum(dZt, axis=1, keepdims=True)
    dZhat = gamma * dZt
    dZ = (dZhat - _sum(dZhat, axis=1, keepdims=True) / m - Zhat * (_sum(dZhat * Zhat, axis=1, keepdims=True) / m)) \
        / np.sqrt(var + eps)
    return dgamma, dbeta, dZhat, dZ


def running_update(bn: BatchNormSpec, running: tuple[Array, Array], mu: Array, var: Array) -> tuple[Array, Array]:
    r = bn.momentum
    return r * running[0] + (1.0 - r) * mu, r * running[1] + (1.0 - r) * var


# ---- whole passes (gradcheck, evaluation, tests) ---------------------------------------------------
def forward_pass(params: Sequence[Array], keys: Sequence[str], X: Array, acts: Sequence[Activation],
                 skips: Sequence[int], bns: Sequence[BatchNormSpec | None],
                 running: Mapping[int, tuple[Array, Array]] | None = None,
                 masks: "Masks | None" = None) -> list[dict[str, Array]]:
    """Every layer's arrays {Z, G (= g of Z or Ztilde), A, and mu, var, Zhat, Ztilde with batch norm}.
    ``running`` given: normalise with the running statistics (evaluation) instead of the batch's; ``masks``
    given (per layer (M[l], 1 − p) or None, as network.forward_pass takes them): A[l] = G[l] ⊙ M[l] / (1 − p)."""
    p = dict(zip(keys, params))
    As, out = [X], []
    for l, g in enumerate(acts, start=1):
        Z = p[f"W[{l}]"] @ As[-1] + p[f"b[{l}]"]
        d = {"Z": Z}
        bn = bns[l - 1]
        if bn is not None:
            gamma, beta = p[f"gamma[{l}]"], p[f"beta[{l}]"]
            if running is None:
                d["mu"], d["var"], d["Zhat"], d["Ztilde"] = normalise(Z, gamma, beta, bn.eps)
            else:
                d["mu"], d["var"] = running[l]
                d["Zhat"] = (Z - d["mu"]) / np.sqrt(d["var"] + bn.eps)
                d["Ztilde"] = gamma * d["Zhat"] + beta
            pre = d["Ztilde"]
        else:
            pre = Z
        d["pre"] = pre
        d["G"] = g.g(pre)
        k = skips[l - 1] if skips else 0
        drop = masks[l - 1] if masks else None
        if drop is not None:  # dropout (never with a skip on the same layer)
            d["A"] = d["G"] * drop[0] / drop[1]
        else:
            d["A"] = d["G"] + As[l - k] if k else d["G"]
        As.append(d["A"])
        out.append(d)
    return out


def gradients(params: Sequence[Array], keys: Sequence[str], X: Array, Y: Array, acts: Sequence[Activation],
              loss, skips: Sequence[int], bns: Sequence[BatchNormSpec | None],
              masks: "Masks | None" = None) -> tuple[Array, ...]:
    """The gradients of every parameter in ``keys``' order, by backprop through the batch-norm steps (and
    the iteration's dropout masks, held fixed, when given)."""
    from .network import output_dZ, skip_sources

    L = len(acts)
    skips = tuple(skips) if skips else (0,) * L
    lay = forward_pass(params, keys, X, acts, skips, bns, masks=masks)
    p = dict(zip(keys, params))
    into = skip_sources(skips)
    As = [X] + [d["A"] for d in lay]
    dAs: dict[int, Array] = {}
    g: dict[str, Array] = {}
    d = lay[-1]
    dAs[L], dZ = output_dZ(loss, acts[-1], d["pre"], d["A"], Y)
    for l in range(L, 0, -1):
        d = lay[l - 1]
        if l < L:
            drop = masks[l - 1] if masks else None
            dA = dAs[l] if drop is None else dAs[l] * drop[0] / drop[1]  # dropout: the mask and scale before g'
            dpre = acts[l - 1].backward(dA, d["pre"], d["G"])
            if bns[l - 1] is not None:
                bn = bns[l - 1]
                g[f"dgamma[{l}]"], g[f"dbeta[{l}]"], _, dZ = backward(dpre, d["Zhat"], d["var"], p[f"gamma[{l}]"], bn.eps)
            else:
                dZ = dpre
        dW, db, dA_prev = layer_backward(p[f"W[{l}]"], dZ, As[l - 1])
        for src in into[l - 1]:
            dA_prev = dA_prev + dAs[src]
        dAs[l - 1] = dA_prev
        g[f"dW[{l}]"], g[f"db[{l}]"] = dW, db
    return tuple(g["d" + k] for k in keys)


# ---- the phase closures of a batch-norm layer (dispatched from phase_steps) ------------------------
def forward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Forward l with batch norm: Z, mu, var, Zhat, Ztilde, A = g(Ztilde) (+ A[l−k]); running stats move."""
    g, bn, k = sim.acts[l - 1], sim.bns[l - 1], sim.skips[l - 1]
    p = sim.dropout[l - 1]
    keep, seed, rows, mn = 1.0 - p, sim.seed, sim.n[l], f"M[{l}]"
    iW, ib, ig, ibeta = (sim._index[f"{n}[{l}]"] for n in ("W", "b", "gamma", "beta"))
    a_prev, a_skip = f"A[{l - 1}]", f"A[{l - k}]"
    names = [f"{n}[{l}]" for n in ("Z",) + FORWARD_NAMES + ("A",)]

    def forward() -> Record:
        cache, params = sim._cache, sim._params
        Z = params[iW] @ cache[a_prev] + params[ib]
        mu, var, Zhat, Zt = normalise(Z, params[ig], params[ibeta], bn.eps)
        G = g.g(Zt)
        if p:  # dropout after batch norm: this iteration's mask (engine/dropout.mask), inverted scaling
            M = mask(seed, sim.iteration, l, (rows, Z.shape[1]), p)
            A = G * M / keep
        else:
            A = G + cache[a_skip] if k else G
        sim._gz[l] = G
        sim._running[l] = running_update(bn, sim._running[l], mu, var)
        arrays = dict(zip(names, (Z, mu, var, Zhat, Zt, A)))
        if p:
            arrays[mn] = M
        cache.update(arrays)
        return Record(sim.iteration, sim.phase_index, "forward", l, arrays, None, None if k or p else g)

    return forward


def backward_fn(sim: "Simulation", l: int) -> Callable[[], Record]:
    """Backward l with batch norm (a hidden layer): dZtilde, dgamma, dbeta, dZhat, dZ, dW, db, dA[l−1]."""
    g, bn = sim.acts[l - 1], sim.bns[l - 1]
    keep, mn = 1.0 - sim.dropout[l - 1], f"M[{l}]"
    iW, ig = sim._index[f"W[{l}]"], sim._index[f"gamma[{l}]"]
    dan, a_prev, ztn, zhn, varn = f"dA[{l}]", f"A[{l - 1}]", f"Ztilde[{l}]", f"Zhat[{l}]", f"sigma2[{l}]"
    names = [f"{n}[{l}]" for n in BACKWARD_NAMES + ("dZ", "dW", "db")] + [f"dA[{l - 1}]"]
    through = [f"dA[{j}]" for j in sim._into[l - 1]]

    def step() -> Record:
        cache, params = sim._cache, sim._params
        dA = cache[dan] if keep == 1.0 else cache[dan] * cache[mn] / keep  # dropout: the mask and scale first
        dZt = g.backward(dA, cache[ztn], sim._gz[l])
        dgamma, dbeta, dZhat, dZ = backward(dZt, cache[zhn], cache[varn], params[ig], bn.eps)
        dW, db, dA_prev = layer_backward(params[iW], dZ, cache[a_prev])
        for name in through:  # a skip that reads A[l−1] adds its dA
            dA_prev = dA_prev + cache[name]
        arrays = dict(zip(names, (dZt, dgamma, dbeta, dZhat, dZ, dW, db, dA_prev)))
        cache.update(arrays)
        return Record(sim.iteration, sim.phase_index, "backward", l, arrays)

    return step
