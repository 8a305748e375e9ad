"""The gradsim Textual app: ``GradsimApp(scenario).run()``."""

from __future__ import annotations

import gc

from textual.app import App

from ..scenario import Scenario
from .commands import GradsimCommands
from .screens.main import MainScreen


class GradsimApp(App[None]):
    """Step through backprop phase by phase on one scenario (another can be opened from inside)."""

    CSS_PATH = "gradsim.tcss"
    TITLE = "gradsim"
    COMMANDS = App.COMMANDS | {GradsimCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.sub_title = scenario.name

    def on_load(self) -> None:
        """No garbage collection until the first screen is painted: start-up allocates ~10^5 objects that live
        as long as the app, and the collector walked them 100+ times, gen-2 passes included (~50-90 ms of
        the first screen, docs/benchmarks.md). _freeze_startup_objects (or unmounting) turns it on again."""
        gc.disable()

    def on_mount(self) -> None:
        self.call_after_refresh(self._freeze_startup_objects)

    def on_unmount(self) -> None:
        gc.enable()  # an app that ended before its first paint

    def _freeze_startup_objects(self) -> None:
        """After the first screen: the ~10^5 objects of Textual, the widgets and the scenario live as long as
        the app, yet every full (generation 2) collection walked them all — 110 ms in the middle of a key's
        repaint, the p95 of key-to-repaint (docs/benchmarks.md). Frozen, later collections skip them.

        First what the first screen did without (docs/benchmarks.md, start-up): plotext for the loss curve
        (widgets/lazy_plot.py), so that the first key press does not pay its import."""
        from .widgets.lazy_plot import LazyPlot

        for plot in self.screen.query(LazyPlot):
            plot.warm()
        gc.collect()
        gc.freeze()
        gc.enable()

    def action_command_palette(self) -> None:
        """The palette, with ⌕ for its search icon: Chromium draws Textual's magnifier emoji only from an emoji font,
        so the served app showed a blank (gradsim/tui/glyphs.py)."""
        super().action_command_palette()
        self.call_after_refresh(self._plain_search_icon)

    def _plain_search_icon(self) -> None:
        from textual.command import SearchIcon

        for icon in self.screen.query(SearchIcon):
            icon.icon = "⌕"

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.scenario)

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog that is open)."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not on the stack")
