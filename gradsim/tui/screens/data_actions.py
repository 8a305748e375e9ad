"""The main screen's data-panel and scenario-notes actions, kept apart from main.py (a mix-in).

``d`` puts the data panel (widgets/data.py) in the layer panel's place and back; ``[`` / ``]`` select the
example it shows; ``s`` opens the scenario's notes and its expectations as a live list (screens/notes.py).
"""

from __future__ import annotations

from ..live_checks import LiveChecks
from .hidden_panels import ensure, existing


class DataActions:
    """Mixed into MainScreen: it provides ``sim``, ``snap``, ``info``, ``scenario`` and ``query_one``."""

    def data_load(self, sim, scenario) -> None:
        """A new simulation: the panel takes its data (read-only arrays, never written), now if it is composed,
        else when d first composes it."""
        self._data_source = (sim, scenario.data.params)
        panel = existing(self, "data")
        if panel is not None:
            self._data_set(panel)

    def _data_set(self, panel) -> None:
        from ..dataview import DataSource

        sim, params = self._data_source
        panel.set_source(DataSource.of(sim, params), sim.heldout)

    def notes_load(self, scenario) -> None:
        """A new scenario: a fresh live list of its expectations (its shadow run is built when first needed)."""
        self.live_checks = LiveChecks(scenario)

    def notes_paint(self, snap) -> None:
        """Tell the live list where the run is, and whether the run's stop rules end it here."""
        checks = getattr(self, "live_checks", None)
        if checks is None:
            return
        run = self.scenario.run
        stopped = snap.halted or (run.stop_on_blowup and snap.blowup is not None) or (
            run.stop_below is not None and snap.J is not None and snap.J < run.stop_below)
        checks.saw(snap.iteration, snap.phase_index, stopped)

    @property
    def position(self) -> tuple[int, int]:
        """(iteration, phases run in it) of the picture on screen."""
        return (self.snap.iteration, self.snap.phase_index) if self.snap is not None else (0, 0)

    def action_notes(self) -> None:
        from .notes import NotesScreen

        self.app.push_screen(NotesScreen(self))

    def data_paint(self, snap) -> None:
        panel = existing(self, "data")
        if panel is not None and panel.display and self.info is not None:
            panel.show(snap, self.info.L)

    async def action_toggle_data(self) -> None:
        panel, new = await ensure(self, "data")
        if new:
            self._data_set(panel)
        middle = self.query_one("#middle")
        middle.remove_class("-flowmap", "-hist")
        middle.toggle_class("-data")
        shown = middle.has_class("-data")
        if shown and self.snap is not None:
            self.data_paint(self.snap)  # the panel's border title says what it is: no toast (it would time out)

    async def _example(self, step: int) -> None:
        panel = existing(self, "data")
        if panel is None or not panel.display:
            await self.action_toggle_data()
            panel = existing(self, "data")
        panel.select(step)

    async def action_previous_example(self) -> None:
        await self._example(-1)

    async def action_next_example(self) -> None:
        await self._example(1)
