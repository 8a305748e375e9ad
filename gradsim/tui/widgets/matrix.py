"""A heat-mapped numeric matrix: one cached array or gradient, with its name and shape in the title.

Cells are coloured on a diverging scale (blue negative, red positive, the panel's colour at 0) relative to
the largest |value| of the matrix. Large matrices show their corners around a ⋮/⋯ ellipsis unless
``full`` is set; the view scrolls either way. Moving the cursor (keys, once focused) or the mouse onto a
cell posts ``CellInspected`` with the full value and its index in the array.

Drawn on Textual's Line API: ``set_array`` turns the array into one cached ``Strip`` per row (colours in
one vectorised pass, rich styles interned), and ``render_line`` only crops a cached strip to the scroll
window; the row under the cursor or the mouse is the only one restyled per paint. A DataTable of the same
cells cost 3–10× Textual's own repaint floor (docs/benchmarks.md).
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...display import short
from ..format import summary_indices

NEG = (59, 130, 246)  # blue
POS = (239, 68, 68)  # red
INF_BG = (192, 38, 211)  # magenta
NAN_BG = (202, 138, 4)  # amber

CELL = 9  # characters per cell: a space and up to 8 for the number
ROW_LIMIT, ROW_HEAD = 16, 6
FULL_LIMIT = 64  # rows and columns shown in full view before corners again
ELLIPSIS = 3  # width of a ⋯ column


def heat_colours(a: np.ndarray, scale: float, base: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Background RGB (…, 3) and black/white text (…) per cell: ``format.heat_rgb`` over a whole array."""
    with np.errstate(all="ignore"):
        t = np.minimum(np.abs(a) / scale, 1.0) ** 0.7 if scale > 0 and math.isfinite(scale) else np.zeros(a.shape)
        t = np.where(np.isfinite(a), t, 0.0)
    b = np.array(base, dtype=np.float64)
    target = np.where((a > 0)[..., None], np.array(POS, dtype=np.float64), np.array(NEG, dtype=np.float64))
    bg = np.round(b + (target - b) * t[..., None])  # round half to even, as round() in heat_rgb
    bg[np.isnan(a)] = NAN_BG
    bg[np.isinf(a)] = INF_BG
    bg = bg.astype(np.int64)
    lum = 0.299 * bg[..., 0] + 0.587 * bg[..., 1] + 0.114 * bg[..., 2]
    return bg, lum > 150


class MatrixTable(ScrollView, can_focus=True):
    """One 2-D array as a heat map, on the Line API; reports the cell under the cursor/mouse."""

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

    BINDINGS = [
        Binding("up", "cursor(-1, 0)", "Up", show=False),
        Binding("down", "cursor(1, 0)", "Down", show=False),
        Binding("left", "cursor(0, -1)", "Left", show=False),
        Binding("right", "cursor(0, 1)", "Right", show=False),
        Binding("home", "cursor_home", show=False),
        Binding("end", "cursor_end", show=False),
    ]

    COMPONENT_CLASSES = {"matrix--header", "matrix--label", "matrix--cursor", "matrix--hover"}

    DEFAULT_CSS = """
    MatrixTable { height: auto; max-height: 16; width: auto; max-width: 100%; }
    MatrixTable > .matrix--header { color: $text-muted; }
    MatrixTable > .matrix--label { text-style: dim; }
    MatrixTable > .matrix--cursor { text-style: bold reverse; }
    MatrixTable > .matrix--hover { text-style: bold underline; }
    """

    cursor_coordinate: reactive[Coordinate] = reactive(Coordinate(0, 0), always_update=False, repaint=False)
    hover_coordinate: reactive[Coordinate | None] = reactive(None, repaint=False)

    def __init__(self, name: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.array_name = name
        self.array: np.ndarray | None = None
        self.full = False
        self._rows: list[int | None] = []
        self._cols: list[int | None] = []
        self._base: tuple[int, int, int] = (30, 30, 30)
        self._key: tuple[bool, int] | None = None
        self._label = 1  # width of the row labels
        self._x: list[int] = []  # where each shown column starts, in the cells' own coordinates
        self._cells: list[list[Segment]] = []  # per shown row: one segment per shown column
        self._strips: list[Strip] = []  # per shown row: its cells as one strip (uncropped, unstyled)
        self._header = Strip([])
        self._labels: list[Segment] = []
        self._styles: dict[tuple, Style] = {}
        self.paints = 0  # how many rows set_array has drawn (a test counts them: no repaint when unchanged)
        self._top = 0  # lines drawn above the header by a subclass (the layer panel's block title)
        self._x_end = 0  # where the shown columns end

    # -------------------------------------------------------------------------------------- content
    @staticmethod
    def layout(shape: tuple[int, ...], full: bool, max_width: int) -> tuple[list[int | None], list[int | None]]:
        """Which rows and columns to show (None = ⋮/⋯): everything (to FULL_LIMIT a side) when ``full``,
        else the corners that fit ``max_width`` characters (at most ROW_LIMIT rows)."""
        n_rows = shape[0]
        n_cols = shape[1] if len(shape) == 2 else int(np.prod(shape[1:]))
        if full:  # every cell, up to FULL_LIMIT a side
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
        return label + sum(ELLIPSIS if c is None else CELL for c in cols) + 2

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def column_count(self) -> int:
        return len(self._cols)

    def cell_text(self, row: int, column: int) -> str:
        """The text drawn in shown cell (row, column)."""
        return self._cells[row][column].text

    def _style(self, bg, dark_text: bool, bold: bool) -> Style:
        key = (bg, dark_text, bold)
        style = self._styles.get(key)
        if style is None:
            style = Style(color=RichColor.from_rgb(0, 0, 0) if dark_text else RichColor.from_rgb(255, 255, 255),
                          bgcolor=RichColor.from_rgb(*bg), bold=bold)
            self._styles[key] = style
        return style

    def set_array(self, array: np.ndarray, full: bool = False, max_width: int = 200, force: bool = False) -> None:
        """Show ``array`` (2-D); keeps the cursor where it was when it still falls inside the layout."""
        key = (full, max_width)
        if array is self.array and key == self._key and not force:
            return
        self._key = key
        a = array if array.ndim == 2 else array.reshape(array.shape[0], -1)
        rows, cols = self.layout(a.shape, full, max_width)
        self.array, self.full = array, full
        self._rows, self._cols = rows, cols
        if self.is_mounted:
            try:
                self._base = Color.parse(self.app.theme_variables.get("surface", "#1e1e1e")).rgb
            except Exception:  # noqa: BLE001 - no theme yet: keep the default
                pass
        with np.errstate(all="ignore"):
            finite = a[np.isfinite(a)]
            scale = float(np.max(np.abs(finite))) if finite.size else 0.0
        r_idx = [r for r in rows if r is not None]
        c_idx = [c for c in cols if c is not None]
        sub = a[np.ix_(r_idx, c_idx)] if r_idx and c_idx else np.zeros((len(r_idx), len(c_idx)))
        bg, dark = heat_colours(sub, scale, self._base)
        bad = ~np.isfinite(sub)
        values, bgs, darks, bads = sub.tolist(), bg.tolist(), dark.tolist(), bad.tolist()
        dim = Style(dim=True)
        gap_row = [Segment(" ⋯ " if c is None else " ⋮ ".center(CELL), dim) for c in cols]
        self._cells = []
        i = 0
        for r in rows:
            if r is None:
                self._cells.append(gap_row)
                continue
            line, j = [], 0
            for c in cols:
                if c is None:
                    line.append(Segment(" ⋯ ", dim))
                    continue
                v = values[i][j]
                line.append(Segment(f" {short(v, CELL - 1):>{CELL - 1}}",
                                    self._style(tuple(bgs[i][j]), darks[i][j], bads[i][j])))
                j += 1
            self._cells.append(line)
            i += 1
        self._strips = [Strip(line) for line in self._cells]
        self.paints += len(rows)
        self._label = len(str(a.shape[0] - 1))
        self._x = []
        x = 0
        for c in cols:
            self._x.append(x)
            x += ELLIPSIS if c is None else CELL
        self._labels = [Segment(("⋮" if r is None else str(r)).ljust(self._label)) for r in rows]
        self._header = Strip([Segment(("⋯" if c is None else str(c)).center(ELLIPSIS if c is None else CELL))
                              for c in cols])
        self._x_end = x
        self._resize(Size(self._label + x, self._top + len(rows) + 1))
        cur = self.cursor_coordinate
        if not (cur.row < len(rows) and cur.column < len(cols)):
            self.cursor_coordinate = Coordinate(0, 0)
        self.refresh()

    def _resize(self, size: Size) -> None:
        """A new virtual size asks for a layout; the same one must not (setting it again would)."""
        if size != self.virtual_size:
            self.virtual_size = size

    def get_content_width(self, container: Size, viewport: Size) -> int:
        # row labels and cells, and room for the vertical scrollbar when the rows do not fit
        return self.virtual_size.width + (1 if len(self._rows) + 1 > ROW_LIMIT else 0) + 1

    def _cells_style(self, base: Style) -> Style:
        """The style under the labels, the header and the cells (a subclass gives them their own background)."""
        return base

    # ---------------------------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        raw = self.rich_style
        base = self._cells_style(raw)
        scroll_x, scroll_y = self.scroll_offset
        label_w = self._label
        cells_w = max(0, width - label_w)
        if base is not raw:  # the cells' own background ends with the cells; the widget's goes on
            cells_w = min(cells_w, max(0, self._x_end - scroll_x))
        y -= self._top
        if y == 0:
            header = self.get_component_rich_style("matrix--header")
            cells = self._header.crop_extend(scroll_x, scroll_x + cells_w, None).apply_style(base + header)
            line = Strip.join([Strip([Segment(" " * label_w, base)]), cells]).crop(0, width)
            return line.extend_cell_length(width, raw)
        row = y - 1 + scroll_y
        if not 0 <= row < len(self._strips):
            return Strip.blank(width, raw)
        strip = self._strips[row]
        marks = []
        if self.has_focus and self.cursor_coordinate.row == row:
            marks.append((self.cursor_coordinate.column, "matrix--cursor"))
        hover = self.hover_coordinate
        if hover is not None and hover.row == row:
            marks.append((hover.column, "matrix--hover"))
        if marks:
            segs = list(self._cells[row])
            for col, component in marks:
                if 0 <= col < len(segs):
                    text, style, _ = segs[col]
                    segs[col] = Segment(text, (style or Style()) + self._text_style(component))
            strip = Strip(segs)
        label = Segment(self._labels[row].text, base + self.get_component_rich_style("matrix--label"))
        cells = strip.crop_extend(scroll_x, scroll_x + cells_w, base)
        return Strip.join([Strip([label]), cells]).crop(0, width).extend_cell_length(width, raw)

    def _text_style(self, component: str) -> Style:
        """Only the text attributes (bold, reverse, underline) of a component class: the cell keeps its colours."""
        return self.get_component_styles(component).text_style

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - self.scroll_offset.y
        if 1 <= y < self.size.height - self._top:
            self.refresh_line(y + self._top)

    # ------------------------------------------------------------------------------------ cursor
    def index_at(self, coordinate: Coordinate | None) -> tuple[int | None, int | None]:
        """The array index shown at a table coordinate (None on an ellipsis)."""
        if coordinate is None or not (0 <= coordinate.row < len(self._rows)
                                      and 0 <= coordinate.column < len(self._cols)):
            return None, None
        return self._rows[coordinate.row], self._cols[coordinate.column]

    def coordinate_at(self, x: int, y: int) -> Coordinate | None:
        """The shown cell at widget offset (x, y), or None on the header, the labels or past the cells."""
        y -= self._top
        row = y - 1 + self.scroll_offset.y
        cx = x - self._label + self.scroll_offset.x
        if y < 1 or x < self._label or not 0 <= row < len(self._rows) or not self._x:
            return None
        col = int(np.searchsorted(self._x, cx, side="right")) - 1
        end = self._x[col] + (ELLIPSIS if self._cols[col] is None else CELL)
        return Coordinate(row, col) if 0 <= col and cx < end else None

    def action_cursor(self, drow: int, dcol: int) -> None:
        if not self._rows:
            return
        cur = self.cursor_coordinate
        self.cursor_coordinate = Coordinate(min(max(cur.row + drow, 0), len(self._rows) - 1),
                                            min(max(cur.column + dcol, 0), len(self._cols) - 1))

    def action_cursor_home(self) -> None:
        self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, 0)

    def action_cursor_end(self) -> None:
        self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, max(0, len(self._cols) - 1))

    def watch_cursor_coordinate(self, old: Coordinate, value: Coordinate) -> None:
        self._refresh_row(old.row)
        self._refresh_row(value.row)
        self._scroll_to_cell(value)
        if self.has_focus:
            self._inspect(value)

    def _scroll_to_cell(self, c: Coordinate) -> None:
        if not self._rows or not self.size.height:
            return
        rows_h = max(1, self.scrollable_content_region.height - 1 - self._top)
        cells_w = max(1, self.scrollable_content_region.width - self._label)
        sy, sx = self.scroll_offset.y, self.scroll_offset.x
        if c.row < sy:
            sy = c.row
        elif c.row >= sy + rows_h:
            sy = c.row - rows_h + 1
        x0 = self._x[c.column]
        x1 = x0 + (ELLIPSIS if self._cols[c.column] is None else CELL)
        if x0 < sx:
            sx = x0
        elif x1 > sx + cells_w:
            sx = x1 - cells_w
        if (sx, sy) != tuple(self.scroll_offset):
            self.scroll_to(x=sx, y=sy, animate=False, immediate=True)

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
    def on_mouse_move(self, event: events.MouseMove) -> None:
        where = self.coordinate_at(event.x, event.y)
        if where != self.hover_coordinate:
            old, self.hover_coordinate = self.hover_coordinate, where
            if old is not None:
                self._refresh_row(old.row)
            if where is not None:
                self._refresh_row(where.row)
                self._inspect(where)

    def on_leave(self, event: events.Leave) -> None:
        if self.hover_coordinate is not None:
            old, self.hover_coordinate = self.hover_coordinate, None
            self._refresh_row(old.row)

    def on_click(self, event: events.Click) -> None:
        where = self.coordinate_at(event.x, event.y)
        if where is not None:
            self.focus()
            self.cursor_coordinate = where

    def on_focus(self) -> None:
        self._refresh_row(self.cursor_coordinate.row)
        self._inspect(self.cursor_coordinate)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor_coordinate.row)
