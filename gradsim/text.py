"""Names that come from files (scenario and expectation names, summaries, paths) made safe to show: control
characters (ESC, NUL, BEL, …) and bidirectional or invisible format characters (U+202E …) are written as
visible escapes, so a scenario can neither recolour nor hide a CI log line, reorder what the app shows, or
make the JUnit XML ill-formed. Standard library only: ``gradsim list`` uses it.
"""

from __future__ import annotations

import unicodedata

_UNSAFE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def _escape(ch: str) -> str:
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else (f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")


def printable(text: object, keep: str = "") -> str:
    """``text`` with every control, format, private-use, unassigned or line/paragraph-separator character
    escaped as ``\\x1b`` / ``\\u202e`` (except those in ``keep``, such as "\\n"); everything else
    (accents, ×, ‖, Greek) as it is."""
    s = str(text)
    if s.isprintable() and s.isascii():
        return s
    return "".join(_escape(c) if c not in keep and unicodedata.category(c) in _UNSAFE else c for c in s)
