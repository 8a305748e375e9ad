"""Dropout in the app, driven with Pilot: the layer panel shows this iteration's mask M[l] as a heat-mapped
0/1 matrix (only on a layer with dropout), and the equation panel works out A[l] = g(Z[l]) ⊙ M[l] / (1 − p)
and the masked dZ[l]; rewinding brings the same mask back."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.display import num  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.equations import text_of  # noqa: E402
from gradsim.tui.widgets import EquationPanel, LayerPanel, MatrixTable  # noqa: E402
from gradsim.tui.widgets.layer import MASK_ROW  # noqa: E402

SIZE = (160, 48)


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


def mask_row(app):
    return list(app.main.query_one(LayerPanel).query(".matrix-row"))[MASK_ROW]


async def test_the_layer_panel_shows_the_mask_and_the_equation_panel_works_it_out():
    app = GradsimApp(load_scenario("dropout-overfit"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space")  # forward l=1
        M = app.main.sim.arrays["M[1]"]
        table = app.main.query_one("#matrix-M", MatrixTable)
        assert mask_row(app).display and table.display
        assert np.array_equal(table.array, M)
        shown = {table.cell_text(r, c).strip() for r in range(table.row_count) for c in range(table.column_count)}
        assert {"0", "1"} <= shown, shown  # dropped and kept units, side by side
        colour = {}  # heat-mapped like every array: each value has its colour, and 0 and 1 differ
        for row in table._cells:
            for seg in row:
                colour.setdefault(seg.text.strip(), set()).add(seg.style.bgcolor)
        assert len(colour["0"]) == len(colour["1"]) == 1 and colour["0"] != colour["1"], colour
        block = next(b for b in app.main.query_one(LayerPanel).blocks if b.kind == "M")
        title = block.title.plain
        assert "M[1] (32,30)" in title and f"dropped {1 - M.mean():.0%}" in title, title
        assert "dropout p = 0.5" in screen_text(app)  # in the layer header, where it fits
        eq = text_of(app.main.query_one(EquationPanel).lines)
        assert "A[1] = tanh(Z[1]) ⊙ M[1] / (1 − p)" in eq
        a = app.main.sim.arrays
        z, m0, a0 = float(a["Z[1]"][0, 0]), float(M[0, 0]), float(a["A[1]"][0, 0])
        assert f"A[1][0,0] = tanh({num(z)})·{num(m0)}/0.5 = {num(a0)}" in eq, eq
        assert a0 == (np.tanh(z) * m0 / 0.5)
        await press(pilot, "space", "space", "space", "space")  # forward l=2, loss, backward l=2, backward l=1
        eq = text_of(app.main.query_one(EquationPanel).lines)
        assert "dZ[1] = dA[1] ⊙ M[1] / (1 − p) ⊙ tanh'(Z[1])" in eq
        assert "a dropped unit passes no gradient back" in eq
        assert "from the cached tanh(Z[1])" in eq  # g' reads g(Z[1]), not the masked A[1]
        await press(pilot, "i", "space")  # iteration 2 draws another mask
        M2 = app.main.query_one("#matrix-M", MatrixTable).array
        assert not np.array_equal(M2, M)
        await press(pilot, "p", "p", "p", "p", "p", "p", "p", "p", "space")  # back into iteration 1, then forward
        assert app.main.sim.iteration == 1
        assert np.array_equal(app.main.query_one("#matrix-M", MatrixTable).array, M)  # the same mask comes back


async def test_a_layer_without_dropout_has_no_mask_row():
    app = GradsimApp(load_scenario("dropout-overfit"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space", "space")  # forward l=2 shows layer 2: the linear output, no dropout
        assert app.main.query_one(LayerPanel).border_title == "Layer l=2 of 2"
        assert not mask_row(app).display
        assert "M[2]" not in screen_text(app)


def test_the_data_panel_runs_the_net_without_masks():
    from gradsim.engine.network import forward_pass
    from gradsim.scenario import build_simulation
    from gradsim.tui.dataview import DataSource

    sim = build_simulation(load_scenario("dropout-overfit"))
    sim.run(3)
    src = DataSource.of(sim)
    plain = forward_pass(sim.params, sim.X, sim.acts)[2][-1]  # p = 0: no mask anywhere
    assert np.array_equal(src.forward(sim.X, sim.params), plain)
