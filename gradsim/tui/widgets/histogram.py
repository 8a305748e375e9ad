"""The selected layer's value histograms at the current phase: A[l] with the activation's range marked
(σ's 0 and 1, tanh's −1 and 1, ReLU's 0; from the registry's ``output_range``) and dZ[l].

Bars are drawn with eighth blocks, HEIGHT rows each; a count of 0 in a bin leaves it blank, so a
saturated σ layer shows its mass piled against the marks at 0 and 1.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.widget import Widget

from ...display import fmt

HEIGHT = 5
BLOCKS = " ▁▂▃▄▅▆▇█"


def histogram(a: np.ndarray, bins: int, bounds: tuple[float, ...] = ()) -> tuple[np.ndarray, float, float]:
    """(counts, lo, hi) of the finite entries of ``a`` over a range that also holds ``bounds``."""
    v = np.asarray(a, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    pts = list(v[[np.argmin(v), np.argmax(v)]]) if v.size else []
    pts += [b for b in bounds if math.isfinite(b)]
    if not pts:
        return np.zeros(bins, dtype=np.int64), 0.0, 1.0
    lo, hi = float(min(pts)), float(max(pts))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.02
    lo, hi = lo - pad, hi + pad
    counts, _ = np.histogram(v, bins=bins, range=(lo, hi))
    return counts, lo, hi


def column(x: float, lo: float, hi: float, bins: int) -> int:
    return min(max(int((x - lo) / (hi - lo) * bins), 0), bins - 1)


class ValueHistogram(Widget):
    """Two histograms: A[l] (with g[l]'s range marked) and dZ[l]; shown with v in the layer panel's place."""

    DEFAULT_CSS = "ValueHistogram { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snap = None
        self.l = 1
        self.act = None
        self.drawn: dict[str, dict] = {}  # what was drawn, per array: counts, lo, hi, marks {label: column}

    def show(self, snap, layer: int, act) -> None:
        self.snap, self.l, self.act = snap, layer, act
        self.border_title = f"Values of layer l={layer} ({act.symbol}) at this phase"
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return 2 * (HEIGHT + 3)

    def render(self) -> Text:
        out = Text()
        self.drawn = {}
        if self.snap is None:
            return out
        bins = max(8, self.content_region.width - 2)
        rng = self.act.output_range if self.act is not None else ()
        for name, bounds in ((f"A[{self.l}]", rng), (f"dZ[{self.l}]", ())):
            a = self.snap.get(name)
            if a is None:
                out.append(f"{name}: not computed yet in this iteration\n\n", style="dim")
                continue
            self._one(out, name, a, bins, tuple(b for b in bounds if math.isfinite(b)))
        return out

    def _one(self, out: Text, name: str, a: np.ndarray, bins: int, bounds: tuple[float, ...]) -> None:
        counts, lo, hi = histogram(a, bins, bounds)
        marks = {fmt(b): column(b, lo, hi, bins) for b in bounds}
        self.drawn[name] = {"counts": counts, "lo": lo, "hi": hi, "marks": marks}
        top = max(int(counts.max()), 1)
        head = f"{name} {a.shape[0]}×{a.shape[1]} · {int(counts.sum())} values · peak bin {top}"
        if bounds:
            head += f" · {self.act.symbol}'s range " + " and ".join(fmt(b) for b in bounds) + " marked"
        out.append(head + "\n", style="bold")
        eighths = np.round(counts / top * HEIGHT * 8).astype(int)
        for row in range(HEIGHT - 1, -1, -1):
            line = ""
            for e in eighths.tolist():
                line += BLOCKS[min(max(e - row * 8, 0), 8)]
            out.append(" " + line + "\n", style="cyan")
        axis = [" "] * bins
        for label, col in marks.items():
            axis[col] = "┃"
        out.append(" " + "".join(axis) + "\n", style="bold yellow")
        left, right = fmt(lo), fmt(hi)
        labels = list(f"{left:<{bins}}")
        for label, col in marks.items():
            start = min(max(col - len(label) // 2, len(left) + 1), bins - len(right) - len(label) - 1)
            if start > len(left):
                labels[start:start + len(label)] = label
        text = "".join(labels)[: bins - len(right)] + right
        out.append(" " + text + "\n", style="dim")
