"""Small terminals (issue 13): at 80×24 and 100×30 the status line keeps the scenario, iteration, phase,
J, α and the run state (shortened, not cut), the key bar keeps q, and the Open dialog's path field and
buttons are on screen."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from textual.widgets import Button, Input  # noqa: E402

from gradsim.display import num  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.widgets import StatusBar  # noqa: E402
from gradsim.tui.widgets.keybar import KeyBar  # noqa: E402


def lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
@pytest.mark.parametrize("name", ["saturation-unnormalised", "exploding-linear"])
async def test_status_and_key_bar_keep_what_matters(size, name):
    app = GradsimApp(load_scenario(name))
    async with app.run_test(size=size) as pilot:
        await pilot.press("space", "space", "space", "space")
        await pilot.pause()
        screen = app.main
        bar = screen.query_one(StatusBar)
        text = bar.text
        assert len(text) <= size[0], text
        shown = lines(app)[bar.region.y]
        assert shown.rstrip() == text.rstrip() and "…" not in text  # nothing cut
        sim = screen.sim
        assert name in text and f"it {sim.iteration}" in text and f"4/{sim.P} {sim.phase.label}" in text
        assert num(sim.J) in text and num(sim.optimizer.learning_rate) in text and "‖ paused 10 it/s" in text
        bar.show(screen.info, screen.snap, True, "10 it/s")  # the running state, at the same width
        assert "▶ 10 it/s" in bar.text and len(bar.text) <= size[0] and num(sim.J) in bar.text
        keys = lines(app)[screen.query_one(KeyBar).region.y]
        assert "q quit" in keys, keys


async def test_status_is_whole_at_160_columns():
    app = GradsimApp(load_scenario("saturation-unnormalised"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("space")
        await pilot.pause()
        text = app.main.query_one(StatusBar).text
        assert "iteration 1 │ phase 1/6 forward l=1" in text and "gd (batch GD, m = " in text
        assert "‖ paused · 10 it/s" in text


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_open_dialog_fits(size):
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("o")
        await pilot.pause()
        screen = app.screen
        width, height = size
        for widget in (screen.query_one("#picker-path", Input), *screen.query(Button)):
            r = widget.region
            assert r.height > 0 and r.y >= 0 and r.bottom <= height and r.right <= width, (widget, r)
        assert screen.query_one("#picker-list").region.height >= 3


@pytest.mark.parametrize("size", [(60, 24), (80, 24), (100, 30)])
async def test_v_pages_through_every_panel_full_size(size):
    """Below ~100 columns some panels are hidden (the equation and the loss under 80) or cramped: v shows
    each in turn on the whole screen, then the layout again."""
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("space")
        await pilot.pause()
        screen = app.main
        seen = []
        for _ in range(5):
            await pilot.press("w")
            await pilot.pause()
            await pilot.pause()
            panel = screen.maximized
            assert panel is not None and tuple(panel.outer_size) == (size[0], size[1] - 2), panel
            assert lines(app)[size[1] - 2].strip()  # the status line stays
            seen.append(panel.id)
        assert seen == ["network", "equation", "layer", "flow-box", "loss"]
        await pilot.press("w")
        await pilot.pause()
        assert screen.maximized is None


async def test_the_editor_fits_at_80x24():
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen.query_one("#editor-dialog")
        inside = dialog.region
        for widget in [*app.screen.query(Button), *app.screen.query(Input)]:
            r = widget.region
            assert r.height and inside.contains_region(r), (widget.id, r, inside)
        assert dialog.max_scroll_y == 0  # nothing below the fold
