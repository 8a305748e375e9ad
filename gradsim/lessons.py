"""Lessons: an ordered path of scenarios with narration, loaded from TOML, and where a student stopped.

A lesson file (the bundled ones live in lessons/, shipped as ``gradsim.lessons_bundled``)::

    title = "Neural networks, as the lecture goes"
    summary = "From one sigmoid unit to the optimisers, one scenario per idea."

    [[step]]
    scenario = "needle-logistic"          # a bundled name, or a path relative to the lesson file
    title = "One needle"                  # optional; the scenario's summary otherwise

    [[step.narration]]                    # as a scenario's own [[narration]] (gradsim.scenario.narration)
    at = { iteration = 1, phase = "loss" }
    text = "..."
    try = { prompt = "Press i to finish the iteration.", reach = { iteration = 1, phase = "update" } }

A step's narration is the scenario file's own ``[[narration]]`` followed by the step's, ordered by point.
The state file (``lessons.json`` in the user's data directory: platformdirs, which honours
``XDG_DATA_HOME``) remembers the step each lesson was left at.

No Textual here: ``gradsim lesson`` and the app's lesson screen both read this module.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ScenarioError, did_you_mean
from .scenario import Scenario, load_scenario
from .scenario.fields import _err, check_keys, join, string
from .scenario.loader import bundled_dir
from .scenario.narration import Narration, read_narration

DEFAULT_LESSON = "lecture"
MAX_STEPS = 100


BUNDLED_DIR = bundled_dir("lessons_bundled", "lessons")


@dataclass(frozen=True)
class Step:
    scenario: Scenario
    title: str
    narration: tuple[Narration, ...]

    @property
    def trials(self) -> tuple[Narration, ...]:
        return tuple(n for n in self.narration if n.trial is not None)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    source: Path | None = None

    def index_of(self, scenario_name: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.scenario.name == scenario_name:
                return i
        return None


def bundled_lessons() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml")) if BUNDLED_DIR.is_dir() else []


def resolve(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    p = Path(text)
    if "\0" not in text and p.is_file():
        return p
    if "/" in text or "\\" in text or text.endswith(".toml"):
        raise ScenarioError("an existing lesson file", repr(text), file=text)
    if text in bundled_lessons():
        return BUNDLED_DIR / f"{text}.toml"
    raise ScenarioError("a lesson file or one of the bundled lessons (" + ", ".join(bundled_lessons()) + ")",
                        repr(text), file=text, hint=did_you_mean(text, bundled_lessons()))


def load_lesson(name_or_path: str | Path = DEFAULT_LESSON) -> Lesson:
    """A bundled lesson by name, or a lesson file; a ScenarioError naming the file and field otherwise."""
    path = resolve(name_or_path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError("a readable UTF-8 lesson file", type(exc).__name__, file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("valid TOML", str(exc), file=path) from None
    try:
        return _validate(doc, path)
    except ScenarioError as exc:
        raise exc.with_file(path) from None


def _validate(doc: dict, path: Path) -> Lesson:
    check_keys(doc, ("title", "summary", "step"), "")
    title = string(doc, "title", "")
    summary = string(doc, "summary", "", default="")
    raw = doc.get("step")
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise _err("step", "one or more [[step]] tables", got="none" if raw is None else str(type(raw).__name__))
    if len(raw) > MAX_STEPS:
        raise _err("step", f"at most {MAX_STEPS} steps", got=str(len(raw)))
    steps = []
    for i, entry in enumerate(raw):
        p = join("step", i)
        check_keys(entry, ("scenario", "title", "narration"), p)
        ref = string(entry, "scenario", p)
        local = path.parent / ref
        try:
            scenario = load_scenario(local if ref.endswith(".toml") and local.is_file() else ref)
        except ScenarioError as exc:
            raise _err(join(p, "scenario"), "a scenario that loads (" + str(exc) + ")", ref) from None
        own = read_narration(scenario.doc.get("narration"), "narration", scenario.L, scenario.run.iterations)
        extra = read_narration(entry.get("narration"), join(p, "narration"), scenario.L, scenario.run.iterations)
        narration = tuple(sorted(own + extra, key=lambda n: (n.at.iteration, n.at.k)))
        steps.append(Step(scenario, string(entry, "title", p, default=scenario.summary or scenario.name), narration))
    return Lesson(path.stem, title, summary, tuple(steps), path)


def lesson_order(name: str = DEFAULT_LESSON) -> list[str]:
    """The scenario names of a bundled lesson in its order (read without building anything); [] if absent."""
    try:
        doc = tomllib.loads(resolve(name).read_text(encoding="utf-8"))
    except (ScenarioError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    out: list[str] = []
    for entry in doc.get("step", []) if isinstance(doc.get("step"), list) else []:
        ref = entry.get("scenario") if isinstance(entry, dict) else None
        if isinstance(ref, str) and ref not in out:
            out.append(Path(ref).stem if ref.endswith(".toml") else ref)
    return out


def in_lesson_order(items: list[tuple[str, str]], name: str = DEFAULT_LESSON) -> list[tuple[str, str]]:
    """(name, summary) pairs: the lesson's scenarios first, in its order, then the rest as they came."""
    rank = {n: i for i, n in enumerate(lesson_order(name))}
    return sorted(items, key=lambda item: (rank.get(item[0], len(rank)),))


# ------------------------------------------------------------------------------------ the state file
def state_path() -> Path:
    """``lessons.json`` in the user's data directory (``$XDG_DATA_HOME/gradsim`` on Linux)."""
    try:
        from platformdirs import user_data_path

        return user_data_path("gradsim", appauthor=False) / "lessons.json"
    except ImportError:  # pragma: no cover - platformdirs is a dependency; the XDG rule by hand
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "gradsim" / "lessons.json"


def _read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def saved_step(lesson: Lesson, path: Path | None = None) -> int:
    """The step (0-based) ``lesson`` was left at; 0 when there is none or the file is damaged."""
    entry = _read_state(path or state_path()).get(lesson.name)
    step = entry.get("step") if isinstance(entry, dict) else None
    if isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(lesson.steps):
        return step
    return 0


def save_step(lesson: Lesson, step: int, path: Path | None = None) -> None:
    """Remember ``step`` for ``lesson`` (a temporary file beside the target, then a rename)."""
    path = path or state_path()
    data = _read_state(path)
    data[lesson.name] = {"step": int(step), "scenario": lesson.steps[step].scenario.name,
                         "of": len(lesson.steps)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: the lesson still runs, it only forgets where it was


# ------------------------------------------------------------------------------- progress in a step
class Progress:
    """What a student has reached and done in one step: which narration shows, which prompts are met.

    ``observe`` is called with the run's position and the scenario's document after every repaint,
    ``pressed`` with every key. A prompt, once met, stays met (a restart by the editor does not undo it);
    a ``key`` prompt counts only once its narration has been shown.
    """

    def __init__(self, step: Step) -> None:
        self.step = step
        self.reached: set[int] = set()
        self.done: set[int] = set()
        self.current: Narration | None = None

    def observe(self, iteration: int, phase_index: int, doc) -> Narration | None:
        self.current = None
        original = self.step.scenario.doc
        for i, n in enumerate(self.step.narration):
            if n.at.reached(iteration, phase_index):
                self.reached.add(i)
                self.current = n
            t = n.trial
            if t is None or i in self.done:
                continue
            if t.reach is not None and t.reach.reached(iteration, phase_index):
                self.done.add(i)
            elif t.field is not None and i in self.reached:
                from .scenario.narration import lookup

                if t.field_ok(doc, lookup(original, t.field)):
                    self.done.add(i)
        return self.current

    def pressed(self, key: str) -> None:
        for i in self.reached:
            t = self.step.narration[i].trial
            if t is not None and t.key == key:
                self.done.add(i)

    def pending(self) -> Narration | None:
        """The first prompt of the step not met yet (shown or not), or None: the student may move on."""
        for i, n in enumerate(self.step.narration):
            if n.trial is not None and i not in self.done:
                return n
        return None

    def prompt(self) -> tuple[Narration, bool] | None:
        """The prompt to show: the first shown one not met, else the last shown one (met)."""
        shown = [i for i in sorted(self.reached) if self.step.narration[i].trial is not None]
        for i in shown:
            if i not in self.done:
                return self.step.narration[i], False
        return (self.step.narration[shown[-1]], True) if shown else None
