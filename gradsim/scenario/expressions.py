"""The expectation expression language: a small whitelisted grammar, tokenized and parsed by hand.

Never evaluated as Python. Grammar (lowest precedence first)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "@") unary)*
    unary   := ("-" | "+") unary | power
    power   := postfix ("**" unary)?                 # right-associative; -2**2 = -(2**2)
    postfix := atom ("[" items "]" | ".T")*
    atom    := NUMBER | NAME | NAME "[" expr "]"     # layered names take a layer first: A[3]
             | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    items   := item ("," item)*    item := expr | expr? ":" expr? (":" expr?)?

Layered names (``W b Z A dZ dW db dA n fraction_saturated fraction_dead``) take the layer in their first
bracket; any further bracket indexes elements NumPy-style: ``A[3][0, 1]``, ``W[1][0]`` (row 0),
``W[1][:, 0]`` (column 0). Plain names: ``X Y J J_history m L iteration``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol, Union

import numpy as np

LAYERED = {
    "W": 1, "b": 1, "Z": 1, "A": 0, "dZ": 1, "dW": 1, "db": 1, "dA": 0, "n": 0,
    "fraction_saturated": 1, "fraction_dead": 1,
}  # name -> lowest layer index
PLAIN = {"X", "Y", "J", "J_history", "m", "L", "iteration"}


class ExpressionError(Exception):
    """A syntax or name error in an expression, at a 1-based column."""

    def __init__(self, message: str, column: int | None = None):
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} at column {column}")


class EvalError(Exception):
    """An expression that parsed but cannot be computed here (shapes, indices, a missing array)."""


# ------------------------------------------------------------------------------------------ functions
def _softmax(x: np.ndarray) -> np.ndarray:
    x = np.atleast_2d(x)
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _row(x, i):
    x = np.atleast_2d(x)
    return np.take(x, [_as_int(i, "row index")], axis=0)


def _col(x, j):
    x = np.atleast_2d(x)
    return np.take(x, [_as_int(j, "column index")], axis=1)


def _argmax(x):
    x = np.atleast_2d(x)
    return x.argmax(axis=0)[None, :].astype(np.float64)


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


FUNCTIONS: dict[str, tuple[int, int, Callable, str]] = {
    # name: (min args, max args, implementation, one-line doc)
    "norm": (1, 1, _reduce(lambda x: np.sqrt((x * x).sum())), "Frobenius norm ‖x‖"),
    "abs": (1, 1, np.abs, "elementwise |x|"),
    "sqrt": (1, 1, np.sqrt, "elementwise √x"),
    "exp": (1, 1, np.exp, "elementwise eˣ"),
    "log": (1, 1, np.log, "elementwise natural log"),
    "log10": (1, 1, np.log10, "elementwise log₁₀"),
    "sign": (1, 1, np.sign, "elementwise sign"),
    "sigmoid": (1, 1, lambda x: 1.0 / (1.0 + np.exp(-x)), "elementwise σ(x)"),
    "tanh": (1, 1, np.tanh, "elementwise tanh"),
    "relu": (1, 1, lambda x: np.maximum(x, 0.0), "elementwise max(x, 0)"),
    "softmax": (1, 1, _softmax, "softmax over each column"),
    "max": (1, 2, _max, "largest element; max(x, y) is elementwise"),
    "min": (1, 2, _min, "smallest element; min(x, y) is elementwise"),
    "sum": (1, 1, _reduce(np.sum), "sum of all elements"),
    "mean": (1, 1, _reduce(np.mean), "mean of all elements"),
    "std": (1, 1, _reduce(np.std), "standard deviation of all elements"),
    "var": (1, 1, _reduce(np.var), "variance of all elements"),
    "rms": (1, 1, _reduce(lambda x: np.sqrt((x * x).mean())), "root mean square"),
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


# ------------------------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | end
    text: str
    col: int  # 1-based


_OPS = ("**", ".T", "+", "-", "*", "/", "@", "(", ")", "[", "]", ",", ":")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
            continue
        start = i
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isdigit():
                    i = j
                    while i < n and text[i].isdigit():
                        i += 1
            lit = text[start:i]
            try:
                float(lit)
            except ValueError:
                raise ExpressionError(f"a number; got {lit!r}", start + 1) from None
            if i < n and (text[i].isalpha() or text[i] == "_"):
                raise ExpressionError(f"an operator after the number {lit}; got {text[i]!r}", i + 1)
            tokens.append(Token("num", lit, start + 1))
            continue
        if c.isalpha() or c == "_":
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("name", text[start:i], start + 1))
            continue
        for op in _OPS:
            if text.startswith(op, i) and not (op == ".T" and i + 2 < n and (text[i + 2].isalnum() or text[i + 2] == "_")):
                tokens.append(Token("op", op, start + 1))
                i += len(op)
                break
        else:
            hint = " (use ** for powers)" if c == "^" else ""
            raise ExpressionError(f"an operator, a number or a name; got {c!r}{hint}", start + 1)
    tokens.append(Token("end", "", n + 1))
    return tokens


# ---------------------------------------------------------------------------------------------- AST
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


def _describe(tok: Token) -> str:
    return "the end" if tok.kind == "end" else repr(tok.text)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def accept(self, op: str) -> Token | None:
        if self.tok.kind == "op" and self.tok.text == op:
            return self.take()
        return None

    def expect(self, op: str, what: str | None = None) -> Token:
        t = self.accept(op)
        if t is None:
            raise ExpressionError(f"{what or repr(op)}; got {_describe(self.tok)}", self.tok.col)
        return t

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("an expression; got nothing", self.tok.col)
        node = self.expr()
        if self.tok.kind != "end":
            raise ExpressionError(f"an operator or the end; got {_describe(self.tok)}", self.tok.col)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            node = BinOp(t.text, node, self.term(), t.col)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "@"):
            t = self.take()
            node = BinOp(t.text, node, self.unary(), t.col)
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            operand = self.unary()
            return Neg(operand, t.col) if t.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        node = self.postfix()
        t = self.accept("**")
        if t:
            node = BinOp("**", node, self.unary(), t.col)
        return node

    def postfix(self) -> Node:
        node = self.atom()
        while True:
            if t := self.accept("["):
                items = [self.item()]
                while self.accept(","):
                    items.append(self.item())
                self.expect("]", "',' or ']'")
                node = Index(node, tuple(items), t.col)
            elif t := self.accept(".T"):
                node = Transpose(node, t.col)
            else:
                return node

    def item(self):
        start = None if self._at(":") else self.expr()
        if not self.accept(":"):
            if start is None:
                raise ExpressionError(f"an index; got {_describe(self.tok)}", self.tok.col)
            return start
        stop = None if self._at(":", ",", "]") else self.expr()
        step = None
        if self.accept(":"):
            step = None if self._at(",", "]") else self.expr()
        return Slice(start, stop, step)

    def _at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(float(t.text), t.col)
        if t.kind == "name":
            self.take()
            if t.text in FUNCTIONS:
                return self.call(t)
            if t.text in LAYERED:
                if not self.accept("["):
                    raise ExpressionError(
                        f"a layer index after {t.text}, as in {t.text}[1]; got {_describe(self.tok)}", self.tok.col)
                layer = self.expr()
                self.expect("]", "']' after the layer index")
                return Name(t.text, layer, t.col)
            if t.text in PLAIN:
                if self._at("("):
                    raise ExpressionError(f"an operator after {t.text} (it is not a function)", self.tok.col)
                return Name(t.text, None, t.col)
            raise ExpressionError(_unknown(t.text), t.col)
        if self.accept("("):
            node = self.expr()
            self.expect(")", "')'")
            return node
        raise ExpressionError(f"a number, a name or '('; got {_describe(t)}", t.col)

    def call(self, t: Token) -> Node:
        lo, hi, _, _ = FUNCTIONS[t.text]
        self.expect("(", f"'(' after the function {t.text}")
        args = [self.expr()]
        while self.accept(","):
            args.append(self.expr())
        self.expect(")", "',' or ')'")
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} or {hi}"
            raise ExpressionError(f"{want} argument(s) to {t.text}; got {len(args)}", t.col)
        return Call(t.text, tuple(args), t.col)


def _unknown(name: str) -> str:
    import difflib

    known = sorted(LAYERED) + sorted(PLAIN) + sorted(FUNCTIONS)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    extra = f" (did you mean {close[0]!r}?)" if close else ""
    return f"a known name; got unknown name {name!r}{extra}"


def parse(text: str) -> Node:
    """Parse ``text`` into an AST; raises ExpressionError with the 1-based column of the problem."""
    if not isinstance(text, str):
        raise ExpressionError("a string")
    if len(text) > 2000:
        raise ExpressionError(f"an expression of at most 2000 characters; got {len(text)}")
    parser = _Parser(text)
    try:
        tree = parser.parse()
    except RecursionError:
        raise ExpressionError("an expression nested less deeply") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"an expression at most {MAX_DEPTH} operations deep (split it up)")
    return tree


MAX_DEPTH = 200


def _children(n) -> list:
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


def _depth(root) -> int:
    """The depth of the tree, walked without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in _children(node))
    return deepest


# --------------------------------------------------------------------------------------- evaluation
class Lookup(Protocol):
    def __call__(self, name: str, layer: int | None) -> "np.ndarray | float": ...


def _as_int(v, what: str) -> int:
    a = np.asarray(v)
    if a.ndim != 0 or not np.isfinite(a) or float(a) != int(float(a)):
        raise EvalError(f"{what} must be a whole number; got {_short(v)}")
    i = int(float(a))
    if abs(i) > 2**62:
        raise EvalError(f"{what} is far too large; got {i}")
    return i


def _short(v) -> str:
    if isinstance(v, np.ndarray) and v.ndim:
        return f"an array of shape {v.shape}"
    return repr(float(v))


def layer_index(node: Node, L: int) -> int:
    """A layer index written with numbers and L only (``3``, ``L``, ``L-1``), evaluated statically."""
    def lookup(name: str, layer: int | None):
        if name == "L":
            return float(L)
        raise EvalError(f"a layer index must use numbers and L only; got {name}")
    return _as_int(evaluate(node, lookup), "a layer index")


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
            layer = _as_int(_eval(node.layer, lookup), f"the layer index of {node.name}")
        return lookup(node.name, layer)
    if isinstance(node, Neg):
        return -_eval(node.operand, lookup)
    if isinstance(node, Transpose):
        return np.asarray(_eval(node.operand, lookup)).T
    if isinstance(node, Call):
        args = [_eval(a, lookup) for a in node.args]
        try:
            out = FUNCTIONS[node.fn][2](*args)
        except EvalError:
            raise
        except (ValueError, IndexError, TypeError, OverflowError) as exc:
            raise EvalError(f"{node.fn}(...) failed: {exc}") from None
        return _clean(out)
    if isinstance(node, BinOp):
        a, b = _eval(node.left, lookup), _eval(node.right, lookup)
        try:
            if node.op == "+":
                return _clean(np.add(a, b))
            if node.op == "-":
                return _clean(np.subtract(a, b))
            if node.op == "*":
                return _clean(np.multiply(a, b))
            if node.op == "/":
                return _clean(np.divide(a, b))
            if node.op == "**":
                return _clean(np.power(np.asarray(a, dtype=np.float64), b))
            if node.op == "@":
                if np.ndim(a) == 0 or np.ndim(b) == 0:
                    raise EvalError("@ multiplies matrices; use * for a number")
                return _clean(np.matmul(a, b))
        except ValueError:
            raise EvalError(
                f"shapes {np.shape(a)} and {np.shape(b)} do not fit together for {node.op!r} "
                f"(column {node.col})") from None
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


def _index_item(item, lookup):
    if isinstance(item, Slice):
        parts = [None if p is None else _as_int(_eval(p, lookup), "a slice bound") for p in (item.start, item.stop, item.step)]
        if parts[2] == 0:
            raise EvalError("a slice step cannot be 0")
        return slice(*parts)
    return _as_int(_eval(item, lookup), "an index")


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


def references(node: Node) -> list[Name]:
    """Every name node in the tree, in reading order (for static checks)."""
    out: list[Name] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name):
            out.append(n)
        stack.extend(reversed(_children(n)))
    return out


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
