"""What the panels read: an immutable picture of a Simulation at one moment.

The engine's ``Simulation`` is not thread-safe and its cache dict grows as phases run, so the app never
lets a widget hold the simulation. Whoever owns the simulation at the moment (the UI thread when a person
steps, the training worker while it runs) calls ``take_snapshot`` and hands the result over. A snapshot
holds *references* to the engine's arrays (they are read-only and never written again) in a dict of its
own, plus the few numbers the panels need, so taking one costs a few microseconds beyond the norms.

Nothing here imports Textual: these are plain dataclasses the tests can build and inspect directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from collections.abc import Mapping

import numpy as np

from ..display import norm
from ..engine import Activation, BlowUp, HistoryView, Phase, ScheduleSpec, Simulation
from ..equations import Equation, equations

Array = np.ndarray


@dataclass(frozen=True)
class NetInfo:
    """The fixed shape of a simulation: what does not change while it runs."""

    name: str
    summary: str
    n: tuple[int, ...]  # n[0..L]
    activations: tuple[str, ...]  # g[1..L] names
    acts: tuple[Activation, ...]  # g[1..L] registry entries: what the panels ask of each activation
    symbols: tuple[str, ...]  # g[1..L] as the lecture writes them (σ, tanh, ReLU, ...)
    loss: str
    loss_formula: str
    optimizer: str
    learning_rate: float
    batch_size: int | None
    batch_kind: str  # batch | stochastic | mini-batch
    init: str  # one line: the initialiser(s)
    m: int  # examples in the data set
    batch: int  # columns per iteration
    P: int  # phases per iteration
    phases: tuple[Phase, ...]
    run_iterations: int
    stop_below: float | None
    seed: int
    schedule: ScheduleSpec = ScheduleSpec()  # the learning-rate schedule α(t) (engine/schedules.py)
    skips: tuple[int, ...] = ()  # k per layer (0: none): A[l] = g(Z[l]) + A[l−k]
    batch_norm: tuple[bool, ...] = ()  # per layer: Ztilde[l] = gamma ⊙ Zhat[l] + beta (engine/batchnorm.py)
    param_keys: tuple[str, ...] = ()  # W[1], b[1], ..., W[L], b[L], then gamma[l], beta[l]

    def bn(self, l: int) -> bool:
        return bool(self.batch_norm) and self.batch_norm[l - 1]

    dropout: tuple[float, ...] = ()  # p per layer (0: none): A[l] = g(Z[l]) ⊙ M[l] / (1 − p)

    def skip(self, l: int) -> int:
        return self.skips[l - 1] if self.skips else 0

    def proj(self, l: int) -> bool:
        """Does layer l's skip go through a projection Ws[l] (engine/projection.py)?"""
        return f"Ws[{l}]" in self.param_keys

    def drop(self, l: int) -> float:
        return self.dropout[l - 1] if self.dropout else 0.0

    @property
    def L(self) -> int:
        return len(self.n) - 1

    def rate(self, t: int) -> float:
        """α(t) at iteration t (α itself before iteration 1 and under the constant schedule)."""
        return self.schedule.rate_fn(self.learning_rate)(max(t, 1))

    @classmethod
    def of(cls, sim: Simulation, *, name: str = "scenario", summary: str = "", init: str | None = None,
           run_iterations: int = 100, stop_below: float | None = None) -> "NetInfo":
        if init is None:
            names = sorted({spec.name for spec in sim.init})  # "explicit" where W was given
            init = ", ".join(names)
        opt = sim.optimizer
        return cls(
            name=name,
            summary=summary,
            n=tuple(sim.n),
            activations=tuple(a.name for a in sim.acts),
            acts=tuple(sim.acts),
            skips=tuple(sim.skips),
            dropout=tuple(sim.dropout),
            batch_norm=tuple(bn is not None for bn in sim.bns),
            param_keys=sim.param_keys,
            symbols=tuple(a.symbol for a in sim.acts),
            loss=sim.loss.name,
            loss_formula=sim.loss.formula,
            optimizer=opt.name,
            learning_rate=opt.learning_rate,
            batch_size=opt.batch_size,
            batch_kind=opt.kind,
            init=init,
            m=sim.m,
            batch=sim.batches.size,
            P=sim.P,
            phases=tuple(sim.phases),
            run_iterations=run_iterations,
            stop_below=stop_below,
            seed=sim.seed,
            schedule=opt.schedule,
        )


@dataclass(frozen=True)
class LayerFlow:
    """Per-layer numbers for the gradient-flow panel (NaN where not computed in this iteration yet)."""

    A: float  # ‖A[l]‖
    dW: float  # ‖dW[l]‖
    dZ: float  # ‖dZ[l]‖
    saturated: float  # fraction of saturated σ/tanh entries of A[l]
    dead: float  # fraction of dead ReLU units of layer l
    dA: float = math.nan  # ‖dA[l]‖ (dA[L] = dŷ from the loss)
    db: float = math.nan  # ‖db[l]‖
    dgamma: float = math.nan  # ‖dgamma[l]‖ of a batch-norm layer


NAN = math.nan


@dataclass(frozen=True)
class Snapshot:
    """The state after ``phase_index`` phases of ``iteration`` (0 phases = the iteration's start)."""

    iteration: int
    phase_index: int  # phases done in this iteration, 0..P
    phase: Phase | None  # the phase that ran last (None at the very start)
    next_phase: Phase
    arrays: Mapping[str, Array]  # this iteration's cache: X, Y, A[0], W[l], b[l], Z[l], A[l], dZ[l], ...
    updated: Mapping[str, Array] | None  # new W[l], b[l] when the last phase was the update
    J: float | None
    J_history: HistoryView  # bounded copy: J at each kept iteration (engine/history.py)
    blowup: BlowUp | None
    halted: bool
    flow: tuple[LayerFlow, ...]  # l = 1..L
    equations: tuple[Equation, ...] = ()  # the last phase's lines, as `gradsim step` prints them
    #                                       (at an iteration's start: the next phase's, shapes only)
    running: bool = False
    speed: str = ""
    inputs: LayerFlow = LayerFlow(NAN, NAN, NAN, NAN, NAN)  # l = 0: ‖A[0]‖ = ‖X‖ and ‖dA[0]‖ = ‖W[1]ᵀ dZ[1]‖

    @property
    def started(self) -> bool:
        return self.iteration > 0

    @property
    def focus_layer(self) -> int | None:
        """The layer the last phase worked on (L for the loss), or None."""
        if self.phase is None:
            return None
        if self.phase.layer is not None:
            return self.phase.layer
        return None

    def get(self, name: str) -> Array | None:
        return self.arrays.get(name)

    def norms(self, key: str) -> dict[int, float]:
        """‖key[l]‖ by layer, l = 0..L (A and dA have a layer 0; the others are NaN there)."""
        rows = (self.inputs, *self.flow)
        return {l: getattr(f, key) for l, f in enumerate(rows)}


def take_snapshot(sim: Simulation, *, running: bool = False, speed: str = "") -> Snapshot:
    """An immutable picture of ``sim`` now. Call it only from the thread that owns the simulation."""
    arrays = dict(sim.arrays)
    for name, p in zip(sim.param_keys, sim.params):  # before iteration 1 the cache is empty, but W[l], b[l] exist
        arrays.setdefault(name, p)
    last = sim.last_record
    updated = MappingProxyType(dict(last.arrays)) if last is not None and last.kind == "update" else None
    flow = []
    for l in range(1, sim.L + 1):
        st = sim.layer_stats(l)
        flow.append(LayerFlow(
            A=norm(arrays.get(f"A[{l}]")),
            dW=norm(arrays.get(f"dW[{l}]")),
            dZ=norm(arrays.get(f"dZ[{l}]")),
            saturated=st["fraction_saturated"],
            dead=st["fraction_dead"],
            dA=norm(arrays.get(f"dA[{l}]")),
            db=norm(arrays.get(f"db[{l}]")),
            dgamma=norm(arrays.get(f"dgamma[{l}]")),
        ))
    inputs = LayerFlow(A=norm(arrays.get("A[0]")), dW=NAN, dZ=NAN, saturated=NAN, dead=NAN,
                       dA=norm(arrays.get("dA[0]")))
    return Snapshot(
        iteration=sim.iteration,
        phase_index=sim.phase_index if sim.iteration > 0 else 0,
        phase=sim.phase,
        next_phase=sim.next_phase,
        arrays=MappingProxyType(arrays),
        updated=updated,
        J=sim.J,
        J_history=sim.J_history.view(),
        blowup=sim.blowup,
        halted=sim.halted,
        flow=tuple(flow),
        equations=tuple(equations(sim, sim.phase if sim.phase is not None else sim.next_phase)),
        running=running,
        speed=speed,
        inputs=inputs,
    )
