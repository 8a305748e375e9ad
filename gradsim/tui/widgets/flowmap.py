"""Gradient flow over time: a layers × iterations heat-map of the followed quantity (‖dZ[l]‖ by default,
the gradient-flow panel's ``g`` choice) in log colour with a decade legend, and per-layer curves of it.

The columns come from ``tui/flow_history.py`` (one per finished iteration, older ones thinned so memory
stays bounded); when there are more columns than cells, evenly spaced ones are shown.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual_plotext import PlotextPlot

from ...diagnosis import QUANTITIES
from ...display import decade
from ..flow_history import FlowHistory

LABEL = 5  # "l=10 "
# dark blue → teal → yellow: one colour per step of a decade scale (viridis-like, readable on dark and light)
PALETTE = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
CURVE_COLOURS = ("cyan", "magenta", "yellow", "green", "red", "blue", "white", "orange")


def colour(v: float, lo: float, hi: float) -> str:
    """The heat-map colour of v on the decade scale [10^lo, 10^hi] (linear in log10 v between PALETTE's stops)."""
    t = (math.log10(v) - lo) / (hi - lo) if hi > lo else 1.0
    t = min(max(t, 0.0), 1.0) * (len(PALETTE) - 1)
    i = min(int(t), len(PALETTE) - 2)
    a, b = PALETTE[i], PALETTE[i + 1]
    f = t - i
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def decades(values) -> tuple[int, int] | None:
    logs = [math.log10(v) for v in values if math.isfinite(v) and v > 0]
    if not logs:
        return None
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def pick(n: int, width: int) -> list[int]:
    """Indices of the columns to show in ``width`` cells: all of them, or evenly spaced ones (the last kept)."""
    if n <= width:
        return list(range(n))
    return np.unique(np.linspace(0, n - 1, width).round().astype(int)).tolist()


class FlowHeatmap(Widget):
    """Rows l = L..first, one cell per shown iteration, coloured by log10 ‖q[l]‖; axis and legend below."""

    DEFAULT_CSS = "FlowHeatmap { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history: FlowHistory | None = None
        self.key = "dZ"
        self.L = 1
        self.cells: list[list[float]] = []  # what was drawn: per row (l = L..first), the values shown
        self.scale: tuple[int, int] | None = None

    def show(self, history: FlowHistory, key: str, L: int) -> None:
        self.history, self.key, self.L = history, key, L
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return self.L - QUANTITIES[self.key].first + 1 + 3

    def render(self) -> Text:
        h, q = self.history, QUANTITIES[self.key]
        width = max(1, self.content_region.width - LABEL)
        layers = list(range(self.L, q.first - 1, -1))
        if h is None or not h.iterations:
            self.cells, self.scale = [], None
            return Text(f"‖{self.key}[l]‖ per iteration appears here as iterations finish (i, r)", style="dim")
        idx = pick(len(h.iterations), width)
        self.cells = [[h.values[i][self.key][l] for i in idx] for l in layers]
        self.scale = decades([v for row in self.cells for v in row])
        out = Text()
        for l, row in zip(layers, self.cells):
            out.append(f"l={l}".ljust(LABEL), style="bold")
            for v in row:
                if math.isinf(v):
                    out.append("█", style="magenta")
                elif not math.isfinite(v) or v <= 0 or self.scale is None:
                    out.append("·", style="dim")
                else:
                    out.append("█", style=colour(v, *self.scale))
            out.append("\n")
        first, last = h.iterations[idx[0]], h.iterations[idx[-1]]
        axis = f"it {first}".ljust(max(len(idx) - len(str(last)), 0)) + str(last)
        out.append(" " * LABEL + axis + "\n", style="dim")
        out.append(" " * LABEL)
        if self.scale is None:
            out.append("no positive finite values yet", style="dim")
        else:
            lo, hi = self.scale
            for k in range(lo, hi + 1):
                out.append("█", style=colour(10.0**k, lo, hi))
                out.append(f" {decade(k)} ")
        if len(h.iterations) > len(idx) or (h.iterations and h.iterations[0] > 1 and len(h.iterations) > 1):
            out.append(f" · {len(idx)} of {h.iterations[-1]} iterations", style="dim")
        return out


class FlowCurves(PlotextPlot):
    """log10 ‖q[l]‖ against iteration, one curve per layer."""

    def show(self, history: FlowHistory, key: str, L: int) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("iteration")
        plt.title(f"log10 ‖{key}[l]‖")
        xs = history.iterations
        self.lines = 0
        for l in range(QUANTITIES[key].first, L + 1):
            pts = [(x, math.log10(v)) for x, v in zip(xs, history.series(key, l)) if math.isfinite(v) and v > 0]
            if pts:
                plt.plot([p[0] for p in pts], [p[1] for p in pts], marker="braille",
                         color=CURVE_COLOURS[l % len(CURVE_COLOURS)], label=f"l={l}")
                self.lines += 1
        self.refresh()


class FlowMapPanel(Vertical):
    """The heat-map above the per-layer curves (shown with h in the layer panel's place)."""

    DEFAULT_CSS = """
    FlowMapPanel FlowCurves { height: 1fr; min-height: 6; }
    """

    def compose(self) -> ComposeResult:
        yield FlowHeatmap(id="flowmap-grid")
        yield FlowCurves(id="flowmap-curves")

    def show(self, history: FlowHistory, key: str, L: int) -> None:
        self.border_title = f"‖{key}[l]‖ over iterations (log colour; g changes it)"
        self.query_one(FlowHeatmap).show(history, key, L)
        self.query_one(FlowCurves).show(history, key, L)
