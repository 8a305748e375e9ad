"""What the update phase of an iteration used, read back for the traces and the expression language: α(t), the
learning rate of the iteration under the schedule, and ‖g‖, the global gradient norm √(Σ_l ‖dW[l]‖² + ‖db[l]‖²)
before the [[transform]] tables and after all of them (clipping, weight decay).

The transforms are pure, so the norm after them is the chain replayed on the iteration's cached gradients and
parameters (as the update equation does); nothing is stored by the update phase, and a run without a schedule
or transforms computes nothing here.

Names (as in ``[[expect]]`` and the trace columns): ``alpha``, ``norm_g``, ``norm_g_transformed``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .transforms import global_norm

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

ALPHA = "alpha"
NORMS = ("norm_g", "norm_g_transformed")
NAMES = (ALPHA, *NORMS)


def applies(sim: "Simulation") -> list[str]:
    """The names that mean something for this simulation: alpha with a schedule, the norms with transforms."""
    return ([] if sim.optimizer.schedule.constant else [ALPHA]) + (list(NORMS) if sim.transforms else [])


def alpha(sim: "Simulation") -> float:
    """α(t) of the current iteration (t = 1 before the first one has begun)."""
    return float(sim.optimizer.rate(max(sim.iteration, 1)))


def gradient_norms(sim: "Simulation") -> tuple[float, float] | None:
    """(‖g‖ before the transforms, ‖g‖ after them) for the current iteration, or None before its backward
    pass has produced every dW[l], db[l]."""
    L, arrays = sim.L, sim.arrays
    grads = tuple(arrays.get(f"{k}[{l}]") for l in range(1, L + 1) for k in ("dW", "db"))
    if any(g is None for g in grads):
        return None
    with np.errstate(all="ignore"):
        before = global_norm(grads)
        if not sim.transforms:
            return before, before
        params = tuple(arrays[f"{k}[{l}]"] for l in range(1, L + 1) for k in ("W", "b"))
        after = global_norm(sim.transforms.grads(params, grads, arrays["X"].shape[1]))
    return before, after


def values(sim: "Simulation", names: tuple[str, ...] | list[str]) -> dict[str, float]:
    """{name: value} for the asked-for names (NaN for a norm before the backward pass has run)."""
    out: dict[str, float] = {}
    if ALPHA in names:
        out[ALPHA] = alpha(sim)
    if any(n in names for n in NORMS):
        norms = gradient_norms(sim) or (math.nan, math.nan)
        out.update((n, float(v)) for n, v in zip(NORMS, norms) if n in names)
    return out
