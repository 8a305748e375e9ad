"""A text widget that repaints without asking for a new layout.

``Static.update`` always re-flows the layout, which costs a full arrangement of the screen. The panels
change their text up to ten times a second while training runs, but never their size, so they use
``TextView``: its height comes from CSS (``height: 1`` or ``1fr``), and ``set`` only repaints.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class TextView(Widget):
    """Shows one ``Content``; ``set`` repaints only when the content changed."""

    DEFAULT_CSS = """
    TextView { height: 1; }
    """

    def __init__(self, content: Content | str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = Content(content) if isinstance(content, str) else content

    @property
    def content(self) -> Content:
        return self._content

    @property
    def plain(self) -> str:
        return self._content.plain

    def set(self, content: Content | str, layout: bool = False) -> None:
        """Show ``content``; ``layout`` when the widget's height follows its text (``height: auto``)."""
        content = Content(content) if isinstance(content, str) else content
        if content == self._content:
            return
        width = self.content_region.width
        if layout and width and self.is_mounted:  # a new layout only when the height really changes
            layout = content.get_height(self.styles, width) != self._content.get_height(self.styles, width)
        self._content = content
        self.refresh(layout=layout)

    def render(self) -> Content:
        return self._content

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        # Textual sets a widget's virtual size after each layout, and a new one asks for another layout: a
        # second pass over the whole screen. A text view has no children, so its new size needs none.
        return super()._size_updated(size, virtual_size, container_size, layout=False)
