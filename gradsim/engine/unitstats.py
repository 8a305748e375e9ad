"""Saturated and dead-unit fractions of a simulation's layers: one layer (``layer``) or all of them at once
(``all_layers``, what a trace row asks for every iteration), the same numbers either way.

A layer's fractions read g(Z[l]) and the Z that g read (``arrays``: batch norm's Ztilde[l]; g(Z[l]) kept
apart where a skip is added or a dropout mask applied). The tests are the activation entry's: its
``saturated`` / ``dead`` fractions, and beside them the elementwise masks ``saturated_where`` /
``inactive_where`` they count. ``all_layers`` stacks the layers whose entries share a mask (every layer has
m columns), applies the mask once and counts per layer: an elementwise test gives the same booleans on a
stacked array, and a count divided by the size as Python integers is the float ``_fraction`` returns.
Entries with a fraction but no mask are asked layer by layer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from .activations import fraction_dead, fraction_saturated

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray
_ALONE = 1024  # a layer of more entries is counted alone (its arithmetic outweighs the calls)
_CHUNK = 8192  # entries stacked at most: larger stacks and mask temporaries are fresh memory from the
# system on every call, whose page faults cost more than the calls saved (as rowstats' buffers)
_NAN = {"fraction_saturated": math.nan, "fraction_dead": math.nan}


def arrays(sim: "Simulation", l: int) -> tuple[Array, Array] | None:
    """(the Z that g[l] read, g(Z[l])) of the current iteration, or None before forward l."""
    cache = sim._cache
    A = cache.get(sim._names["A"][l])
    if A is None:
        return None
    Z = cache[sim._names["Z"][l]]
    if sim.bns[l - 1] is not None:
        Z = cache[f"Ztilde[{l}]"]  # batch norm: g reads Ztilde[l]
    if sim.skips[l - 1] or sim.dropout[l - 1]:
        A = sim._gz[l]  # saturation is of g(Z[l]), before the skip is added or the mask applied
    return Z, A


def layer(sim: "Simulation", l: int) -> dict[str, float]:
    """``Simulation.layer_stats(l)``: the fractions of layer l (NaN before forward l)."""
    za = arrays(sim, l)
    if za is None:
        return dict(_NAN)
    g = sim.acts[l - 1]
    return {"fraction_saturated": fraction_saturated(g, *za), "fraction_dead": fraction_dead(g, *za)}


class _Plan:
    """Which layers ``all_layers`` stacks (plain layers whose entry has the mask) and in which runs: fixed
    by the net, so made once per simulation."""

    def __init__(self, sim: "Simulation"):
        self.none: list[tuple[int, str]] = []  # layers without fractions: (l, the name of A[l])
        self.each: list[int] = []  # asked one by one (batch norm, skip, dropout; an entry without a mask)
        self.stacked: list[tuple[int, str]] = []  # the others: (l, the name of A[l])
        groups: dict[tuple[Callable, bool], list[int]] = {}
        for l, g in enumerate(sim.acts, start=1):
            if g.saturated is None and g.dead is None:
                self.none.append((l, sim._names["A"][l]))
                continue
            plain = sim.bns[l - 1] is None and not sim.skips[l - 1] and not sim.dropout[l - 1]
            tests = ((g.saturated, g.saturated_where, False), (g.dead, g.inactive_where, True))
            if not plain or any(fn is not None and where is None for fn, where, _ in tests):
                self.each.append(l)
                continue
            self.stacked.append((l, sim._names["A"][l]))
            for fn, where, rows in tests:
                if fn is not None:
                    groups.setdefault((where, rows), []).append(l)
        self.groups = []  # (mask, rows, [(layers, Z names, A names, row starts, rows per layer)])
        for (where, rows), ls in groups.items():
            runs: list[list[int]] = [[]]
            size = 0
            for l in ls:  # runs of at most _CHUNK entries a column (a larger layer alone)
                n = sim.n[l]
                if runs[-1] and (size + n > _chunk_rows(sim) or n * sim.batches.size > _ALONE):
                    runs.append([])
                    size = 0
                runs[-1].append(l)
                size += n
            self.groups.append((where, rows, [
                (run, [sim._names["Z"][l] for l in run], [sim._names["A"][l] for l in run],
                 np.cumsum([0] + [sim.n[l] for l in run[:-1]]), [sim.n[l] for l in run]) for run in runs]))


def _chunk_rows(sim: "Simulation") -> int:
    return max(1, _CHUNK // max(1, sim.batches.size))


def _plan(sim: "Simulation") -> _Plan:
    plan = sim.__dict__.get("_unit_plan")
    if plan is None:
        plan = sim._unit_plan = _Plan(sim)
    return plan


def all_layers(sim: "Simulation") -> tuple[list[float], list[float]]:
    """(fraction_saturated, fraction_dead) of layers 1..L: ``layer(sim, l)``'s numbers, in a few NumPy calls."""
    L, cache, plan = sim.L, sim._cache, _plan(sim)
    sat, dead = [0.0] * L, [0.0] * L
    for l, an in plan.none + plan.stacked:
        if an not in cache:
            sat[l - 1] = dead[l - 1] = math.nan
    for l in plan.each:
        d = layer(sim, l)
        sat[l - 1], dead[l - 1] = d["fraction_saturated"], d["fraction_dead"]
    count, reduceat, concatenate = np.count_nonzero, np.add.reduceat, np.concatenate
    for where, rows, runs in plan.groups:
        out = dead if rows else sat
        for ls, zk, ak, starts, ns in runs:
            if ak[-1] not in cache:  # mid-iteration: the layers forward has not reached stay NaN
                for l in ls:
                    if sim._names["A"][l] in cache:
                        out[l - 1] = layer(sim, l)["fraction_dead" if rows else "fraction_saturated"]
                continue
            As = [cache[k] for k in ak]
            m = As[0].shape[1]
            if len(ls) == 1:
                hit = where(cache[zk[0]], As[0])
                counts = [count(hit.all(axis=1) if rows else hit)]
            else:
                hit = where(concatenate([cache[k] for k in zk]), concatenate(As))
                if rows:
                    counts = reduceat(hit.all(axis=1), starts, dtype=np.intp).tolist()
                else:
                    counts = reduceat(hit.ravel(), starts * m, dtype=np.intp).tolist()
            for l, c, n in zip(ls, counts, ns):
                out[l - 1] = float(c / (n if rows else n * m)) if m else 0.0
    return sat, dead
