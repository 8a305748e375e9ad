"""The main screen's gradient-history and value-histogram panels (a mix-in, kept apart from main.py).

``h`` puts the layers × iterations heat-map of the gradient-flow panel's quantity and its per-layer curves
(widgets/flowmap.py) in the layer panel's place; ``v`` the selected layer's histograms of A[l] and dZ[l]
(widgets/histogram.py). The history is kept on every paint, shown or not, so it is complete when opened.
"""

from __future__ import annotations

from ..flow_history import FlowHistory
from ..widgets.gradflow import GradientFlow
from .hidden_panels import ensure

PANELS = ("-data", "-flowmap", "-hist")


class PanelActions:
    """Mixed into MainScreen: it provides ``snap``, ``info``, ``selected`` and ``query_one``."""

    def panels_load(self) -> None:
        self.flow_history = FlowHistory()

    def panels_paint(self, snap) -> None:
        info = self.info
        if info is None:
            return
        self.flow_history.add(snap, info.P)
        middle = self.query_one("#middle")
        if middle.has_class("-flowmap"):
            self.query_one("#flowmap").show(self.flow_history, self.query_one(GradientFlow).gradient, info.L)
        if middle.has_class("-hist"):
            self.query_one("#hist").show(snap, self.selected, info.acts[self.selected - 1])

    async def _toggle_panel(self, cls: str) -> None:
        await ensure(self, cls[1:])  # composed on first use (hidden_panels.py)
        middle = self.query_one("#middle")
        shown = not middle.has_class(cls)
        for other in PANELS:
            middle.remove_class(other)
        middle.set_class(shown, cls)
        if self.snap is not None:
            self.paint(self.snap, follow=False)

    async def action_toggle_flowmap(self) -> None:
        await self._toggle_panel("-flowmap")

    async def action_toggle_histogram(self) -> None:
        await self._toggle_panel("-hist")
