"""J over the held-out examples per iteration, for the loss panel's second curve.

``record`` is called by whoever owns the simulation at that moment (the training worker after each
iteration, the UI thread after a key press); it evaluates ``J_test`` with ``engine.evaluate`` (a forward pass
of its own, with the parameters the iteration's batch J used) at an iteration's end and keeps it by
iteration. A rewind and a replay give the same numbers, so the values stay valid until another scenario is
loaded; ``points`` returns those of the iterations finished at the point on screen. A lock guards the dict
across the two threads. Memory is bounded however long the run: past ``MAX_POINTS`` values the older half is
thinned to every second one (the newest quarter is always kept whole), like the engine's J history.
"""

from __future__ import annotations

import threading
import time

from ..engine import evaluate


MAX_POINTS = 4096


class HeldOutHistory:
    def __init__(self, sim, max_points: int = MAX_POINTS) -> None:
        self.max_points = max_points
        self.applies = sim.heldout is not None
        self.P = sim.P
        self._values: dict[int, float] = {}
        self._lock = threading.Lock()
        self._last = 0.0  # when the last value was computed (perf_counter)

    def record(self, sim, min_interval: float = 0.0) -> None:
        """J_test of the iteration ``sim`` has just finished (nothing mid-iteration, before iteration 1, or
        without a held-out split, or when this iteration is already known). The training worker passes a
        ``min_interval`` in seconds: at top speed a forward pass per iteration would halve the speed, so the
        curve then samples the iterations (at most 1/min_interval a second); at 10 it/s it has every one."""
        if not self.applies or sim.iteration < 1 or sim.phase_index != sim.P or sim.iteration in self._values:
            return
        now = time.perf_counter()
        if min_interval and now - self._last < min_interval:
            return
        self._last = now
        value = evaluate.metrics(sim, ("J_test",))["J_test"]
        with self._lock:
            self._values[sim.iteration] = value
            if len(self._values) > self.max_points:
                self._thin()

    def _thin(self) -> None:
        """Drop every second value of the older three quarters (call with the lock held)."""
        keys = sorted(self._values)
        old = keys[: len(keys) * 3 // 4]
        for k in old[1::2]:
            del self._values[k]

    def points(self, iteration: int, phase_index: int) -> tuple[list[int], list[float]]:
        """(iterations, J_test) of the iterations finished at the point (iteration, phase_index), in order."""
        upto = iteration if phase_index == self.P else iteration - 1
        with self._lock:
            items = sorted((k, v) for k, v in self._values.items() if k <= upto)
        return [k for k, _ in items], [v for _, v in items]
