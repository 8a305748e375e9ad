"""The gradient-history heat-map (h) and the value histograms (v), driven through Pilot: what they draw
is the gradient-flow panel's own numbers (Snapshot.norms) and the layer's own arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.display import norm  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.flow_history import FlowHistory  # noqa: E402
from gradsim.tui.widgets.flowmap import FlowCurves, FlowHeatmap  # noqa: E402
from gradsim.tui.widgets.histogram import ValueHistogram  # noqa: E402

SIZE = (120, 40)


def rendered(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_heatmap_rows_are_the_layers_and_cells_the_norms_of_each_iteration():
    sc = load_scenario("exploding-linear")
    app = GradsimApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        for _ in range(3):
            await pilot.press("i")
        await pilot.pause()
        main = app.main
        assert not main.query_one("#layer").display and main.query_one("#flowmap").display
        grid = main.query_one(FlowHeatmap)
        assert main.flow_history.iterations == [1, 2, 3]
        # independently: ‖dZ[l]‖ of each iteration from a fresh simulation of the same scenario
        sim = build_simulation(sc)
        for it in range(3):
            sim.step_iteration()
            for row, l in enumerate(range(10, 0, -1)):
                assert grid.cells[row][it] == pytest.approx(norm(sim.arrays[f"dZ[{l}]"]), rel=1e-12)
        # W = 1.5·I: ‖dZ[l]‖ grows ×1.5 per layer going back, so rows span whole decades 1.5^9 ≈ 38 apart
        lo, hi = grid.scale
        assert hi - lo >= 2
        shown = rendered(app)
        assert "l=10" in shown and "l=1 " in shown and "1e" in shown  # rows and the decade legend
        assert main.query_one(FlowCurves).lines == 10
        await pilot.press("g")  # follow ‖dA[l]‖: the map has the l = 0 row too
        await pilot.pause()
        assert len(grid.cells) == 11
        await pilot.press("p")  # into iteration 3 again: its column goes until it ends
        await pilot.pause()
        assert main.flow_history.iterations == [1, 2]


def test_memory_is_bounded_by_thinning_old_iterations():
    sim = build_simulation(load_scenario("three-layer-cache"))
    from gradsim.tui.state import take_snapshot

    h = FlowHistory(capacity=16)
    for _ in range(100):
        sim.step_iteration()
        h.add(take_snapshot(sim), sim.P)
    assert len(h.iterations) <= 16
    assert h.iterations[-1] == 100 and h.iterations == sorted(h.iterations)
    assert h.iterations[-8:] == list(range(93, 101))  # the recent ones are all there
    assert h.iterations[0] < 20  # the old ones, thinned, are not forgotten
    assert all(math.isfinite(v) for v in h.series("dZ", 1))


async def test_sigmoid_histogram_marks_0_and_1_and_counts_every_value():
    app = GradsimApp(load_scenario("saturation-unnormalised"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.press("i")
        await pilot.pause()
        main = app.main
        hist = main.query_one(ValueHistogram)
        assert main.query_one("#hist").display and not main.query_one("#layer").display
        l = main.selected
        A = main.snap.get(f"A[{l}]")
        drawn = hist.drawn[f"A[{l}]"]
        assert int(drawn["counts"].sum()) == A.size
        assert set(drawn["marks"]) == {"0", "1"}
        counts, _ = np.histogram(A.ravel(), bins=len(drawn["counts"]), range=(drawn["lo"], drawn["hi"]))
        assert (counts == drawn["counts"]).all()
        assert int(hist.drawn[f"dZ[{l}]"]["counts"].sum()) == main.snap.get(f"dZ[{l}]").size
        assert "σ's range 0 and 1 marked" in rendered(app)
        await pilot.press("v")
        await pilot.pause()
        assert main.query_one("#layer").display
