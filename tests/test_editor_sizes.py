"""The editor's seed and hidden layer sizes: field-path overrides like the rest, the same net as a file."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from textual.widgets import Input  # noqa: E402

from gradsim.errors import ScenarioError  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.scenario.overrides import apply_assignments  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.scenarios import HyperParameters, overrides_for, parse_sizes, sizes_text  # noqa: E402
from gradsim.tui.screens import HyperParameterEditor  # noqa: E402


def test_sizes_text_round_trips():
    assert sizes_text((3, 2)) == "3, 2" and sizes_text((128,) * 10) == "128×10" and sizes_text(()) == ""
    assert parse_sizes("128×10") == (128,) * 10 == parse_sizes("128x10") == parse_sizes("128*10")
    assert parse_sizes("4, 8×2, 3") == (4, 8, 8, 3)
    for text in ("4, a", "4×0", "4×x"):
        with pytest.raises(ScenarioError, match="hidden sizes"):
            parse_sizes(text)


def test_depth_and_seed_overrides_equal_the_hand_written_ones():
    sc = load_scenario("init-he-relu")
    hp = HyperParameters.of(sc)
    assert hp.hidden == (128,) * 10 and hp.seed == 0
    changed = overrides_for(sc, HyperParameters(**{**hp.__dict__, "hidden": (64, 64, 32), "seed": 4}))
    by_hand = apply_assignments(sc, ["seed=4", "expect=[]", "network.layers=[{ n = 64, activation = 'relu' }, "
                                     "{ n = 64, activation = 'relu' }, { n = 32, activation = 'relu' }, "
                                     "{ n = 1, activation = 'linear' }]"])
    from gradsim.scenario import with_overrides

    a, b = build_simulation(with_overrides(sc, changed)), build_simulation(by_hand)
    assert a.n == b.n == [128, 64, 64, 32, 1] and a.seed == 4
    for pa, pb in zip(a.params, b.params, strict=True):
        assert np.array_equal(pa, pb)
    assert overrides_for(sc, hp) == [("optimizer.learning_rate", 0.001), ("optimizer.batch_size", None)]


async def test_editor_changes_sizes_and_seed_and_refuses_bad_sizes():
    app = GradsimApp(load_scenario("three-layer-cache"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, HyperParameterEditor)
        sizes, seed = editor.query_one("#edit-sizes", Input), editor.query_one("#edit-seed", Input)
        assert sizes.value == "3, 2" and seed.value == "0"
        sizes.value = "3, nope"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is editor and "hidden sizes: expected sizes such as" in str(
            editor.query_one("#editor-error").render())
        sizes.value = "5×3"
        seed.value = "9"
        await pilot.click("#edit-apply")
        await pilot.pause()
        sim = app.main.sim
        assert app.screen is app.main and sim.n == [2, 5, 5, 5, 1] and sim.seed == 9 and sim.iteration == 0
        want = build_simulation(apply_assignments(load_scenario("three-layer-cache"), [
            "seed=9", "expect=[]", "network.layers=[{ n = 5, activation = 'sigmoid' }, { n = 5, activation = 'sigmoid' }, "
            "{ n = 5, activation = 'sigmoid' }, { n = 1, activation = 'sigmoid' }]"]))
        assert np.array_equal(sim.param("W[2]"), want.param("W[2]"))
