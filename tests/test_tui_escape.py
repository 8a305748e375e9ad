"""Escape followed at once by a key in a dialog (issue 13): the terminal sends ESC r, which Textual reads as
alt+r; the dialog closes (as escape would) and r reaches the main screen."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from textual._xterm_parser import XTermParser  # noqa: E402
from textual.widgets import Input  # noqa: E402

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.screens.editor import HyperParameterEditor  # noqa: E402
from gradsim.tui.screens.main import MainScreen  # noqa: E402
from gradsim.tui.screens.picker import ScenarioPicker  # noqa: E402


def test_escape_then_r_reaches_textual_as_alt_r():
    parser = XTermParser()
    events = list(parser.feed("\x1br")) + list(parser.feed(""))
    assert [e.key for e in events] == ["alt+r"]  # what the browser (one write) and fast typing send


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.parametrize("opener, dialog", [("e", HyperParameterEditor), ("o", ScenarioPicker)])
async def test_escape_then_r_closes_the_dialog_and_runs(size, opener, dialog):
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=size) as pilot:
        await pilot.press(opener)
        await pilot.pause()
        assert isinstance(app.screen, dialog)
        await pilot.press("alt+r")
        for _ in range(5):
            await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.main.running  # the r ran: training started
        await pilot.press("r")
        await pilot.pause()
        assert not app.main.running


async def test_alt_backspace_still_edits_in_the_editor():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#edit-sizes", Input)  # free text (α and the seed refuse " 2")
        field.focus()
        field.value = "0.5 2"
        field.cursor_position = 0
        await pilot.press("alt+backspace")  # Input's own: delete right to the start of the next word
        await pilot.pause()
        assert isinstance(app.screen, HyperParameterEditor) and field.value != "0.5 2"  # the Input had the key
