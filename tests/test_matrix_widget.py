"""The strip-based heat map (tui/widgets/matrix.py) on its own: values, colours, cursor, mouse, full view.

Every cell is checked against independent code: its text against ``display.short``, its background
against ``format.heat_rgb`` (the scalar definition of the diverging scale), non-finite cells against
their fixed colours.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("textual")

from textual.app import App, ComposeResult  # noqa: E402
from textual.color import Color  # noqa: E402
from textual.coordinate import Coordinate  # noqa: E402

from gradsim.display import short  # noqa: E402
from gradsim.tui.format import heat_rgb  # noqa: E402
from gradsim.tui.widgets.matrix import CELL, INF_BG, NAN_BG, NEG, POS, ROW_HEAD, MatrixTable  # noqa: E402


class One(App):
    AUTO_FOCUS = None  # the cursor is drawn only once a test focuses the table
    CSS = "Screen { background: #101010; } MatrixTable { background: #202020; }"

    def __init__(self, array: np.ndarray, *, full: bool = False, width: int = 120) -> None:
        super().__init__()
        self.array, self.full, self.width = array, full, width
        self.seen: list[MatrixTable.CellInspected] = []

    def compose(self) -> ComposeResult:
        yield MatrixTable("W[1]", id="m")

    def on_mount(self) -> None:
        self.query_one(MatrixTable).set_array(self.array, full=self.full, max_width=self.width)

    def on_matrix_table_cell_inspected(self, event: MatrixTable.CellInspected) -> None:
        self.seen.append(event)


def cells_of(table: MatrixTable, y: int) -> list[tuple[str, tuple | None, bool]]:
    """(text, background rgb, bold) of every cell segment on line y (after the row label)."""
    strip = table.render_line(y)
    segs = list(strip)[1:]  # the label first
    out = []
    for seg in segs:
        bg = seg.style.bgcolor.get_truecolor() if seg.style and seg.style.bgcolor else None
        out.append((seg.text, tuple(bg) if bg else None, bool(seg.style and seg.style.bold)))
    return out


def surface(table: MatrixTable) -> tuple[int, int, int]:
    return Color.parse(table.app.theme_variables.get("surface", "#1e1e1e")).rgb


A = np.array([[-2.0, -0.5, 0.0], [0.25, 1.0, 4.0]])


async def test_every_cell_has_its_value_and_its_heat_colour():
    app = One(A)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        t = app.query_one(MatrixTable)
        base = surface(t)
        assert (t.row_count, t.column_count) == (2, 3)
        for r in range(2):
            cells = [c for c in cells_of(t, 1 + r) if c[0].strip()]
            assert len(cells) == 3
            for c, (text, bg, bold) in enumerate(cells):
                v = float(A[r, c])
                assert text == f" {short(v, CELL - 1):>{CELL - 1}}"
                assert bg == heat_rgb(v, 4.0, base, NEG, POS)
                assert not bold
        header = t.render_line(0).text
        assert header.split() == ["0", "1", "2"]
        assert cells_of(t, 2)[2][1] == POS  # the largest |value| takes the full colour


async def test_non_finite_cells_are_magenta_and_amber_and_bold_and_the_scale_ignores_them():
    B = np.array([[np.inf, 1.0], [np.nan, -2.0]])
    app = One(B)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        t = app.query_one(MatrixTable)
        row0, row1 = cells_of(t, 1), cells_of(t, 2)
        assert row0[0][1:] == (INF_BG, True) and row1[0][1:] == (NAN_BG, True)
        assert row0[0][0].strip() == short(math.inf, 8) and row1[0][0].strip() == short(math.nan, 8)
        assert row1[1][1] == heat_rgb(-2.0, 2.0, surface(t), NEG, POS) == NEG


async def test_cursor_keys_mouse_and_click_inspect_cells_and_only_the_focused_cursor_is_drawn():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((5, 4))
    app = One(M)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        t = app.query_one(MatrixTable)
        plain = cells_of(t, 1)
        t.focus()
        await pilot.pause()
        assert app.seen[-1].row == 0 and app.seen[-1].col == 0 and app.seen[-1].value == float(M[0, 0])
        assert t.render_line(1) != t._strips[0]  # the focused cursor cell is restyled ...
        assert cells_of(t, 1)[0][0] == plain[0][0] and list(t.render_line(1))[1].style.reverse
        await pilot.press("down", "down", "right", "right", "right", "right")  # stops at the last column
        await pilot.pause()
        assert t.cursor_coordinate == Coordinate(2, 3)
        assert (app.seen[-1].row, app.seen[-1].col, app.seen[-1].value) == (2, 3, float(M[2, 3]))
        t.blur()
        await pilot.pause()
        assert not any(seg.style.reverse for seg in list(t.render_line(3))[1:] if seg.style)
        # the mouse: label (1 column), then cells of CELL columns; line 0 is the header
        await pilot.hover(MatrixTable, offset=(1 + CELL + 2, 4))
        await pilot.pause()
        assert t.hover_coordinate == Coordinate(3, 1)
        assert (app.seen[-1].row, app.seen[-1].col, app.seen[-1].value) == (3, 1, float(M[3, 1]))
        assert list(t.render_line(4))[2].style.underline
        await pilot.click(MatrixTable, offset=(1 + 2 * CELL + 1, 2))
        await pilot.pause()
        assert app.focused is t and t.cursor_coordinate == Coordinate(1, 2)
        assert t.index_at(Coordinate(1, 2)) == (1, 2) and t.index_at(Coordinate(9, 9)) == (None, None)


async def test_large_arrays_show_corners_and_full_view_shows_every_cell_and_scrolls_to_the_cursor():
    M = np.arange(30 * 40, dtype=np.float64).reshape(30, 40)
    app = One(M, width=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        t = app.query_one(MatrixTable)
        assert t.row_count == 2 * ROW_HEAD + 1 and None in t._cols and t._rows[ROW_HEAD] is None
        assert t.cell_text(ROW_HEAD, 0).strip() == "⋮"
        last = [c for c in cells_of(t, 1 + t.row_count - 1) if c[0].strip()]
        assert last[-1][0].strip() == short(M[29, 39], 8)  # the bottom-right corner
        rows_before = t.paints
        t.set_array(M, full=False, max_width=60)  # the same array: nothing is redrawn
        assert t.paints == rows_before
        t.set_array(M, full=True, max_width=60)
        await pilot.pause()
        assert (t.row_count, t.column_count) == (30, 40) and None not in t._rows
        t.focus()
        t.cursor_coordinate = Coordinate(29, 39)
        await pilot.pause()
        assert t.scroll_offset.y > 0 and t.scroll_offset.x > 0
        bottom = [ln for ln in (t.render_line(y).text for y in range(1, t.size.height)) if ln.startswith("29")]
        assert bottom and bottom[0].rstrip().endswith(short(M[29, 39], 8))
