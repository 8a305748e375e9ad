"""The presenter's view (issue 13): z zooms a panel to the whole screen and back, t switches to a
high-contrast theme, and a 220×60 screen gives the panels more than 160×48 does."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from textual.color import Color  # noqa: E402

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.presenter import HIGH_CONTRAST  # noqa: E402
from gradsim.tui.widgets import StatusBar  # noqa: E402
from gradsim.tui.widgets.layer import LayerPanel  # noqa: E402


def shown_columns(app) -> dict[str, int]:
    """Columns of each matrix on screen in the layer panel (the ⋯ column not counted)."""
    panel = app.main.query_one(LayerPanel)
    return {b.table.array_name: sum(c is not None for c in b.table._cols) for b in panel.blocks if b.table.array is not None}


async def at(size, keys=("space",), name="three-layer-cache"):
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=size) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.pause()
        return (shown_columns(app), app.main.query_one("#equation").size.height,
                app.main.query_one("#flow-box").size.width)


async def test_a_projector_screen_shows_more_than_160x48():
    small_cols, small_eq, small_flow = await at((160, 48))
    big_cols, big_eq, big_flow = await at((220, 60))
    assert small_cols.keys() == big_cols.keys() == {"W[1]", "b[1]", "Z[1]", "A[1]"}
    assert big_cols["Z[1]"] > small_cols["Z[1]"] and big_cols["A[1]"] > small_cols["A[1]"]  # Z[1] is 3×200
    assert big_eq > small_eq and big_flow > small_flow  # the equation panel is taller, the bars wider


async def test_z_zooms_the_layer_panel_to_the_whole_screen_and_back():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        screen = app.main
        layer = screen.query_one(LayerPanel)
        before_cols, before = shown_columns(app)["Z[1]"], layer.size
        await pilot.press("z")
        await pilot.pause()
        await pilot.pause()
        assert screen.maximized is layer
        assert tuple(layer.outer_size) == (160, 48 - 2)  # all but the status line and the key bar
        assert screen.query_one(StatusBar).region.height == 1 and not screen.query_one("#network").region
        assert shown_columns(app)["Z[1]"] > before_cols
        await pilot.press("space")  # keys still step while zoomed
        await pilot.pause()
        assert screen.sim.phase_index == 2
        await pilot.press("z")
        await pilot.pause()
        await pilot.pause()
        assert screen.maximized is None and layer.size == before and screen.query_one("#network").region


async def test_z_zooms_the_panel_under_the_mouse_and_escape_brings_it_back():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.hover("#equation", offset=(5, 3))
        await pilot.press("z")
        await pilot.pause()
        assert app.main.maximized is app.main.query_one("#equation")
        await pilot.press("escape")
        await pilot.pause()
        assert app.main.maximized is None


def luminance(color: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = Color.parse(color).rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


async def test_t_switches_to_the_high_contrast_theme_and_back():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(120, 40)) as pilot:
        before = app.theme
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == HIGH_CONTRAST.name
        v = app.theme_variables
        for name in ("foreground", "accent", "warning", "success", "error", "text-muted", "text-error"):
            assert contrast(v[name], v["background"]) >= 7, (name, v[name])
        assert contrast(v["foreground"], v["panel"]) >= 7
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == before


def equation_shows_every_line(screen) -> bool:
    """Every line of the phase's equations is on screen: the panel does not scroll and has a row for each."""
    eq = screen.query_one("#equation")
    return eq.max_scroll_y == 0 and eq.content_region.height >= len(eq.lines) > 0


@pytest.mark.parametrize("size", [(160, 48), (220, 60)])
async def test_shift_z_shows_the_equation_and_the_layer_large_and_back(size):
    """Z: only the equation panel (all of the update's lines, which wrap and scroll in the normal layout at
    160×48) above the layer panel (the whole width, so more of Z[1]'s 200 columns), with the status line."""
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("i")  # the update: the phase with the most lines on this net
        await pilot.pause()
        screen = app.main
        layer, eq = screen.query_one(LayerPanel), screen.query_one("#equation")
        normal_cols, normal_scroll = shown_columns(app), eq.max_scroll_y
        assert normal_scroll > 0 if size == (160, 48) else True  # the normal layout cuts the lines there
        await pilot.press("Z")
        await pilot.pause()
        await pilot.pause()
        assert screen.has_class("-presenter") and screen.maximized is None
        for hidden in ("#network", "#flow-box", "#loss"):
            assert not screen.query_one(hidden).region, hidden
        assert screen.query_one(StatusBar).region.height == 1
        assert equation_shows_every_line(screen)
        assert eq.outer_size.width == layer.outer_size.width == size[0]
        assert eq.region.bottom <= layer.region.y  # stacked: the equation above the layer
        assert layer.region.bottom == screen.query_one(StatusBar).region.y  # down to the status line
        cols = shown_columns(app)
        assert cols.keys() == normal_cols.keys()
        for name in ("Z[1]", "A[1]", "dZ[1]", "dA[0]"):  # n × m = 3 × 200: more columns than before
            assert cols[name] > normal_cols[name], name
        await pilot.press("space")  # keys still step; the panels follow
        await pilot.pause()
        assert screen.sim.phase_index == 1 and equation_shows_every_line(screen)
        await pilot.press("Z")
        await pilot.pause()
        await pilot.pause()
        assert not screen.has_class("-presenter") and screen.query_one("#network").region
        assert screen.query_one("#loss").region and layer.outer_size.width < size[0]


async def test_escape_leaves_the_presenter_layout_and_it_shows_the_layer_over_the_data_panel():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space", "d")  # the data panel in the layer panel's place
        await pilot.pause()
        screen = app.main
        assert not screen.query_one(LayerPanel).region and screen.query_one("#data").region
        await pilot.press("Z")
        await pilot.pause()
        assert screen.query_one(LayerPanel).region.width == 160 and not screen.query_one("#data").region
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.has_class("-presenter")
        assert screen.query_one("#data").region and not screen.query_one(LayerPanel).region  # d's choice kept


async def flow_and_loss(size, name):
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=size) as pilot:
        await pilot.press("i", "i")
        await pilot.pause()
        await pilot.pause()
        box = app.main.query_one("#flow-box")
        return tuple(box.size), box.max_scroll_y, tuple(app.main.query_one("#loss").size)


async def test_at_220x60_the_flow_bars_widen_and_the_loss_plot_grows_both_ways():
    """What docs/tui.md reports: the gradient-flow panel is wider (its height follows the layers, so all 10
    of exploding-linear fit at 220×60 and scroll at 160×48), the loss plot is wider and taller."""
    (small_flow, small_scroll, small_loss), (big_flow, big_scroll, big_loss) = [
        await flow_and_loss(size, "exploding-linear") for size in ((160, 48), (220, 60))]
    assert big_flow[0] > small_flow[0] and big_scroll == 0 < small_scroll
    assert big_loss[0] > small_loss[0] and big_loss[1] > small_loss[1]
    (small_flow, _, small_loss), (big_flow, _, big_loss) = [
        await flow_and_loss(size, "three-layer-cache") for size in ((160, 48), (220, 60))]
    assert big_flow[0] > small_flow[0] and big_flow[1] == small_flow[1]  # 3 layers: no rows to add
    assert big_loss[0] > small_loss[0] and big_loss[1] > small_loss[1]
