"""The equation panel: the lecture's equation of the phase that just ran, with live shapes and values.

A Line-API widget (``ScrollView``): it wraps its text into strips once per change (or width) and draws
them with ``render_line``. The number of lines changes with the phase, and with it the scrollable height;
in the normal layout the panel's own size does not, so a new text sets the virtual size without asking
for a layout of the screen (a child ``height: auto`` text made every such key lay the screen out again).
Only where the panel's height follows its text (the presenter layout, ``height: auto``) does a new line
count lay out.
"""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from ..equations import Line, phase_lines
from ..state import NetInfo, Snapshot

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


class EquationPanel(ScrollView, can_focus=False):
    """Shows ``phase_lines`` for the current snapshot; scrolls when they do not fit."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Line] = []
        self._content = Content("")
        self._strips: list[Strip] | None = None  # the content wrapped at _wrap_width
        self._wrap_width = -1

    @property
    def content(self) -> Content:
        return self._content

    def on_mount(self) -> None:
        self.border_title = "Equation"

    def show(self, info: NetInfo, snap: Snapshot) -> None:
        self.lines = phase_lines(info, snap)
        phase = snap.phase
        title = "Equation" if phase is None else f"Equation · {phase.label}"
        subtitle = f"next: {snap.next_phase.label}"
        if (title, subtitle) != (self.border_title, self.border_subtitle):  # setting them repaints the panel
            self.border_title, self.border_subtitle = title, subtitle
        content = to_content(self.lines)
        if content == self._content:
            return
        self._content, self._strips = content, None
        self._fit()
        self.refresh()

    # -------------------------------------------------------------------------------- the strips
    def _wrapped(self, width: int) -> list[Strip]:
        if self._strips is None or width != self._wrap_width:
            self._wrap_width = width
            self._strips = Visual.to_strips(self, self._content, width, None, self.visual_style) if width > 0 else []
        return self._strips

    def _text_width(self) -> int:
        return self.scrollable_content_region.width

    def _fit(self) -> None:
        """The virtual size follows the wrapped text; a layout only when the panel's height follows it too."""
        width = self._text_width()
        if width <= 0:
            return
        size = Size(width, len(self._wrapped(width)))
        if size == self.virtual_size:
            return
        if self.styles.is_auto_height:
            self.virtual_size = size  # the presenter layout: the panel grows with its lines
        else:
            self.set_reactive(Widget.virtual_size, size)  # the scrollbar's range; nothing else moves
            self._scroll_update(size)
            if self.scroll_y > self.max_scroll_y:
                self.set_scroll(None, self.max_scroll_y)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrapped(width - self.styles.scrollbar_size_vertical))

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout=False)
        self._fit()  # a new width wraps the text again
        return changed

    def render_line(self, y: int) -> Strip:
        width = self._text_width()
        strips = self._wrapped(width)
        i = y + self.scroll_offset.y
        style = RichStyle(bgcolor=self.visual_style.rich_style.bgcolor)  # the pad: background only, as before
        if 0 <= i < len(strips):
            return strips[i].adjust_cell_length(width, style)
        return Strip.blank(width, style)
