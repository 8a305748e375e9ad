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

import bisect
import math

import numpy as np

from .stats import _TINY_SQUARES, norm_quiet, std_quiet

Array = np.ndarray
_ZERO = np.zeros(1)


# sizes -> (starts, where the entries go, length, sizes as floats, segment lengths)
_LAYOUTS: dict[tuple[int, ...], tuple[list[int], Array, int, Array, Array]] = {}


def _layout(arrays: list[Array], sizes: list[int]) -> tuple | None:
    """(buffer, start of each segment, sizes, sizes as floats, segment lengths): the buffer holds
    0.0, a[0].ravel(), 0.0, a[1].ravel(), ...

    The entries become float64 as ``norm_quiet``'s ``np.asarray(a, dtype=np.float64)`` makes them."""
    key = tuple(sizes)
    lay = _LAYOUTS.get(key)
    if lay is None:  # the same shapes come back every iteration: computed once
        starts = np.cumsum([0] + [n + 1 for n in sizes[:-1]]).tolist()
        pos = np.concatenate([np.arange(s + 1, s + 1 + n) for s, n in zip(starts, sizes)])
        if len(_LAYOUTS) > 64:
            _LAYOUTS.clear()
        n = np.array(sizes, dtype=np.float64)
        lay = _LAYOUTS[key] = (starts, pos, starts[-1] + sizes[-1] + 1, n, np.array(sizes) + 1)
    starts, pos, total, n, counts = lay
    flat = np.concatenate([a.ravel() for a in arrays])
    if flat.dtype.kind not in "biuf":  # complex or object entries: left to the one-array functions
        return None
    buf = np.zeros(total)
    buf[pos] = flat
    return buf, starts, sizes, n, counts


# Arrays are laid out in buffers of at most this many floats (128 KiB): a larger buffer is fresh memory from
# the system on every call (page faults cost more than the sums); an array above ALONE entries is summed
# by itself, its NumPy calls no longer being what costs.
CHUNK = 16384
ALONE = 1024


def _groups(arrays: list) -> tuple[list[list[int]], list[int], list[int]]:
    """(groups of indices laid out together, indices left to the one-array functions, every array's size).

    Grouped: present, real, not empty and at most ``ALONE`` entries; a group fills at most ``CHUNK``.
    """
    try:
        sizes = [a.size for a in arrays]
    except AttributeError:  # a missing array (None)
        sizes = [0 if a is None else a.size for a in arrays]
    else:
        if sizes and 0 not in sizes and max(sizes) <= ALONE and sum(sizes) + len(sizes) <= CHUNK:
            return [list(range(len(arrays)))], [], sizes
    groups: list[list[int]] = []
    alone: list[int] = []
    cur: list[int] = []
    used = 0
    for i, n in enumerate(sizes):
        if not n or n > ALONE:
            alone.append(i)
            continue
        if used + n + 1 > CHUNK:
            groups.append(cur)
            cur, used = [], 0
        cur.append(i)
        used += n + 1
    if cur:
        groups.append(cur)
    return groups, alone, sizes


def _zero(buf: Array, start: int, size: int) -> bool:
    """The segment holds only zeros (a sum of squares of 0.0 may also mean squares that underflowed)."""
    return not buf[start + 1:start + 1 + size].any()


def _norms_into(out: list, idx: list[int], arrays: list, buf: Array, starts: list[int], sizes: list[int]) -> None:
    ss = np.add.reduceat(buf * buf, starts)
    roots = np.sqrt(ss).tolist()
    good = (ss > _TINY_SQUARES) & (ss < math.inf)
    if not good.all():  # a sum of squares of 0.0 is the norm 0.0 if every entry is 0 (not an underflow)
        good |= (ss == 0.0) & ~np.logical_or.reduceat(buf != 0.0, starts)
    if good.all() and idx[-1] - idx[0] == len(idx) - 1:  # the usual case: one slice
        out[idx[0]:idx[-1] + 1] = roots
        return
    ok = good.tolist()
    for j, i in enumerate(idx):
        if ok[j]:
            out[i] = roots[j]
        elif roots[j] == 0.0 and _zero(buf, starts[j], sizes[j]):
            out[i] = 0.0
        else:
            out[i] = norm_quiet(arrays[i])


def _stds_into(out: list, idx: list[int], arrays: list, buf: Array, starts: list[int], sizes: list[int],
               n: Array, counts: Array) -> None:
    means = np.add.reduceat(buf, starts) / n
    d = buf - np.repeat(means, counts)
    d[starts] = 0.0
    ss = np.add.reduceat(d * d, starts)
    values = (np.sqrt(ss) / np.sqrt(n)).tolist()
    finite = np.isfinite(means)
    good = (ss > _TINY_SQUARES) & (ss < math.inf) & finite
    if not good.all():  # a one-entry array, or any exactly constant one, has the spread 0.0 (as norm_quiet finds)
        good |= (n == 1.0) & finite
        if not good.all():
            good |= (ss == 0.0) & finite & ~np.logical_or.reduceat(d != 0.0, starts)
    if good.all() and idx[-1] - idx[0] == len(idx) - 1:
        out[idx[0]:idx[-1] + 1] = values
        return
    ok = good.tolist()
    zero = ((ss == 0.0) & finite).tolist()
    for j, i in enumerate(idx):
        if ok[j]:
            out[i] = values[j]
        elif zero[j] and _zero(d, starts[j], sizes[j]):
            out[i] = 0.0
        else:
            out[i] = std_quiet(arrays[i])


def norms_stds_quiet(first: list[Array | None], rest: list[Array | None] = ()) -> tuple[list[float], list[float]]:
    """(``[norm_quiet(a) for a in first + rest]``, ``[std_quiet(a) for a in first]``), bit for bit.

    One layout serves both: the arrays of ``first`` come first in each buffer, so their deviations from
    their means are taken over a prefix of it.
    """
    arrays = list(first) + list(rest)
    k = len(first)
    norms = [0.0] * len(arrays)
    stds = [0.0] * k
    groups, alone, sizes = _groups(arrays)
    for i in alone:
        norms[i] = norm_quiet(arrays[i])
        if i < k:
            stds[i] = std_quiet(arrays[i])
    for idx in groups:  # each in increasing order, so its indices below k are a prefix
        whole = not alone and len(groups) == 1
        laid = _layout(arrays, sizes) if whole else _layout([arrays[i] for i in idx], [sizes[i] for i in idx])
        if laid is None:
            for i in idx:
                norms[i] = norm_quiet(arrays[i])
                if i < k:
                    stds[i] = std_quiet(arrays[i])
            continue
        buf, starts, seg_sizes, n, counts = laid
        _norms_into(norms, idx, arrays, buf, starts, seg_sizes)
        ks = bisect.bisect_left(idx, k)
        if ks:
            end = starts[ks] if ks < len(idx) else len(buf)
            _stds_into(stds, idx[:ks], arrays, buf[:end], starts[:ks], seg_sizes[:ks], n[:ks], counts[:ks])
    return norms, stds


def norms_quiet(arrays: list[Array | None]) -> list[float]:
    """``[norm_quiet(a) for a in arrays]``, bit for bit."""
    return norms_stds_quiet([], arrays)[0]


def stds_quiet(arrays: list[Array | None]) -> list[float]:
    """``[std_quiet(a) for a in arrays]``, bit for bit."""
    return norms_stds_quiet(arrays)[1]
