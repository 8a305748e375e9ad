"""The scenario's notes and its expectations as a live list (s; tui/screens/notes.py, tui/live_checks.py),
driven through Pilot: pending until the app's run reaches each point, then the same verdict and value
`gradsim check` gives, and the app's own simulation is never stepped for it."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from gradsim.checks import run_expectations  # noqa: E402
from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.live_checks import LiveChecks  # noqa: E402
from gradsim.tui.screens.notes import NotesScreen  # noqa: E402

SIZE = (120, 40)


def text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_notes_screen_shows_the_comment_and_the_expectations_fill_in_as_the_run_passes_them():
    sc = load_scenario("three-layer-cache")
    app = GradsimApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, NotesScreen)
        shown = text(app)
        assert "Look at: the layer panel's cache (Z[l], A[l]) filling layer by layer" in shown  # the file's own comment
        assert "0 ✓ · 0 ✗ · 8 pending" in shown
        main = app.main
        # space on the notes screen steps the main screen's simulation: forward l=1 of iteration 1
        await pilot.press("space")
        await pilot.pause()
        assert main.position == (1, 1)
        app.screen.refresh_checks()
        rows = main.live_checks.rows(main.position)
        assert [r.state for r in rows[:2]] == ["pass", "pass"]  # z[1] = W[1] x + b[1], a[1] = σ(z[1])
        assert all(r.state == "pending" for r in rows[2:])
        assert "2 ✓ · 0 ✗ · 6 pending" in text(app)
        # the rest of iteration 1: the backward points come in; the end ones still wait
        await pilot.press("i")
        await pilot.pause()
        main.live_checks.advance(main.position, budget=None)
        rows = main.live_checks.rows(main.position)
        assert [r.state for r in rows] == ["pass"] * 6 + ["pending"] * 2
        assert main.sim.iteration == 1 and main.sim.phase_index == main.sim.P  # the app's run is where it was
        await pilot.press("escape")
        await pilot.pause()
        # back one phase: the update's points are no longer reached, so pending again; the results are kept
        await pilot.press("p", "p", "p")
        await pilot.pause()
        rows = main.live_checks.rows(main.position)
        assert rows[5].state == "pending" and rows[0].state == "pass"


async def test_the_end_expectations_give_what_gradsim_check_gives():
    sc = load_scenario("three-layer-cache")
    expected = {r.name: (r.passed, r.got) for r in run_expectations(sc)}
    live = LiveChecks(sc)
    live.saw(0, 0, False)
    assert live.rows((0, 0))[-1].state == "pending"
    # the check's run stops below J = 0.01 or at the scenario's 2000 iterations: tell the list where
    end = live.end_point()
    live.advance(end, budget=None)
    rows = {r.label: r for r in live.rows(end)}
    assert set(rows) == set(expected)
    for label, (passed, got) in expected.items():
        assert (rows[label].state == "pass") == passed and rows[label].got == got, label


def test_a_failing_expectation_shows_the_value_found():
    from gradsim.scenario import with_overrides

    sc = with_overrides(load_scenario("three-layer-cache"), [("run.iterations", 3)])
    live = LiveChecks(sc)
    live.advance(live.end_point(), budget=None)
    rows = {r.label: r for r in live.rows(live.end_point())}
    truth = {r.name: r for r in run_expectations(sc)}
    assert rows["trained"].state == ("pass" if truth["trained"].passed else "fail")
    assert rows["trained"].got == truth["trained"].got
    assert rows["trained"].state == "fail"  # 3 iterations of GD do not train the moons net
