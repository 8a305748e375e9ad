"""One block of the layer panel: a title line over a heat map, or over a note saying which phase will compute it.

A single Line-API widget per block (a ``MatrixTable`` whose first line is the title), instead of a container
holding a title, the table and a note: three widgets fewer per block for the compositor to place and paint.

The block's size depends only on the shape its array has or will have (``expected_shape``), not on whether
the phase that computes it has run: while pending, the note sits in the room the matrix will take. So
stepping through the phases of an iteration repaints the blocks without a new layout of the panel.
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import RenderOptions

from ...display import norm, num, shape
from ..state import NetInfo, Snapshot
from .matrix import MatrixTable

ROLE = {
    "W": "weights", "b": "biases", "Z": "pre-activations", "A": "activations",
    "dZ": "∂J/∂Z", "dA": "∂J/∂A", "dW": "∂J/∂W", "db": "∂J/∂b", "M": "dropout mask (1 keeps, 0 drops)",
    "gamma": "batch-norm scale", "beta": "batch-norm shift", "Zhat": "normalised Z", "Ztilde": "γ ⊙ Ẑ + β",
    "dgamma": "∂J/∂γ", "dbeta": "∂J/∂β",
    "Ws": "skip projection", "dWs": "∂J/∂Ws",
}


def expected_shape(kind: str, layer: int, info: NetInfo) -> tuple[int, int]:
    """The shape of ``kind[layer]`` in an iteration of ``info.batch`` columns (layer counts from 0 for dA)."""
    n = info.n
    if kind in ("W", "dW"):
        return n[layer], n[layer - 1]
    if kind in ("b", "db", "gamma", "beta", "dgamma", "dbeta"):
        return n[layer], 1
    if kind in ("Ws", "dWs"):  # a projection skip's (n[l], n[l−k]) (engine/projection.py)
        return n[layer], n[layer - info.skip(layer)]
    return n[layer], info.batch


class MatrixBlock(MatrixTable):
    """W[l], b[l], Z[l], ... of the selected layer, titled with its name, shape, norm and range."""

    COMPONENT_CLASSES = MatrixTable.COMPONENT_CLASSES | {"matrix--cells"}

    def __init__(self, kind: str, offset: int, phase: str) -> None:
        super().__init__(kind, id=f"matrix-{kind}", classes="matrix-block")
        self.kind, self.shift, self.phase_kind = kind, offset, phase
        self._top = 1
        self.min_rows = 0  # rows to take however few the array has (the most any layer's array has)
        self.min_width = 0  # the same for the width
        self.title = Content("")
        self.pending: Content | None = None  # the note while the array is not computed yet
        self._drawn: dict[int, tuple[object, Strip]] = {}  # title/note line → (what it drew), its strip

    @property
    def table(self) -> "MatrixBlock":
        return self

    def array_for(self, snap: Snapshot, l: int) -> np.ndarray | None:
        """This block's array for layer l: after the update, the new W[l], b[l]."""
        name = f"{self.kind}[{l + self.shift}]"
        if self.phase_kind == "params" and snap.updated is not None and name in snap.updated:
            return snap.updated[name]
        return snap.get(name)

    def shape_for(self, info: NetInfo, snap: Snapshot, l: int) -> tuple[int, ...]:
        """The shape of this block's array for layer l, computed yet or not."""
        array = self.array_for(snap, l)
        return array.shape if array is not None else expected_shape(self.kind, l + self.shift, info)

    def show(self, info: NetInfo, snap: Snapshot, l: int, full_view: bool, width: int) -> None:
        name = f"{self.kind}[{l + self.shift}]"
        self.array_name = name
        array = self.array_for(snap, l)
        new = self.phase_kind == "params" and snap.updated is not None and name in snap.updated
        if array is None:
            where = "the update" if self.phase_kind == "params" else f"{self.phase_kind} l={l}"
            self._set_title(Content.assemble((name, "bold"), ("  " + ROLE[self.kind], "$text-muted")))
            self._pend(Content.assemble(("not yet: ", "$text-muted"), (where, "$accent"),
                                        (" computes it", "$text-muted")),
                       expected_shape(self.kind, l + self.shift, info), full_view, width)
            return
        self.pending = None
        self.set_array(array, full=full_view, max_width=width)
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
            if self.kind == "M":  # the mask: how much of this iteration's layer it dropped
                parts += [("  dropped ", "$text-muted"), (f"{1.0 - float(array.mean()):.0%}", "bold")]
        self._set_title(Content.assemble(*parts))

    def _set_title(self, title: Content) -> None:
        if title != self.title:
            self.title = title
            self.refresh_line(0)

    def _pend(self, note: Content, expected: tuple[int, int], full: bool, max_width: int) -> None:
        """No array yet: the note, in the room an array of the expected shape takes."""
        key = (note, expected, full, max_width)
        if self.pending is not None and self._key == key:
            return
        self.pending, self.array, self._key = note, None, key
        self._rows, self._cols, self._strips, self._cells, self._x_end = [], [], [], [], 0
        rows, _ = self.layout(expected, full, max_width)
        self._resize(Size(self.width_for(expected, full, max_width) - 2, self._top + len(rows) + 1))
        self.refresh()

    def _resize(self, size: Size) -> None:
        super()._resize(Size(max(size.width, self.min_width), max(size.height, self._top + 1 + self.min_rows)))

    def _cells_style(self, base: Style) -> Style:
        return base + self.get_component_rich_style("matrix--cells")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._line(0, self.title, width)
        if self.pending is not None:
            return self._line(1, self.pending, width) if y == 1 else Strip.blank(width, self.rich_style)
        return super().render_line(y)

    def _line(self, y: int, content: Content, width: int) -> Strip:
        what = (content, width, self.rich_style)
        cached = self._drawn.get(y)
        if cached is not None and cached[0] == what:
            return cached[1]
        strips = content.truncate(width, ellipsis=True).render_strips(width, 1, self.visual_style, self._options())
        strip = (strips[0] if strips else Strip([])).extend_cell_length(width, self.rich_style).crop(0, width)
        self._drawn[y] = (what, strip)
        return strip

    def _options(self) -> RenderOptions:
        return RenderOptions(self._get_style, self.styles)
