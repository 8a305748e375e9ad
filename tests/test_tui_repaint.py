"""What a key costs the screen: the layer panel keeps its layout through the phases and the layers, so a
step is one compositor pass (a layout only when a panel really changes size), and each block draws its own
title and, until its phase runs, the note saying which phase will compute it."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.widgets import LayerPanel, MatrixBlock  # noqa: E402
from gradsim.tui.widgets.matrix_block import expected_shape  # noqa: E402
from gradsim.tui.widgets.text import TextView  # noqa: E402
from tui_scenarios import three_layer  # noqa: E402

SIZE = (160, 48)


def geometry(panel: LayerPanel) -> list[tuple]:
    """Where each block sits inside the scrolled matrices, and its size (scrolling aside)."""
    scroller = panel.query_one("#matrices")
    top = scroller.region.y - scroller.scroll_y
    return [(b.region.x, b.region.y - top, b.outer_size, b.virtual_size) if b.region.area else (b.kind, "hidden")
            for b in panel.blocks]  # a row a layer does not use (the dropout mask) is hidden: no region


def count_passes(screen) -> list[str]:
    """Record every layout pass and every compositor refresh of ``screen`` from now on."""
    passes: list[str] = []
    layout, refresh = screen._refresh_layout, screen._compositor_refresh

    def _refresh_layout(size=None, scroll=False):
        passes.append("layout")
        if not (scroll and not screen._layout_widgets):  # Textual's own test: a scroll only places the view
            passes.append("reflow")
        return layout(size, scroll)

    def _compositor_refresh():
        passes.append("refresh")
        return refresh()

    screen._refresh_layout, screen._compositor_refresh = _refresh_layout, _compositor_refresh
    return passes


async def test_stepping_through_phases_and_layers_keeps_the_layer_panel_in_place_and_lays_out_at_most_once():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.main
        panel = screen.query_one(LayerPanel)
        before = geometry(panel)
        passes = count_passes(screen)
        eq = screen.query_one("#equation")
        layers, layouts, reflows, heights = set(), [], [], set()
        for _ in range(2 * screen.sim.P):  # two whole iterations: every phase, every layer
            del passes[:]
            await pilot.press("space")
            await pilot.pause(0.05)
            layers.add(panel.layer_index)
            heights.add(eq.virtual_size.height)
            assert geometry(panel) == before, screen.snap.phase.label
            layouts.append(passes.count("layout"))
            reflows.append(passes.count("reflow"))
        assert layers == {1, 2, 3}
        # the equation's line count changes with the phase, but no key re-flows the screen: the only passes
        # besides the paint are the matrices' scroll to the phase's block (the view moves, nothing resizes)
        assert len(heights) > 2 and sum(reflows) == 0, (heights, reflows)
        assert max(layouts) == 1 and 0 in layouts, layouts


async def test_the_equation_panel_scrolls_its_lines_and_keeps_them_in_the_presenter_layout():
    """The equation draws its own wrapped lines (Line API): at the update on three-layer-cache they do not
    fit at 160×48, so the panel scrolls to its last line; in Z's layout it grows to show them all."""
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        eq = app.main.query_one("#equation")
        text = eq.content.plain.splitlines()
        rows = eq.content_region.height
        assert eq.max_scroll_y == eq.virtual_size.height - rows > 0
        first = eq.render_line(0).text
        assert first.strip() == text[0][: len(first.strip())]
        eq.scroll_to(y=eq.max_scroll_y, animate=False, immediate=True)
        await pilot.pause()
        assert text[-1].strip().endswith(eq.render_line(rows - 1).text.strip())  # the last wrapped piece
        await pilot.press("Z")
        await pilot.pause()
        await pilot.pause()
        assert eq.max_scroll_y == 0 and eq.content_region.height == eq.virtual_size.height >= len(text)


async def test_blocks_draw_their_title_and_the_pending_note_in_the_room_of_their_matrix():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")  # forward l=1: W, b, Z, A of layer 1; the gradients are to come
        await pilot.pause()
        panel = app.main.query_one(LayerPanel)
        assert not panel.query(".matrix-title") and len(panel.query(TextView)) == 2  # the header, the cell
        blocks = {b.kind: b for b in panel.query(MatrixBlock)}
        Z, dZ = blocks["Z"], blocks["dZ"]
        assert Z.render_line(0).text.startswith(f"Z[1] ({Z.array.shape[0]},{Z.array.shape[1]})")
        assert Z.render_line(1).text.split() == [str(c) for c in range(Z.array.shape[1])]  # the header
        assert dZ.array is None and dZ.render_line(0).text.startswith("dZ[1]  ∂J/∂Z")
        assert dZ.render_line(1).text.startswith("not yet: backward l=1 computes it")
        info = app.main.info
        assert expected_shape("dZ", 1, info) == Z.array.shape  # dZ[1] will have Z[1]'s shape ...
        assert dZ.outer_size == Z.outer_size  # ... and takes its room already
        # the mouse on the title inspects nothing; on the first row it inspects Z[1][0, ·]
        await pilot.hover(Z, offset=(3, 0))
        await pilot.pause()
        assert Z.hover_coordinate is None
        await pilot.hover(Z, offset=(3, 2))
        await pilot.pause()
        assert Z.hover_coordinate is not None and Z.index_at(Z.hover_coordinate) == (0, 0)
        assert str(app.main.query_one("#cell-info").render()).startswith(f"Z[1][0,0] = {float(Z.array[0, 0])!r}")


@pytest.mark.parametrize("name", ["exploding-linear", "init-he-relu"])
async def test_the_benchmarked_scenarios_step_without_a_layout_once_the_panels_have_their_room(name):
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.main
        panel = screen.query_one(LayerPanel)
        for _ in range(3):
            await pilot.press("space")
        await pilot.pause()
        before = geometry(panel)
        for _ in range(6):
            await pilot.press("space")
            await pilot.pause(0.05)
            assert geometry(panel) == before


def fresh_lines(widget) -> list[list[tuple[str, str]]]:
    """The panel's content rendered anew, whole (no cache), as (text, style) segments per line."""
    from textual.visual import Visual

    width = widget.content_region.width
    strips = Visual.to_strips(widget, widget.render(), width, None, widget.visual_style)
    return [[(s.text, str(s.style.color), str(s.style.bgcolor), bool(s.style.bold)) for s in strip
             if s.text.strip()] for strip in strips]


def cached_lines(widget) -> list[list[tuple[str, str]]]:
    return [[(s.text, str(s.style.color), str(s.style.bgcolor), bool(s.style.bold)) for s in widget.render_line(y)
             if s.text.strip()] for y in range(widget.content_region.height)]


async def test_the_network_panel_repaints_only_the_lines_a_phase_changed_and_draws_them_as_a_whole_render():
    from textual.geometry import Region

    from gradsim.tui.widgets import NetworkPanel

    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause()
        net = app.main.query_one(NetworkPanel)
        regions: list[tuple] = []
        refresh = net.refresh

        def spy(*args, **kwargs):
            regions.append(args)
            return refresh(*args, **kwargs)

        net.refresh = spy
        before = net.render().plain.splitlines()
        await pilot.press("space")  # forward l=2: the arrow into l=2 lights, l=2's column is the active one
        await pilot.pause()
        after = net.render().plain.splitlines()
        changed = {y for y, (a, b) in enumerate(zip(before, after)) if a != b}
        rows = {r.y for args in regions for r in args if isinstance(r, Region)}
        assert regions and all(args for args in regions), regions  # line regions only, never the whole panel
        assert changed and changed <= rows and len(rows) < len(after) // 2 + 3, (changed, rows)
        lines = cached_lines(net)
        assert lines[: len(after)] == fresh_lines(net)[: len(after)]
        bottom = app.screen._compositor.render_strips()[net.region.bottom - 1].text
        assert "forward ▶ Z[l], A[l]" in bottom  # the subtitle, not read as markup
        await pilot.press("t")  # the high-contrast theme: $accent and the rest resolve to other colours
        await pilot.pause()
        assert cached_lines(net)[: len(after)] == fresh_lines(net)[: len(after)] != lines[: len(after)]


async def test_the_gradient_flow_rows_drawn_from_the_cache_are_those_of_a_whole_render_through_an_iteration():
    from gradsim.tui.widgets import GradientFlow

    app = GradsimApp(load_scenario("init-he-relu"))
    async with app.run_test(size=SIZE) as pilot:
        flow = app.main.query_one(GradientFlow)
        seen = set()
        for _ in range(app.main.sim.P + 1):  # every phase, into the next iteration (the memo's states again)
            await pilot.press("space")
            await pilot.pause()
            n = len(flow.render().plain.splitlines())
            assert cached_lines(flow)[:n] == fresh_lines(flow)[:n], app.main.snap.phase.label
            seen.add(flow.render().plain)
        assert len(seen) > 3  # the rows really changed from phase to phase


async def test_in_a_short_panel_a_small_layer_s_matrices_sit_together_not_below_reserved_blank_rows():
    """At 80×24 the widest layer's rows do not fit the layer panel, so the blocks take their own layer's
    rows: on dropout-overfit's output layer (n = 1) A[2] is on screen right under Z[2]."""
    app = GradsimApp(load_scenario("dropout-overfit"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(2):  # forward l=1, forward l=2
            await pilot.press("space")
            await pilot.pause(0.05)
        panel = app.main.query_one(LayerPanel)
        assert panel.layer_index == 2
        z, a = (next(b for b in panel.blocks if b.kind == k) for k in ("Z", "A"))
        scroller = panel.query_one("#matrices")
        assert z.virtual_size.height <= 4, z.virtual_size  # title, column header, one row, margin
        assert a.region.y + 2 < scroller.region.bottom, (a.region, scroller.region)  # A[2]'s row is visible
