"""Lessons: the bundled path, narration and "try this" prompts, the state file, `gradsim lesson`, and a
Pilot walk from the first step to the second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.errors import ScenarioError
from gradsim.lessons import (
    Progress, bundled_lessons, in_lesson_order, lesson_order, load_lesson, save_step, saved_step, state_path,
)
from gradsim.engine.phases import Phase, position
from gradsim.scenario import list_bundled, load_scenario
from gradsim.scenario.loader import loads_scenario

ROOT = Path(__file__).resolve().parent.parent
LECTURE_PATH = ["needle-logistic", "needles-multilabel", "needles-softmax", "relu-regression-l2",
                "three-layer-cache", "backprop-dw3", "saturation-unnormalised", "saturation-normalised",
                "exploding-linear", "vanishing-linear", "no-activation-collapse"]


def invoke(*args: str, **kw):
    return CliRunner().invoke(gradsim, [str(a) for a in args], **kw)


# ------------------------------------------------------------------------------------- the lesson
def test_bundled_lesson_follows_the_lecture():
    lesson = load_lesson()
    assert bundled_lessons() == ["lecture"]
    names = [s.scenario.name for s in lesson.steps]
    assert names[: len(LECTURE_PATH)] == LECTURE_PATH
    assert names.index("symmetry-equal-weights") < names.index("batch-gd") < names.index("broadcasting") \
        < names.index("adam-ill-conditioned") == len(names) - 1
    assert lesson_order() == names
    assert set(names) <= {n for n, _ in list_bundled()}
    # every step's narration is in the order of its points, and the first step has prompts
    for step in lesson.steps:
        points = [(n.at.iteration, n.at.k) for n in step.narration]
        assert points == sorted(points)
    assert lesson.steps[0].trials and lesson.steps[1].trials[0].trial.key == "r"


def test_narration_points_are_phase_table_positions():
    step = load_lesson().steps[4]  # three-layer-cache, L = 3
    assert step.scenario.name == "three-layer-cache"
    n = step.narration[1]
    assert (n.at.iteration, n.at.k) == (1, position(Phase("forward", 3), 3)) == (1, 3)
    assert n.trial.reach.k == position(Phase("backward", 1), 3) == 7


def test_picker_order_is_the_lessons():
    items = [("zeta", ""), ("needles-softmax", "s"), ("alpha", ""), ("needle-logistic", "l")]
    assert [n for n, _ in in_lesson_order(items)] == ["needle-logistic", "needles-softmax", "zeta", "alpha"]


SCENARIO = """\
# A one-unit net
seed = 1
loss = "logistic"
[network]
layers = [{{ n = 1, activation = "sigmoid" }}]
[data]
kind = "explicit"
X = [[0.0, 1.0, 2.0]]
Y = [[0.0, 1.0, 1.0]]
[run]
iterations = 5
{extra}
"""


def test_a_scenario_file_may_carry_narration():
    sc = loads_scenario(SCENARIO.format(extra='[[narration]]\nat = { iteration = 2, phase = "loss" }\n'
                                              'text = "J at iteration 2"\n'))
    assert sc.doc["narration"][0]["text"] == "J at iteration 2"


@pytest.mark.parametrize("extra, field", [
    ('[[narration]]\nat = { iteration = 9 }\ntext = "x"', "narration[0].at.iteration"),
    ('[[narration]]\nat = { iteration = 1, phase = "loss", layer = 1 }\ntext = "x"', "narration[0].at.layer"),
    ('[[narration]]\nat = "begin"\ntext = "x"', "narration[0].at"),
    ('[[narration]]\ntext = ""', "narration[0].text"),
    ('[[narration]]\ntext = "x"\ntry = { prompt = "p", key = "r", reach = "start" }', "narration[0].try"),
    ('[[narration]]\ntext = "x"\ntry = { prompt = "p", key = "r", below = 1 }', "narration[0].try"),
    ('[[narration]]\ntext = "x"\nsay = 1', "narration[0].say"),
])
def test_bad_narration_names_the_field(extra, field):
    with pytest.raises(ScenarioError) as err:
        loads_scenario(SCENARIO.format(extra=extra))
    assert err.value.field == field, str(err.value)


def test_bad_narration_in_a_file_is_one_line_exit_2(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(SCENARIO.format(extra='[[narration]]\nat = { iteration = 1, phase = "sideways" }\ntext = "x"'))
    r = invoke("show", f)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "bad.toml" in r.stderr and "narration[0].at.phase" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_lesson_file_is_one_line_exit_2(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('title = "t"\n[[step]]\nscenario = "needle-logistc"\n')
    r = invoke("lesson", f, "--list")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "mine.toml" in r.stderr and "step[0].scenario" in r.stderr and "needle-logistic" in r.stderr
    r = invoke("lesson", "lectur")
    assert r.exit_code == 2 and "did you mean 'lecture'?" in r.stderr


def test_lesson_file_with_a_local_scenario(tmp_path):
    (tmp_path / "one.toml").write_text(SCENARIO.format(
        extra='[[narration]]\ntext = "from the scenario"\n[[narration]]\nat = { iteration = 1 }\ntext = "late"'))
    (tmp_path / "path.toml").write_text('title = "Mine"\n[[step]]\nscenario = "one.toml"\n'
                                        '[[step.narration]]\nat = { iteration = 1, phase = "forward" }\n'
                                        'text = "from the lesson"\n')
    lesson = load_lesson(tmp_path / "path.toml")
    texts = [n.text for n in lesson.steps[0].narration]
    assert texts == ["from the scenario", "from the lesson", "late"]  # ordered by point: start, k=1, k=P


def test_lesson_list_prints_one_line_per_step():
    r = invoke("lesson", "--list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == len(load_lesson().steps)
    assert lines[0].split()[:2] == ["1", "needle-logistic"]
    r = invoke("lesson", "--step", "99")
    assert r.exit_code == 2 and "past the last step" in r.stderr


# --------------------------------------------------------------------------------- prompts, state
def test_progress_prompts():
    lesson = load_lesson()
    p = Progress(lesson.steps[0])  # needle-logistic: L = 1, P = 4
    assert p.observe(0, 0, lesson.steps[0].scenario.doc).text.startswith("One sigmoid unit")
    assert p.pending() is not None and p.prompt() is None  # a prompt not shown yet still blocks
    p.observe(1, 2, {})
    assert p.current.text.startswith("J is the mean") and p.prompt()[1] is False
    p.observe(1, 4, {})
    assert p.pending() is None and p.prompt()[1] is True
    p.observe(0, 0, {})  # a reset does not undo it
    assert p.pending() is None

    key = Progress(lesson.steps[1])
    key.pressed("r")  # before its narration is shown: does not count
    key.observe(0, 0, {})
    assert key.pending() is not None
    key.pressed("r")
    assert key.pending() is None

    sym = lesson.steps[lesson.index_of("symmetry-equal-weights")]
    field = Progress(sym)
    field.observe(0, 0, sym.scenario.doc)
    assert field.pending() is not None
    field.observe(0, 0, {**sym.scenario.doc, "init": {"weights": "xavier_uniform"}})
    assert field.pending() is None

    gd = lesson.steps[lesson.index_of("gd-ill-conditioned")]
    below = Progress(gd)
    below.observe(0, 0, {**gd.scenario.doc, "optimizer": {"learning_rate": 1.0}})
    assert below.pending() is not None
    below.observe(0, 0, {**gd.scenario.doc, "optimizer": {"learning_rate": 0.5}})
    assert below.pending() is None


def test_state_file_in_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert state_path() == tmp_path / "data" / "gradsim" / "lessons.json"
    lesson = load_lesson()
    assert saved_step(lesson) == 0
    save_step(lesson, 3)
    assert saved_step(lesson) == 3
    data = json.loads(state_path().read_text())
    assert data["lecture"] == {"step": 3, "scenario": lesson.steps[3].scenario.name, "of": len(lesson.steps)}
    state_path().write_text("{not json")
    assert saved_step(lesson) == 0  # a damaged file starts over, it does not crash
    state_path().write_text(json.dumps({"lecture": {"step": 999}}))
    assert saved_step(lesson) == 0


def test_lessons_ship_in_the_wheel():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"gradsim.lessons_bundled" = "lessons"' in text and '"gradsim.lessons_bundled" = ["*.toml"]' in text
    assert (ROOT / "lessons" / "lecture.toml").is_file()


def test_docs_show_the_bundled_lesson_and_its_errors(tmp_path):
    doc = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
    lecture = (ROOT / "lessons" / "lecture.toml").read_text(encoding="utf-8")
    for line in ('title = "Neural networks, in the order of the lecture"', 'scenario = "needle-logistic"',
                 'at = { iteration = 1, phase = "loss" }',
                 'try = { prompt = "Press i to finish iteration 1 (backward and the update).", '
                 'reach = { iteration = 1, phase = "update" } }'):
        assert line in lecture and line in doc, line
    f = tmp_path / "bad.toml"
    f.write_text(SCENARIO.format(extra='[[narration]]\nat = { iteration = 1, phase = "sideways" }\ntext = "x"'))
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    quoted = "narration[0].at.phase: expected one of forward, loss, backward,\nupdate; got 'sideways'"
    assert " ".join(quoted.split()) in str(err.value) and quoted in doc
