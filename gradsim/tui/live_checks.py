"""The scenario's expectations as a live list: pending until the app's run reaches their point, then ✓/✗.

The app's own simulation is never stepped for a check. A shadow ``Simulation`` of the same scenario (same
seed, so the same numbers) is driven forward with ``checks``' driver (``Simulation.run_to``) to each point
the app's run has reached, and ``checks.evaluate_one`` / ``make_lookup`` judge the expectation there,
exactly as ``gradsim check`` does. The shadow only ever moves forward, a little per call (``advance`` takes
a time budget), and each result is kept: a rewind shows the later points as pending again, and reaching
them again shows the same result without any work.

Nothing here imports Textual: the notes screen (screens/notes.py) reads ``rows``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..scenario import Scenario, build_simulation

if TYPE_CHECKING:
    from ..checks import _Driver

Point = tuple[int, int]  # (iteration, phases run in it)


@dataclass(frozen=True)
class Row:
    """One expectation as the list shows it now."""

    label: str
    at: str
    state: str  # "pending", "checking" (the point is reached, the shadow run is catching up), "pass", "fail"
    expected: str
    got: str  # "" while pending
    why: str

    @property
    def mark(self) -> str:
        return {"pass": "✓", "fail": "✗", "checking": "…"}.get(self.state, "·")


class LiveChecks:
    """Expectations of ``scenario`` against the position of the app's run (``advance``, ``rows``)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.P = 2 * scenario.L + 2
        self._sim = None  # the shadow, built on first need
        self._driver: _Driver | None = None
        self._results: dict[int, tuple[bool, str, str]] = {}
        self._end: Point | None = None  # where the run ended (stop_below, a blow-up), once seen
        self.order = sorted(scenario.expectations, key=lambda e: self._target(e) or (math.inf, math.inf))

    def _target(self, e) -> Point | None:
        if e.at.is_end:
            return None
        from ..engine.phases import Phase, position

        return e.at.iteration, position(Phase(e.at.phase, e.at.layer), self.scenario.L)

    def end_point(self) -> Point:
        return self._end or (self.scenario.run.iterations, self.P)

    def saw(self, iteration: int, phase_index: int, stopped: bool) -> None:
        """The app's run is at (iteration, phase_index); ``stopped``: the run's stop rules end it here."""
        if stopped and phase_index == self.P and self._end is None and iteration < self.scenario.run.iterations:
            self._end = (iteration, phase_index)

    def _reached(self, e, pos: Point) -> bool:
        target = self._target(e)
        return pos >= (self.end_point() if target is None else target)

    def advance(self, pos: Point, budget: float | None = 0.02) -> bool:
        """Check every expectation whose point ``pos`` has passed, within ``budget`` seconds (None: all).
        True when a result came in."""
        t0 = time.perf_counter()
        changed = False
        from ..checks import _Driver, evaluate_one, make_lookup  # not on the first screen (docs/benchmarks.md)

        for e in self.order:
            if e.index in self._results or not self._reached(e, pos):
                continue
            if self._sim is None:
                self._sim = build_simulation(self.scenario)
                self._driver = _Driver(self._sim, self.scenario)
            if not self._step_towards(e, t0, budget):
                return changed
            problem = self._driver.reach(e.at)
            if problem:
                self._results[e.index] = (False, "", problem)
            else:
                self._results[e.index] = evaluate_one(e, make_lookup(self._sim))
            changed = True
        return changed

    def _step_towards(self, e, t0: float, budget: float | None) -> bool:
        """Move the shadow towards ``e``'s point an iteration at a time until the budget runs out; True when
        it is there (or the run stopped on the way)."""
        sim, run = self._sim, self.scenario.run
        target = self._target(e) or (run.iterations, self.P)
        while (sim.iteration, sim.phase_index) < (target[0] - 1, self.P) and self._driver.stopped is None:
            if budget is not None and time.perf_counter() - t0 > budget:
                return False
            why = sim.run_to(sim.iteration + 1, self.P, stop_below=run.stop_below, stop_on_blowup=run.stop_on_blowup)
            stop = why or sim.stop_reason(run.stop_below, run.stop_on_blowup)
            if stop is not None and (sim.iteration, sim.phase_index) < target:
                self._driver.stopped = stop
        return True

    def rows(self, pos: Point) -> list[Row]:
        out = []
        for e in self.order:
            at = e.at.describe()
            if e.at.is_end:
                it, _ = self.end_point()
                at = f"end (iteration {it})"
            result = self._results.get(e.index)
            if not self._reached(e, pos):
                out.append(Row(e.label, at, "pending", "", "", e.why))
            elif result is None:
                out.append(Row(e.label, at, "checking", "", "", e.why))
            else:
                passed, expected, got = result
                out.append(Row(e.label, at, "pass" if passed else "fail", expected, got, e.why))
        return out

    def counts(self, pos: Point) -> tuple[int, int, int]:
        """(passed, failed, pending or checking) at ``pos``."""
        rows = self.rows(pos)
        passed = sum(r.state == "pass" for r in rows)
        failed = sum(r.state == "fail" for r in rows)
        return passed, failed, len(rows) - passed - failed
