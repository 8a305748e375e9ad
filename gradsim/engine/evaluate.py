"""Metrics beyond the batch: J and accuracy over every training example and over the held-out ones.

Each is a forward pass of its own through ``network.forward_pass`` (skips included) with parameters it is handed: it
writes nothing into the simulation (no record, no cache entry, no J_history, no rewind state) and runs
under its own ``np.errstate``, so an overflow here never flags a blow-up of the run.

Which parameters: ``used_params`` — the ones the current iteration's forward pass used (its W[l], b[l]),
the same ones the batch J of that iteration was computed with; before iteration 1 the initial ones. So
with batch gradient descent ``J_full`` equals ``J`` exactly. Accuracy exists only for a loss whose
registry entry says how to classify (``Loss.accuracy``): logistic and multilabel threshold ŷ at 0.5,
softmax_ce takes the most probable class.

Under weight decay J is J_data + J_reg, so ``J_full`` and ``J_test`` are the same objective on their sets:
the data loss plus λ/(2m)·Σ‖W[l]‖² with m that set's number of examples (J's m is the batch's), so batch
gradient descent still has ``J_full`` = ``J``. ``J_full_data`` and ``J_test_data`` are the data losses alone
(equal to J_full and J_test without a penalty): what generalises, and what compare's verdict compares.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from . import batchnorm, projection
from .network import forward_pass

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray

# the names, as the trace columns and the expression language spell them
FULL = ("J_full", "accuracy", "J_full_data")
TEST = ("J_test", "accuracy_test", "J_test_data")
NAMES = FULL + TEST
DATA = ("J_full_data", "J_test_data")  # the data losses alone: trace columns only under a penalty


def used_params(sim: "Simulation") -> tuple[Array, ...]:
    """The parameters (``sim.param_keys``) of the current iteration's forward pass (the initial ones before it)."""
    arrays = sim.arrays
    keys = sim.param_keys
    if all(k in arrays for k in keys):
        return tuple(arrays[k] for k in keys)
    return sim.params


def forward(sim: "Simulation", X: Array, params: Sequence[Array] | None = None) -> tuple[Array, Array]:
    """(Z[L], A[L]) of the network on the columns of ``X``; ``params`` default to ``sim.params`` (the newest).
    Batch-norm layers normalise with the running statistics (``sim.running``), never the columns' own."""
    params = sim.params if params is None else params
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        if any(bn is not None for bn in getattr(sim, "bns", ())):
            lay = batchnorm.forward_pass(params, sim.param_keys, X, sim.acts, sim.skips, sim.bns, sim.running)
            return lay[-1]["Z"], lay[-1]["A"]
        proj = projection.indices(sim) if any(getattr(sim, "projs", ())) else None  # Ws[l] of projection skips
        Zs, _, As = forward_pass(params, X, sim.acts, sim.skips, None, proj)
    return Zs[-1], As[-1]


def score(sim: "Simulation", X: Array, Y: Array, params: Sequence[Array] | None = None) -> tuple[float, float]:
    """(J, accuracy) on (X, Y); accuracy is NaN for a loss without one, both NaN for no examples."""
    if X.shape[1] == 0:
        return math.nan, math.nan
    Z, A = forward(sim, X, params)
    with np.errstate(all="ignore"):
        J = float(sim.loss.value(Z, A, Y))
        acc = sim.loss.accuracy(A, Y) if sim.loss.accuracy is not None else math.nan
    return J, float(acc)


def classifies(sim: "Simulation") -> bool:
    return sim.loss.accuracy is not None


def applies(sim: "Simulation") -> tuple[str, ...]:
    """The names that mean something here, in order: the full-set ones when training sees only part of the
    data at a time or some is held out, the test ones with a held-out split; accuracy only for classifiers."""
    minibatch = sim.optimizer.batch_size is not None and sim.optimizer.batch_size < sim.m
    names = FULL if (minibatch or sim.heldout is not None) else ()
    names += TEST if sim.heldout is not None else ()
    penalised = sim.transforms.has_penalty
    return tuple(n for n in names if (classifies(sim) or not n.startswith("accuracy")) and (penalised or n not in DATA))


def penalty(sim: "Simulation", params: Sequence[Array], m: int) -> float:
    """J_reg of ``params`` for a set of m examples (0 without a penalty): the term J adds to the data loss."""
    return sim.transforms.penalty(tuple(params), m) if sim.transforms.has_penalty else 0.0


def metrics(sim: "Simulation", names: Sequence[str] = NAMES) -> dict[str, float]:
    """The asked-for metrics with ``used_params`` (NaN for one that does not apply)."""
    if not names:  # a trace row without them: not even used_params (it seals every array)
        return {}
    params = used_params(sim)
    out: dict[str, float] = {}
    if any(n in FULL for n in names):
        out["J_full_data"], out["accuracy"] = score(sim, sim.X, sim.Y, params)
        out["J_full"] = _with_penalty(sim, out["J_full_data"], params, sim.X.shape[1])
    if any(n in TEST for n in names):
        if sim.heldout is None:
            out["J_test"] = out["accuracy_test"] = out["J_test_data"] = math.nan
        else:
            out["J_test_data"], out["accuracy_test"] = score(sim, *sim.heldout, params)
            out["J_test"] = _with_penalty(sim, out["J_test_data"], params, sim.heldout[0].shape[1])
    return {n: out[n] for n in names}


def _with_penalty(sim: "Simulation", J: float, params: Sequence[Array], m: int) -> float:
    if not sim.transforms.has_penalty or not m:
        return J
    with np.errstate(all="ignore"):
        return J + penalty(sim, params, m)
