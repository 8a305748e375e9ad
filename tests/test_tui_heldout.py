"""The loss panel's held-out curve (tui/heldout.py, widgets/loss.py): J_test per iteration beside the batch
J, computed independently here (NumPy forward pass on the held-out columns with the iteration's W, b)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.widgets.loss import LossCurve  # noqa: E402


def j_test_by_hand(sc, iterations: int) -> list[float]:
    """Logistic loss of tanh → sigmoid on the held-out columns, with the parameters each iteration used."""
    sim = build_simulation(sc)
    X, Y = sim.heldout
    out = []
    for _ in range(iterations):
        sim.step_iteration()
        W1, b1, W2, b2 = (sim.arrays[k] for k in ("W[1]", "b[1]", "W[2]", "b[2]"))
        a = 1 / (1 + np.exp(-(W2 @ np.tanh(W1 @ X + b1) + b2)))
        out.append(float(-np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))))
    return out


async def test_minibatch_loss_panel_draws_the_held_out_curve_with_its_values():
    sc = load_scenario("minibatch-gd")
    app = GradsimApp(sc)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(4):
            await pilot.press("i")
        await pilot.pause()
        loss = app.main.query_one(LossCurve)
        xs, ys = loss._test
        assert xs == [1, 2, 3, 4]
        np.testing.assert_allclose(ys, j_test_by_hand(sc, 4), rtol=1e-12)
        assert ys != list(app.main.sim.J_history)  # a curve of its own, not the batch J
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "J (log) · cyan train · magenta test" in shown
        # rewind into iteration 4: its J_test is not shown until the iteration ends again
        await pilot.press("p")
        await pilot.pause()
        assert loss._test[0] == [1, 2, 3]


async def test_no_held_out_curve_without_a_split():
    app = GradsimApp(load_scenario("batch-gd"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i", "i")
        await pilot.pause()
        loss = app.main.query_one(LossCurve)
        assert loss._test == ([], []) and loss.border_title == "Loss J (log scale)"


def test_the_held_out_history_stays_bounded_over_a_long_run():
    """However many iterations run, at most max_points values are kept; the newest are kept whole."""
    from gradsim.scenario import build_simulation, load_scenario
    from gradsim.tui.heldout import HeldOutHistory

    sim = build_simulation(load_scenario("minibatch-gd"))
    history = HeldOutHistory(sim, max_points=64)
    for _ in range(400):
        sim.step_iteration()
        history.record(sim)
    xs, ys = history.points(sim.iteration, sim.P)
    assert len(xs) <= 64 and xs == sorted(xs) and xs[-1] == 400
    assert xs[-16:] == list(range(385, 401))  # the newest quarter, every iteration
