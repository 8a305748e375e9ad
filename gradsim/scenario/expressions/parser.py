"""Parsing expression text into the tree of ``nodes``: a hand-written tokenizer and recursive descent.

Nothing is ever evaluated as Python. The grammar is in the package docstring.
"""

from __future__ import annotations

from .functions import FUNCTIONS
from .nodes import (
    LAYER_VAR, LAYERED, MAX_DEPTH, MAX_LENGTH, PLAIN, BinOp, Call, ExpressionError, Index, Name, Neg, Node, Num, Slice,
    Transpose, depth,
)
from .tokens import Token, describe, unknown_name, tokenize


class _Parser:
    def __init__(self, text: str, layer_var: bool = False):
        self.tokens = tokenize(text)
        self.i = 0
        self.layer_var = layer_var  # may the text name l (a claim over layers)?

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
            raise ExpressionError(f"{what or repr(op)}; got {describe(self.tok)}", self.tok.col)
        return t

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError("an expression; got nothing", self.tok.col)
        node = self.expr()
        if self.tok.kind != "end":
            raise ExpressionError(f"an operator or the end; got {describe(self.tok)}", self.tok.col)
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
                raise ExpressionError(f"an index; got {describe(self.tok)}", self.tok.col)
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
        if t.kind == "name" and t.text == LAYER_VAR:
            self.take()
            if not self.layer_var:
                raise ExpressionError(f"a known name; got {LAYER_VAR}, the layer of a claim over layers, which only "
                                      "an [[expect]] with layers = [first, last] may use", t.col)
            if self._at("("):
                raise ExpressionError(f"an operator after {LAYER_VAR} (it is not a function)", self.tok.col)
            return Name(LAYER_VAR, None, t.col)
        if t.kind == "name":
            self.take()
            if t.text in FUNCTIONS and (self._at("(") or t.text not in PLAIN):
                return self.call(t)
            if t.text in LAYERED:
                if not self.accept("["):
                    raise ExpressionError(
                        f"a layer index after {t.text}, as in {t.text}[1]; got {describe(self.tok)}", self.tok.col)
                layer = self.expr()
                self.expect("]", "']' after the layer index")
                return Name(t.text, layer, t.col)
            if t.text in PLAIN:
                if self._at("("):
                    raise ExpressionError(f"an operator after {t.text} (it is not a function)", self.tok.col)
                return Name(t.text, None, t.col)
            raise ExpressionError(unknown_name(t.text), t.col)
        if self.accept("("):
            node = self.expr()
            self.expect(")", "')'")
            return node
        raise ExpressionError(f"a number, a name or '('; got {describe(t)}", t.col)

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


def parse(text: str, layer_var: bool = False) -> Node:
    """Parse ``text`` into an AST; raises ExpressionError with the 1-based column of the problem.

    ``layer_var``: the text may name ``l``, the layer of a claim over layers (refused everywhere else)."""
    if not isinstance(text, str):
        raise ExpressionError("a string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression of at most {MAX_LENGTH} characters; got {len(text)}")
    parser = _Parser(text, layer_var)
    try:
        tree = parser.parse()
    except RecursionError:
        raise ExpressionError("an expression nested less deeply") from None
    if depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"an expression at most {MAX_DEPTH} operations deep (split it up)")
    return tree
