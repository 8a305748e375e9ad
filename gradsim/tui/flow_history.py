"""Per-layer gradient norms over iterations, for the heat-map (widgets/flowmap.py), in bounded memory.

``add`` takes a snapshot at an iteration's end and keeps its ‖q[l]‖ for every quantity of the gradient-flow
panel (``Snapshot.norms(key)``, the same numbers that panel shows). At most ``capacity`` columns are kept:
when there are more, the older half is thinned to every second column, so a long run keeps all of its
recent iterations and a coarser picture of the old ones (memory O(capacity · L) however long it runs).
A rewind drops the columns past the point on screen (the replay brings the same values back).
Nothing here imports Textual.
"""

from __future__ import annotations

from ..diagnosis import QUANTITIES

CAPACITY = 256


class FlowHistory:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.iterations: list[int] = []
        self.values: list[dict[str, tuple[float, ...]]] = []  # per column: key → ‖key[l]‖, l = 0..L

    def add(self, snap, P: int) -> None:
        """Keep ``snap``'s norms if it is at an iteration's end; forget columns past it."""
        upto = snap.iteration if snap.phase_index == P else snap.iteration - 1
        while self.iterations and self.iterations[-1] > upto:
            self.iterations.pop()
            self.values.pop()
        if snap.iteration < 1 or snap.phase_index != P or (self.iterations and self.iterations[-1] == upto):
            return
        self.iterations.append(snap.iteration)
        self.values.append({key: tuple(snap.norms(key).values()) for key in QUANTITIES})
        if len(self.iterations) > self.capacity:
            half = len(self.iterations) // 2
            self.iterations[:half] = self.iterations[:half][::2]
            self.values[:half] = self.values[:half][::2]

    def series(self, key: str, layer: int) -> list[float]:
        """‖key[layer]‖ in each kept column."""
        return [v[key][layer] for v in self.values]
