"""The J history: a bounded, preallocated float record of every iteration's cost, downsampled past a bound.

A run of 10^6 iterations must not grow the process by 10^6 Python floats. ``History`` keeps two
preallocated float64 arrays:

- a *recent* window holding the exact J of each of the last ``recent`` (at least) iterations, so that
  rewinding inside the engine's ring of iteration starts truncates it exactly and ``J_history[-k]`` is the
  J of k iterations ago;
- a *coarse* part holding older iterations at a stride that doubles whenever it fills up (``capacity``
  samples at most): the J of iteration 1 and of every multiple of the stride. The values kept are real Js
  of real iterations (never means), so a blow-up to inf stays inf and ``min`` is the least J kept.

Until 2 × ``recent`` iterations have run nothing is dropped and the history is every J, in order. It is a
read-only ``Sequence`` of floats (``len``, indexing, slicing, iteration, ``np.asarray``, ``==`` against a
list); ``iterations()`` gives the iteration each sample belongs to, ``total`` how many iterations ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Iterator

import numpy as np

Array = np.ndarray


class History(Sequence):
    """J per iteration in preallocated arrays: exact for the recent window, every ``stride``-th before it."""

    def __init__(self, capacity: int = 1 << 14, recent: int = 1024):
        if capacity < 4 or recent < 1:
            raise ValueError("History needs capacity >= 4 and recent >= 1")
        self.capacity = capacity + (capacity & 1)
        self.recent = recent
        self._cv = np.empty(self.capacity, dtype=np.float64)  # coarse values
        self._ci = np.empty(self.capacity, dtype=np.int64)  # their iterations
        self._rv = np.empty(2 * recent, dtype=np.float64)  # recent values, iterations r0, r0 + 1, ...
        self.clear()

    def clear(self) -> None:
        self._nc = 0
        self._nr = 0
        self._r0 = 1
        self.stride = 1

    # ---- writing ---------------------------------------------------------------------------------
    def append(self, J: float) -> None:
        """The J of the next iteration (``total + 1``)."""
        nr = self._nr
        if nr == 2 * self.recent:
            self._spill()
            nr = self._nr
        self._rv[nr] = J
        self._nr = nr + 1

    def _spill(self) -> None:
        """Move the older half of the recent window into the coarse part (downsampling as it fills)."""
        R = self.recent
        its = np.arange(self._r0, self._r0 + R, dtype=np.int64)
        vals = self._rv[:R]
        while len(its):
            keep = (its % self.stride == 0) | (its == 1)
            its, vals = its[keep], vals[keep]
            room = self.capacity - self._nc
            k = min(room, len(its))
            self._ci[self._nc:self._nc + k] = its[:k]
            self._cv[self._nc:self._nc + k] = vals[:k]
            self._nc += k
            its, vals = its[k:], vals[k:]
            if len(its):
                self._compact()
        self._rv[:R] = self._rv[R:2 * R]
        self._r0 += R
        self._nr = R

    def _compact(self) -> None:
        """Double the stride: keep iteration 1 and the multiples of the new stride."""
        self.stride *= 2
        ci = self._ci[:self._nc]
        keep = np.flatnonzero((ci % self.stride == 0) | (ci == 1))
        n = len(keep)
        self._ci[:n] = ci[keep]
        self._cv[:n] = self._cv[:self._nc][keep]
        self._nc = n

    def truncate(self, n: int) -> None:
        """Forget iterations after n (a rewind): exact inside the recent window, by sample before it."""
        if n >= self.total:
            return
        n = max(0, n)
        if n >= self._r0 - 1:
            self._nr = n - (self._r0 - 1)
            return
        self._nc = int(np.searchsorted(self._ci[:self._nc], n, side="right"))
        self._nr = 0
        self._r0 = n + 1

    # ---- reading ---------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """How many iterations have a J (the last one is iteration ``total``)."""
        return self._r0 - 1 + self._nr

    def __len__(self) -> int:
        return self._nc + self._nr

    def values(self) -> Array:
        """The samples as a new float64 array (at most capacity + 2 × recent of them)."""
        return np.concatenate((self._cv[:self._nc], self._rv[:self._nr]))

    def iterations(self) -> Array:
        """The iteration of each sample (1-based, increasing)."""
        return np.concatenate((self._ci[:self._nc], np.arange(self._r0, self._r0 + self._nr, dtype=np.int64)))

    def __array__(self, dtype=None, copy=None) -> Array:
        v = self.values()
        return v if dtype is None else v.astype(dtype, copy=False)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.values()[i].tolist()
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("J_history index out of range")
        return float(self._cv[i]) if i < self._nc else float(self._rv[i - self._nc])

    def __iter__(self) -> Iterator[float]:
        return iter(self.values().tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (History, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"History(total={self.total}, samples={len(self)}, stride={self.stride})"

    def view(self) -> "HistoryView":
        """An immutable copy for another thread (bounded: at most capacity + 2 × recent samples)."""
        return HistoryView(self.total, self.iterations(), self.values())


@dataclass(frozen=True, eq=False)
class HistoryView:
    """A frozen picture of a History: what the app's loss curve draws."""

    total: int
    iterations: Array
    values: Array

    def __post_init__(self) -> None:
        self.iterations.flags.writeable = False
        self.values.flags.writeable = False

    def __len__(self) -> int:
        return len(self.values)

    @property
    def last(self) -> float | None:
        return float(self.values[-1]) if len(self.values) else None

    @classmethod
    def of(cls, js: Sequence[float]) -> "HistoryView":
        """Every J of a run given as a plain sequence (iteration i + 1 for item i)."""
        v = np.array(js, dtype=np.float64).reshape(-1)
        return cls(len(v), np.arange(1, len(v) + 1, dtype=np.int64), v)
