"""A plotext plot that imports plotext on its first real draw: textual-plotext's ``PlotextPlot`` minus the import.

``import plotext`` costs ~50 ms (its module-level figure, its docs, ``_strptime``), a fifth of a minimal Textual
app's whole start-up, and the first screen has no curve to draw yet. Until something asks for ``plt``, the
widget renders a one-line ``placeholder`` (the empty plot's title); ``warm()`` (called by the main screen once
the first screen is painted) builds the plot, so the first key press finds plotext imported. Rendering and
themes are textual-plotext 1.0.1's own (``PlotextPlot.render`` / ``_register_theme``), reached through the
``Plot`` object it provides.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget


class LazyPlot(Widget):
    """Draws like ``textual_plotext.PlotextPlot`` (the ``auto`` theme); plotext is imported by ``plt``."""

    DEFAULT_CSS = """
    LazyPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._plot: Any = None
        self.placeholder = ""

    @property
    def plotted(self) -> bool:
        """Whether plotext has been imported and the plot built."""
        return self._plot is not None

    @property
    def plt(self) -> Any:
        """textual-plotext's ``Plot`` (built, and plotext imported, on first use)."""
        if self._plot is None:
            from textual_plotext.plot import Plot

            self._plot = Plot()
            if self.is_mounted:
                self.app.theme_changed_signal.subscribe(self, lambda theme: self._register_theme(theme.name))
                self._register_theme(self.app.theme)
        return self._plot

    def on_mount(self) -> None:
        if self._plot is not None:  # built before mounting
            self.app.theme_changed_signal.subscribe(self, lambda theme: self._register_theme(theme.name))
            self._register_theme(self.app.theme)

    def warm(self) -> None:
        """Build the plot now (imports plotext); subclasses redraw themselves."""
        self.plt

    def _theme_name(self, app_theme_name: str) -> str:
        return f"textual-auto-{app_theme_name}"

    def _register_theme(self, app_theme_name: str) -> None:
        from plotext._dict import themes
        from textual.color import Color
        from textual_plotext.plot import _rgbify_theme, _sequence

        name = self._theme_name(app_theme_name)
        if name not in themes:
            variables = self.app.theme_variables
            surface = Color.parse(variables.get("surface")).rgb
            themes[name] = _rgbify_theme(surface, surface, Color.parse(variables.get("foreground")).rgb,
                                         "default", _sequence)
        self.refresh()

    def render(self) -> RenderResult:
        plot = self._plot
        if plot is None:
            return Text(self.placeholder.center(self.size.width).rstrip(), style="bold")
        plot.plotsize(self.size.width, self.size.height)
        plot._set_size(self.size.width, self.size.height)
        plot.theme(self._theme_name(self.app.theme))
        return Text.from_ansi(plot.build())
