"""Compare mode (tui/screens/compare.py, gradsim/lockstep.py): both runs stay in the same phase."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from textual.widgets import Input, Static  # noqa: E402

from gradsim.lockstep import Lockstep  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.scenario.overrides import apply_assignments, without_expectations  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.screens.compare import CompareScreen, CompareWith, compare_text, other_run  # noqa: E402


def same_phase(pair: Lockstep) -> tuple[int, int]:
    a, b = pair.sims
    assert (a.iteration, a.phase_index) == (b.iteration, b.phase_index)
    assert (a.phase.label if a.phase else None) == (b.phase.label if b.phase else None)
    return a.iteration, a.phase_index


def test_lockstep_undoes_a_move_only_one_run_can_make():
    a = build_simulation(load_scenario("diverging-learning-rate"))
    b = build_simulation(apply_assignments(load_scenario("diverging-learning-rate"), ["optimizer.learning_rate=0.05"]))
    pair = Lockstep(a, b)
    while pair.step_iteration():
        pass
    assert a.halted and not b.halted  # A halted; B was brought back to where A stopped
    where = same_phase(pair)
    assert not pair.step() and same_phase(pair) == where
    assert pair.step_back() and same_phase(pair) != where
    pair.reset()
    assert same_phase(pair) == (0, a.P)
    with pytest.raises(ValueError, match="same number of phases"):
        Lockstep(a, build_simulation(load_scenario("three-layer-cache")))


def test_other_run_is_a_name_a_path_or_overrides():
    he = load_scenario("init-he-relu")
    assert compare_text(he) == "init-xavier-relu"
    assert compare_text(load_scenario("diverging-learning-rate")) == "optimizer.learning_rate=0.05"
    assert other_run(he, "init-xavier-relu").init[0].name == "xavier"
    changed = other_run(he, "init.weights=xavier optimizer.learning_rate=0.01")
    assert changed.name == "init-he-relu" and changed.optimizer.learning_rate == 0.01
    assert other_run(he, "init-xavier-relu seed=4").seed == 4


async def test_compare_mode_keeps_both_runs_in_the_same_phase():
    app = GradsimApp(load_scenario("init-he-relu"))
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CompareWith)
        assert dialog.query_one("#compare-with", Input).value == "init-xavier-relu"  # from [compare]
        dialog.query_one("#compare-with", Input).value = "init-xavier-rellu"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and "did you mean 'init-xavier-relu'?" in str(
            dialog.query_one("#compare-error", Static).render())
        dialog.query_one("#compare-with", Input).value = "init-xavier-relu"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        pair = screen.pair
        seen = []
        for _ in range(10):
            await pilot.press("space")
            seen.append(same_phase(pair))
        assert seen == [(1, k) for k in range(1, 11)]
        for _ in range(3):
            await pilot.press("p")
        assert same_phase(pair) == (1, 7)
        await pilot.press("i")
        assert same_phase(pair) == (1, pair.a.P)
        await pilot.press("i", "p", "p")
        assert same_phase(pair) == (2, pair.a.P - 2)
        # the panels show each run's own numbers: ‖A[1]‖ of He is √2 that of Xavier
        text_a = str(screen.query_one("#compare-a", Static).render())
        assert "A: init-he-relu" in text_a and "iteration 2, " in text_a
        assert len(next(line for line in text_a.splitlines() if line.startswith("J per iteration")).split()[-1]) == 2  # J of iterations 1 and 2
        await pilot.press("d")
        diff = str(screen.query_one("#compare-diff", Static).render())
        assert "0.7071" in diff.splitlines()[3]  # l = 1: ‖A_B[1]‖ / ‖A_A[1]‖ = 1/√2
        await pilot.press("R")
        assert same_phase(pair) == (0, pair.a.P)
        await pilot.press("space")
        assert same_phase(pair) == (1, 1)
        # the two runs are the bundled scenarios, bit for bit
        he = build_simulation(without_expectations(load_scenario("init-he-relu")))
        he.step()
        assert np.array_equal(pair.a.arrays["A[1]"], he.arrays["A[1]"])
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


async def test_different_depths_are_refused_with_a_message():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#compare-with", Input).value = "network.layers[0].n=5"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#compare-with", Input).value = "exploding-linear"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.main  # refused: a notification says why
        assert any("same number of phases" in n.message for n in app._notifications), list(app._notifications)
