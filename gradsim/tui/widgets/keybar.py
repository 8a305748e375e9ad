"""The key bar: Textual's Footer, made to keep ``q quit`` on small terminals.

Below 100 columns it takes the compact style (one space between keys); below 90 it also leaves out the
``^p palette`` entry (ctrl+p still opens the palette), which at 80 columns is what makes room for ``q``.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

COMPACT_BELOW = 100
PALETTE_FROM = 90


class KeyBar(Footer):
    def __init__(self, **kwargs) -> None:
        super().__init__(show_command_palette=True, **kwargs)

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        compact, palette = width < COMPACT_BELOW, width >= PALETTE_FROM
        if compact != self.compact:
            self.compact = compact
        if palette != self.show_command_palette:
            self.show_command_palette = palette
