"""Per-array statistics: a handful of reductions, computed only when someone asks for them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ArrayStats:
    shape: tuple[int, ...]
    mean: float
    std: float
    norm: float  # Frobenius ‖·‖
    min: float
    max: float
    nonfinite: int  # count of inf/NaN entries

    @property
    def finite(self) -> bool:
        return self.nonfinite == 0


def array_stats(a: np.ndarray) -> ArrayStats:
    """mean, std, min, max over the finite entries, the count of non-finite ones, and ‖a‖ (``norm``: finite
    for a finite array however large its entries; inf if any entry is ±inf, else NaN if any is NaN)."""
    with np.errstate(all="ignore"):
        n = a.size
        total = float(np.add.reduce(a, axis=None)) if n else math.nan
        if math.isfinite(total):  # a finite sum means every entry is finite: one pass fewer, no std()
            mean = total / n
            d = a - mean
            return ArrayStats(
                a.shape, mean, norm(d) / math.sqrt(n), norm(a),  # std = ‖a − mean‖/√n: scaled, pairwise
                float(a.min()), float(a.max()), 0,
            )
        finite = np.isfinite(a)
        bad = int(a.size - np.count_nonzero(finite))
        v = a if bad == 0 else a[finite]
        if v.size == 0:
            nan = math.nan
            return ArrayStats(a.shape, nan, nan, norm(a), nan, nan, bad)
        return ArrayStats(
            a.shape,
            float(v.mean()),
            float(v.std()),
            norm(a),
            float(v.min()),
            float(v.max()),
            bad,
        )


# Below this sum of squares some squares may have underflowed; above it, finite entries are summed exactly
# as they are. Between the two the array is rescaled by its largest entry first.
_TINY_SQUARES = 1e-290


def norm(a: np.ndarray | None) -> float:
    """‖a‖, the Frobenius norm: the one norm every command, trace and panel prints.

    - A finite array never reports an infinite norm: when the squares would overflow (entries above
      ~1.3e154) or underflow, the array is divided by its largest |entry| first, so 1e200 entries give
      1.41e200, not inf.
    - Non-finite entries follow IEEE ``hypot``: inf if any entry is ±inf (even beside a NaN), else NaN.
    - Order-independent: NumPy's pairwise sum, never a BLAS dot, so the thread count cannot change a digit.
    - An empty array has norm 0; a missing one (None) NaN.
    """
    with np.errstate(all="ignore"):
        return norm_quiet(a)


def norm_quiet(a: np.ndarray | None) -> float:
    """``norm`` for a caller that has already entered ``np.errstate(all="ignore")`` once for many arrays
    (a trace row: entering it costs about a third of a small array's norm). The same numbers as ``norm``."""
    if a is None:
        return math.nan
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return 0.0
    flat = a.reshape(-1)
    ss = float(np.add.reduce(flat * flat))
    if math.isfinite(ss) and (ss > _TINY_SQUARES or ss == 0.0 and not flat.any()):
        return math.sqrt(ss)
    top = float(np.max(np.abs(flat)))
    if not math.isfinite(top):
        return math.inf if bool(np.isinf(flat).any()) else math.nan
    if top == 0.0:
        return 0.0
    s = flat / top
    return top * math.sqrt(float(np.add.reduce(s * s)))


def std(a: np.ndarray | None) -> float:
    """The standard deviation of all entries (population, as ``np.std``), overflow-safe like ``norm``.

    ``norm(a - mean) / √n``; when the mean itself would overflow, the array is divided by its largest
    |entry| first, so 1e200 entries give a finite spread. NaN for a missing or empty array or one holding
    inf/NaN (as ``np.std``).
    """
    with np.errstate(all="ignore"):
        return std_quiet(a)


def std_quiet(a: np.ndarray | None) -> float:
    """``std`` inside an ``np.errstate(all="ignore")`` the caller has entered (see ``norm_quiet``)."""
    if a is None:
        return math.nan
    flat = np.asarray(a, dtype=np.float64).reshape(-1)
    n = flat.size
    if n == 0:
        return math.nan
    mean = float(np.add.reduce(flat)) / n
    if math.isfinite(mean):
        spread = norm_quiet(flat - mean)
        if math.isfinite(spread):
            return spread / math.sqrt(n)
    top = float(np.max(np.abs(flat)))
    if not math.isfinite(top):
        return math.nan
    s = flat / top
    return top * (norm_quiet(s - float(np.add.reduce(s)) / n) / math.sqrt(n))
