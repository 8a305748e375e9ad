"""The main screen's actions that open another screen or change the layout: open, edit, compare, export,
help, and the presenter keys (zoom, the presenter layout, one panel at a time, high contrast).

``DialogActions`` is a mix-in of ``MainScreen``; it uses the screen's ``_stop``, ``_repaint``, ``load``,
``paint``, ``scenario``, ``snap`` and ``info``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario import Scenario


class DialogActions:
    """Actions of the main screen that leave it for a dialog or rearrange it (see the module docstring)."""

    def action_zoom(self) -> None:
        from ..presenter import toggle_zoom

        toggle_zoom(self)

    def action_presenter(self) -> None:
        from ..presenter import toggle_presenter

        toggle_presenter(self)

    def action_next_panel(self) -> None:
        from ..presenter import next_panel

        panel = next_panel(self)
        if panel is not None and self.size.width < 100:
            self.notify(f"{panel.border_title or panel.id} · w next, escape back", timeout=2)

    def action_high_contrast(self) -> None:
        from ..presenter import toggle_theme

        theme = toggle_theme(self.app)
        if self.snap is not None:
            self.paint(self.snap, follow=False)  # the matrices' heat maps start from the theme's surface
        self.notify(f"Theme: {theme}", timeout=2)

    def action_blur(self) -> None:
        """Leave a matrix: the arrow keys choose layers again (and leave Z's presenter layout)."""
        from ..presenter import leave_presenter

        self.set_focus(None)
        leave_presenter(self)

    async def action_open_scenario(self) -> None:
        from .picker import ScenarioPicker

        await self._stop()
        self._repaint(follow=False)
        self.app.push_screen(ScenarioPicker(self.scenario), self._opened)

    async def _opened(self, scenario: Scenario | None) -> None:
        if scenario is not None:
            await self._stop()
            if self.load(scenario):
                self.notify(scenario.summary or scenario.name, title=f"Opened {scenario.name}", timeout=4)

    async def action_edit(self) -> None:
        from .editor import HyperParameterEditor

        await self._stop()
        self._repaint(follow=False)
        self.app.push_screen(HyperParameterEditor(self.scenario), self._edited)

    async def _edited(self, scenario: Scenario | None) -> None:
        if scenario is not None:
            await self._stop()
            if self.load(scenario):
                assert self.info is not None
                self.notify(f"α = {self.info.learning_rate:g}, init {self.info.init}, batch "
                            f"{self.info.batch_size or 'all'}; restarted at iteration 0.", title="Restarted",
                            timeout=4)

    async def action_compare(self) -> None:
        from .compare import open_compare  # compare mode lives in its own screen

        await self._stop()
        self._repaint(follow=False)
        open_compare(self)

    def action_export(self) -> None:
        from ...export import export, targets_beside

        numpy_file, torch_file = targets_beside(self.scenario)
        try:
            export(self.scenario, numpy=numpy_file, torch=torch_file)
        except (OSError, ValueError, ScenarioError) as exc:
            self.notify(str(exc), title="Cannot export", severity="error", timeout=8)
            return
        self.notify(f"{numpy_file} and {torch_file}, each with its .npz beside it", title="Exported", timeout=6)

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())
