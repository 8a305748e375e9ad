"""The project's own validation error: one line naming the file, the field, what was expected and what came.

Kept free of click and Textual: the CLI wraps it, the app shows it.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any, Iterable

from .text import printable


def show(value: Any, limit: int = 60) -> str:
    """A short, TOML-flavoured rendering of a value for messages (true/false, 'text', [1, 2, …])."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, float) and not math.isfinite(value):
        text = str(value)
    elif isinstance(value, dict):
        text = "{" + ", ".join(str(k) for k in list(value)[:6]) + ("…}" if len(value) > 6 else "}")
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: Any) -> str:
    """The TOML word for a Python value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """'did you mean 'x'?' for the closest choice, or None."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


class ScenarioError(Exception):
    """A scenario file (or a bundled name) that cannot be used, said in one line.

    ``str(e)`` is ``<file>: <field>: expected <expected>; got <got> (<hint>)`` with the absent parts
    left out. ``file`` may be filled in later by the loader (``with_file``).
    """

    def __init__(
        self,
        expected: str,
        got: str | None = None,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.expected = expected
        self.got = got
        self.file = str(file) if file is not None else None
        self.field = field
        self.hint = hint
        super().__init__(expected)

    def with_file(self, file: str | Path) -> "ScenarioError":
        if self.file is None:
            self.file = str(file)
        return self

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.field:
            parts.append(self.field)
        text = f"expected {self.expected}" if self.expected else ""
        if self.got is not None:
            text += f"; got {self.got}"
        if self.hint:
            text += f" ({self.hint})"
        parts.append(text)
        return printable(" ".join(": ".join(parts).split()))  # a path or a name may hold ESC, U+202E …
