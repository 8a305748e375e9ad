"""What one phase computed (``Record``), the first array that went non-finite (``BlowUp``), and the state
an iteration starts from (``Start``): the immutable values a Simulation hands out and keeps for rewind."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import Activation, fraction_dead, fraction_saturated
from .phases import Phase
from .stats import ArrayStats, array_stats

Array = np.ndarray


@dataclass(frozen=True)
class BlowUp:
    """The first array that went non-finite: where and when."""

    iteration: int
    phase: str
    layer: int | None
    array: str

    def describe(self) -> str:
        where = self.phase if self.layer is None else f"{self.phase} l={self.layer}"
        return f"{self.array} went non-finite first, in {where} of iteration {self.iteration}"


class Record:
    """What one phase computed. Arrays are read-only references; statistics are computed on demand.

    Arrays are marked read-only when they are first handed out (``arrays``), not when they are made:
    the engine itself never writes into them, and sealing ~20 arrays per iteration that a headless run
    never looks at would cost a fifth of a small net's iteration.
    """

    __slots__ = ("iteration", "index", "kind", "layer", "_arrays", "J", "_stats", "_sealed", "activation")

    def __init__(self, iteration: int, index: int, kind: str, layer: int | None, arrays: dict,
                 J: float | None = None, activation: Activation | None = None):
        self.iteration = iteration
        self.index = index
        self.kind = kind
        self.layer = layer
        self._arrays = arrays
        self.J = J
        self.activation = activation  # g[l]'s registry entry, on forward records
        self._stats: dict[str, ArrayStats] | None = None
        self._sealed = False

    @property
    def arrays(self) -> dict[str, Array]:
        if not self._sealed:
            readonly(*self._arrays.values())
            self._sealed = True
        return self._arrays

    @property
    def phase(self) -> Phase:
        return Phase(self.kind, self.layer)

    @property
    def stats(self) -> dict[str, ArrayStats]:
        if self._stats is None:
            self._stats = {name: array_stats(a) for name, a in self.arrays.items()}
        return self._stats

    @property
    def unit_stats(self) -> dict[str, float]:
        """On a forward record: the fractions of saturated sigmoid/tanh and dead ReLU units of Z[l], A[l]."""
        if self.kind != "forward" or self.activation is None:
            return {}
        arrays, l = self.arrays, self.layer
        Z, A = arrays.get(f"Ztilde[{l}]", arrays[f"Z[{l}]"]), arrays[f"A[{l}]"]  # batch norm: g reads Ztilde
        return {"fraction_saturated": fraction_saturated(self.activation, Z, A),
                "fraction_dead": fraction_dead(self.activation, Z, A)}

    @property
    def nonfinite(self) -> list[str]:
        """Names of this record's arrays holding inf or NaN (and "J" if the cost is not finite)."""
        bad = [name for name, s in self.stats.items() if not s.finite]
        if self.J is not None and not math.isfinite(self.J):
            bad.append("J")
        return bad

    def __repr__(self) -> str:
        return f"Record(iteration={self.iteration}, {Phase(self.kind, self.layer).label}, arrays={list(self.arrays)})"


class Start(NamedTuple):
    """The state at the start of an iteration: all that is needed to replay it."""

    iteration: int
    params: tuple
    opt_state: tuple
    blowup: BlowUp | None
    halted: bool
    running: tuple = ()  # batch norm's running statistics (l, (running_mu, running_var)) at that start


def readonly(*arrays: Array) -> None:
    for a in arrays:
        if a.flags.writeable:
            a.flags.writeable = False


