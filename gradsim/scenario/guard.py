"""Bounds on a scenario's TOML checked before the work they would cost: nesting (before ``tomllib``
recurses) and integer size (before anything converts a 400-digit integer to a float or an array).

Both raise the project's one-line ``ScenarioError`` naming the line or the field path.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ScenarioError
from .caps import MAX_INT, MAX_NESTING, MIN_INT

# What can hide a bracket: comments and the four kinds of strings; else an opening or closing bracket.
_TOKEN = re.compile(r'#[^\n]*|"""(?:\\.|[^\\])*?"""|\'\'\'.*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|[\[\]{}]',
                    re.S)


def check_text_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Arrays and inline tables nested more than ``limit`` deep in TOML text are refused, naming the line,
    without parsing it (tomllib parses nesting by recursion)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, m.start()) + 1
                raise ScenarioError(f"arrays and tables nested at most {limit} deep", "deeper nesting",
                                    field=f"line {line}, column {m.start() - text.rfind(chr(10), 0, m.start())}")
        elif tok in "]}":
            depth = max(0, depth - 1)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_document(doc: Any, limit: int = MAX_NESTING) -> None:
    """Walk a parsed document without recursion: nesting at most ``limit`` (dotted keys nest too) and
    every integer a 64-bit one, as the TOML standard says."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not MIN_INT <= value <= MAX_INT:
                raise ScenarioError("an integer from -2^63 to 2^63 - 1 (TOML's 64-bit integers)",
                                    f"an integer of {value.bit_length()} bits", field=path or None)
            continue
        if isinstance(value, (dict, list)):
            if depth >= limit:
                raise ScenarioError(f"arrays and tables nested at most {limit} deep", "deeper nesting",
                                    field=path or None)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, _join(path, k), depth + 1) for k, v in items)
