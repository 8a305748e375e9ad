"""Issue 13's small defects, each pinned: the cell read-out's words name the 0-based index they come
from, the loss line shows every output unit, the dA[0] note agrees with the shown dA[0], and a pause
stops on the picture that was showing."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.display import num  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.equations import text_of  # noqa: E402
from gradsim.tui.screens.main import SPEEDS  # noqa: E402
from gradsim.tui.widgets import EquationPanel, StatusBar  # noqa: E402
from gradsim.tui.widgets.layer import describe_cell  # noqa: E402

SIZE = (160, 48)


@pytest.mark.parametrize("name, row, col", [("W[2]", 0, 0), ("dW[3]", 4, 1), ("b[1]", 2, 0), ("Z[2]", 1, 7),
                                            ("A[0]", 3, 5), ("dA[1]", 0, 9)])
def test_cell_read_out_words_name_their_index(name, row, col):
    text = describe_cell(name, row, col)
    # every 1-based word is followed by the 0-based index it is: "unit k ... (row k-1)"
    pairs = re.findall(r"(?:unit|input|example) (\d+)(?: of (?:layer \d+|the batch))? \((row|column) (\d+)\)", text)
    assert pairs, text
    for one_based, axis, zero_based in pairs:
        assert int(one_based) == int(zero_based) + 1, text
        assert int(zero_based) == (row if axis == "row" else col)
    if name.startswith(("W", "dW")):
        l = int(name.split("[")[1][:-1])
        assert f"of layer {l} (row {row})" in text and f"of layer {l - 1} (column {col})" in text


@pytest.mark.parametrize("scenario", ["needles-softmax", "needles-multilabel"])
async def test_loss_line_shows_every_output_unit(scenario):
    app = GradsimApp(load_scenario(scenario))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")  # forward l=1, the loss
        await pilot.pause()
        screen = app.main
        assert "phase 2/4 loss" in screen.query_one(StatusBar).text
        text = text_of(screen.query_one(EquationPanel).lines)
        A, Y = screen.sim.arrays["A[1]"], screen.sim.arrays["Y"]
        assert A.shape[0] == 3
        yhat = "[" + ", ".join(num(float(v), 4) for v in A[:, 0]) + "]"
        y = "[" + ", ".join(num(float(v), 4) for v in Y[:, 0]) + "]"
        assert f"first example: ŷ(1) = {yhat}   y(1) = {y}" in text
        if scenario == "needles-softmax":
            assert abs(A[:, 0].sum() - 1) < 1e-12 and Y[:, 0].sum() == 1


async def test_one_output_unit_still_prints_one_number():
    app = GradsimApp(load_scenario("needle-logistic"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space")
        await pilot.pause()
        text = text_of(app.main.query_one(EquationPanel).lines)
        A = app.main.sim.arrays["A[1]"]
        assert f"first example: ŷ(1) = {num(float(A[0, 0]))}   y(1) = " in text and "ŷ(1) = [" not in text


async def test_da0_note_agrees_with_the_shown_da0():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["space"] * 7)  # forward 1..3, loss, backward 3..1
        await pilot.pause()
        screen = app.main
        assert "backward l=1" in screen.query_one(StatusBar).text
        assert "dA[0]" in screen.snap.arrays  # the engine computes it and the layer panel shows it
        text = text_of(screen.query_one(EquationPanel).lines)
        assert "not needed" not in text
        assert "dA[0] = W[1]ᵀ·dZ[1] = ∂J/∂X is shown, but no layer below uses it" in text


async def test_pause_stops_on_the_picture_that_was_showing():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main
        assert SPEEDS[screen.speed_index] == 10
        await pilot.press("r")
        await pilot.pause(0.35)
        time.sleep(0.45)  # the UI thread is busy (a slow repaint): the worker trains on meanwhile
        shown = screen.snap
        assert screen.sim.iteration > shown.iteration >= 1  # iterations nobody has seen yet
        J_shown = tuple(shown.J_history.values)  # a bounded view; short runs keep every J
        await screen.action_toggle_run()  # the key, handled late
        await pilot.pause()
        assert not screen.running
        assert screen.sim.iteration == shown.iteration and screen.sim.phase_index == screen.sim.P
        assert tuple(screen.sim.J_history) == J_shown
        assert f"iteration {shown.iteration} │" in screen.query_one(StatusBar).text
        np.testing.assert_array_equal(screen.snap.arrays["W[1]"], shown.arrays["W[1]"])
