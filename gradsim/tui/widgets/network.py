"""The network panel: layers as columns of units, the current phase lit, arrows showing which way data flows.

```
  x        l=1       l=2        J
 n=4       n=3       n=1     logistic
           σ         σ       0.6931
  ●  ━━▶   ●  ━━▶    ●  ◀━━
  ●        ●
```
Forward phases light the arrows ``━━▶`` up to the layer just computed; backward phases light ``◀━━`` from
J back to the layer whose gradients were just computed; the update lights every layer. The selected layer
(the one the layer panel shows) is marked ``▸l=2◂``; a click on a column selects it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message

from ...display import num
from ..state import NetInfo, Snapshot
from .lines import CachedLines, LineKey



@dataclass(frozen=True)
class _Col:
    kind: str  # input | layer | loss
    l: int  # 0 for input, 1..L, L+1 for the loss


class NetworkPanel(CachedLines, can_focus=False):
    """Draws the network of ``info`` in the state of ``snap``."""

    class LayerClicked(Message):
        def __init__(self, layer: int) -> None:
            super().__init__()
            self.layer = layer

    DEFAULT_CSS = """
    NetworkPanel { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None
        self.selected: int = 1
        self._hit: list[tuple[int, int, int]] = []  # (x0, x1, layer) of drawn columns
        self._conn = 4
        self._subtitle = ""

    def show(self, info: NetInfo, snap: Snapshot, selected: int) -> None:
        self.info, self.snap, self.selected = info, snap, selected
        subtitle = self._direction()
        if subtitle != self._subtitle:  # setting a title repaints the whole panel
            # a Content: as a str, Textual reads "Z[l], A[l]" as markup and showed "Z, A"
            self._subtitle, self.border_title, self.border_subtitle = subtitle, "Network", Content(subtitle)
        self.update_lines()  # only the lines this phase changed

    def _direction(self) -> str:
        phase = self.snap.phase if self.snap else None
        if phase is None:
            return "ready: space runs forward l=1"
        return {"forward": "forward ▶ Z[l], A[l]", "loss": "loss J", "backward": "◀ backward dZ, dW, db, dA",
                "update": "update W, b"}[phase.kind]

    # ----------------------------------------------------------------------------------- geometry
    def _columns(self, width: int) -> tuple[list[_Col | None], int, int]:
        """The columns to draw (None = an ellipsis gap), the width of each and of the connectors."""
        info = self.info
        assert info is not None
        L = info.L
        cols: list[_Col] = [_Col("input", 0)] + [_Col("layer", l) for l in range(1, L + 1)] + [_Col("loss", L + 1)]
        k = len(cols)
        # a column must hold its widest labels whole ("n=128", "l=10"; the ▸◂ marker where it fits)
        need = max(len(f"n={max(info.n)}"), len(f"l={L}"))
        for cw, conn in ((11, 4), (10, 4), (9, 4), (8, 4), (7, 3), (6, 3), (5, 2), (4, 2)):
            if cw >= need and k * cw + (k - 1) * conn <= width:
                return list(cols), cw, conn
        # Too many layers: a window around the layer of interest, ellipses where layers are left out.
        cw, conn = max(5, need), 2
        fit = max(3, (width + conn) // (cw + conn))
        focus = min(max(self._focus(), 1), L)
        inner = max(1, fit - 2)  # layer columns besides x and J; each ellipsis takes one of them
        while True:
            start = min(max(1, focus - (inner - 1) // 2), max(1, L - inner + 1))
            stop = min(L, start + inner - 1)
            gaps = (start > 1) + (stop < L)
            if inner + gaps <= fit - 2 or inner == 1:
                break
            inner -= 1
        shown: list[_Col | None] = [cols[0]]
        if start > 1:
            shown.append(None)
        shown += [cols[l] for l in range(start, stop + 1)]
        if stop < L:
            shown.append(None)
        shown.append(cols[-1])
        return shown, cw, conn

    def _focus(self) -> int:
        info, snap = self.info, self.snap
        assert info is not None
        if snap is not None and snap.phase is not None:
            if snap.phase.layer is not None:
                return snap.phase.layer
            if snap.phase.kind == "loss":
                return info.L + 1
        return self.selected

    # ------------------------------------------------------------------------------------- state
    def _lit(self) -> tuple[int, bool, int, bool]:
        """(highest layer whose forward ran or 0, loss done, lowest layer whose backward ran or L+1, update done).

        Read off the phases done so far in this iteration (``info.phases``, the engine's phase table).
        """
        info, snap = self.info, self.snap
        assert info is not None
        L = info.L
        k = snap.phase_index if snap is not None and snap.iteration > 0 else 0
        done = info.phases[:k]
        fwd = max((p.layer for p in done if p.kind == "forward"), default=0)
        loss = any(p.kind == "loss" for p in done)
        bwd_low = min((p.layer for p in done if p.kind == "backward"), default=L + 1)
        return fwd, loss, bwd_low, any(p.kind == "update" for p in done)

    def build_lines(self, width: int, height: int) -> list[LineKey]:
        if self.info is None:
            return []
        if height < 4:
            return [tuple(self._render_line(width))]
        info = self.info
        L = info.L
        cols, cw, conn = self._columns(width)
        self._conn = conn
        fwd, loss_done, bwd_low, updated = self._lit()
        phase = self.snap.phase if self.snap else None
        dot_rows = max(1, height - 3)
        biggest = max(info.n[c.l] for c in cols if c is not None and c.kind != "loss")
        shown_rows = min(dot_rows, biggest)
        mid = 3 + (shown_rows - 1) // 2
        lines: list[list[tuple[str, str]]] = [[] for _ in range(3 + shown_rows)]
        self._hit = []
        x = 0
        prev: _Col | None = None
        for i, col in enumerate(cols):
            if i > 0:
                # the connector into this column
                for r, line in enumerate(lines):
                    if r != mid or col is None or prev is None:
                        line.append((" " * conn, ""))
                    else:
                        line.append(self._arrow(col.l, fwd, loss_done, bwd_low, L))
                x += conn
            if col is None:
                for r, line in enumerate(lines):
                    line.append(("⋯".center(cw) if r in (0, mid) else " " * cw, "$text-muted"))
                x += cw
                prev = None
                continue
            cells = self._column(col, cw, shown_rows, phase, fwd, bwd_low, updated)
            for line, cell in zip(lines, cells):
                line.append(cell)
            if col.kind == "layer":
                self._hit.append((x, x + cw, col.l))
            x += cw
            prev = col
        return [tuple(line) for line in lines]

    def _arrow(self, l: int, fwd: int, loss_done: bool, bwd_low: int, L: int) -> tuple[str, str]:
        """The connector into column l (L + 1 is the loss)."""
        conn = self._conn
        shaft = max(1, conn - 2 if conn >= 4 else conn - 1)
        pad = " " if conn >= 4 else ""
        if bwd_low <= L and l >= bwd_low:
            return ((pad + "◀" + "━" * shaft).ljust(conn), "bold $warning")
        if l <= fwd or (l == L + 1 and loss_done):
            return ((pad + "━" * shaft + "▶").ljust(conn), "bold $accent")
        return ((pad + "─" * shaft + "▷").ljust(conn), "$text-muted")

    def _column(self, col: _Col, cw: int, rows: int, phase, fwd: int, bwd_low: int,
                updated: bool) -> list[tuple[str, str]]:
        info = self.info
        assert info is not None
        center = lambda s: s[:cw].center(cw)  # noqa: E731
        if col.kind == "input":
            head = (center("x = A[0]" if cw >= 9 else "x"), "bold")
            n = info.n[0]
            cells = [head, (center(f"n={n}"), "$text-muted"), (center("input" if cw >= 5 else "in"), "$text-muted")]
            return cells + self._dots(n, rows, cw, "$primary")
        if col.kind == "loss":
            active = phase is not None and phase.kind == "loss"
            style = "bold reverse $accent" if active else "bold"
            J = self.snap.J if self.snap is not None else None
            jstyle = "$error bold" if J is not None and not (J == J and abs(J) != float("inf")) else "$success"
            value = num(J, 4) if cw >= 6 else ""
            cells = [(center("J"), style), (center(info.loss), "$text-muted"), (center(value), jstyle)]
            return cells + [(" " * cw, "")] * rows
        l = col.l
        active = phase is not None and phase.layer == l
        if active:
            style = "bold reverse $warning" if phase.kind == "backward" else "bold reverse $accent"
        elif updated:
            style = "bold $success"
        else:
            style = "bold"
        label = f"l={l}"
        if l == self.selected:
            if cw >= len(label) + 2:
                label = f"▸{label}◂"
            style += " underline"
        n = info.n[l]
        if l <= fwd or l >= bwd_low:
            dot = "$warning" if l >= bwd_low else "$accent"
        else:
            dot = "$text-muted"
        cells = [(center(label), style), (center(f"n={n}"), "$text-muted"),
                 (center(info.symbols[l - 1]), "$secondary")]
        return cells + self._dots(n, rows, cw, dot)

    def _dots(self, n: int, rows: int, cw: int, style: str) -> list[tuple[str, str]]:
        out = []
        for r in range(rows):
            if r < n and (n <= rows or r < rows - 1):
                out.append(("●".center(cw), style))
            elif r == rows - 1 and n > rows:
                out.append((f"+{n - rows + 1}".center(cw)[:cw], "$text-muted"))
            else:
                out.append((" " * cw, ""))
        return out

    def _render_line(self, width: int) -> list[tuple[str, str]]:
        """One line for very short panels: x(4) ─▶ σ(3) ─▶ σ(1) ─▶ J."""
        info = self.info
        assert info is not None
        parts: list[tuple[str, str]] = [(f"x({info.n[0]})", "bold")]
        for l in range(1, info.L + 1):
            active = self.snap is not None and self.snap.phase is not None and self.snap.phase.layer == l
            parts += [(" ─▶ ", "$text-muted"), (f"{info.symbols[l - 1]}({info.n[l]})",
                                                 "bold reverse $accent" if active else "")]
        parts += [(" ─▶ ", "$text-muted"), ("J", "bold")]
        return parts

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for x0, x1, l in self._hit:
            if x0 <= offset.x < x1:
                self.post_message(self.LayerClicked(l))
                return
