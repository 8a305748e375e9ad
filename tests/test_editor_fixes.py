"""The editor's learning-rate schedule and gradient transforms: the names are the SCHEDULES and TRANSFORMS
registries', the values field-path overrides like the rest (a bad one gets the file's message), and the
restarted simulation is the one a file with those tables builds."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

from textual.widgets import Input, Select  # noqa: E402

from gradsim.engine.schedules import SCHEDULES, ScheduleSpec  # noqa: E402
from gradsim.engine.transforms import TRANSFORMS  # noqa: E402
from gradsim.errors import ScenarioError  # noqa: E402
from gradsim.scenario import build_simulation, load_scenario  # noqa: E402
from gradsim.scenario.overrides import apply_assignments  # noqa: E402
from gradsim.tui.app import GradsimApp  # noqa: E402
from gradsim.tui.scenarios import HyperParameters, overrides_for  # noqa: E402
from gradsim.tui.screens import HyperParameterEditor  # noqa: E402
from gradsim.tui.update_fields import parse_params, parse_transforms, transforms_text  # noqa: E402


def test_the_chain_text_round_trips():
    tables = ({"name": "weight_decay", "lambda": 3.0}, {"name": "clip_norm", "max_norm": 0.5}, {"name": "clip_value"})
    text = transforms_text(tables)
    assert text == "weight_decay(lambda = 3.0); clip_norm(max_norm = 0.5); clip_value"
    assert parse_transforms(text) == tables and parse_transforms("  ") == ()
    with pytest.raises(ScenarioError, match="transforms: expected transforms such as"):
        parse_transforms("clip norm")
    with pytest.raises(ScenarioError, match="schedule parameters: expected parameters such as"):
        parse_params("gamma = ", "schedule parameters")


def test_an_untouched_form_adds_no_schedule_or_transform_override():
    for name in ("warmup-adam", "weight-decay-overfit", "three-layer-cache"):
        sc = load_scenario(name)
        assert [k for k, _ in overrides_for(sc, HyperParameters.of(sc))] == ["optimizer.learning_rate",
                                                                            "optimizer.batch_size"]


def test_a_new_optimiser_keeps_the_schedule():
    sc = load_scenario("warmup-adam")
    hp = HyperParameters.of(sc)
    from dataclasses import replace

    from gradsim.tui.scenarios import with_hyperparameters

    assert with_hyperparameters(sc, replace(hp, optimizer="momentum")).optimizer.schedule == sc.optimizer.schedule


async def settle(pilot, done, tries=50):
    """Pause until ``done()`` holds (a restart on a loaded machine can take more than one pause)."""
    for _ in range(tries):
        if done():
            return
        await pilot.pause()


async def open_editor(app, pilot):
    await pilot.press("e")
    await pilot.pause()
    editor = app.screen
    assert isinstance(editor, HyperParameterEditor)
    return editor


async def test_editor_changes_the_schedule_and_adds_a_transform():
    app = GradsimApp(load_scenario("warmup-adam"))
    async with app.run_test(size=(160, 48)) as pilot:
        editor = await open_editor(app, pilot)
        pick = editor.query_one("#edit-schedule", Select)
        params = editor.query_one("#edit-schedule-params", Input)
        chain = editor.query_one("#edit-transforms", Input)
        assert pick.value == "warmup" and params.value == "warmup = 200" and chain.value == ""
        assert [v for _, v in pick._options] == list(SCHEDULES)
        pick.value = "step"
        await pilot.pause()
        assert params.value == "gamma = 0.5, step_size = 100"  # the registry's defaults
        params.value = "gamma = 0.25, step_size = 3"
        chain.value = "clip_norm(max_norm = 0.5); weight_decay(lambda = 0.1)"
        old = app.main.sim
        editor.action_apply()  # what the Apply button and ctrl+s call
        await settle(pilot, lambda: app.screen is app.main and app.main.sim is not old)
        sim = app.main.sim
        assert app.screen is app.main and sim.iteration == 0
        assert sim.optimizer.schedule == ScheduleSpec("step", gamma=0.25, step_size=3)
        assert [s.name for s in sim.transforms.specs] == ["clip_norm", "weight_decay"]
        want = build_simulation(apply_assignments(load_scenario("warmup-adam"), [
            'optimizer.schedule={ name = "step", gamma = 0.25, step_size = 3 }',
            'transform=[{ name = "clip_norm", max_norm = 0.5 }, { name = "weight_decay", lambda = 0.1 }]']))
        sim.run(4)
        want.run(4)
        assert sim.J_history == want.J_history
        for a, b in zip(sim.params, want.params, strict=True):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("text, words", [
    ("clip_norm(max_norm = -1)", "transform[0].max_norm: expected a number > 0"),
    ("clip_everything", "transform[0].name"),
    ("clip_norm(max_norm = )", "transforms: clip_norm: expected parameters such as"),
])
async def test_a_bad_transform_gets_the_files_message(text, words):
    app = GradsimApp(load_scenario("diverging-clipped"))
    async with app.run_test(size=(160, 48)) as pilot:
        editor = await open_editor(app, pilot)
        editor.query_one("#edit-transforms", Input).value = text
        editor.action_apply()  # what the Apply button and ctrl+s call
        await pilot.pause()
        assert app.screen is editor
        assert words in str(editor.query_one("#editor-error").render())


async def test_a_bad_schedule_value_gets_the_files_message_and_removing_the_clip_works():
    app = GradsimApp(load_scenario("diverging-clipped"))
    async with app.run_test(size=(160, 48)) as pilot:
        editor = await open_editor(app, pilot)
        assert editor.query_one("#edit-transforms", Input).value == "clip_norm(max_norm = 0.5)"
        editor.query_one("#edit-schedule", Select).value = "warmup"
        await pilot.pause()
        editor.query_one("#edit-schedule-params", Input).value = "warmup = 0"
        editor.action_apply()  # what the Apply button and ctrl+s call
        await pilot.pause()
        assert app.screen is editor and "optimizer.schedule.warmup" in str(editor.query_one("#editor-error").render())
        editor.query_one("#edit-schedule", Select).value = "constant"
        await pilot.pause()
        assert editor.query_one("#edit-schedule-params", Input).value == ""
        editor.query_one("#edit-transforms", Input).value = ""
        old = app.main.sim
        editor.action_apply()  # what the Apply button and ctrl+s call
        await settle(pilot, lambda: app.screen is app.main and app.main.sim is not old)
        assert app.screen is app.main, str(editor.query_one("#editor-error").render())
        assert not app.main.sim.transforms
        assert app.main.sim.optimizer.schedule.constant
        assert set(TRANSFORMS) >= {"clip_norm"}
