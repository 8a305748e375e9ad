"""The first screen does without what it does not show (issue 16, docs/benchmarks.md): plotext, the hidden
panels, the expectation checker; each comes when first needed, and the key that needs it works at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("textual")

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.screens.hidden_panels import existing  # noqa: E402
from gradsim.tui.widgets.lazy_plot import LazyPlot  # noqa: E402
from gradsim.tui.widgets.loss import LossCurve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)

FIRST_PAINT = """
import json, os, sys
from gradsim.scenario import load_scenario
import gradsim.tui.app
from gradsim.tui.app import GradsimApp
seen = {}
class Probe(GradsimApp):
    CSS_PATH = os.path.join(os.path.dirname(gradsim.tui.app.__file__), GradsimApp.CSS_PATH)
    def on_mount(self):
        self.call_after_refresh(self.painted)
        super().on_mount()
    def painted(self):
        seen.update((m, m in sys.modules) for m in ("plotext", "textual_plotext", "gradsim.checks",
            "gradsim.tui.widgets.data", "gradsim.tui.widgets.flowmap", "gradsim.tui.widgets.histogram"))
        seen["screen"] = "J appears here after the loss phase" in "".join(
            s.text for s in self.screen._compositor.render_strips())
        self.exit()
Probe(load_scenario("three-layer-cache")).run(headless=True, size=(160, 48))
print(json.dumps(seen))
"""


def test_the_first_paint_imports_neither_plotext_nor_the_hidden_panels_nor_the_checker():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", FIRST_PAINT], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen == {"plotext": False, "textual_plotext": False, "gradsim.checks": False,
                    "gradsim.tui.widgets.data": False, "gradsim.tui.widgets.flowmap": False,
                    "gradsim.tui.widgets.histogram": False, "screen": True}


def test_lazy_plot_draws_its_placeholder_until_the_plot_is_built():
    plot = LazyPlot()
    plot.placeholder = "nothing yet"
    assert not plot.plotted and plot.render().plain == "nothing yet"


def rendered(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_after_the_first_paint_the_loss_curve_is_a_plotext_plot_with_the_same_title():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        loss = app.main.query_one(LossCurve)
        assert loss.plotted  # warmed after the first paint: the first key press does not import plotext
        assert "J appears here after the loss phase" in rendered(app)
        await pilot.press("i")  # one whole iteration: a J to plot
        await pilot.pause()
        assert loss.points == 1 and "J = " in rendered(app)


@pytest.mark.parametrize("key, panel_id", [("d", "data"), ("h", "flowmap"), ("v", "hist"),
                                           ("right_square_bracket", "data")])
async def test_a_hidden_panel_is_composed_by_the_first_press_of_its_key_and_shown(key, panel_id):
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.main
        assert all(existing(screen, p) is None for p in ("data", "flowmap", "hist"))
        await pilot.press(key)
        await pilot.pause()
        panel = existing(screen, panel_id)
        assert panel is not None and panel.display and panel.region.width > 0
        assert not screen.query_one("#layer").display
        if key == "right_square_bracket":
            assert panel.example == 1  # ] selected the next example in the panel it composed
        await pilot.press("d" if panel_id == "data" else key)  # the same key hides it again
        await pilot.pause()
        assert not panel.display and screen.query_one("#layer").display


async def test_no_garbage_collection_until_the_first_paint_then_collection_again():
    import gc

    seen = []

    class Probe(GradsimApp):
        CSS_PATH = str(ROOT / "gradsim" / "tui" / GradsimApp.CSS_PATH)

        def on_mount(self) -> None:
            seen.append(gc.isenabled())  # composed and mounted: still off
            super().on_mount()

    app = Probe(load_scenario("three-layer-cache"))
    assert gc.isenabled()  # building the app does not touch the collector
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert seen == [False] and gc.isenabled()
    assert gc.isenabled()
