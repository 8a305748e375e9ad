"""Parsing on Python's ``ast``: our tokens are checked first (for today's messages), then ``ast.parse``
builds the tree, which a whitelist converter turns into ``nodes``. Nothing is compiled or evaluated."""

from __future__ import annotations

import ast
import bisect
import warnings

from .functions import FUNCTIONS
from .nodes import (
    LAYERED, MAX_DEPTH, MAX_LENGTH, PLAIN, BinOp, Call, ExpressionError, Index, Name, Neg, Node, Num, Slice,
    Transpose, depth,
)
from .tokens import Token, _describe, _unknown, tokenize

_CLOSER = {None: "an operator or the end", "group": "')'", "call": "',' or ')'",
           "layer": "']' after the layer index", "index": "',' or ']'"}
_OPERAND = "a number, a name or '('"


def _check(tokens: list[Token]) -> None:
    """Operands and operators alternate, brackets match, ',' and ':' only where they belong."""
    stack: list[list] = []  # ["group"|"layer", 0], ["index", colons in this item], ["call", arguments, name]
    operand = True  # an operand comes next
    for i, t in enumerate(tokens):
        top = stack[-1][0] if stack else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else t
        if operand:
            if t.kind == "num":
                operand = False
            elif t.kind == "name":
                if t.text in FUNCTIONS and nxt.text != "(":
                    raise ExpressionError(f"'(' after the function {t.text}; got {_describe(nxt)}", nxt.col)
                if t.text in LAYERED and nxt.text != "[":
                    raise ExpressionError(
                        f"a layer index after {t.text}, as in {t.text}[1]; got {_describe(nxt)}", nxt.col)
                if t.text in PLAIN and nxt.text == "(":
                    raise ExpressionError(f"an operator after {t.text} (it is not a function)", nxt.col)
                if t.text not in FUNCTIONS and t.text not in LAYERED and t.text not in PLAIN:
                    raise ExpressionError(_unknown(t.text), t.col)
                operand = t.text not in PLAIN  # a function or layered name: its bracket comes next
            elif t.text in ("+", "-"):
                pass
            elif t.text == "(":  # after a function's name: a call
                stack.append(["call", 1, tokens[i - 1]] if i and tokens[i - 1].kind == "name" else ["group", 0])
            elif t.text == "[" and i and tokens[i - 1].kind == "name":  # after a layered name
                stack.append(["layer", 0])
            elif top == "index" and t.text == ":" and tokens[i - 1].text in ("[", ",", ":") and stack[-1][1] < 2:  # X[:2]
                stack[-1][1] += 1
            elif top == "index" and tokens[i - 1].text == ":" and t.text in (",", "]"):  # X[1:, 0], X[1:]
                if t.text == ",":
                    stack[-1][1] = 0
                else:
                    stack.pop()
                    operand = False
            else:
                raise ExpressionError(f"{_OPERAND}; got {_describe(t)}", t.col)
        elif t.kind == "end":
            if stack:
                raise ExpressionError(f"{_CLOSER[top]}; got the end", t.col)
        elif t.text in ("+", "-", "*", "/", "@", "**"):
            operand = True
        elif t.text == ".T":
            pass
        elif t.text == "[":
            stack.append(["index", 0])
            operand = True
        elif t.text == ")" and top in ("group", "call") or t.text == "]" and top in ("layer", "index"):
            if top == "call":
                _arity(*stack[-1][1:])
            stack.pop()
        elif t.text == "," and top in ("call", "index"):
            operand = True
            stack[-1][1] = stack[-1][1] + 1 if top == "call" else 0  # arguments of a call, colons of an index
        elif t.text == ":" and top == "index" and stack[-1][1] < 2:
            operand = True
            stack[-1][1] += 1
        else:
            raise ExpressionError(f"{_CLOSER[top]}; got {_describe(t)}", t.col)


def _arity(count: int, fn: Token) -> None:
    lo, hi, _, _ = FUNCTIONS[fn.text]
    if not lo <= count <= hi:
        want = str(lo) if lo == hi else f"{lo} or {hi}"
        raise ExpressionError(f"{want} argument(s) to {fn.text}; got {count}", fn.col)


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**"}


class _Convert:
    """Python's tree (already known to be in the grammar) to ours, with 1-based columns of the text."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text, self.tokens = text, tokens
        self.pad = len(text) - len(text.lstrip(" \t"))  # ast.parse refuses leading blanks
        self.cols = [t.col for t in tokens]

    def col(self, n: ast.AST) -> int:
        return n.col_offset + self.pad + 1

    def after(self, n: ast.AST) -> Token:
        """The first token after ``n`` that is not one of its closing parentheses."""
        i = bisect.bisect_right(self.cols, n.end_col_offset + self.pad)
        while self.tokens[i].text == ")":
            i += 1
        return self.tokens[i]

    def node(self, n: ast.AST) -> Node:
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            return Num(float(self.text[n.col_offset + self.pad:n.end_col_offset + self.pad]), self.col(n))
        if isinstance(n, ast.Name):
            return Name(n.id, None, self.col(n))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            inner = self.node(n.operand)
            return Neg(inner, self.col(n)) if isinstance(n.op, ast.USub) else inner
        if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            return BinOp(_BINOPS[type(n.op)], self.node(n.left), self.node(n.right), self.after(n.left).col)
        if isinstance(n, ast.Attribute) and n.attr == "T":
            return Transpose(self.node(n.value), self.after(n.value).col)
        if isinstance(n, ast.Subscript):
            if isinstance(n.value, ast.Name) and n.value.id in LAYERED:
                return Name(n.value.id, self.node(n.slice), self.col(n.value))
            items = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
            return Index(self.node(n.value), tuple(self.item(it) for it in items), self.after(n.value).col)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not n.keywords:
            return Call(n.func.id, tuple(self.node(a) for a in n.args), self.col(n))
        raise ExpressionError(f"an expression of the grammar; got Python's {type(n).__name__}", self.col(n))

    def item(self, n: ast.AST):
        if isinstance(n, ast.Slice):
            return Slice(*(None if p is None else self.node(p) for p in (n.lower, n.upper, n.step)))
        return self.node(n)


def parse(text: str) -> Node:
    """Parse ``text`` into an AST; raises ExpressionError with the 1-based column of the problem."""
    if not isinstance(text, str):
        raise ExpressionError("a string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression of at most {MAX_LENGTH} characters; got {len(text)}")
    tokens = tokenize(text)
    if len(tokens) == 1:
        raise ExpressionError("an expression; got nothing", tokens[0].col)
    _check(tokens)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "'int' object is not subscriptable" for 2[0]
            tree = ast.parse(text.lstrip(" \t"), mode="eval").body
        node = _Convert(text, tokens).node(tree)
    except (RecursionError, MemoryError, SyntaxError, ValueError):  # SyntaxError: too many nested parentheses
        raise ExpressionError("an expression nested less deeply") from None
    if depth(node) > MAX_DEPTH:
        raise ExpressionError(f"an expression at most {MAX_DEPTH} operations deep (split it up)")
    return node
