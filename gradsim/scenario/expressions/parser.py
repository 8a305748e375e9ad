"""Parsing expression text into the tree of ``nodes``: a hand-written tokenizer and recursive descent.

Nothing is ever evaluated as Python. The grammar is in the package docstring.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .functions import FUNCTIONS
from .nodes import (
    LAYERED, MAX_DEPTH, MAX_LENGTH, PLAIN, BinOp, Call, ExpressionError, Index, Name, Neg, Node, Num, Slice,
    Transpose, depth,
)


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
    known = sorted(LAYERED) + sorted(PLAIN) + sorted(FUNCTIONS)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    extra = f" (did you mean {close[0]!r}?)" if close else ""
    return f"a known name; got unknown name {name!r}{extra}"


def parse(text: str) -> Node:
    """Parse ``text`` into an AST; raises ExpressionError with the 1-based column of the problem."""
    if not isinstance(text, str):
        raise ExpressionError("a string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression of at most {MAX_LENGTH} characters; got {len(text)}")
    parser = _Parser(text)
    try:
        tree = parser.parse()
    except RecursionError:
        raise ExpressionError("an expression nested less deeply") from None
    if depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"an expression at most {MAX_DEPTH} operations deep (split it up)")
    return tree
