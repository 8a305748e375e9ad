"""The lesson screen: the main screen with a narration panel and two more keys (N, P) that walk the path.

Narration appears when the run reaches its point; N moves on only once the step's "try this" prompts
are met (``gradsim.lessons.Progress`` keeps the score; nothing here decides it). Every step entered is
written to the state file, so ``gradsim lesson`` resumes there.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from ...lessons import Lesson, Progress, save_step
from ...scenario import Scenario
from ..state import Snapshot
from ..widgets.status import StatusBar
from .main import MainScreen


class NarrationPanel(Static):
    """The step's title, the narration the run has reached, and the current "try this" prompt."""

    DEFAULT_CSS = """
    NarrationPanel {
        height: auto;
        max-height: 8;
        border: round $secondary;
        border-title-color: $text-secondary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.text = ""

    def show(self, lesson: Lesson, index: int, progress: Progress) -> None:
        step = lesson.steps[index]
        self.border_title = f"Lesson {index + 1}/{len(lesson.steps)} · {step.title}"
        self.border_subtitle = "N next step · P previous step"
        parts: list[tuple[str, str]] = []
        if progress.current is not None:
            parts.append((progress.current.text, ""))
        else:
            parts.append((step.scenario.summary or step.scenario.name, "$text-muted"))
        prompt = progress.prompt()
        if prompt is not None:
            n, met = prompt
            assert n.trial is not None
            mark = "✓ " if met else "☐ "
            parts += [("\n", ""), (mark + "Try this: ", "bold $text-success" if met else "bold $text-warning"),
                      (n.trial.prompt, "")]
        self.text = "".join(t for t, _ in parts)
        self.update(Content.assemble(*parts))


class LessonScreen(MainScreen):
    """MainScreen on the current step's scenario, with the narration panel above the status bar."""

    BINDINGS = [
        # not in the key bar (it would push q off at 80 columns): the narration panel's border names them
        Binding("N", "next_step", "next step", show=False),
        Binding("P", "previous_step", "previous step", show=False),
    ]

    def __init__(self, lesson: Lesson, index: int = 0, state_file: Path | None = None) -> None:
        super().__init__(lesson.steps[index].scenario)
        self.lesson = lesson
        self.index = index
        self.state_file = state_file
        self.progress = Progress(lesson.steps[index])
        save_step(lesson, index, state_file)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, StatusBar):
                yield NarrationPanel(id="narration")
            yield widget

    # -------------------------------------------------------------------------------- the path
    def _enter(self, index: int) -> None:
        self.index = index
        self.progress = Progress(self.lesson.steps[index])
        save_step(self.lesson, index, self.state_file)

    def load(self, scenario: Scenario) -> bool:
        """As the main screen's; a scenario of the lesson opened from the picker moves to its step."""
        found = self.lesson.index_of(scenario.name)
        if found is not None and found != self.index:
            self._enter(found)
        return super().load(scenario)

    def paint(self, snap: Snapshot, follow: bool = True) -> None:
        super().paint(snap, follow)
        self.progress.observe(snap.iteration, snap.phase_index, self.scenario.doc)
        self.query_one(NarrationPanel).show(self.lesson, self.index, self.progress)

    def on_key(self, event: events.Key) -> None:
        self.progress.pressed(event.key)  # the binding still runs: nothing is stopped here
        if self.snap is not None:
            self.query_one(NarrationPanel).show(self.lesson, self.index, self.progress)

    async def action_next_step(self) -> None:
        pending = self.progress.pending()
        if pending is not None:
            assert pending.trial is not None
            self.notify(pending.trial.prompt, title="Try this before moving on", severity="warning", timeout=5)
            return
        if self.index + 1 >= len(self.lesson.steps):
            self.notify(f"That was the last step of “{self.lesson.title}”.", title="Lesson complete", timeout=5)
            return
        await self._go(self.index + 1)

    async def action_previous_step(self) -> None:
        if self.index == 0:
            self.notify("This is the first step.", timeout=3)
            return
        await self._go(self.index - 1)

    async def _go(self, index: int) -> None:
        await self._stop()
        self._enter(index)
        step = self.lesson.steps[index]
        if self.load(step.scenario):
            self.notify(step.scenario.summary or step.scenario.name,
                        title=f"Step {index + 1}/{len(self.lesson.steps)}: {step.scenario.name}", timeout=4)
