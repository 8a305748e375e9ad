"""Panels drawn line by line through Textual's Line API, one cached ``Strip`` per line.

A panel says what each line shows as ``(text, style)`` parts (``build_lines``); ``update_lines`` compares
them with the lines on screen and repaints only the lines whose parts changed (``refresh(Region)``), so the
compositor and Textual's styles cache redo only those; an unchanged line costs one tuple comparison.
Strips are also kept by their parts (a bounded memo), so a state the panel showed before (stepping
through the phases of the next iteration) renders nothing at all. The cache is dropped when the width,
the panel's style or the theme changes (``t``, the high-contrast theme, resolves ``$accent`` anew).
"""

from __future__ import annotations

from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

Part = tuple[str, str]
LineKey = tuple[Part, ...]
MEMO = 512  # strips kept by their parts; cleared when full


class CachedLines(Widget):
    """A widget whose content is ``build_lines(width, height)``, drawn and repainted line by line."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: list[LineKey] | None = None  # what the screen shows, line by line
        self._memo: dict[LineKey, Strip] = {}
        self._env: tuple | None = None

    def build_lines(self, width: int, height: int) -> list[LineKey]:
        """The parts of each line at this content size (subclasses)."""
        raise NotImplementedError

    def render(self) -> Content:
        """All the lines as one ``Content`` (what the strips show; the screen draws them with render_line)."""
        width, height = self._content_size()
        return Content("\n").join(Content.assemble(*key) for key in self.build_lines(width, height))

    def _content_size(self) -> tuple[int, int]:
        region = self.content_region
        return (region.width or self.size.width, region.height or self.size.height)

    def update_lines(self) -> None:
        """The panel's state changed: repaint the lines it changed (all of them before the first paint)."""
        width, height = self._content_size()
        old = self._keys
        if not self.is_mounted or not width or old is None:
            self._keys = None
            self.refresh()
            return
        new = self.build_lines(width, height)
        self._keys = new
        if len(new) != len(old):
            self.refresh()
            return
        for y, (a, b) in enumerate(zip(old, new)):
            if a != b:
                self.refresh(Region(0, y, width, 1))

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if changed:
            self._keys = None  # built again at the new size on the next paint
        return changed

    def render_line(self, y: int) -> Strip:
        width, height = self._content_size()
        env = (width, self.visual_style, self.app.theme)
        if env != self._env:
            self._env, self._memo = env, {}
        if self._keys is None:
            self._keys = self.build_lines(width, height)
        style = self.visual_style.rich_style
        if y >= len(self._keys):
            return Strip.blank(width, style)
        key = self._keys[y]
        strip = self._memo.get(key)
        if strip is None:
            if len(self._memo) >= MEMO:
                self._memo.clear()
            content = Content.assemble(*key)
            strip = Visual.to_strips(self, content, width, 1, self.visual_style)[0]
            strip = strip.adjust_cell_length(width, RichStyle(bgcolor=style.bgcolor))
            self._memo[key] = strip
        return strip
