"""Pictures of the app (pytest-textual-snapshot): three scenarios, each at a fixed phase.

The snapshots live in tests/__snapshots__/test_tui_snapshots/. After a deliberate change to the app's
look, regenerate them with

    python -m pytest tests/test_tui_snapshots.py --snapshot-update

and look at snapshot_report.html (or the SVGs) before committing. Nothing on screen depends on time:
there is no clock, the scenarios are seeded, and the steps are key presses.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_textual_snapshot")

from gradsim.scenario import load_scenario, with_overrides  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from tui_scenarios import diverging, three_layer  # noqa: E402

SIZE = (160, 48)


def keys(*names: str):
    """A run_before that presses ``names`` one by one and lets the app settle."""

    async def run_before(pilot) -> None:
        for name in names:
            await pilot.press(name)
        await pilot.pause()

    return run_before


def test_exploding_linear_at_forward_l10(snap_compare):
    """W[l] = 1.5·I: A[10] = 57.665·x and the ‖A[l]‖ bars climbing a decade and a half."""
    app = GradsimApp(load_scenario("exploding-linear"))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*["space"] * 10))


def test_three_layer_at_backward_l2(snap_compare):
    """Iteration 3 of a sigmoid 3-layer net, backward l=2: the chain rule through σ' = A(1 − A)."""
    app = GradsimApp(three_layer())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("i", "i", *["space"] * 6))


def test_diverging_after_blow_up(snap_compare):
    """Learning rate 0.5 on a linear net: J climbs, then Z[2] overflows in iteration 15 and the banner
    names it."""
    app = GradsimApp(diverging())
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*["i"] * 15))


# --------------------------------------------------------------------------------- the data panel
DATA_SIZE = (110, 36)


def test_data_panel_decision_regions(snap_compare):
    """three-layer-cache after 10 iterations: the moons over the network's decision regions."""
    app = GradsimApp(load_scenario("three-layer-cache"))
    assert snap_compare(app, terminal_size=DATA_SIZE, run_before=keys("d", *["i"] * 10))


def test_data_panel_needle_images(snap_compare):
    """needle-logistic after 5 iterations: example 1 as a 5×5×3 image beside W[1]'s row."""
    app = GradsimApp(load_scenario("needle-logistic"))
    assert snap_compare(app, terminal_size=DATA_SIZE, run_before=keys("d", "right_square_bracket", *["i"] * 5))


def test_data_panel_regression(snap_compare):
    """relu-regression-l2 with one input, after 10 iterations: ŷ(x) as a curve over the targets."""
    app = GradsimApp(with_overrides(load_scenario("relu-regression-l2"), [("data.inputs", 1)]))
    assert snap_compare(app, terminal_size=DATA_SIZE, run_before=keys("d", *["i"] * 10))


def test_exploding_linear_after_backward(snap_compare):
    """After backward l=1: ‖dZ[l]‖ ×1.50 between every pair of layers and the verdict naming the explosion."""
    app = GradsimApp(load_scenario("exploding-linear"))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*["space"] * 21))


def test_saturation_unnormalised_after_backward(snap_compare):
    """Raw bright pixels: every σ unit of layer 1 saturated, dA shrinking ×1e-34 through it; the output's
    share in brackets (confident, not saturated)."""
    app = GradsimApp(load_scenario("saturation-unnormalised"))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*["space"] * 5))


def test_presenter_layout_at_the_update(snap_compare):
    """Z on three-layer-cache at the update: the equation (every line) above the layer panel, whole width."""
    app = GradsimApp(load_scenario("three-layer-cache"))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("i", "Z"))
