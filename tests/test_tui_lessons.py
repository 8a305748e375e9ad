"""The lesson screen driven through Pilot: narration at its phase, a prompt that blocks N until met, the
walk from the first step to the second, the state file, and the picker in the lesson's order."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("textual")

from textual.widgets import OptionList  # noqa: E402

from gradsim.lessons import lesson_order, load_lesson  # noqa: E402
from gradsim.tui.lesson_app import LessonApp  # noqa: E402
from gradsim.tui.screens.lesson import LessonScreen, NarrationPanel  # noqa: E402
from gradsim.tui.widgets import StatusBar  # noqa: E402

SIZE = (160, 48)


def panel(app) -> NarrationPanel:
    return app.screen.query_one(NarrationPanel)


async def test_walk_the_bundled_lesson_from_step_1_to_step_2(tmp_path):
    lesson = load_lesson()
    state = tmp_path / "lessons.json"
    app = LessonApp(lesson, 0, state)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert panel(app).border_title == f"Lesson 1/{len(lesson.steps)} · {lesson.steps[0].title}"
        assert panel(app).text.startswith("One sigmoid unit looks at every pixel")
        assert json.loads(state.read_text())["lecture"]["step"] == 0

        # N is refused while the step's prompt is not met: still step 1, same scenario
        await pilot.press("N")
        await pilot.pause()
        assert screen.index == 0 and screen.scenario.name == "needle-logistic"

        # space, space: forward l=1 then the loss; the loss's narration and its prompt appear at that phase
        await pilot.press("space")
        await pilot.pause()
        assert panel(app).text.startswith("Z[1] = W[1] A[0] + b[1]")
        await pilot.press("space")
        await pilot.pause()
        assert "phase 2/4 loss" in screen.query_one(StatusBar).text
        assert panel(app).text.startswith("J is the mean of the m logistic losses")
        assert "☐ Try this: Press i to finish iteration 1" in panel(app).text

        await pilot.press("i")  # the prompt: reach the update of iteration 1
        await pilot.pause()
        assert "phase 4/4 update" in screen.query_one(StatusBar).text
        assert "✓ Try this: Press i to finish iteration 1" in panel(app).text

        await pilot.press("N")
        await pilot.pause()
        assert screen.index == 1 and screen.scenario.name == "needles-multilabel"
        assert "iteration 0" in screen.query_one(StatusBar).text and screen.sim.iteration == 0
        assert panel(app).border_title.startswith(f"Lesson 2/{len(lesson.steps)} · Three sigmoids")
        assert panel(app).text.startswith("Three output units")
        assert "☐ Try this: Press r to train" in panel(app).text
        assert json.loads(state.read_text())["lecture"] == {"step": 1, "scenario": "needles-multilabel",
                                                          "of": len(lesson.steps)}
        await pilot.press("N")  # blocked again: the key prompt
        await pilot.pause()
        assert screen.index == 1
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert not screen.running and screen.sim.iteration >= 1
        assert "✓ Try this: Press r to train" in panel(app).text
        await pilot.press("P")  # back to step 1 (no prompt check going back)
        await pilot.pause()
        assert screen.index == 0 and screen.scenario.name == "needle-logistic"


async def test_resume_at_a_later_step_and_open_the_picker_in_lesson_order(tmp_path):
    lesson = load_lesson()
    app = LessonApp(lesson, 4, tmp_path / "s.json")
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.scenario.name == "three-layer-cache"
        await pilot.press("o")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        order = lesson_order()
        assert ids[: len(order)] == order
        assert options.get_option_at_index(options.highlighted).id == "three-layer-cache"
        options.highlighted = ids.index("needles-softmax")
        await pilot.press("enter")
        await pilot.pause()
        # a scenario of the lesson opened from the picker moves the lesson to its step
        assert app.screen.index == 2 and app.screen.scenario.name == "needles-softmax"
        assert panel(app).border_title.startswith("Lesson 3/")
