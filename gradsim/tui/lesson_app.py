"""The app opened on a lesson: ``LessonApp(lesson, step).run()`` (``gradsim lesson``)."""

from __future__ import annotations

from pathlib import Path

from ..lessons import Lesson
from .app import GradsimApp
from .screens.lesson import LessonScreen


class LessonApp(GradsimApp):
    """GradsimApp whose first screen walks ``lesson`` from step ``index`` (0-based)."""

    def __init__(self, lesson: Lesson, index: int = 0, state_file: Path | None = None) -> None:
        super().__init__(lesson.steps[index].scenario)
        self.lesson = lesson
        self.index = index
        self.state_file = state_file

    def get_default_screen(self) -> LessonScreen:
        return LessonScreen(self.lesson, self.index, self.state_file)
