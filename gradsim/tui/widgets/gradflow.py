"""The gradient-flow panel: ‖A[l]‖ and ‖dW[l]‖ per layer as bars on a log10 axis, with saturation and
dead-unit fractions. Vanishing gradients shrink down the layers, exploding ones grow; an axis spans whole
decades so a factor of 1.5 per layer over 10 layers (57.7×) shows as a staircase.
"""

from __future__ import annotations

import math

from textual.content import Content
from textual.widget import Widget

from ...display import decade, sci
from ..format import bar, log_range
from ..state import NetInfo, Snapshot

LABEL = 4  # "l=10"
VALUE = 8
FRAC = 5


class GradientFlow(Widget):
    """Rows l = 1..L: ‖A[l]‖ bar, value, ‖dW[l]‖ bar, value, saturated %, dead %."""

    DEFAULT_CSS = """
    GradientFlow { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None

    def show(self, info: NetInfo, snap: Snapshot) -> None:
        relayout = self.info is None or self.info.L != info.L
        self.info, self.snap = info, snap
        self.refresh(layout=relayout)

    def get_content_height(self, container, viewport, width: int) -> int:
        return 0 if self.info is None else self.info.L + 3

    def render(self) -> Content:
        info, snap = self.info, self.snap
        if info is None or snap is None:
            return Content("")
        width = max(self.content_region.width or self.size.width, 20)
        act = any(g.saturated is not None for g in info.acts)
        relu = any(g.dead is not None for g in info.acts)
        fixed = LABEL + 2 * (1 + VALUE + 1) + (FRAC + 1 if act else 0) + (FRAC + 1 if relu else 0)
        bw = max(4, (width - fixed) // 2)
        A = [f.A for f in snap.flow]
        dW = [f.dW for f in snap.flow]
        ra = log_range(A)
        rw = log_range(dW)
        lines: list[Content] = []
        head: list[tuple[str, str]] = [(" " * LABEL, ""), (" " + "‖A[l]‖".ljust(bw + VALUE + 1), "bold $accent"),
                                        (" " + "‖dW[l]‖".ljust(bw + VALUE + 1), "bold $warning")]
        if act:
            head.append((" " + "sat".rjust(FRAC), "bold"))
        if relu:
            head.append((" " + "dead".rjust(FRAC), "bold"))
        lines.append(Content.assemble(*head))
        lines.append(Content.assemble((" " * LABEL, ""),
                                      (" " + self._axis(ra, bw).ljust(bw + VALUE + 1), "$text-muted"),
                                      (" " + self._axis(rw, bw).ljust(bw + VALUE + 1), "$text-muted")))
        for l in range(1, info.L + 1):
            f = snap.flow[l - 1]
            current = snap.phase is not None and snap.phase.layer == l
            row: list[tuple[str, str]] = [(f"l={l}".rjust(LABEL), "bold" if current else "")]
            row += self._cell(f.A, ra, bw, "$accent")
            row += self._cell(f.dW, rw, bw, "$warning")
            if act:
                row.append((" " + self._frac(f.saturated if info.acts[l - 1].saturated is not None else None),
                            "$error" if f.saturated > 0.5 else ""))
            if relu:
                row.append((" " + self._frac(f.dead if info.acts[l - 1].dead is not None else None),
                            "$error" if f.dead > 0.5 else ""))
            lines.append(Content.assemble(*row))
        lines.append(self._summary(dW, A))
        return Content("\n").join(lines)

    @staticmethod
    def _axis(r: tuple[float, float] | None, bw: int) -> str:
        if r is None:
            return "log scale".ljust(bw)
        lo, hi = decade(int(r[0])), decade(int(r[1]))
        return (lo + " " * max(1, bw - len(lo) - len(hi)) + hi)[: bw + 2]

    @staticmethod
    def _cell(v: float, r: tuple[float, float] | None, bw: int, style: str) -> list[tuple[str, str]]:
        if v is None or math.isnan(v):
            return [(" " + "·".center(bw), "$text-muted"), (" " + "·".rjust(VALUE), "$text-muted")]
        if math.isinf(v):
            return [(" " + "█" * bw, "bold $error"), (" " + "inf".rjust(VALUE), "bold $error")]
        if r is None or v <= 0:
            return [(" " + " " * bw, ""), (" " + sci(v).rjust(VALUE), "")]
        return [(" " + bar(v, r[0], r[1], bw), style), (" " + sci(v).rjust(VALUE), "")]

    @staticmethod
    def _frac(v: float | None) -> str:
        if v is None or math.isnan(v):
            return "·".rjust(FRAC)
        return f"{v:.0%}".rjust(FRAC)

    def _summary(self, dW: list[float], A: list[float]) -> Content:
        parts: list[tuple[str, str]] = []
        first, last = dW[0], dW[-1]
        if len(dW) > 1 and all(v is not None and math.isfinite(v) and v > 0 for v in (first, last)):
            ratio = first / last
            verdict = " vanishing" if ratio < 1e-3 else " exploding" if ratio > 1e3 else ""
            parts += [("‖dW[1]‖/‖dW[L]‖ = ", "$text-muted"), (sci(ratio), "bold"), (verdict, "bold $error")]
        a1, aL = A[0], A[-1]
        if len(A) > 1 and all(v is not None and math.isfinite(v) and v > 0 for v in (a1, aL)):
            if parts:
                parts.append(("   ", ""))
            ratio = aL / a1
            parts += [("‖A[L]‖/‖A[1]‖ = ", "$text-muted"), (sci(ratio), "bold")]
        if not parts:
            parts.append(("· = not computed yet in this iteration", "$text-muted"))
        return Content.assemble(*parts)
