"""How a sweep prints and what it writes: a table, a terminal heat-map, and CSV / JSONL rows.

NumPy-free and Textual-free; numbers print through ``display.fmt`` like every other command's.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from .display import fmt
from .replay import table
from .sweep import SweepResult

__all__ = ["SHADES", "table_lines", "heatmap_lines", "error_lines", "write_rows"]

SHADES = "·░▒▓█"  # lowest to highest; a cell is two characters wide
NONFINITE = "××"


def _label(v: Any) -> str:
    return fmt(v) if isinstance(v, float) else str(v)


def _cell(v: float) -> str:
    return "—" if v is None else fmt(v)


def _span(values: list[float]) -> tuple[float, float] | None:
    finite = [v for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else None


def _level(v: float, span: tuple[float, float] | None) -> int:
    lo, hi = span
    if hi == lo:
        return len(SHADES) // 2
    return min(len(SHADES) - 1, int((v - lo) / (hi - lo) * len(SHADES)))


def table_lines(result: SweepResult) -> list[str]:
    """One row per value of the first axis; one column per value of the second (or VALUE, J and a bar)."""
    axes = result.axes
    if len(axes) == 1:
        span = _span([p.value for p in result.points])
        rows = [(axes[0].path, result.expression, "J", "iterations", "")]
        for value, p in zip(axes[0].values, result.points):
            bar = ""
            if span is not None and math.isfinite(p.value):
                lo, hi = span
                bar = "█" * (1 + (round((p.value - lo) / (hi - lo) * 19) if hi > lo else 19))
            rows.append((_label(value), _cell(p.value), _cell(p.J), str(p.iterations), bar))
        return table(rows)
    a, b = axes
    rows = [(f"{a.path} \\ {b.path}", *(_label(v) for v in b.values))]
    for value, line in zip(a.values, result.grid()):
        rows.append((_label(value), *(_cell(v) for v in line)))
    return [f"{result.expression} after {result.iterations} iteration{'s' if result.iterations != 1 else ''}"] + table(rows)


def _diverging(v: float, lo: float, hi: float) -> str:
    """A cell of a range that crosses 0: the sign, then the shade of |v| against its own side's extreme."""
    if v == 0:
        return " " + SHADES[0]
    end = hi if v > 0 else -lo
    level = min(len(SHADES) - 1, int(abs(v) / end * len(SHADES)))
    return ("+" if v > 0 else "−") + SHADES[level]


def heatmap_lines(result: SweepResult) -> list[str]:
    """The grid in shades (two axes only): rows the first axis, columns the second, a legend below.

    When the values cross 0 (a log of a ratio: vanishing below, exploding above) each cell is its sign
    and a shade of its size against the largest of that sign, so the boundary is where + meets −.
    """
    if len(result.axes) != 2:
        return []
    a, b = result.axes
    grid = result.grid()
    span = _span([v for line in grid for v in line])
    diverging = span is not None and span[0] < 0 < span[1]
    width = max(len(_label(v)) for v in a.values)
    out = [f"{a.path} ↓   {b.path} → {_label(b.values[0])} … {_label(b.values[-1])}"]
    for value, line in zip(a.values, grid):
        cells = "".join(NONFINITE if not math.isfinite(v) else _diverging(v, *span) if diverging
                        else SHADES[_level(v, span)] * 2 for v in line)
        out.append(f"{_label(value):>{width}} {cells}")
    nonfinite = any(not math.isfinite(v) for line in grid for v in line)
    if span is None:
        out.append("no finite values")
        return out
    lo, hi = span
    if diverging:
        legend = (f"−{SHADES[-1]} down to {fmt(lo)} … −{SHADES[0]} just below 0, +{SHADES[0]} just above 0 … "
                  f"+{SHADES[-1]} up to {fmt(hi)}")
    else:
        step = (hi - lo) / len(SHADES)
        legend = "  ".join(f"{s}{s} ≥ {fmt(lo + i * step)}" for i, s in enumerate(SHADES)) + f"   (max {fmt(hi)})"
    out.append(legend + (f"   {NONFINITE} not finite" if nonfinite else ""))
    return out


def error_lines(result: SweepResult, limit: int = 3) -> list[str]:
    """Points whose VALUE could not be computed, the first few named."""
    bad = [(r, p) for r, p in zip(result.rows(), result.points) if p.error]
    if not bad:
        return []
    out = [f"{len(bad)} point{'s' if len(bad) != 1 else ''} without a value:"]
    for row, p in bad[:limit]:
        where = ", ".join(f"{a.path} = {_label(row[a.path])}" for a in result.axes)
        out.append(f"  {where}: {p.error}")
    return out


def _json(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_rows(path: str | Path, result: SweepResult) -> int:
    """Write one row per point to ``path`` (.csv or .jsonl) through a temporary file beside it."""
    path = Path(path)
    rows = result.rows()
    columns = list(rows[0]) if rows else []
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            if path.suffix.lower() == ".csv":
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns)
                for row in rows:
                    w.writerow([repr(v) if isinstance(v, float) else v for v in row.values()])
            else:
                for row in rows:
                    f.write(json.dumps({k: _json(v) for k, v in row.items()}, allow_nan=False,
                                       ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(rows)
