"""The main screen's panels that start hidden, composed on first use (the first screen does without them).

The data panel (d), the gradient history (h) and the value histograms (v) take the layer panel's place only
when asked for; composing them at start cost their imports, their styles and, for the history's curves,
a plotext figure, on every start-up (docs/benchmarks.md, start-up). ``ensure`` mounts one into ``#middle``
(before the side column; one of them shows at a time) and waits until it is composed, so the key that
asks for it shows it on its first press.
"""

from __future__ import annotations

from importlib import import_module

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget

PANELS = {  # id: (module under gradsim.tui.widgets, class)
    "data": ("data", "DataPanel"),
    "flowmap": ("flowmap", "FlowMapPanel"),
    "hist": ("histogram", "ValueHistogram"),
}


def existing(screen: Screen, panel_id: str) -> Widget | None:
    """The panel if it has been composed, else None."""
    try:
        return screen.query_one(f"#{panel_id}")
    except NoMatches:
        return None


async def ensure(screen: Screen, panel_id: str) -> tuple[Widget, bool]:
    """The panel, mounted now if it was not yet; and whether it is new."""
    panel = existing(screen, panel_id)
    if panel is not None:
        return panel, False
    module, name = PANELS[panel_id]
    panel = getattr(import_module(f"gradsim.tui.widgets.{module}"), name)(id=panel_id)
    await screen.query_one("#middle").mount(panel, before="#side")
    return panel, True
