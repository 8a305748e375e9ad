"""Two simulations that step together, phase by phase: the app's compare mode.

Every move (a phase, an iteration, a rewind, a reset) is made on both, and a move that only one of them
can make (one run halted on non-finite parameters, or reached the end of its rewind history) is undone
on the other, so the two always stand at the same (iteration, phase). The two nets must have the same
depth (the same phase table), so that "forward l = 3" means the same place in both.

NumPy only: no Textual, no click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation


class Lockstep:
    def __init__(self, a: "Simulation", b: "Simulation") -> None:
        if a.P != b.P:
            raise ValueError(f"lockstep needs the same number of phases: P = {a.P} and P = {b.P} "
                             "(compare nets of the same depth)")
        self.a, self.b = a, b

    @property
    def sims(self) -> tuple["Simulation", "Simulation"]:
        return self.a, self.b

    @property
    def position(self) -> tuple[int, int]:
        """(iteration, phase_index) of both (they are always equal)."""
        return self.a.iteration, self.a.phase_index

    @property
    def in_step(self) -> bool:
        return (self.a.iteration, self.a.phase_index) == (self.b.iteration, self.b.phase_index)

    def _restore(self, where: tuple[int, int]) -> None:
        for sim in self.sims:
            if (sim.iteration, sim.phase_index) != where:
                if where == (0, sim.P):
                    sim.reset()
                else:
                    sim.goto(*where)

    def step(self) -> bool:
        """The next phase on both; False (and neither moved) when either has halted."""
        if self.a.halted or self.b.halted:
            return False
        before = self.position
        ra, rb = self.a.step(), self.b.step()
        if ra is None or rb is None:
            self._restore(before)
            return False
        return True

    def step_iteration(self) -> bool:
        """Finish the current iteration on both, or run a whole new one."""
        if self.a.halted or self.b.halted:
            return False
        before = self.position
        ra, rb = self.a.step_iteration(), self.b.step_iteration()
        if not ra or not rb or not self.in_step:
            self._restore(before)
            return False
        return True

    def step_back(self) -> bool:
        """One phase back on both; False (and neither moved) at the start or beyond either's history."""
        before = self.position
        ok_a, ok_b = self.a.step_back(), self.b.step_back()
        if not (ok_a and ok_b) or not self.in_step:
            self._restore(before)
            return False
        return True

    def reset(self) -> None:
        for sim in self.sims:
            sim.reset()
