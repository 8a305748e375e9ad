"""The gradient-flow panel: per layer l = 0..L, ‖A[l]‖ and one gradient (‖dZ[l]‖ by default; ``g`` cycles
through ‖dA[l]‖, ‖dW[l]‖, ‖db[l]‖) as bars on log10 axes, the factor by which the followed quantity changes
from one layer to the next (``×1.50``), the saturated and dead shares of each layer, the first/last ratio
and a verdict line (``gradsim.diagnosis``).

The axes span whole decades and stay put from step to step: they widen only when a value leaves them (the
axis row then says "rescaled") and start afresh when another scenario is loaded.
"""

from __future__ import annotations

import math
import textwrap


from ... import diagnosis
from ...diagnosis import BATCH_NORM_GRADIENTS, GRADIENTS, QUANTITIES, Quantity, factor_text
from ...display import decade, sci
from ..format import DecadeScale, bar
from ..state import NetInfo, Snapshot
from .lines import CachedLines, LineKey

LABEL = 4  # "l=10"
VALUE = 8
FACT = 6  # "×1.50", "×1e-05"
FRAC = 6  # "100%", "(91%)"


class GradientFlow(CachedLines):
    """Rows l = 0..L: ‖A[l]‖ bar and value, the chosen gradient's bar, value and factor, sat %, dead %."""

    DEFAULT_CSS = """
    GradientFlow { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None
        self.gradient = "dZ"
        self.scales: dict[str, DecadeScale] = {}
        self._last_height = 0

    # ------------------------------------------------------------------------------------ state
    def show(self, info: NetInfo, snap: Snapshot) -> None:
        relayout = self.info is None or self.info.L != info.L
        if info is not self.info:  # another scenario (or a rebuilt one): fresh axes
            self.scales = {key: DecadeScale() for key in diagnosis.quantities(any(info.batch_norm))}
        self.info, self.snap = info, snap
        for key, scale in self.scales.items():
            scale.fit(list(snap.norms(key).values()))
        height = self._height(max(self.content_region.width or self.size.width, 20))
        relayout = relayout or height != self._last_height  # the ratios and the verdict wrap
        self._last_height = height
        if relayout:
            self._keys = None
            self.refresh(layout=True)
        else:
            self.update_lines()  # only the rows this phase changed

    def cycle(self) -> str:
        """Follow the next gradient (dZ → dA → dW → db (→ dgamma with batch norm) → dZ); returns its key."""
        cycle = BATCH_NORM_GRADIENTS if self.info is not None and any(self.info.batch_norm) else GRADIENTS
        self.gradient = cycle[(cycle.index(self.gradient) + 1) % len(cycle)] if self.gradient in cycle else cycle[0]
        self._keys = None
        self.refresh(layout=True)
        return self.gradient

    @property
    def followed(self) -> Quantity:
        """The quantity whose factors are printed: the gradient once it has a value, else ‖A[l]‖."""
        q = QUANTITIES[self.gradient]
        if self.snap is not None and any(math.isfinite(v) for v in self.snap.norms(q.key).values()):
            return q
        return QUANTITIES["A"]

    def verdict(self) -> str:
        info, snap = self.info, self.snap
        if info is None or snap is None:
            return ""
        W = [snap.get(f"W[{l}]") for l in range(1, info.L + 1)]
        return diagnosis.verdict(info.acts, {key: snap.norms(key) for key in QUANTITIES},
                                 [f.saturated for f in snap.flow], [f.dead for f in snap.flow], W)

    def get_content_height(self, container, viewport, width: int) -> int:
        self._last_height = self._height(max(width, 20))
        return self._last_height

    def _height(self, width: int) -> int:
        if self.info is None or self.snap is None:
            return 0
        return self.info.L + 3 + len(self._tail(width))

    # ----------------------------------------------------------------------------------- render
    def build_lines(self, width: int, height: int) -> list[LineKey]:
        info, snap = self.info, self.snap
        if info is None or snap is None:
            return []
        L = info.L
        width = max(width, 20)
        act = any(g.saturated is not None for g in info.acts)
        relu = any(g.dead is not None for g in info.acts)
        fixed = LABEL + 2 * (2 + VALUE) + 1 + FACT + (FRAC + 1) * (act + relu)
        both = width - fixed >= 2 * 6  # too narrow for two bar columns: the gradient's alone
        bw = (width - fixed) // 2 if both else max(4, width - fixed + 2 + VALUE)
        qa, qg, qf = QUANTITIES["A"], QUANTITIES[self.gradient], self.followed
        na, ng = snap.norms("A"), snap.norms(qg.key)
        fac = diagnosis.factors(qf, snap.norms(qf.key), L)
        col = 1 + bw + 1 + VALUE

        head: list[tuple[str, str]] = [(" " * LABEL, "")]
        if both:
            head.append((" " + qa.label.ljust(col - 1), "bold $accent"))
        head += [(" " + (qg.label + " (g)").ljust(col - 1), "bold $warning"),
                                        (" " + ("×" + ("↑" if qf.backward else "↓")).rjust(FACT), "bold")]
        if act:
            head.append((" " + "sat".rjust(FRAC), "bold"))
        if relu:
            head.append((" " + "dead".rjust(FRAC), "bold"))
        lines = [tuple(head), self._axes(bw, both)]
        for l in range(0, L + 1):
            current = snap.phase is not None and snap.phase.layer == l
            row: list[tuple[str, str]] = [(f"l={l}".rjust(LABEL), "bold" if current else "")]
            if both:
                row += self._cell(na.get(l), self.scales["A"].range, bw, "$accent")
            if l < qg.first:
                row.append((" " * col, ""))
            else:
                row += self._cell(ng.get(l), self.scales[qg.key].range, bw, "$warning")
            row.append((" " + factor_text(fac.get(l), 0).rjust(FACT), "bold" if l in fac else ""))
            f = snap.flow[l - 1] if l >= 1 else None
            if act:
                row.append(self._frac(f, "saturated", info, l))
            if relu:
                row.append(self._frac(f, "dead", info, l))
            lines.append(tuple(row))
        tail = self._tail(width)  # the verdict's lines first, then the first/last ratios
        n_verdict = len(self._verdict_lines(width))
        return tail[:n_verdict] + lines + tail[n_verdict:]

    def _tail(self, width: int) -> list[LineKey]:
        """The first/last ratios and the verdict, wrapped to ``width`` (never clipped)."""
        snap, L = self.snap, self.info.L
        lines: list[LineKey] = []
        line: list[tuple[str, str]] = []
        used = 0
        qa = QUANTITIES["A"]
        for q in dict.fromkeys((self.followed, QUANTITIES[self.gradient], qa)):
            r = diagnosis.ratio(q, snap.norms(q.key), L)
            if r is None:
                continue
            label, value = f"‖{q.key}[{q.first}]‖/‖{q.key}[L]‖ = ", sci(r)
            size = len(label) + len(value) + (3 if line else 0)
            if line and used + size > width:
                lines.append(tuple(line))
                line, used, size = [], 0, size - 3
            if line:
                line.append(("   ", ""))
            line += [(label, "$text-muted"), (value, "bold")]
            used += size
        if line:
            lines.append(tuple(line))
        if not lines:
            lines.append((("· = not computed yet in this iteration"[:width], "$text-muted"),))
        return self._verdict_lines(width) + lines

    def _verdict_lines(self, width: int) -> list[LineKey]:
        """The verdict, wrapped to ``width``: drawn first, so a short panel that scrolls still shows it."""
        text = self.verdict()
        style = "bold $success" if text.startswith("healthy") else "bold $error" if text else "$text-muted"
        out = []
        for k, chunk in enumerate(textwrap.wrap("verdict " + (text or "·"), width) or [""]):
            head = "verdict " if k == 0 else ""
            out.append(((head, "$text-muted"), (chunk[len(head):], style)))
        return out

    def _axes(self, bw: int, both: bool) -> LineKey:
        parts: list[tuple[str, str]] = [(" " * LABEL, "")]
        for key in ("A", self.gradient) if both else (self.gradient,):
            scale = self.scales[key]
            parts.append((" " + self._axis(scale.range, bw), "$text-muted"))
            parts.append((" " + ("rescaled" if scale.widened else "").rjust(VALUE), "$warning"))
        return tuple(parts)

    @staticmethod
    def _axis(r: tuple[float, float] | None, bw: int) -> str:
        if r is None:
            return "log scale".ljust(bw)[:bw]
        lo, hi = decade(int(r[0])), decade(int(r[1]))
        return (lo + " " * max(1, bw - len(lo) - len(hi)) + hi)[:bw].ljust(bw)

    @staticmethod
    def _cell(v: float | None, r: tuple[float, float] | None, bw: int, style: str) -> list[tuple[str, str]]:
        if v is None or math.isnan(v):
            return [(" " + "·".center(bw), "$text-muted"), (" " + "·".rjust(VALUE), "$text-muted")]
        if math.isinf(v):
            return [(" " + "█" * bw, "bold $error"), (" " + "inf".rjust(VALUE), "bold $error")]
        if r is None or v <= 0:
            return [(" " + " " * bw, ""), (" " + sci(v).rjust(VALUE), "")]
        return [(" " + bar(v, r[0], r[1], bw), style), (" " + sci(v).rjust(VALUE), "")]

    @staticmethod
    def _frac(f, kind: str, info: NetInfo, l: int) -> tuple[str, str]:
        """A unit share; the output layer's saturated share in brackets: confident outputs, not a fault."""
        if f is None or getattr(info.acts[l - 1], kind) is None:
            return (" " + "".rjust(FRAC), "")
        v = getattr(f, kind)
        if math.isnan(v):
            return (" " + "·".rjust(FRAC), "$text-muted")
        if l == info.L:
            return (" " + f"({v:.0%})".rjust(FRAC), "$text-muted")
        return (" " + f"{v:.0%}".rjust(FRAC), "$error" if v > diagnosis.SATURATED else "")
