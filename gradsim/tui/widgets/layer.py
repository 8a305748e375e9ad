"""The layer panel: every cached value and gradient of one layer l, as heat-mapped matrices.

Blocks, in pairs: W[l] | b[l] (the parameters this forward pass used, or the new ones after the update),
Z[l] | A[l] (forward l), the dropout mask M[l] on a row of its own (only on a layer with dropout: 1 keeps a
unit of an example, 0 drops it), dZ[l] | dA[l-1] and dW[l] | db[l] (backward l), and on a layer whose skip has
a projection Ws[l] | dWs[l] (engine/projection.py). A block whose array has not been
computed yet in this iteration says which phase will compute it. Under the matrices, the cell under the
cursor or the mouse is shown with its full float64 value and what its index means.
"""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content

from ...display import full
from ..state import NetInfo, Snapshot
from .matrix import MatrixTable
from .matrix_block import ROLE, MatrixBlock, expected_shape
from .text import TextView

__all__ = ["BLOCKS", "ROLE", "LayerPanel", "MatrixBlock", "describe_cell"]

# (array kind, layer offset, phase that computes it)
BLOCKS: tuple[tuple[str, int, str], ...] = (
    ("W", 0, "params"),
    ("b", 0, "params"),
    ("Z", 0, "forward"),
    ("A", 0, "forward"),
    ("M", 0, "forward"),
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

# a projection skip's matrix and its gradient (engine/projection.py), shown only on a layer with one
PROJ_BLOCKS: tuple[tuple[str, int, str], ...] = (
    ("Ws", 0, "params"),
    ("dWs", 0, "backward"),
)

# BLOCKS + BN_BLOCKS + PROJ_BLOCKS side by side in rows; M[l] alone (engine/dropout.py); rows 5–7 batch
# norm's, the last the projection's Ws[l] | dWs[l]
ROWS = ((0, 1), (2, 3), (4,), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))
MASK_ROW = 2
BN_ROWS = frozenset((5, 6, 7))
PROJ_ROW = 8

MIN_BLOCK = 41  # room for a block's title


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
    if kind in ("Ws", "dWs"):
        return f"projection weight into unit {row + 1} of layer {l} {r} from unit {col + 1} of the skip's A[l−k] {c}"
    if kind in ("gamma", "dgamma", "beta", "dbeta"):
        return f"{'scale' if 'gamma' in kind else 'shift'} of unit {row + 1} of layer {l} {r}"
    if kind in ("b", "db"):
        return f"bias of unit {row + 1} of layer {l} {r}"
    what = f"input {row + 1} {r}" if l == 0 and kind == "A" else f"unit {row + 1} of layer {l} {r}"
    return f"{what}, example {col + 1} of the batch {c}"


class LayerPanel(Vertical):
    """The selected layer's matrices, a header about the layer, and the inspected cell."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header = TextView(id="layer-header")
        self.blocks = [MatrixBlock(kind, off, phase) for kind, off, phase in BLOCKS + BN_BLOCKS + PROJ_BLOCKS]
        self.cell = TextView(id="cell-info")
        self.full_view = False
        self.layer_index = 1
        self._inspected: tuple[str, int | None, int | None] | None = None
        self._phase = None
        self._arranged: tuple | None = None  # the blocks' widths and heights at the last show
        self._reserved: dict[tuple, tuple[int, int]] = {}  # (kind, full view, width) → room over all layers
        self._shown: dict[MatrixBlock, bool] = {}  # whether the block's row is shown for the selected layer
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield self.header
        with VerticalScroll(id="matrices", can_focus=False):
            for r, row in enumerate(ROWS):
                with Horizontal(classes="matrix-row" + (" bn-row" if r in BN_ROWS else "")):
                    yield from (self.blocks[i] for i in row)
        yield self.cell

    def on_resize(self) -> None:
        if self.info is not None and self.snap is not None:
            self.show(self.info, self.snap, self.layer_index)

    def _arrange(self, l: int) -> list[int]:
        """Each pair side by side when both fit the panel's width, else one above the other; returns the
        width each block may use. Blocks keep the rows the widest layer needs (no layout while stepping)
        unless those blank rows would push more than half of the panel's height off screen: then (in
        a short panel, 80×24) a small layer's matrices sit together, and a change of layer lays out once."""
        assert self.snap is not None
        width = max(MIN_BLOCK, self.content_region.width - 2)  # less the scrollbar
        assert self.info is not None
        plan = []
        for r, (row, ix) in enumerate(zip(self.query(".matrix-row"), ROWS)):
            pair = [self.blocks[i] for i in ix]
            shown = bool(self.info.drop(l)) if r == MASK_ROW else bool(self.info.bn(l)) if r in BN_ROWS else \
                self.info.proj(l) if r == PROJ_ROW else True
            if row.display != shown:
                row.display = shown
            self._shown.update((block, shown) for block in pair)
            needs = [self._need(block, l, width) for block in pair]
            plan.append((row, pair, needs, shown, sum(need for need, _ in needs) + 1 > width))
        own = {block: self._room([block.shape_for(self.info, self.snap, l)], width)[1] for block in self.blocks}

        def tall(rows_of) -> int:  # the rows all shown blocks take, stacked or side by side
            return sum((sum if stacked else max)(rows_of(block, rows) + 2 for block, (_, rows) in zip(pair, needs))
                       for _, pair, needs, shown, stacked in plan if shown)

        room_rows = self.query_one("#matrices").size.height
        extra = tall(lambda block, rows: rows) - tall(lambda block, rows: own[block])
        reserve = not room_rows or extra <= room_rows // 2  # blank rows push at most half the panel off screen
        out = []
        for row, pair, needs, shown, stacked in plan:
            row.set_class(stacked, "-stacked")
            for block, (need, rows) in zip(pair, needs):
                if not reserve:  # the rows this layer's array takes, not the widest layer's
                    rows = own[block]
                block.styles.width = "1fr" if stacked or block is pair[-1] else need
                room = width if stacked else need
                # need: the cells and a margin of 2; never wider than the block (no scrolling into blanks)
                block.min_rows, block.min_width = rows, min(need, room) - 2
                out.append(room)
        return out

    def _need(self, block: MatrixBlock, l: int, width: int) -> tuple[int, int]:
        """The width and the rows the block takes: the most its array takes in any layer, computed yet or
        not, so that the panel's layout holds while the phases fill it and the selected layer changes."""
        assert self.info is not None and self.snap is not None
        key = (block.kind, self.full_view, width)
        reserved = self._reserved.get(key)
        if reserved is None:
            shapes = [expected_shape(block.kind, k + block.shift, self.info) for k in range(1, self.info.L + 1)]
            reserved = self._reserved[key] = self._room(shapes, width)
        need, rows = self._room([block.shape_for(self.info, self.snap, l)], width)
        return max(need, reserved[0]), max(rows, reserved[1])

    def _room(self, shapes: list[tuple[int, ...]], width: int) -> tuple[int, int]:
        need = max(MatrixTable.width_for(s, self.full_view, width) for s in shapes)
        return max(MIN_BLOCK, need), max(len(MatrixTable.layout(s, self.full_view, width)[0]) for s in shapes)

    def on_mount(self) -> None:
        self.border_title = "Layer"
        self._hint()

    def show(self, info: NetInfo, snap: Snapshot, layer: int) -> None:
        changed_layer = layer != self.layer_index
        if info is not self.info:
            self._reserved.clear()
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
        if info.drop(layer):  # before the unit fractions, so a narrow panel still shows it
            head += [("   dropout ", "$text-muted"), (f"p = {info.drop(layer):g}", "bold")]
        g = info.acts[layer - 1]
        if g.saturated is not None and not math.isnan(flow.saturated):
            head += [("   confident " if layer == L else "   saturated ", "$text-muted"),
                     (f"{flow.saturated:.0%}", "bold $error" if flow.saturated > 0.5 else "bold")]
        if g.dead is not None and not math.isnan(flow.dead):
            head += [("   dead ", "$text-muted"), (f"{flow.dead:.0%}", "bold $error" if flow.dead > 0.5 else "bold")]
        head += [("   ←/→ layer", "$text-muted")]
        self.header.set(Content.assemble(*head))
        with self.app.batch_update():
            widths = self._arrange(layer)
            shown = self._shown
            for block, width in zip(self.blocks, widths):
                if shown[block]:  # a row this layer does not use (mask, batch norm) stays hidden and unpainted
                    block.show(info, snap, layer, self.full_view, width)
        arranged = (tuple(widths), tuple(b.virtual_size for b in self.blocks), self.size)
        same, self._arranged = arranged == self._arranged, arranged
        phase = snap.phase
        if phase is not None and (phase != self._phase or changed_layer):
            target = {"forward": "Z", "backward": "dZ", "update": "W"}.get(phase.kind)
            block = next((b for b in self.blocks if b.kind == target), None)
            if block is not None and same:  # the blocks are where they were: scroll in this repaint
                self._scroll_to(block)
            elif block is not None:  # once the new matrices have their sizes
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
            scroller.scroll_to(y=target, animate=False, immediate=True)
            return
        starts = [b.region.y - base for b in self.blocks if b.display]
        fits = [y for y in starts if y <= top_max and bottom <= y + height]
        scroller.scroll_to(y=max(fits) if fits else top_max, animate=False, immediate=True)

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
        if table is None or table.array is None:
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
