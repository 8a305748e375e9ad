"""Log-scale bars, heat-map colours and which rows of a big matrix to show. Pure functions, no Textual.

How numbers, norms and shapes print is ``gradsim.display``'s, shared with the CLI and the traces.
"""

from __future__ import annotations

import math


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


class DecadeScale:
    """A log axis of whole decades that stays put: it widens only when a value leaves it (``widened`` then
    says so until the next ``fit``), and never narrows, so bars of successive steps compare by eye."""

    def __init__(self, min_span: float = 2.0) -> None:
        self.min_span = min_span
        self.range: tuple[float, float] | None = None
        self.widened = False

    def fit(self, values: list[float]) -> tuple[float, float] | None:
        self.widened = False
        if self.range is None:
            self.range = log_range(values, self.min_span)
            return self.range
        r = log_range(values, 0.0)  # the values' own decades: padding is for a fresh axis only
        if r is not None and (r[0] < self.range[0] or r[1] > self.range[1]):
            self.range = (min(r[0], self.range[0]), max(r[1], self.range[1]))
            self.widened = True
        return self.range
