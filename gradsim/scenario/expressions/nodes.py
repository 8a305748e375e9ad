"""The expression tree, its names and errors: what the parser builds and the evaluator walks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

LAYERED = {
    "W": 1, "b": 1, "Z": 1, "A": 0, "dZ": 1, "dW": 1, "db": 1, "dA": 0, "n": 0,
    "fraction_saturated": 1, "fraction_dead": 1, "M": 1,
    # a batch-norm layer's (engine/batchnorm.py): sigma2 is σ², since var( ) is the function
    "mu": 1, "sigma2": 1, "Zhat": 1, "Ztilde": 1, "gamma": 1, "beta": 1,
    "dZtilde": 1, "dZhat": 1, "dgamma": 1, "dbeta": 1,
    "Ws": 1, "dWs": 1,  # a projection skip's Ws[l] (n[l], n[l−k]) and dWs[l] (engine/projection.py)
}  # name -> lowest layer index (M[l]: a dropout layer's mask, engine/dropout.py)
PLAIN = {"X", "Y", "J", "J_history", "m", "L", "iteration", "J_full", "J_test", "accuracy", "accuracy_test",
         "J_full_data", "J_test_data",
         "J_data", "J_reg", "alpha", "norm_g", "norm_g_transformed"}
# J_full, accuracy (every training example), J_test, accuracy_test (the held-out ones): engine/evaluate.py
# (J_full, J_test include weight decay's penalty as J does; J_full_data, J_test_data are the data losses);
# accuracy(A[L], Y) with brackets is still the function; J_data, J_reg: J's two terms under weight decay;
# alpha: α(t); norm_g, norm_g_transformed: ‖g‖ before and after the [[transform]] tables (engine/update_stats.py)
LAYER_VAR = "l"  # the layer of a claim over layers ([[expect]] with layers = [first, last]); nowhere else
MAX_DEPTH = 200  # operations deep
MAX_LENGTH = 2000  # characters


class ExpressionError(Exception):
    """A syntax or name error in an expression, at a 1-based column."""

    def __init__(self, message: str, column: int | None = None):
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} at column {column}")


class EvalError(Exception):
    """An expression that parsed but cannot be computed here (shapes, indices, a missing array)."""


@dataclass(frozen=True)
class Num:
    value: float
    col: int


@dataclass(frozen=True)
class Name:
    name: str
    layer: "Node | None"
    col: int


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple
    col: int


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Node"
    right: "Node"
    col: int


@dataclass(frozen=True)
class Neg:
    operand: "Node"
    col: int


@dataclass(frozen=True)
class Slice:
    start: "Node | None"
    stop: "Node | None"
    step: "Node | None"


@dataclass(frozen=True)
class Index:
    target: "Node"
    items: tuple
    col: int


@dataclass(frozen=True)
class Transpose:
    operand: "Node"
    col: int


Node = Union[Num, Name, Call, BinOp, Neg, Index, Transpose]


def children(n) -> list:
    if isinstance(n, Name):
        return [n.layer] if n.layer is not None else []
    if isinstance(n, (Neg, Transpose)):
        return [n.operand]
    if isinstance(n, BinOp):
        return [n.left, n.right]
    if isinstance(n, Call):
        return list(n.args)
    if isinstance(n, Index):
        out = [n.target]
        for it in n.items:
            out += [p for p in (it.start, it.stop, it.step) if p is not None] if isinstance(it, Slice) else [it]
        return out
    return []


def depth(root) -> int:
    """The depth of the tree, walked without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children(node))
    return deepest


def references(node: Node) -> list[Name]:
    """Every name node in the tree, in reading order (for static checks)."""
    out: list[Name] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.append(n)
        stack.extend(reversed(children(n)))
    return out
