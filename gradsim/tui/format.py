"""Numbers, shapes, colours and log-scale bars as the panels print them. Pure functions, no Textual."""

from __future__ import annotations

import math

import numpy as np

from ..equations import special

Array = np.ndarray


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


def shape(a: Array | tuple[int, ...]) -> str:
    """(3,8) — the lecture's shapes, without spaces."""
    s = a.shape if isinstance(a, np.ndarray) else a
    return "(" + ",".join(str(d) for d in s) + ")"


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


# ------------------------------------------------------------------------------------------ log bars
def log_range(values: list[float], min_span: float = 2.0) -> tuple[float, float] | None:
    """Whole decades [lo, hi] around the positive finite values, at least ``min_span`` decades wide, so
    equal values show as half-full bars rather than slivers (None if there are no positive values)."""
    logs = [math.log10(v) for v in values if v is not None and math.isfinite(v) and v > 0]
    if not logs:
        return None
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    if hi == lo:
        hi = lo + 1
    while hi - lo < min_span:
        lo -= 1
    return float(lo), float(hi)


EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(v: float, lo: float, hi: float, width: int) -> str:
    """A horizontal bar for v on a log10 axis from 10^lo to 10^hi, ``width`` cells, eighth-cell steps."""
    if width <= 0:
        return ""
    if v is None or math.isnan(v) or v <= 0:
        return " " * width
    if math.isinf(v):
        return "█" * width
    frac = (math.log10(v) - lo) / (hi - lo) if hi > lo else 1.0
    frac = min(max(frac, 0.0), 1.0)
    eighths = int(round(frac * width * 8))
    if eighths == 0:
        eighths = 1  # a value on the axis at all gets a sliver, so it is not mistaken for zero
    whole, part = divmod(eighths, 8)
    text = "█" * whole + (EIGHTHS[part] if part else "")
    return text.ljust(width)


# ------------------------------------------------------------------------------------------- heat map
def heat_rgb(v: float, scale: float, base: tuple[int, int, int], neg: tuple[int, int, int],
             pos: tuple[int, int, int]) -> tuple[int, int, int]:
    """A diverging colour: ``base`` at 0, towards ``neg``/``pos`` as |v| approaches ``scale``."""
    if not math.isfinite(v) or scale <= 0 or not math.isfinite(scale):
        return base
    t = min(abs(v) / scale, 1.0) ** 0.7  # a little gamma so small values still show
    target = pos if v > 0 else neg
    return tuple(int(round(b + (c - b) * t)) for b, c in zip(base, target))  # type: ignore[return-value]


def summary_indices(n: int, limit: int, head: int) -> list[int | None]:
    """Indices to show along an axis of length n: all if n ≤ limit, else head, None (⋯), tail."""
    if n <= limit:
        return list(range(n))
    return list(range(head)) + [None] + list(range(n - head, n))
