"""The functions an expression may call: built-ins here, activations from the engine's registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Iterator

import numpy as np

from gradsim.engine import activations, stats

from .nodes import EvalError

Entry = tuple[int, int, Callable, str]  # (min args, max args, implementation, one-line doc)


def as_int(v, what: str) -> int:
    a = np.asarray(v)
    if a.ndim != 0 or not np.isfinite(a) or float(a) != int(float(a)):
        raise EvalError(f"{what} must be a whole number; got {short(v)}")
    i = int(float(a))
    if abs(i) > 2**62:
        raise EvalError(f"{what} is far too large; got {i}")
    return i


def short(v) -> str:
    if isinstance(v, np.ndarray) and v.ndim:
        return f"an array of shape {v.shape}"
    return repr(float(v))


def _row(x, i):
    return np.take(np.atleast_2d(x), [as_int(i, "row index")], axis=0)


def _col(x, j):
    return np.take(np.atleast_2d(x), [as_int(j, "column index")], axis=1)


def _argmax(x):
    return np.atleast_2d(x).argmax(axis=0)[None, :].astype(np.float64)


def _accuracy(p, y):
    """Share of columns classified right: argmax per column for several rows, ŷ > 0.5 for one row."""
    p, y = np.atleast_2d(p), np.atleast_2d(y)
    if p.shape != y.shape:
        raise EvalError(f"accuracy needs two arrays of one shape; got {p.shape} and {y.shape}")
    if p.shape[0] == 1:
        return float(np.mean((p > 0.5) == (y > 0.5)))
    return float(np.mean(p.argmax(axis=0) == y.argmax(axis=0)))


def _reduce(fn):
    def reduce(x):
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0:
            raise EvalError("cannot reduce an empty array")
        return float(fn(x))
    return reduce


def _max(x, y=None):
    return _reduce(np.max)(x) if y is None else np.maximum(x, y)


def _min(x, y=None):
    return _reduce(np.min)(x) if y is None else np.minimum(x, y)


BUILTINS: dict[str, Entry] = {
    "norm": (1, 1, _reduce(stats.norm), "Frobenius norm ‖x‖"),
    "abs": (1, 1, np.abs, "elementwise |x|"),
    "sqrt": (1, 1, np.sqrt, "elementwise √x"),
    "exp": (1, 1, np.exp, "elementwise eˣ"),
    "log": (1, 1, np.log, "elementwise natural log"),
    "log10": (1, 1, np.log10, "elementwise log₁₀"),
    "sign": (1, 1, np.sign, "elementwise sign"),
    "max": (1, 2, _max, "largest element; max(x, y) is elementwise"),
    "min": (1, 2, _min, "smallest element; min(x, y) is elementwise"),
    "sum": (1, 1, _reduce(np.sum), "sum of all elements"),
    "mean": (1, 1, _reduce(np.mean), "mean of all elements"),
    "std": (1, 1, _reduce(stats.std), "standard deviation of all elements (overflow-safe)"),
    "var": (1, 1, _reduce(np.var), "variance of all elements"),
    "rms": (1, 1, _reduce(lambda x: stats.norm(x) / np.sqrt(x.size)), "root mean square (‖x‖/√size: no overflow)"),
    "T": (1, 1, lambda x: np.asarray(x).T, "transpose (also written x.T)"),
    "row": (2, 2, _row, "row(x, i): row i as a (1, cols) array"),
    "col": (2, 2, _col, "col(x, j): column j as a (rows, 1) array"),
    "rowsum": (1, 1, lambda x: np.atleast_2d(x).sum(axis=1, keepdims=True), "sum of each row, as (rows, 1): db = rowsum(dZ)"),
    "colsum": (1, 1, lambda x: np.atleast_2d(x).sum(axis=0, keepdims=True), "sum of each column, as (1, cols)"),
    "rows": (1, 1, lambda x: float(np.atleast_2d(x).shape[0]), "number of rows"),
    "cols": (1, 1, lambda x: float(np.atleast_2d(x).shape[1]), "number of columns"),
    "size": (1, 1, lambda x: float(np.size(x)), "number of elements"),
    "round": (1, 1, np.round, "elementwise rounding to the nearest whole number"),
    "argmax": (1, 1, _argmax, "row index of the largest entry of each column, as a (1, m) row"),
    "accuracy": (2, 2, _accuracy, "accuracy(A[L], Y): share of columns classified right"),
    "diff": (1, 1, lambda x: np.diff(np.ravel(x)), "successive differences of the flattened x"),
}


def _activation(entry: activations.Activation) -> Entry:
    """One registry entry as a function of one argument: g applied to x (softmax over each column)."""
    columnwise = entry.columnwise

    def apply(x):
        x = np.asarray(x, dtype=np.float64)
        return entry.g(np.atleast_2d(x) if columnwise else x)

    how = "over each column" if columnwise else "elementwise"
    return (1, 1, apply, f"the activation {entry.symbol}, {how}")


class _Functions(Mapping):
    """Every callable name: BUILTINS, then each entry of ``activations.ACTIVATIONS``.

    The registry is read at every lookup, never copied, so an activation registered later can be called at
    once. On a name clash the built-in wins: a future activation called ``abs`` cannot change what
    ``abs(x)`` means in scenario files already written.
    """

    def __getitem__(self, name: str) -> Entry:
        if name in BUILTINS:
            return BUILTINS[name]
        return _activation(activations.ACTIVATIONS[name])  # KeyError for an unknown name

    def __contains__(self, name: object) -> bool:
        return name in BUILTINS or name in activations.ACTIVATIONS

    def __iter__(self) -> Iterator[str]:
        yield from BUILTINS
        yield from (n for n in list(activations.ACTIVATIONS) if n not in BUILTINS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


FUNCTIONS: Mapping[str, Entry] = _Functions()
