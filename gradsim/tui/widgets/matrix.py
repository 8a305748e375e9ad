"""A heat-mapped numeric matrix: one cached array or gradient, with its name and shape in the title.

Cells are coloured on a diverging scale (blue negative, red positive, the panel's colour at 0) relative to
the largest |value| of the matrix. Large matrices show their corners around a ⋮/⋯ ellipsis unless
``full`` is set; the table scrolls either way. Moving the cursor (keys, once focused) or the mouse onto a
cell posts ``CellInspected`` with the full value and its index in the array.
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.color import Color
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from ...display import short
from ..format import heat_rgb, summary_indices

NEG = (59, 130, 246)  # blue
POS = (239, 68, 68)  # red
INF_BG = (192, 38, 211)  # magenta
NAN_BG = (202, 138, 4)  # amber

CELL = 9  # characters per cell: a space and up to 8 for the number
ROW_LIMIT, ROW_HEAD = 16, 6
FULL_LIMIT = 64  # rows and columns shown in full view before corners again


class MatrixTable(DataTable, inherit_bindings=True):
    """A DataTable that shows one 2-D array as a heat map and reports the cell under the cursor/mouse."""

    class CellInspected(Message):
        """The cursor or the mouse is on cell (row, col) of ``name`` (None for an ellipsis cell)."""

        def __init__(self, table: "MatrixTable", name: str, row: int | None, col: int | None,
                     value: float | None) -> None:
            super().__init__()
            self.table = table
            self.name = name
            self.row = row
            self.col = col
            self.value = value

    DEFAULT_CSS = """
    MatrixTable { height: auto; max-height: 16; }
    """

    def __init__(self, name: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="cell", cell_padding=0, show_row_labels=True,
                         zebra_stripes=False, cursor_foreground_priority="renderable")
        self.array_name = name
        self.array: np.ndarray | None = None
        self.full = False
        self._rows: list[int | None] = []
        self._cols: list[int | None] = []
        self._base: tuple[int, int, int] = (30, 30, 30)
        self._hovered: Coordinate | None = None
        self._key: tuple[bool, int] | None = None

    # -------------------------------------------------------------------------------------- content
    @staticmethod
    def layout(shape: tuple[int, ...], full: bool, max_width: int) -> tuple[list[int | None], list[int | None]]:
        """Which rows and columns to show (None = ⋮/⋯): everything (to FULL_LIMIT a side) when ``full``,
        else the corners that fit ``max_width`` characters (at most ROW_LIMIT rows)."""
        n_rows = shape[0]
        n_cols = shape[1] if len(shape) == 2 else int(np.prod(shape[1:]))
        if full:  # every cell, up to FULL_LIMIT a side (a 256×256 table would take seconds to paint)
            return (summary_indices(n_rows, FULL_LIMIT, FULL_LIMIT // 2),
                    summary_indices(n_cols, FULL_LIMIT, FULL_LIMIT // 2))
        label = len(str(n_rows - 1))
        fit = max(3, (max_width - label - 2) // CELL)  # every column, if they all fit
        head = max(1, (max_width - label - 2 - 3) // (2 * CELL))  # else head + ⋯ (3 wide) + tail
        return summary_indices(n_rows, ROW_LIMIT, ROW_HEAD), summary_indices(n_cols, fit, head)

    @staticmethod
    def width_for(shape: tuple[int, ...], full: bool, max_width: int) -> int:
        """The width the table takes for an array of ``shape``: row labels, cells, the ellipsis, a margin."""
        rows, cols = MatrixTable.layout(shape, full, max_width)
        label = len(str(shape[0] - 1))
        return label + sum(3 if c is None else CELL for c in cols) + 2

    def set_array(self, array: np.ndarray, full: bool = False, max_width: int = 200, force: bool = False) -> None:
        """Show ``array`` (2-D); keeps the cursor where it was when the layout is unchanged."""
        key = (full, max_width)
        if array is self.array and key == self._key and not force:
            return
        self._key = key
        a = array if array.ndim == 2 else array.reshape(array.shape[0], -1)
        rows, cols = self.layout(a.shape, full, max_width)
        cursor = self.cursor_coordinate
        same_layout = rows == self._rows and cols == self._cols and self.row_count > 0
        self.array, self.full = array, full
        self._rows, self._cols = rows, cols
        try:
            self._base = Color.parse(self.app.theme_variables.get("surface", "#1e1e1e")).rgb
        except Exception:  # noqa: BLE001 - not mounted yet: keep the default
            pass
        with np.errstate(all="ignore"):
            finite = a[np.isfinite(a)]
            scale = float(np.max(np.abs(finite))) if finite.size else 0.0
        cells = [[self._cell(a, r, c, scale) for c in cols] for r in rows]
        if same_layout:
            for i, row in enumerate(cells):
                for j, cell in enumerate(row):
                    self.update_cell_at(Coordinate(i, j), cell)
            return
        self.clear(columns=True)
        for c in cols:
            self.add_column(Text("⋯" if c is None else str(c), justify="center"))
        for r, row in zip(rows, cells):
            self.add_row(*row, label=Text("⋮" if r is None else str(r), style="dim"))
        if cursor.row < len(rows) and cursor.column < len(cols):
            self.move_cursor(row=cursor.row, column=cursor.column, animate=False, scroll=False)

    def _cell(self, a: np.ndarray, r: int | None, c: int | None, scale: float) -> Text:
        if r is None or c is None:
            return Text(" ⋮ " if c is not None else " ⋯ ", style="dim", justify="center")
        v = float(a[r, c])
        if math.isnan(v):
            bg = NAN_BG
        elif math.isinf(v):
            bg = INF_BG
        else:
            bg = heat_rgb(v, scale, self._base, NEG, POS)
        lum = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]
        fg = "#000000" if lum > 150 else "#ffffff"
        style = Style(color=fg, bgcolor=f"rgb({bg[0]},{bg[1]},{bg[2]})", bold=not math.isfinite(v))
        return Text(f" {short(v, CELL - 1):>{CELL - 1}}", style=style, justify="right")

    def index_at(self, coordinate: Coordinate) -> tuple[int | None, int | None]:
        """The array index shown at a table coordinate (None on an ellipsis)."""
        if not (0 <= coordinate.row < len(self._rows) and 0 <= coordinate.column < len(self._cols)):
            return None, None
        return self._rows[coordinate.row], self._cols[coordinate.column]

    def _inspect(self, coordinate: Coordinate) -> None:
        if self.array is None:
            return
        r, c = self.index_at(coordinate)
        value = None
        if r is not None and c is not None:
            a = self.array if self.array.ndim == 2 else self.array.reshape(self.array.shape[0], -1)
            value = float(a[r, c])
        self.post_message(self.CellInspected(self, self.array_name, r, c, value))

    # ------------------------------------------------------------------------------------ events
    def watch_cursor_coordinate(self, old: Coordinate, value: Coordinate) -> None:
        super().watch_cursor_coordinate(old, value)
        if self.has_focus:
            self._inspect(value)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        super()._on_mouse_move(event)
        if self._show_hover_cursor and self.hover_coordinate != self._hovered:
            self._hovered = self.hover_coordinate
            self._inspect(self.hover_coordinate)

    def _on_leave(self, event: events.Leave) -> None:
        super()._on_leave(event)
        self._hovered = None

    def on_focus(self) -> None:
        self._inspect(self.cursor_coordinate)
