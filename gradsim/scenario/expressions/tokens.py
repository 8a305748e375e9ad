"""The tokenizer of the expression language: the lexical whitelist (numbers, names, a few operators)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .functions import FUNCTIONS
from .nodes import LAYERED, PLAIN, ExpressionError


# ------------------------------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | end
    text: str
    col: int  # 1-based


_DIGITS = "0123456789"  # str.isdigit would take ² and ٣
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
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            while i < n and (text[i] in _DIGITS or text[i] == "."):
                i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j] in _DIGITS:
                    i = j
                    while i < n and text[i] in _DIGITS:
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
            if not text[start:i].isascii():  # every known name is ASCII (and ast columns count bytes)
                raise ExpressionError(unknown_name(text[start:i]), start + 1)
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


def describe(tok: Token) -> str:
    return "the end" if tok.kind == "end" else repr(tok.text)


def unknown_name(name: str) -> str:
    known = sorted(LAYERED) + sorted(PLAIN) + sorted(FUNCTIONS)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    extra = f" (did you mean {close[0]!r}?)" if close else ""
    return f"a known name; got unknown name {name!r}{extra}"
