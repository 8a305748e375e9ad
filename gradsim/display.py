"""How numbers, norms and shapes print: the one place the CLI, the traces and every panel take them from.

NumPy and the standard library only (never Textual or click), so ``gradsim step``, ``gradsim run``'s
summary, the trace rows and the app's panels print the same text for the same array.

- ``norm``: ‖a‖ (Frobenius) — ``gradsim.engine.stats.norm`` itself, re-exported: overflow-safe (a finite
  array never has an infinite norm), IEEE ``hypot`` for inf/NaN, independent of the BLAS thread count;
  ``std`` likewise (``gradsim.engine.stats.std``).
- ``special``: how None, nan, ±inf and 0 print, shared by ``fmt`` and ``num``.
- ``fmt``: the equations' and the CLI's short numbers (4.1e-3); ``num``, ``short``, ``full``, ``sci``,
  ``decade``: the panels' (57.665, a matrix cell, every digit, a bar label, a tick label).
- ``shape``: (3,8), as the lecture's margin notes write it; ``percent``: 42% ("—" when not finite).
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from .engine.stats import norm, std

__all__ = ["norm", "std", "special", "fmt", "num", "short", "full", "sci", "decade", "shape", "percent"]


def special(x: float | None, none: str) -> str | None:
    """How None, nan, ±inf and 0 print (``none`` for None), or None for an ordinary number."""
    if x is None:
        return none
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "0" if x == 0.0 else None


def fmt(x: float | None) -> str:
    """A short number: 4 significant digits in [0.01, 1e4), else 2 in scientific form (4.1e-3, 1.2e5)."""
    text = special(x, "—")
    if text is not None:
        return text
    x = float(x)
    if 1e-2 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def num(v: float | None, digits: int = 5) -> str:
    """A compact number: 57.665, 0.0012346, -1.2346e-05, 3.1e+08, inf, nan; '·' for None.

    Plain decimals between 1e-3 and 1e5 (so 1.5^10 reads 57.665), scientific notation elsewhere, always
    ``digits`` significant digits at most and trailing zeros dropped.
    """
    text = special(v, "·")
    if text is not None:
        return text
    v = float(v)
    a = abs(v)
    if 1e-3 <= a < 1e5:
        decimals = max(0, digits - 1 - int(math.floor(math.log10(a))))
        text = f"{v:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp):+03d}"


def short(v: float, width: int = 8) -> str:
    """A number in at most ``width`` characters for a matrix cell: 57.665, -0.42679, 0.006759, -9.64e-4.

    As many significant digits as fit (5 down to 2); the inspection line shows every digit.
    """
    v = float(v)
    if not math.isfinite(v) or v == 0.0:
        return num(v)
    a = abs(v)
    if 1e-3 <= a < 1e5:
        for digits in (5, 4, 3):
            text = num(v, digits)
            if len(text) <= width:
                return text
    for digits in (3, 2, 1):
        mant, exp = f"{v:.{digits - 1}e}".split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        text = f"{mant}e{int(exp)}"
        if len(text) <= width:
            return text
    return text


def full(v: float) -> str:
    """Every digit a float64 holds (the shortest repr that reads back exactly)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def sci(v: float) -> str:
    """A norm for a bar label: 3 significant digits, 1.2e-06 style outside 0.01..1000."""
    if v is None or math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf"
    if v == 0:
        return "0"
    if 1e-2 <= abs(v) < 1e3:
        return f"{v:.3g}"
    return f"{v:.1e}"


def decade(k: int) -> str:
    """10^k as a tick label: 1e-3, 1, 1e2."""
    return "1" if k == 0 else f"1e{k}"


def shape(a: np.ndarray | Iterable[int]) -> str:
    """(3,8): an array's shape, or a shape tuple, without spaces, as the lecture's margin notes write it."""
    s = a.shape if isinstance(a, np.ndarray) else a
    return "(" + ",".join(str(int(d)) for d in s) + ")"


def percent(x: float | None) -> str:
    """A fraction as a whole percentage: 0.42 → 42%; "—" for None, nan or inf."""
    return "—" if x is None or not math.isfinite(x) else f"{x:.0%}"
