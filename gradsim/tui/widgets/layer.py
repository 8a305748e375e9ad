"""The layer panel: every cached value and gradient of one layer l, as heat-mapped matrices.

Blocks, in pairs: W[l] | b[l] (the parameters this forward pass used, or the new ones after the update),
Z[l] | A[l] (forward l), dZ[l] | dA[l-1] and dW[l] | db[l] (backward l). A block whose array has not been
computed yet in this iteration says which phase will compute it. Under the matrices, the cell under the
cursor or the mouse is shown with its full float64 value and what its index means.
"""

from __future__ import annotations

import math

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content

from ...display import full, norm, num, shape
from ..state import NetInfo, Snapshot
from .matrix import MatrixTable
from .text import TextView

# (array kind, layer offset, phase that computes it)
BLOCKS: tuple[tuple[str, int, str], ...] = (
    ("W", 0, "params"),
    ("b", 0, "params"),
    ("Z", 0, "forward"),
    ("A", 0, "forward"),
    ("dZ", 0, "backward"),
    ("dA", -1, "backward"),
    ("dW", 0, "backward"),
    ("db", 0, "backward"),
)
# a batch-norm layer's own pairs (engine/batchnorm.py), shown only on such a layer
BN_BLOCKS: tuple[tuple[str, int, str], ...] = (
    ("gamma", 0, "params"),
    ("beta", 0, "params"),
    ("Zhat", 0, "forward"),
    ("Ztilde", 0, "forward"),
    ("dgamma", 0, "backward"),
    ("dbeta", 0, "backward"),
)

BN_KINDS = frozenset(kind for kind, _, _ in BN_BLOCKS)
MIN_BLOCK = 41  # room for a block's title

ROLE = {
    "W": "weights", "b": "biases", "Z": "pre-activations", "A": "activations",
    "dZ": "∂J/∂Z", "dA": "∂J/∂A", "dW": "∂J/∂W", "db": "∂J/∂b",
    "gamma": "batch-norm scale", "beta": "batch-norm shift", "Zhat": "normalised Z", "Ztilde": "γ ⊙ Ẑ + β",
    "dgamma": "∂J/∂γ", "dbeta": "∂J/∂β",
}


def describe_cell(name: str, row: int, col: int) -> str:
    """What entry (row, col) of an array in the lecture's notation means.

    The read-out's index is NumPy's (from 0); the lecture counts units and examples from 1, so each word
    names the row or column it comes from: ``W[2][0,1]`` is "into unit 1 of layer 2 (row 0) from unit 2 of
    layer 1 (column 1)".
    """
    kind, l = name.split("[")[0], int(name.split("[")[1].rstrip("]"))
    r, c = f"(row {row})", f"(column {col})"
    if kind in ("W", "dW"):
        return f"weight into unit {row + 1} of layer {l} {r} from unit {col + 1} of layer {l - 1} {c}"
    if kind in ("gamma", "dgamma", "beta", "dbeta"):
        return f"{'scale' if 'gamma' in kind else 'shift'} of unit {row + 1} of layer {l} {r}"
    if kind in ("b", "db"):
        return f"bias of unit {row + 1} of layer {l} {r}"
    what = f"input {row + 1} {r}" if l == 0 and kind == "A" else f"unit {row + 1} of layer {l} {r}"
    return f"{what}, example {col + 1} of the batch {c}"


class MatrixBlock(Vertical):
    """A title, and either the matrix or a note saying which phase will compute it."""

    def __init__(self, kind: str, offset: int, phase: str) -> None:
        super().__init__(classes="matrix-block")
        self.kind, self.shift, self.phase_kind = kind, offset, phase
        self.title = TextView(classes="matrix-title")
        self.table = MatrixTable(kind, id=f"matrix-{kind}")
        self.pending = TextView(classes="matrix-pending")

    def compose(self) -> ComposeResult:
        yield self.title
        yield self.table
        yield self.pending

    def array_for(self, snap: Snapshot, l: int) -> np.ndarray | None:
        """This block's array for layer l: after the update, the new W[l], b[l]."""
        name = f"{self.kind}[{l + self.shift}]"
        if self.phase_kind == "params" and snap.updated is not None and name in snap.updated:
            return snap.updated[name]
        return snap.get(name)

    def show(self, info: NetInfo, snap: Snapshot, l: int, full_view: bool, width: int) -> None:
        name = f"{self.kind}[{l + self.shift}]"
        self.table.array_name = name
        array = self.array_for(snap, l)
        new = self.phase_kind == "params" and snap.updated is not None and name in snap.updated
        if array is None:
            self.table.display = False
            self.pending.display = True
            where = "the update" if self.phase_kind == "params" else f"{self.phase_kind} l={l}"
            self.title.set(Content.assemble((name, "bold"), ("  " + ROLE[self.kind], "$text-muted")))
            self.pending.set(Content.assemble(("not yet: ", "$text-muted"), (where, "$accent"),
                                              (" computes it", "$text-muted")))
            return
        self.pending.display = False
        self.table.display = True
        self.table.set_array(array, full=full_view, max_width=width)
        parts: list[tuple[str, str] | str] = [(name, "bold $accent" if not new else "bold $success"),
                                              (" " + shape(array), "$text-secondary")]
        if new:
            parts.append((" new", "bold $success"))
        if array.size:
            with np.errstate(all="ignore"):
                ok = array[np.isfinite(array)]
            lo = float(ok.min()) if ok.size else math.nan
            hi = float(ok.max()) if ok.size else math.nan
            bad = array.size - ok.size
            parts += [("  ‖·‖ ", "$text-muted"), (num(norm(array), 3), ""), ("  range ", "$text-muted"),
                      (f"[{num(lo, 3)}, {num(hi, 3)}]", "")]
            if bad:
                parts.append((f"  {bad} inf/nan", "bold $error"))
        self.title.set(Content.assemble(*parts))


class LayerPanel(Vertical):
    """The selected layer's matrices, a header about the layer, and the inspected cell."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header = TextView(id="layer-header")
        self.blocks = [MatrixBlock(kind, off, phase) for kind, off, phase in BLOCKS + BN_BLOCKS]
        self.cell = TextView(id="cell-info")
        self.full_view = False
        self.layer_index = 1
        self._inspected: tuple[str, int | None, int | None] | None = None
        self._phase = None
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield self.header
        with VerticalScroll(id="matrices", can_focus=False):
            for i in range(0, len(self.blocks), 2):
                with Horizontal(classes="matrix-row" + (" bn-row" if i >= len(BLOCKS) else "")):
                    yield from self.blocks[i:i + 2]
        yield self.cell

    def on_resize(self) -> None:
        if self.info is not None and self.snap is not None:
            self.show(self.info, self.snap, self.layer_index)

    def _arrange(self, l: int) -> list[int]:
        """Each pair side by side when both fit the panel's width, else one above the other; returns the
        width each block may use."""
        assert self.snap is not None
        width = max(MIN_BLOCK, self.content_region.width - 2)  # less the scrollbar
        out = []
        for row, i in zip(self.query(".matrix-row"), range(0, len(self.blocks), 2)):
            pair = self.blocks[i:i + 2]
            needs = [self._need(block, l, width) for block in pair]
            stacked = sum(needs) + 1 > width
            row.set_class(stacked, "-stacked")
            for block, need in zip(pair, needs):
                block.styles.width = "1fr" if stacked or block is pair[-1] else need
                out.append(width if stacked else need)
        return out

    def _need(self, block: "MatrixBlock", l: int, width: int) -> int:
        array = block.array_for(self.snap, l)
        if array is None:
            return MIN_BLOCK
        return max(MIN_BLOCK, MatrixTable.width_for(array.shape, self.full_view, width))

    def on_mount(self) -> None:
        self.border_title = "Layer"
        self._hint()

    def show(self, info: NetInfo, snap: Snapshot, layer: int) -> None:
        changed_layer = layer != self.layer_index
        self.info, self.snap, self.layer_index = info, snap, layer
        L = info.L
        if self.border_title != f"Layer l={layer} of {L}":  # setting it repaints the whole panel
            self.border_title = f"Layer l={layer} of {L}"
        flow = snap.flow[layer - 1]
        head: list[tuple[str, str] | str] = [
            (f"n[{layer}] = {info.n[layer]}", "bold"), ("  units   ", "$text-muted"),
            (f"g[{layer}] = {info.symbols[layer - 1]}", "bold"), (f" ({info.activations[layer - 1]})", "$text-muted"),
            ("   inputs ", "$text-muted"), (f"n[{layer - 1}] = {info.n[layer - 1]}", "bold"),
        ]
        g = info.acts[layer - 1]
        if g.saturated is not None and not math.isnan(flow.saturated):
            head += [("   confident " if layer == L else "   saturated ", "$text-muted"),
                     (f"{flow.saturated:.0%}", "bold $error" if flow.saturated > 0.5 else "bold")]
        if g.dead is not None and not math.isnan(flow.dead):
            head += [("   dead ", "$text-muted"), (f"{flow.dead:.0%}", "bold $error" if flow.dead > 0.5 else "bold")]
        head += [("   ←/→ layer", "$text-muted")]
        self.header.set(Content.assemble(*head))
        bn = info.bn(layer)
        for row in self.query(".bn-row"):  # batch norm's gamma | beta, Zhat | Ztilde, dgamma | dbeta
            row.display = bn
        with self.app.batch_update():
            widths = self._arrange(layer)
            for block, width in zip(self.blocks, widths):
                if bn or block.kind not in BN_KINDS:
                    block.show(info, snap, layer, self.full_view, width)
                else:  # a layer without batch norm: its blocks stay empty and hidden
                    block.table.display = block.pending.display = False
        phase = snap.phase
        if phase is not None and (phase != self._phase or changed_layer):
            target = {"forward": "Z", "backward": "dZ", "update": "W"}.get(phase.kind)
            block = next((b for b in self.blocks if b.kind == target), None)
            if block is not None:  # once the new matrices have their sizes
                self.call_after_refresh(self._scroll_to, block)
        self._phase = phase
        if changed_layer:
            self._inspected = None
            self._hint()
        elif self._inspected is not None:
            self._describe(*self._inspected)

    def _scroll_to(self, block: MatrixBlock) -> None:
        """Scroll the phase's first block to the top; when it is in the last screenful, start the view at
        the latest block title that still shows it whole, rather than in the middle of a matrix."""
        scroller = self.query_one("#matrices", VerticalScroll)
        base = scroller.region.y - scroller.scroll_y
        target = block.region.y - base
        bottom = target + block.outer_size.height
        height, top_max = scroller.size.height, scroller.max_scroll_y
        if target <= top_max:
            scroller.scroll_to(y=target, animate=False)
            return
        starts = [b.region.y - base for b in self.blocks if b.display]
        fits = [y for y in starts if y <= top_max and bottom <= y + height]
        scroller.scroll_to(y=max(fits) if fits else top_max, animate=False)

    def toggle_full(self) -> bool:
        self.full_view = not self.full_view
        if self.info is not None and self.snap is not None:
            self.show(self.info, self.snap, self.layer_index)
        return self.full_view

    def _hint(self) -> None:
        self.cell.set(Content.assemble(
            ("cell: ", "bold"),
            ("point at one, or tab into a matrix and move with the arrow keys", "$text-muted")))

    def on_matrix_table_cell_inspected(self, event: MatrixTable.CellInspected) -> None:
        event.stop()
        self._inspected = (event.name, event.row, event.col)
        self._describe(event.name, event.row, event.col, event.table)

    def _describe(self, name: str, row: int | None, col: int | None, table: MatrixTable | None = None) -> None:
        if table is None:
            table = next((b.table for b in self.blocks if b.table.array_name == name), None)
        if table is None or table.array is None or not table.display:
            self._hint()
            return
        if row is None or col is None:
            self.cell.set(Content.assemble((f"{name}: ", "bold"),
                                              ("summarised here — press f to show every cell", "$text-muted")))
            return
        a = table.array if table.array.ndim == 2 else table.array.reshape(table.array.shape[0], -1)
        if row >= a.shape[0] or col >= a.shape[1]:
            self._hint()
            return
        v = float(a[row, col])
        self.cell.set(Content.assemble(
            (f"{name}[{row},{col}]", "bold $accent"), (" = ", ""),
            (full(v), "bold $error" if not math.isfinite(v) else "bold"),
            ("   " + describe_cell(name, row, col), "$text-muted")))
