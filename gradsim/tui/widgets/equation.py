"""The equation panel: the lecture's equation of the phase that just ran, with live shapes and values."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content

from ..equations import Line, phase_lines
from ..state import NetInfo, Snapshot
from .text import TextView

STYLES = {
    "": "",
    "eq": "bold $text-primary",
    "name": "$text-accent",
    "shape": "$text-secondary",
    "value": "bold",
    "note": "italic $text-muted",
    "warn": "bold $text-error",
}


def to_content(lines: list[Line]) -> Content:
    return Content("\n").join(Content.assemble(*[(t, STYLES.get(r, "")) for t, r in line]) for line in lines)


class EquationPanel(VerticalScroll, can_focus=False):
    """Shows ``phase_lines`` for the current snapshot; scrolls when they do not fit."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=False)
        self.lines: list[Line] = []
        self.text = TextView(id="equation-text")

    def compose(self):
        yield self.text

    def on_mount(self) -> None:
        self.border_title = "Equation"

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        # the text's new height is this panel's new virtual size: it moves the scrollbar's thumb (below), and
        # asks for no second layout of the screen, which Textual's default would
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def show(self, info: NetInfo, snap: Snapshot) -> None:
        self.lines = phase_lines(info, snap)
        phase = snap.phase
        title = "Equation" if phase is None else f"Equation · {phase.label}"
        subtitle = f"next: {snap.next_phase.label}"
        if (title, subtitle) != (self.border_title, self.border_subtitle):  # setting them repaints the panel
            self.border_title, self.border_subtitle = title, subtitle
        self.text.set(to_content(self.lines), layout=True)
