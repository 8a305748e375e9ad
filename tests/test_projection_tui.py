"""Projection skips in the app, driven with Pilot: the layer panel shows Ws[l] | dWs[l] only on a layer whose
skip has a projection, and the equation panel writes A[l] = g(Z[l]) + Ws[l]·A[l−k] with [0,0] worked out."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.display import num  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.equations import text_of  # noqa: E402
from gradsim.tui.widgets import EquationPanel, LayerPanel, MatrixTable  # noqa: E402
from gradsim.tui.widgets.layer import PROJ_ROW  # noqa: E402

SIZE = (160, 48)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


def proj_row(app):
    return list(app.main.query_one(LayerPanel).query(".matrix-row"))[PROJ_ROW]


async def test_the_layer_panel_shows_ws_and_the_equation_panel_works_out_the_projection():
    app = GradsimApp(load_scenario("residual-projection"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space")  # forward l=1: A[1] = σ(Z[1]) + Ws[1]·A[0]
        a = app.main.sim.arrays
        assert proj_row(app).display
        table = app.main.query_one("#matrix-Ws", MatrixTable)
        assert np.array_equal(table.array, a["Ws[1]"]) and table.array.shape == (6, 2)
        eq = text_of(app.main.query_one(EquationPanel).lines)
        assert "A[1] = σ(Z[1]) + Ws[1]·A[0]" in eq, eq
        z, skip = float(a["Z[1]"][0, 0]), float(a["Ws[1]"][0] @ a["A[0]"][:, 0])
        assert f"A[1][0,0] = σ({num(z)}) + " in eq and "through the projection" in eq, eq
        assert num(skip) in eq and float(a["A[1]"][0, 0]) == 1 / (1 + np.exp(-z)) + skip
        await press(pilot, "space")  # forward l=2: a skip of one width, no projection
        assert not proj_row(app).display
        assert "Ws[2]" not in app.main.sim.param_keys


async def test_dws_fills_in_at_backward():
    app = GradsimApp(load_scenario("residual-projection"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(app.main.sim.P - 1):  # through backward l=1
            await pilot.press("space")
        await pilot.pause()
        panel = app.main.query_one(LayerPanel)
        assert panel.border_title == "Layer l=1 of 19"
        dws = app.main.query_one("#matrix-dWs", MatrixTable)
        assert np.array_equal(dws.array, app.main.sim.arrays["dWs[1]"])
        eq = text_of(app.main.query_one(EquationPanel).lines)
        assert "dWs[1] = dA[1]·A[0]ᵀ" in eq, eq
