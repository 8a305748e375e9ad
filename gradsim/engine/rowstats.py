"""Norms and standard deviations of many arrays at once, the same numbers as ``stats.norm`` / ``stats.std``.

A trace row needs ~5L norms and L standard deviations of small arrays every iteration; one
``np.add.reduce`` per array costs more in calls than in arithmetic. Here the arrays are laid end to end in
one buffer, each after a 0.0, and ``np.add.reduceat`` sums every segment in one call. NumPy's add
reduction of an array x is ``0 + pairwise_sum(x)``; reduceat starts a segment from its first element and
adds the pairwise sum of the rest, so with the 0.0 in front each segment is summed exactly as
``np.add.reduce(x)`` sums x alone — the same bits, not merely close (tests/test_rowstats.py checks it).
Whatever the plain path of ``stats.norm_quiet`` / ``std_quiet`` would not take (non-finite or tiny sums of
squares, all-zero arrays, empty or missing arrays) goes through those functions themselves.

Call inside ``np.errstate(all="ignore")`` (the ``*_quiet`` convention of ``stats``).
"""

from __future__ import annotations

import math

import numpy as np

from .stats import _TINY_SQUARES, norm_quiet, std_quiet

Array = np.ndarray
_ZERO = np.zeros(1)


def _layout(arrays: list[Array]) -> tuple[Array, list[int], list[int]]:
    """(buffer, start of each segment, size of each array): 0.0, a[0].ravel(), 0.0, a[1].ravel(), ..."""
    sizes = [a.size for a in arrays]
    parts: list[Array] = [_ZERO] * (2 * len(arrays))
    parts[1::2] = [a.reshape(-1) for a in arrays]
    starts = [0] * len(sizes)
    off = 0
    for i, n in enumerate(sizes):
        starts[i] = off
        off += n + 1
    return np.concatenate(parts), starts, sizes


# Arrays are laid out in buffers of at most this many floats (128 KiB): a larger buffer is fresh memory from
# the system on every call (page faults cost more than the sums); an array above ALONE entries is summed
# by itself, its NumPy calls no longer being what costs.
CHUNK = 16384
ALONE = 1024
_F64 = np.dtype(np.float64)


def _groups(arrays: list) -> tuple[list[list[int]], list[int]]:
    """(groups of indices laid out together, indices left to the one-array functions).

    Grouped: present, float64, not empty and at most ``ALONE`` entries; a group fills at most ``CHUNK``.
    """
    try:
        sizes = [a.size for a in arrays]
        plain = all(a.dtype is _F64 for a in arrays)
    except AttributeError:  # a missing array (None)
        plain = False
    if plain and sizes and 0 not in sizes and max(sizes) <= ALONE and sum(sizes) + len(sizes) <= CHUNK:
        return [list(range(len(arrays)))], []
    groups: list[list[int]] = []
    alone: list[int] = []
    cur: list[int] = []
    used = 0
    for i, a in enumerate(arrays):
        if a is None or a.dtype != _F64 or not a.size or a.size > ALONE:
            alone.append(i)
            continue
        if used + a.size + 1 > CHUNK:
            groups.append(cur)
            cur, used = [], 0
        cur.append(i)
        used += a.size + 1
    if cur:
        groups.append(cur)
    return groups, alone


def _zero(buf: Array, start: int, size: int) -> bool:
    """The segment holds only zeros (a sum of squares of 0.0 may also mean squares that underflowed)."""
    return not buf[start + 1:start + 1 + size].any()


def norms_quiet(arrays: list[Array | None]) -> list[float]:
    """``[norm_quiet(a) for a in arrays]``, bit for bit."""
    out = [0.0] * len(arrays)
    groups, alone = _groups(arrays)
    for i in alone:
        out[i] = norm_quiet(arrays[i])
    for idx in groups:
        buf, starts, sizes = _layout([arrays[i] for i in idx])
        ss = np.add.reduceat(buf * buf, starts)
        roots = np.sqrt(ss).tolist()
        good = (ss > _TINY_SQUARES) & (ss < math.inf)
        if len(idx) == len(arrays) and good.all():
            return roots
        ok = good.tolist()
        for j, i in enumerate(idx):
            if ok[j]:
                out[i] = roots[j]
            elif roots[j] == 0.0 and _zero(buf, starts[j], sizes[j]):
                out[i] = 0.0
            else:
                out[i] = norm_quiet(arrays[i])
    return out


def stds_quiet(arrays: list[Array | None]) -> list[float]:
    """``[std_quiet(a) for a in arrays]``, bit for bit."""
    out = [0.0] * len(arrays)
    groups, alone = _groups(arrays)
    for i in alone:
        out[i] = std_quiet(arrays[i])
    for idx in groups:
        buf, starts, sizes = _layout([arrays[i] for i in idx])
        n = np.array(sizes, dtype=np.float64)
        means = np.add.reduceat(buf, starts) / n
        d = buf - np.repeat(means, np.array(sizes) + 1)
        d[starts] = 0.0
        ss = np.add.reduceat(d * d, starts)
        values = (np.sqrt(ss) / np.sqrt(n)).tolist()
        finite = np.isfinite(means)
        good = (ss > _TINY_SQUARES) & (ss < math.inf) & finite
        if len(idx) == len(arrays) and good.all():
            return values
        ok = good.tolist()
        zero = ((ss == 0.0) & finite).tolist()
        for j, i in enumerate(idx):
            if ok[j]:
                out[i] = values[j]
            elif zero[j] and _zero(d, starts[j], sizes[j]):
                out[i] = 0.0
            else:
                out[i] = std_quiet(arrays[i])
    return out
