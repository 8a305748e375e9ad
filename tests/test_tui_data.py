"""The data panel (tui/widgets/data.py, tui/dataview.py), driven through Pilot: what it draws follows the
parameters, fits the inputs, and never disturbs the simulation."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from gradsim.scenario import load_scenario  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.widgets.data import DataPanel  # noqa: E402

SIZE = (120, 40)


def panel(app) -> DataPanel:
    return app.main.query_one(DataPanel)


async def show_data(pilot) -> None:
    await pilot.press("d")
    await pilot.pause()


def rendered(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_regions_change_with_training_and_more_cells_fall_on_the_right_side():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=SIZE) as pilot:
        await show_data(pilot)
        p = panel(app)
        assert p.display and not app.main.query_one("#layer").display
        assert p.view["mode"] == "regions"
        before, share0 = p.view["pixels"].copy(), p.view["correct_share"]
        sim = app.main.sim
        J_history = list(sim.J_history)
        sim.run(200)
        assert list(sim.J_history[:0]) == J_history  # (nothing before: a fresh run)
        app.main._repaint(follow=False)
        await pilot.pause()
        after, share200 = p.view["pixels"], p.view["correct_share"]
        assert before.shape == after.shape and not np.array_equal(before, after)
        assert share200 > share0
        assert "accuracy" in rendered(app)
        # the panel's forward passes left the simulation's records alone: a rewind gives the same J
        J = sim.J_history[-1]
        assert sim.goto(200, sim.P) and sim.J_history[-1] == J


async def test_needle_images_have_the_image_shape():
    sc = load_scenario("needle-logistic")
    app = GradsimApp(sc)
    async with app.run_test(size=SIZE) as pilot:
        await show_data(pilot)
        p = panel(app)
        assert p.view["mode"] == "image"
        d = sc.data.params
        shape = (d["height"], d["width"], 3)
        labels = [label for label, _ in p.view["images"]]
        assert labels[0] == "x(0)" and labels[1:] == [f"W[1] row {j}" for j in range(sc.n[1])]
        assert all(s == shape for _, s in p.view["images"])
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert p.example == 1 and p.view["images"][0][0] == "x(1)"


async def test_no_activation_collapse_equals_the_output():
    app = GradsimApp(load_scenario("no-activation-collapse"))
    async with app.run_test(size=SIZE) as pilot:
        await show_data(pilot)
        sim = app.main.sim
        sim.run(50)
        app.main._repaint(follow=False)
        await pilot.pause()
        W, B, mapped, A = panel(app).view["collapse"]
        P = sim.params
        assert np.allclose(W, P[4] @ P[2] @ P[0], rtol=1e-13, atol=1e-15)
        assert np.allclose(B, P[4] @ P[2] @ P[1] + P[4] @ P[3] + P[5], rtol=1e-13, atol=1e-15)
        assert np.allclose(mapped, A, rtol=1e-12, atol=1e-14)
        # A[L] of the panel is the net's own output for that column (independent NumPy)
        x = sim.X[:, :1]
        out = P[4] @ (P[2] @ (P[0] @ x + P[1]) + P[3]) + P[5]
        assert np.allclose(A, out, rtol=1e-12)
        assert "W·x + B" in rendered(app) and "= A[3]" in rendered(app)


async def test_anything_else_is_x_and_y_with_the_selected_column():
    app = GradsimApp(load_scenario("exploding-linear"))
    async with app.run_test(size=SIZE) as pilot:
        await show_data(pilot)
        p = panel(app)
        assert p.view["mode"] == "matrix"
        assert "X[0]" in rendered(app) and "Y[0]" in rendered(app)
        await pilot.press("d")
        await pilot.pause()
        assert not p.display and app.main.query_one("#layer").display


async def test_small_terminal_still_draws():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(80, 24)) as pilot:
        await show_data(pilot)
        assert panel(app).view["mode"] == "regions"
        assert "accuracy" in rendered(app)
