"""α(t) in the app: the status bar and the update phase's equation follow the learning-rate schedule
(warmup-adam: α = 3, warm-up over w = 200 iterations, so α(t) = 3·t/200)."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from gradsim.scenario import load_scenario, with_overrides  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.equations import text_of  # noqa: E402
from gradsim.tui.widgets import EquationPanel, StatusBar  # noqa: E402

SIZE = (160, 48)


async def test_status_bar_and_update_equation_show_alpha_t():
    app = GradsimApp(load_scenario("warmup-adam"))
    async with app.run_test(size=SIZE) as pilot:
        status = lambda: app.main.query_one(StatusBar).text  # noqa: E731
        assert "α(t) = 0.015" in status()  # before iteration 1: α(1) = 3/200, the rate the first update uses
        for _ in range(3):
            await pilot.press("i")
        await pilot.pause()
        assert "iteration 3" in status() and "update" in status()
        assert "α(t) = 0.045" in status()  # 3·3/200
        eq = text_of(app.main.query_one(EquationPanel).lines)
        assert "α(t) = α·min(1, t/w)" in eq and "warmup (w = 200)" in eq and "α(3) = 0.045" in eq


async def test_a_constant_rate_keeps_the_plain_alpha():
    app = GradsimApp(with_overrides(load_scenario("warmup-adam"), [("optimizer.schedule", "constant")]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        status = app.main.query_one(StatusBar).text
        assert "α = 3" in status and "α(t)" not in status
        assert "α(t)" not in text_of(app.main.query_one(EquationPanel).lines)
