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
    """mean, std, ‖a‖, min, max over the finite entries, and the count of non-finite ones."""
    with np.errstate(all="ignore"):
        n = a.size
        total = float(np.add.reduce(a, axis=None)) if n else math.nan
        if math.isfinite(total):  # a finite sum means every entry is finite: one pass fewer, no std()
            mean = total / n
            d = a - mean
            return ArrayStats(
                a.shape, mean, math.sqrt(float(np.vdot(d, d)) / n), math.sqrt(float(np.vdot(a, a))),
                float(a.min()), float(a.max()), 0,
            )
        finite = np.isfinite(a)
        bad = int(a.size - np.count_nonzero(finite))
        v = a if bad == 0 else a[finite]
        if v.size == 0:
            nan = math.nan
            return ArrayStats(a.shape, nan, nan, nan, nan, nan, bad)
        return ArrayStats(
            a.shape,
            float(v.mean()),
            float(v.std()),
            float(np.sqrt((v * v).sum())) if bad == 0 else math.inf,
            float(v.min()),
            float(v.max()),
            bad,
        )
