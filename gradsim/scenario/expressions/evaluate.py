"""Evaluating an expression tree with NumPy: names come from a lookup, functions from FUNCTIONS."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from ..caps import MAX_EXPR_FLOPS, MAX_EXPR_NUMBERS
from .functions import FUNCTIONS, as_int
from .nodes import LAYER_VAR, BinOp, Call, EvalError, Index, Name, Neg, Node, Num, Slice, Transpose


class Lookup(Protocol):
    def __call__(self, name: str, layer: int | None) -> "np.ndarray | float": ...


def layer_index(node: Node, L: int, l: int | None = None) -> int:
    """A layer index written with numbers and L only (``3``, ``L``, ``L-1``), evaluated statically; in a claim
    over layers also with ``l`` (``l+1``), given its value."""
    def lookup(name: str, layer: int | None):
        if name == "L":
            return float(L)
        if name == LAYER_VAR and l is not None:
            return float(l)
        raise EvalError(f"a layer index must use numbers{', l' if l is not None else ''} and L only; got {name}")
    return as_int(evaluate(node, lookup), "a layer index")


def bind_layer(lookup: Lookup, l: int) -> Lookup:
    """``lookup`` with the layer variable ``l`` of a claim over layers set to ``l``."""
    def bound(name: str, layer: int | None):
        if name == LAYER_VAR and layer is None:
            return float(l)
        return lookup(name, layer)
    return bound


def evaluate(node: Node, lookup: Lookup):
    """The value of ``node`` (a float or a float64 array); names are resolved by ``lookup``."""
    with np.errstate(all="ignore"):
        try:
            return _eval(node, lookup)
        except RecursionError:
            raise EvalError("the expression is nested too deeply") from None


def _eval(node: Node, lookup: Lookup):
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        layer = None
        if node.layer is not None:
            layer = as_int(_eval(node.layer, lookup), f"the layer index of {node.name}")
        return lookup(node.name, layer)
    if isinstance(node, Neg):
        return -_eval(node.operand, lookup)
    if isinstance(node, Transpose):
        return np.asarray(_eval(node.operand, lookup)).T
    if isinstance(node, Call):
        return _call(node, lookup)
    if isinstance(node, BinOp):
        return _binop(node, _eval(node.left, lookup), _eval(node.right, lookup))
    if isinstance(node, Index):
        target = np.asarray(_eval(node.target, lookup))
        if target.ndim == 0:
            raise EvalError(f"cannot index a number (column {node.col})")
        key = tuple(_index_item(item, lookup) for item in node.items)
        if len(key) > target.ndim:
            raise EvalError(f"too many indices ({len(key)}) for an array of shape {target.shape} (column {node.col})")
        try:
            return _clean(target[key])
        except (IndexError, OverflowError):
            raise EvalError(f"index {_show_key(key)} is out of range for shape {target.shape} (column {node.col})") from None
    raise EvalError(f"cannot evaluate {node!r}")


def _budget(shape: tuple[int, ...], what: str, flops: int = 0) -> None:
    """Refuse a result (or intermediate) before it is made when it exceeds the caps: the shape is computed
    first, so the load-time dry run of ``X.T @ X`` at m = 20,000 costs nothing."""
    size = math.prod(shape)
    if size > MAX_EXPR_NUMBERS:
        raise EvalError(f"{what} would make an array of shape {shape} ({size:,} numbers; at most "
                        f"{MAX_EXPR_NUMBERS:,})")
    if flops > MAX_EXPR_FLOPS:
        raise EvalError(f"{what} would take {flops:,} multiply-adds (at most {MAX_EXPR_FLOPS:,})")


def _broadcast(args, what: str) -> None:
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    except ValueError:
        return  # the operation itself says which shapes do not fit
    _budget(shape, what)


def _call(node: Call, lookup: Lookup):
    args = [_eval(a, lookup) for a in node.args]
    if len(args) > 1:
        _broadcast(args, f"{node.fn}(...) (column {node.col})")
    try:
        fn = FUNCTIONS[node.fn][2]  # looked up now: the activation registry may have changed since parsing
    except KeyError:
        raise EvalError(f"{node.fn} is no longer a known function") from None
    try:
        out = fn(*args)
    except EvalError:
        raise
    except (ValueError, IndexError, TypeError, OverflowError) as exc:
        raise EvalError(f"{node.fn}(...) failed: {exc}") from None
    return _clean(out)


_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


def _binop(node: BinOp, a, b):
    try:
        if node.op in _BINARY or node.op == "**":
            _broadcast((a, b), f"{node.op!r} (column {node.col})")
        if node.op in _BINARY:
            return _clean(_BINARY[node.op](a, b))
        if node.op == "**":
            return _clean(np.power(np.asarray(a, dtype=np.float64), b))
        if node.op == "@":
            if np.ndim(a) == 0 or np.ndim(b) == 0:
                raise EvalError("@ multiplies matrices; use * for a number")
            sa, sb = np.shape(a), np.shape(b)  # arrays here have 1 or 2 dimensions
            k = sa[-1]
            if sb[0 if len(sb) == 1 else -2] == k:  # else matmul says the shapes do not fit
                out = sa[:-1] + sb[1:]
                _budget(out, f"'@' (column {node.col})", flops=math.prod(out) * k)
            return _clean(np.matmul(a, b))
    except ValueError:
        raise EvalError(
            f"shapes {np.shape(a)} and {np.shape(b)} do not fit together for {node.op!r} "
            f"(column {node.col})") from None
    raise EvalError(f"cannot evaluate the operator {node.op!r}")


def _index_item(item, lookup):
    if isinstance(item, Slice):
        parts = [None if p is None else as_int(_eval(p, lookup), "a slice bound") for p in (item.start, item.stop, item.step)]
        if parts[2] == 0:
            raise EvalError("a slice step cannot be 0")
        return slice(*parts)
    return as_int(_eval(item, lookup), "an index")


def _show_key(key) -> str:
    def one(k):
        if isinstance(k, slice):
            return ":".join("" if p is None else str(p) for p in (k.start, k.stop, k.step)).rstrip(":") or ":"
        return str(k)
    return "[" + ", ".join(one(k) for k in key) + "]"


def _clean(x):
    """Numbers as Python floats, arrays as float64."""
    a = np.asarray(x, dtype=np.float64)
    return float(a) if a.ndim == 0 else a


def format_value(v, digits: int | None = 10) -> str:
    """A short rendering of a value for reports: a number, or shape plus a few entries.

    ``digits=None`` writes the shortest text that reads back as the same float64.
    """
    def num(x: float) -> str:
        if math.isnan(x) or math.isinf(x):
            return str(x)
        if digits is None:
            text = repr(float(x))
            return text[:-2] if text.endswith(".0") else text
        return f"{x:.{digits}g}"

    if isinstance(v, np.ndarray) and v.ndim:
        flat = v.ravel()
        head = ", ".join(num(float(x)) for x in flat[:4])
        more = ", …" if flat.size > 4 else ""
        return f"array{tuple(v.shape)} [{head}{more}]"
    return num(float(v))
