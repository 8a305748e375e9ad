"""The Open dialog on hostile files (issue 17): each file of tests/data/broken/ shows its one-line message in
the dialog and the app keeps running, on the scenario it had."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("textual")

from textual.widgets import Input  # noqa: E402

from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.screens import MainScreen, ScenarioPicker  # noqa: E402
from tui_scenarios import three_layer  # noqa: E402

BROKEN = Path(__file__).parent / "data" / "broken"
SIZE = (160, 48)


async def _open(pilot, app, text: str) -> str:
    picker = app.screen
    assert isinstance(picker, ScenarioPicker)
    path_input = picker.query_one("#picker-path", Input)
    path_input.value = text
    path_input.focus()
    await pilot.press("enter")
    assert app.screen is picker, f"{text} was opened"
    return str(picker.query_one("#picker-error").render())


async def test_every_broken_file_shows_its_message_and_the_app_runs_on():
    files = sorted(BROKEN.glob("*.toml"))
    assert len(files) >= 60
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        name = app.main.info.name
        await pilot.press("o")
        for f in files:
            shown = await _open(pilot, app, str(f))
            assert shown.startswith(f"✗ {f}: expected") or shown.startswith(f"✗ {f}: "), shown
            assert "\n" not in shown.strip() and "Traceback" not in shown
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen) and app.main.info.name == name
        await pilot.press("space")  # and it still steps
        assert app.is_running and app.return_code is None


async def test_the_dialog_survives_an_error_that_is_not_a_scenario_error(monkeypatch):
    from gradsim.tui.screens import picker as picker_module

    def broken_loader(text):
        raise AttributeError("'NpzFile' object has no attribute 'ndim'")
    monkeypatch.setattr(picker_module, "load", broken_loader)
    app = GradsimApp(three_layer())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        shown = await _open(pilot, app, "whatever.toml")
        assert "whatever.toml: cannot load it (AttributeError)" in shown
        assert app.is_running
