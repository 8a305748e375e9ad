"""The Textual app, driven through Textual's Pilot as a person would: each key does what it says.

Assertions read what the panels show (their text, the status bar, the screen's rendered lines) and check
it against the engine's own numbers.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

pytest.importorskip("textual")

from textual.widgets import Input, OptionList, Select  # noqa: E402

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.commands import COMMANDS_TABLE, GradsimCommands  # noqa: E402
from gradsim.tui.equations import text_of  # noqa: E402
from gradsim.display import num, short  # noqa: E402
from gradsim.tui.format import bar, log_range  # noqa: E402
from gradsim.tui.screens import HelpScreen, HyperParameterEditor, MainScreen, ScenarioPicker  # noqa: E402
from gradsim.tui.widgets import (  # noqa: E402
    BlowUpBanner, EquationPanel, GradientFlow, LayerPanel, LossCurve, MatrixTable, NetworkPanel, StatusBar,
)
from gradsim.tui.widgets.loss import downsample, int_ticks, log_ticks  # noqa: E402
from gradsim.tui.widgets.matrix import ROW_HEAD  # noqa: E402
from tui_scenarios import DIVERGING, diverging, three_layer, wide  # noqa: E402

SIZE = (160, 48)


def screen_text(app: GradsimApp) -> str:
    """The characters on the terminal, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def main(app: GradsimApp) -> MainScreen:
    return app.main


def status(app: GradsimApp) -> str:
    return main(app).query_one(StatusBar).text


def equation(app: GradsimApp) -> str:
    return text_of(main(app).query_one(EquationPanel).lines)


def cached(app: GradsimApp) -> dict[str, np.ndarray]:
    """A copy of every array the app currently shows."""
    return {k: np.array(v) for k, v in main(app).snap.arrays.items()}


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


# ---------------------------------------------------------------------------------------- stepping
async def test_space_and_n_step_one_phase_each():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        assert "iteration 0" in status(app) and "phase 0/8 start" in status(app)
        assert "next, forward l=1" in equation(app)
        # before iteration 1 the initial weights are already there to look at
        sim = main(app).sim
        assert np.array_equal(cached(app)["W[1]"], sim.params[0])
        assert "W[1] (3,4)" in screen_text(app)
        await press(pilot, "space")
        assert "iteration 1" in status(app) and "phase 1/8 forward l=1" in status(app)
        assert equation(app).startswith("Z[1] = W[1]·A[0] + b[1]   (3,4)·(4,6) + (3,1)→broadcast (3,6)")
        assert main(app).query_one(LayerPanel).border_title == "Layer l=1 of 3"
        await press(pilot, "n")
        assert "phase 2/8 forward l=2" in status(app)
        assert main(app).query_one(LayerPanel).border_title == "Layer l=2 of 3"
        await press(pilot, "n", "space")  # forward l=3, then the loss
        sim = main(app).sim
        assert "phase 4/8 loss" in status(app)
        assert f"J = {num(sim.J)}" in status(app)
        assert "J = (1/m) Σ L(ŷ, y)" in equation(app)
        assert "J = (1/6)·(" in equation(app)
        await press(pilot, "space")  # backward l=3: sigmoid + logistic fuse
        eq = equation(app)
        assert "dZ[3] = (A[3] − Y)/m" in eq and "σ + logistic fuse" in eq
        assert "(1,6)·(6,2) → (1,2)" in eq
        assert "chain rule: ∂J/∂W[3] = ∂J/∂Z[3]·∂Z[3]/∂W[3] = dZ[3]·A[2]ᵀ" in eq
        await press(pilot, "space")  # backward l=2: the chain rule through σ'
        eq = equation(app)
        assert "dZ[2] = dA[2] ⊙ σ'(Z[2])" in eq
        assert "σ'(Z) = A⊙(1 − A), from the cached A[2] of forward l=2" in eq
        assert "reuses dZ[2] (just computed) and A[1] (cached by forward l=1)" in eq
        text = screen_text(app)
        assert "dW[2] (2,3)" in text and "dA[1] (3,6)" in text


async def test_previous_phase_restores_the_earlier_values_exactly():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "i", "i", *["space"] * 5)  # iteration 3, backward l=3
        before_arrays, before_eq, before_status = cached(app), equation(app), status(app)
        before_screen = screen_text(app)
        await press(pilot, "space", "space", "space")  # backward l=2, l=1, update
        assert status(app) != before_status
        await press(pilot, "p", "backspace", "p")
        assert status(app) == before_status
        assert equation(app) == before_eq
        after = cached(app)
        assert after.keys() == before_arrays.keys()
        for name, a in before_arrays.items():
            assert np.array_equal(a, after[name]), name
        assert screen_text(app) == before_screen
        # and back across an iteration's start
        J2 = main(app).sim.J_history[1]
        await press(pilot, *["p"] * 5)  # to the start of iteration 3
        assert "iteration 3" in status(app) and "phase 0/8" in status(app)
        await press(pilot, "p")  # the start of iteration 3 is the end of iteration 2: one more is its l=1
        assert "iteration 2" in status(app) and "phase 7/8 backward l=1" in status(app)
        assert main(app).sim.J == J2


async def test_i_runs_a_whole_iteration_and_R_resets():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        W0 = np.array(main(app).sim.param("W[1]"))
        await press(pilot, "i")
        assert "iteration 1" in status(app) and "phase 8/8 update" in status(app)
        await press(pilot, "i", "i")
        sim = main(app).sim
        assert sim.iteration == 3 and len(sim.J_history) == 3
        assert main(app).query_one(LossCurve).points == 3
        await press(pilot, "space", "i")  # finishes iteration 4 from mid-way
        assert sim.iteration == 4 and sim.phase_index == sim.P
        await press(pilot, "R")
        assert "iteration 0" in status(app) and "J = ·" in status(app)
        assert np.array_equal(main(app).sim.param("W[1]"), W0)  # the same draw, not a new one
        assert main(app).query_one(LossCurve).points == 0


async def test_r_trains_in_a_thread_worker_and_pauses():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        assert "10 it/s" in status(app)
        await press(pilot, "plus", "plus", "plus")
        assert "100 it/s" in status(app)
        await press(pilot, "minus", "minus", "minus")
        assert "10 it/s" in status(app)
        await press(pilot, "r")  # 50 iterations at 10 it/s: still running when we look
        screen = main(app)
        assert screen.running and "▶ running 10 it/s" in status(app)
        worker = screen._worker
        assert worker is not None and worker.is_running
        for _ in range(100):  # the panels repaint from the worker's snapshots while it runs
            await pilot.pause(0.05)
            if screen.snap.iteration >= 3:
                break
        assert screen.snap.iteration >= 3
        await press(pilot, "r")
        assert not screen.running and "‖ paused" in status(app)
        stopped = screen.sim.iteration
        assert screen.snap.iteration == stopped
        await pilot.pause(0.3)
        assert screen.sim.iteration == stopped  # nothing runs after a pause
        await app.workers.wait_for_complete()
        assert worker.is_finished


async def test_run_stops_at_the_scenarios_length_and_a_step_pauses_a_run():
    app = GradsimApp(three_layer())  # run.iterations = 50
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *["plus"] * 7)  # max speed
        assert "max speed" in status(app)
        await press(pilot, "r")
        screen = main(app)
        for _ in range(200):
            await pilot.pause(0.02)
            if not screen.running:
                break
        assert not screen.running and screen.sim.iteration == 50
        assert main(app).query_one(LossCurve).points == 50
        await press(pilot, "r")  # past the length: runs until paused
        await pilot.pause(0.2)
        await press(pilot, "space")  # a step pauses the run first, then steps
        assert not screen.running
        it = screen.sim.iteration
        assert "phase 1/8 forward l=1" in status(app) and it > 50


# ------------------------------------------------------------------------------------ what is shown
async def test_exploding_linear_shows_57_665_and_growing_bars():
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *["space"] * 10)  # forward l = 1..10
        assert "phase 10/22 forward l=10" in status(app)
        assert "A[10][0,0] = id(57.665) = 57.665" in equation(app)
        assert "Z[10][0,0] = 1.5·38.44 + 0·76.89 + 0 = 57.665" in equation(app)
        text = screen_text(app)
        assert "57.665" in text and "A[10] (2,1)" in text
        flow = main(app).snap.flow
        norms = [f.A for f in flow]
        assert all(b / a == pytest.approx(1.5) for a, b in zip(norms, norms[1:]))
        # the bars on the log axis grow layer by layer
        panel = main(app).query_one(GradientFlow)
        lines = [line for line in panel.render().plain.splitlines() if line.strip().startswith("l=")]
        lengths = [line.count("█") for line in lines]
        assert len(lengths) == 11 and lengths == sorted(lengths) and lengths[-1] >= lengths[0] + 5  # l = 0..10
        await press(pilot, *["space"] * 11)  # the loss and backward l = 10..1
        assert math.isclose(main(app).snap.flow[0].dW, main(app).snap.flow[9].dW, rel_tol=1e-12)
        assert "‖dZ[1]‖/‖dZ[L]‖ = 38.4" in panel.render().plain  # 1.5^9 = 38.44
        await press(pilot, "g", "g")  # dZ → dA → dW: the same 1.1e+04 in every layer
        assert panel.gradient == "dW" and "‖dW[1]‖/‖dW[L]‖ = 1" in panel.render().plain


async def test_a_diverging_scenario_shows_its_blow_up_banner():
    app = GradsimApp(diverging())
    async with app.run_test(size=SIZE) as pilot:
        banner = main(app).query_one(BlowUpBanner)
        assert not banner.display
        await press(pilot, *["plus"] * 7, "r")
        screen = main(app)
        for _ in range(200):
            await pilot.pause(0.02)
            if not screen.running:
                break
        sim = screen.sim
        assert sim.blowup is not None and sim.halted
        assert banner.display
        assert banner.text.startswith(f"⚠ BLOW-UP  {sim.blowup.describe()}")
        assert "Z[2] went non-finite first, in forward l=2 of iteration 15" in screen_text(app)
        assert "J = inf" in status(app)
        assert main(app).query_one(LossCurve).points == 14  # inf is never plotted
        await press(pilot, "space")  # halted: says so, does not crash
        assert sim.iteration == 15
        await press(pilot, "R")
        assert not banner.display


async def test_matrix_cells_can_be_inspected_with_keys_and_mouse():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space")
        table = main(app).query_one("#matrix-W", MatrixTable)
        table.focus()
        await press(pilot, "down", "right", "right")
        cell = str(main(app).query_one("#cell-info").render())
        W = main(app).sim.arrays["W[1]"]
        assert cell.startswith(f"W[1][1,2] = {float(W[1, 2])!r}")
        assert "weight into unit 2 of layer 1 (row 1) from unit 3 of layer 0 (column 2)" in cell
        await press(pilot, "escape")  # back to the layer keys
        assert app.focused is None
        await press(pilot, "right")
        assert main(app).query_one(LayerPanel).border_title == "Layer l=2 of 3"
        await press(pilot, "left", "left")
        assert main(app).query_one(LayerPanel).border_title == "Layer l=1 of 3"
        Z = main(app).query_one("#matrix-Z", MatrixTable)
        await pilot.hover(Z, offset=(12, 2))  # row label, header, then the cells
        await pilot.pause()
        cell = str(main(app).query_one("#cell-info").render())
        r, c = Z.index_at(Z.hover_coordinate)
        assert cell.startswith(f"Z[1][{r},{c}] = {float(main(app).sim.arrays['Z[1]'][r, c])!r}")


async def test_large_matrices_are_summarised_until_f():
    app = GradsimApp(wide())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space")
        table = main(app).query_one("#matrix-W", MatrixTable)
        assert table.array.shape == (18, 20)
        assert None in table._cols and None in table._rows and table.row_count < 18
        assert table.cell_text(ROW_HEAD, 0).strip() == "⋮"
        text = screen_text(app)
        assert "Z[1] (18,1)" in text, text  # forward l=1 scrolls the panel to Z[1]
        await press(pilot, "f")
        assert table.row_count == 18 and table.column_count == 20
        await press(pilot, "f")
        assert table.row_count < 18


async def test_clicking_a_network_column_selects_that_layer():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        net = main(app).query_one(NetworkPanel)
        x0, x1, layer = net._hit[2]
        assert layer == 3
        await pilot.click(NetworkPanel, offset=(x0 + 2, 2))  # border and padding
        await pilot.pause()
        assert main(app).selected == 3


# ---------------------------------------------------------------------------------------- dialogs
async def test_o_opens_the_picker_over_the_bundled_library_and_paths(tmp_path):
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "o")
        picker = app.screen
        assert isinstance(picker, ScenarioPicker)
        options = picker.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "exploding-linear" in names
        path_input = picker.query_one("#picker-path", Input)
        path_input.value = str(tmp_path / "missing.toml")
        await press(pilot, "tab", "enter")
        assert app.screen is picker
        assert "missing.toml" in str(picker.query_one("#picker-error").render())
        good = tmp_path / "div.toml"
        good.write_text(DIVERGING)
        path_input.value = str(good)
        path_input.focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, MainScreen)
        assert "div │ iteration 0" in status(app)
        await press(pilot, "o")
        picker = app.screen
        options = picker.query_one(OptionList)
        options.highlighted = options.get_option_index("exploding-linear")
        options.focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, MainScreen) and main(app).info.L == 10
        await press(pilot, "o", "escape")
        assert isinstance(app.screen, MainScreen) and main(app).info.name == "exploding-linear"


async def test_e_edits_hyperparameters_and_restarts():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "i", "i")
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, HyperParameterEditor)
        lr = editor.query_one("#edit-lr", Input)
        assert lr.value == "0.5"
        lr.value = "nope"
        await press(pilot, "enter")
        assert app.screen is editor and "learning rate" in str(editor.query_one("#editor-error").render())
        lr.value = "0.05"
        editor.query_one("#edit-init", Select).value = "he"
        editor.query_one("#edit-act", Select).value = "tanh"
        editor.query_one("#edit-batch", Input).value = "2"
        await pilot.click("#edit-apply")
        await pilot.pause()
        screen = main(app)
        assert app.screen is screen
        assert screen.sim.iteration == 0 and "α = 0.05" in status(app)
        assert "mini-batch 2 of 6" in status(app)
        assert screen.info.activations == ("tanh", "tanh", "sigmoid")  # the output keeps its own
        assert screen.info.init == "he"
        await press(pilot, "e", "escape")
        assert app.screen is screen and "α = 0.05" in status(app)


async def test_help_explains_every_panel_and_every_key():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").source
        for panel in ("## Network", "## Equation", "## Layer", "## Gradient flow", "## Loss", "Blow-up banner"):
            assert panel in text
        for command in COMMANDS_TABLE:
            assert f"`{command.display}`" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, MainScreen)


async def test_every_action_is_in_the_command_palette():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        provider = GradsimCommands(main(app))
        titles = [hit.display for hit in [h async for h in provider.discover()]]
        for command in COMMANDS_TABLE:
            assert any(str(t).startswith(command.title) for t in titles), command.title
            assert hasattr(MainScreen, f"action_{command.action}") or command.action == "quit"
        await press(pilot, "ctrl+p")
        await pilot.pause(0.1)
        for ch in "Next phase":
            await pilot.press(ch if ch != " " else "space")
        await pilot.pause(0.4)
        await press(pilot, "enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MainScreen)
        assert "phase 1/8 forward l=1" in status(app)


async def test_q_quits():
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "r")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
    await asyncio.sleep(0)


async def test_resize_from_tiny_to_huge_without_error():
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=(40, 12)) as pilot:
        await press(pilot, "space", "space")
        await pilot.resize_terminal(250, 80)
        await press(pilot, *["space"] * 8)  # forward l=10
        assert "57.665" in screen_text(app)
        await pilot.resize_terminal(40, 12)
        await press(pilot, "space", "p")
        await pilot.resize_terminal(90, 30)
        await press(pilot, "i", "right")
        await pilot.resize_terminal(250, 80)
        await press(pilot, "question_mark", "escape", "o", "escape", "e", "escape")
        assert isinstance(app.screen, MainScreen)


# --------------------------------------------------------------------------- the pieces, on their own
def test_number_formats():
    assert num(1.5**10) == "57.665"
    assert num(-1.23456e-5) == "-1.2346e-05"
    assert num(float("inf")) == "inf" and num(None) == "·" and num(0.0) == "0"
    assert short(57.6650390625) == "57.665"
    assert short(-0.0067586) == "-0.00676"
    assert short(-9.6402e-4) == "-9.64e-4"
    assert all(len(short(v)) <= 8 for v in (1e300, -1e-300, 123456789.0, -0.123456789, 3.3e-7))


def test_log_bars_and_ticks():
    lo, hi = log_range([1.5**k for k in range(1, 11)])
    assert (lo, hi) == (0.0, 2.0)
    bars = [bar(1.5**k, lo, hi, 20) for k in range(1, 11)]
    assert [len(b) for b in bars] == [20] * 10
    assert bar(float("inf"), lo, hi, 5) == "█████" and bar(float("nan"), lo, hi, 5) == "     "
    ticks, labels = log_ticks(-3.2, 1.1)
    assert labels == ["1e-3", "1e-2", "1e-1", "1", "1e1"]
    assert int_ticks(1) == ([1], ["1"]) and int_ticks(50)[0][-1] == 50 or int_ticks(50)[0][-1] <= 50


def test_downsample_keeps_the_extremes():
    xs = list(range(1, 10001))
    ys = [math.sin(x / 50) + (5 if x == 5000 else 0) for x in xs]
    dx, dy = downsample(xs, ys, 100)
    assert len(dx) <= 200 and max(dy) == max(ys) and min(dy) == min(ys)


def test_docs_key_table_matches_the_app():
    from pathlib import Path

    from gradsim.tui.commands import key_table_markdown

    root = Path(__file__).resolve().parent.parent
    for doc in (root / "docs" / "tui.md", root / "README.md"):
        assert key_table_markdown() in doc.read_text(encoding="utf-8"), doc


async def test_r_after_the_stop_condition_goes_on_training_and_says_so():
    scenario = three_layer()
    from gradsim.scenario import with_overrides
    scenario = with_overrides(scenario, [("run.stop_below", 0.69)])  # J starts just above ln 2
    app = GradsimApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *["plus"] * 7, "r")  # max speed
        screen = main(app)
        for _ in range(200):
            await pilot.pause(0.02)
            if not screen.running:
                break
        first = screen.sim.iteration
        assert not screen.running and screen.sim.J < 0.69 <= screen.sim.J_history[-2] and first < 50
        await press(pilot, "r")
        for _ in range(200):
            await pilot.pause(0.02)
            if not screen.running:
                break
        assert not screen.running and screen.sim.iteration == 50  # on to the scenario's length
        assert any("past the stop condition" in n.message for n in app._notifications)
