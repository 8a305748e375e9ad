"""Simulation: one training iteration stepped phase by phase, with immutable records and rewind.

The phases of an iteration and their order come from ``phases.phase_table`` (P = 2L + 2 in all).
Each phase returns a ``Record`` holding references to the arrays it computed. The engine never writes into
an array it has published, so records share memory with the cache instead of copying it.

Rewind keeps a bounded ring of iteration-start states (W, b, optimiser state; the mini-batch of an
iteration is a pure function of seed and t). Going back to phase k of iteration t restores t's start and
replays phases 1..k, which is exact because every step is deterministic.

Blow-ups are results: the whole step runs under ``np.errstate(call=...)`` so the first overflow, division
by zero or invalid operation flags the phase; its arrays are then scanned and the first non-finite one is
recorded as ``BlowUp``. Once the parameters are non-finite the simulation halts (no further updates).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Callable, Sequence

import numpy as np

from . import batchnorm, fastpath, features, optim, projection, unitstats
from .activations import Activation
from .fpguard import FPGuard
from .history import History
from .init import InitSpec, init_layer
from .losses import check_compatible, get_loss
from .network import LayerSpec, skip_sources
from .optim import OptimizerSpec
from .phase_steps import PhaseSteps
from .phases import Phase, phase_table
from .record import BlowUp, Record, Start, readonly
from .transforms import Chain, TransformSpec

Array = np.ndarray


class Simulation(PhaseSteps, fastpath.FastPath):
    """A network, its data, loss and optimiser, stepped one phase at a time."""

    def __init__(
        self,
        X: Array,
        Y: Array,
        layers: Sequence[LayerSpec],
        loss: str,
        init: InitSpec | Sequence[InitSpec] = InitSpec(),
        optimizer: OptimizerSpec = OptimizerSpec(),
        seed: int = 0,
        history: int = 1000,
        history_bytes: int = 64 * 2**20,
        transforms: Sequence[TransformSpec] = (),
    ):
        X = np.array(X, dtype=np.float64)
        Y = np.array(Y, dtype=np.float64)
        if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
            raise ValueError(f"X and Y must be (n[0], m) and (n[L], m), got {X.shape} and {Y.shape}")
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("a network needs at least one layer")
        self.L = len(self.layers)
        self.n = [X.shape[0]] + [ls.n for ls in self.layers]
        if Y.shape[0] != self.n[-1]:
            raise ValueError(f"Y has {Y.shape[0]} rows but the output layer has n[L] = {self.n[-1]} units")
        reason = check_compatible(loss, self.layers[-1].activation, self.n[-1])
        if reason:
            raise ValueError(reason)
        self.acts: list[Activation] = [ls.resolve() for ls in self.layers]
        for g in self.acts[:-1]:
            if not g.hidden:
                raise ValueError(f"{g.name} is for the output layer only")
        if not self.acts[-1].output:
            raise ValueError(f"{self.acts[-1].name} is for hidden layers only")
        self.loss = get_loss(loss)
        f = features.read(self.layers, self.n, self.loss)  # skips, projections, batch norm, dropout: checked
        self.skips, self.projs, self.bns, self.dropout = f.skips, f.projs, f.bns, f.dropout
        self._into = self.skip_sources = skip_sources(self.skips)  # j ↦ the layers whose skip reads A[j]
        self._gz: dict[int, Array] = {}  # g(Z[l]) of the layers with a skip or dropout (A[l] is not g(Z[l]) there)
        readonly(X, Y)
        self.X, self.Y = X, Y
        self._heldout: tuple[Array, Array] | None = None
        self.m = X.shape[1]
        self.loss_name = loss
        self.optimizer = optimizer
        self._hp = optimizer.values()  # the optimiser's bound hyper-parameters (validated here, once)
        self._rate = optimizer.schedule.rate_fn(optimizer.learning_rate)  # t ↦ α(t) (engine/schedules.py)
        self.transforms = Chain(transforms, weights=2 * self.L)  # gradient transformations before the optimiser (engine/transforms.py)
        self._chain = self.transforms.grads if self.transforms else None
        self._penalty = self.transforms.penalty if self.transforms.has_penalty else None
        self.seed = seed
        specs = [init] * self.L if isinstance(init, InitSpec) else list(init)
        if len(specs) != self.L:
            raise ValueError(f"need {self.L} init specs, got {len(specs)}")
        self.init = specs
        rng = np.random.default_rng(seed)
        params: list[Array] = []
        for l in range(1, self.L + 1):
            W, b = init_layer(rng, self.n[l], self.n[l - 1], specs[l - 1])
            readonly(W, b)
            params += [W, b]
        for l, bn in enumerate(self.bns, start=1):  # gamma[l], beta[l] after every W, b
            if bn is not None:
                params += batchnorm.initial(self.n[l])
        params += projection.initial_all(rng, self.n, self.skips, self.projs, specs)  # Ws[l] after them
        readonly(*params)
        self._initial = tuple(params)
        self.batches = optim.Batches(self.m, optimizer.batch_size, seed)
        batchnorm.check_batches(self.bns, self.m, self.batches.size)

        L = self.L
        self.phases: list[Phase] = list(phase_table(L))
        self.P = len(self.phases)
        self._param_keys = features.param_keys(L, self.bns, self.projs)  # the parameter tuple's order, in one place
        self._grad_keys = features.grad_keys(self._param_keys)
        self._index = {k: i for i, k in enumerate(self._param_keys)}
        self._running0 = {l: batchnorm.initial_running(self.n[l]) for l, bn in enumerate(self.bns, 1) if bn}
        readonly(*(a for r in self._running0.values() for a in r))
        self._fns: list[Callable[[], Record]] = [self._phase_fn(phase) for phase in self.phases]
        self._fused = fastpath.fused_fn(self)  # a whole iteration in one call for plain nets (run's hot loop)
        self._names = {k: [f"{k}[{l}]" for l in range(L + 1)] for k in ("Z", "A")}
        nbytes = sum(p.nbytes for p in params) * (1 + len(optimizer.entry.slots))
        self.history_size = max(2, min(history, history_bytes // max(nbytes, 1)))
        self._guard = FPGuard(self._on_fp)  # np.errstate(call=self._on_fp, ...) for every step
        self.reset()

    # ---- state -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the initial parameters (the same draw: the seed fixes them), before iteration 1."""
        self._params: tuple = self._initial
        self.opt_state: tuple = optim.init_state(self.optimizer, self._initial)
        self.iteration = 0
        self.phase_index = self.P
        self._recs: list[Record] | None = []  # None: a fused iteration's, built when asked for
        self._cache: dict[str, Array] = {}
        self.J: float | None = None
        self.J_parts: tuple[float, float] | None = None  # (data loss, penalty) when a transform adds to J
        self.J_history = History(recent=max(1024, self.history_size + 1))  # bounded: engine/history.py
        self.blowup: BlowUp | None = None
        self.halted = False
        self._history: deque[Start] = deque(maxlen=self.history_size)
        self._running: dict[int, tuple[Array, Array]] = dict(self._running0)
        self._fp = False

    @property
    def arrays(self) -> dict[str, Array]:
        """Every array of the current iteration so far, by its name in the lecture's notation (read-only).

        X, Y, A[0] (the columns this iteration fed to layer 1), W[l], b[l] (the parameters its forward
        pass used), then Z[l], A[l] as the forward pass reaches l and dA[l], dZ[l], dW[l], db[l] as
        backprop does.
        """
        readonly(*self._cache.values())
        return dict(self._cache)

    @property
    def params(self) -> tuple[Array, ...]:
        """Current (W[1], b[1], ..., W[L], b[L]), after this iteration's update once it ran (read-only)."""
        readonly(*self._params)
        return self._params

    @property
    def heldout(self) -> tuple[Array, Array] | None:
        """(X_test, Y_test): examples kept out of training (engine/evaluate.py scores them), or None."""
        return self._heldout

    @heldout.setter
    def heldout(self, XY: tuple[Array, Array]) -> None:
        Xt, Yt = (np.array(a, dtype=np.float64) for a in XY)
        if Xt.ndim != 2 or Yt.shape != (self.n[-1], Xt.shape[1]) or Xt.shape[0] != self.n[0]:
            raise ValueError(f"held-out X and Y must be ({self.n[0]}, k) and ({self.n[-1]}, k), got {Xt.shape}, {Yt.shape}")
        readonly(Xt, Yt)
        self._heldout = (Xt, Yt)

    @property
    def next_phase(self) -> Phase:
        return self.phases[0 if self.phase_index == self.P else self.phase_index]

    @property
    def phase(self) -> Phase | None:
        """The phase that ran last (None before the first step or at an iteration's start)."""
        return self.phases[self.phase_index - 1] if self.phase_index > 0 and self.iteration > 0 else None

    @property
    def last_record(self) -> Record | None:
        return self.records[-1] if self.records else None

    def param(self, name: str) -> Array:
        """Current parameter "W[l]", "b[l]" (or "gamma[l]", "beta[l]"), after this iteration's update if it ran."""
        return self.params[self._index[name]]

    @property
    def param_keys(self) -> tuple[str, ...]:
        """The names of ``params`` in order: W[1], b[1], ..., W[L], b[L], then gamma[l], beta[l] of each
        batch-norm layer (engine/batchnorm.py)."""
        return self._param_keys

    @property
    def running(self) -> dict[int, tuple[Array, Array]]:
        """Batch norm's running statistics l ↦ (running_mu[l], running_var[l]) as the last forward left them."""
        return dict(self._running)

    def layer_stats(self, l: int) -> dict[str, float]:
        """Saturation and dead-unit fractions of layer l in the current iteration (NaN before forward l)."""
        return unitstats.layer(self, l)

    def _errstate(self) -> np.errstate:
        return self._guard.errstate()

    def _on_fp(self, kind: str, flag: int) -> None:
        self._fp = True

    # ---- stepping --------------------------------------------------------------------------------
    def step(self) -> Record | None:
        """Run the next phase; None when the simulation has halted on non-finite parameters."""
        token = self._guard.enter()  # the errstate of run(), entered cheaply: called once per phase
        try:
            return self._step()
        finally:
            self._guard.exit(token)

    def step_iteration(self) -> list[Record]:
        """Finish the current iteration, or run a whole new one; returns the records it made."""
        with self._errstate():
            return self._finish_iteration()

    def run(
        self,
        iterations: int,
        stop_below: float | None = None,
        stop_on_blowup: bool = True,
        callback: Callable[["Simulation"], bool | None] | None = None,
    ) -> str:
        """Run up to ``iterations`` whole iterations; returns why it stopped.

        "iterations" (all done), "stop_below" (J < stop_below), "blowup" (a non-finite value with
        stop_on_blowup), "halted" (parameters non-finite), or "callback" (it returned False). A run that
        starts mid-iteration counts finishing that iteration as the first of ``iterations``.
        """
        with self._errstate():
            return self._run(iterations, stop_below, stop_on_blowup, callback)

    def run_to(self, iteration: int, phase_index: int, *, stop_below: float | None = None,
               stop_on_blowup: bool = True) -> str | None:
        """Advance (never rewind) to the point after ``phase_index`` phases of ``iteration``.

        On the way the stop conditions of ``run`` apply at the end of every iteration completed before the
        target's own ones: None when the point is reached, else why not — "halted", "blowup",
        "stop_below", or "already past" when the simulation is beyond that point (``goto`` goes back).
        """
        if not 0 <= phase_index <= self.P:
            raise ValueError(f"phase_index must be 0..{self.P}, got {phase_index}")
        if (iteration, phase_index) < (self.iteration, self.phase_index):
            return "already past"
        with self._errstate():
            if iteration > self.iteration:
                # to the end of iteration - 1 (finishing the current one counts as one of them)
                whole = iteration - 1 - self.iteration + (self.phase_index < self.P)
                why = self._run(whole, stop_below, stop_on_blowup, None)
                if why != "iterations":
                    return why
                if self.halted:
                    return "halted"
                self._begin_iteration()
            while self.phase_index < phase_index:
                self._step()
        return None

    def stop_reason(self, stop_below: float | None = None, stop_on_blowup: bool = True) -> str | None:
        """Why ``run`` would stop at this point, at an iteration's end: "halted", "blowup", "stop_below" or None."""
        if self.halted:
            return "halted"
        if stop_on_blowup and self.blowup is not None:
            return "blowup"
        if stop_below is not None and self.J is not None and self.J < stop_below:
            return "stop_below"
        return None

    def _run(self, iterations: int, stop_below: float | None, stop_on_blowup: bool,
             callback: Callable[["Simulation"], bool | None] | None) -> str:
        """The loop of ``run`` and ``run_to`` (inside the errstate)."""
        P, finish, stop_reason = self.P, self._iterate, self.stop_reason
        for _ in range(iterations):
            if self.phase_index == P and self.halted:
                return "halted"
            finish()
            why = stop_reason(stop_below, stop_on_blowup)
            if why is not None:
                return why
            if callback is not None and callback(self) is False:
                return "callback"
        return "iterations"

    def _finish_iteration(self) -> list[Record]:
        """Run the phases left in this iteration, or all of the next one; returns the records it made."""
        if self.phase_index == self.P:
            if self.halted:
                return []
            self._begin_iteration()
            if self._fused is not None:
                self._fused()
                return self.records
        return self._finish_stepped()

    def _finish_stepped(self) -> list[Record]:
        fns, records, start = self._fns, self._recs, self.phase_index
        for k in range(start, self.P):
            rec = fns[k]()
            self.phase_index = k + 1
            records.append(rec)
            if self._fp:
                self._fp = False
                self._scan(rec)
        return records[start:]

    def _step(self) -> Record | None:
        if self.phase_index == self.P:
            if self.halted:
                return None
            self._begin_iteration()
        k = self.phase_index
        rec = self._fns[k]()
        self.phase_index = k + 1
        self._recs.append(rec)
        if self._fp:
            self._fp = False
            self._scan(rec)
        return rec

    def _begin_iteration(self) -> None:
        t = self.iteration + 1
        self._history.append(Start(t, self._params, self.opt_state, self.blowup, self.halted,
                                   tuple(self._running.items())))
        idx = self.batches.indices(t)
        if idx is None:
            Xb, Yb = self.X, self.Y
        else:
            Xb, Yb = self.X[:, idx], self.Y[:, idx]
        arrays = {"X": Xb, "Y": Yb, "A[0]": Xb}
        arrays.update(zip(self._param_keys, self._params))
        self._cache = arrays
        self.iteration = t
        self.phase_index = 0
        self._recs = []
        self.J = self.J_parts = None

    def _scan(self, rec: Record) -> None:
        """After a floating-point event: record the first non-finite array, if this is the first."""
        if self.blowup is not None:
            return
        for name, a in rec._arrays.items():
            if not np.isfinite(a).all():
                self.blowup = BlowUp(self.iteration, rec.kind, rec.layer, name)
                return
        if rec.J is not None and not math.isfinite(rec.J):
            self.blowup = BlowUp(self.iteration, rec.kind, rec.layer, "J")

    # ---- rewind ----------------------------------------------------------------------------------
    def goto(self, iteration: int, phase_index: int) -> bool:
        """Restore the state after ``phase_index`` phases of ``iteration``; False if it is out of history."""
        if not 0 <= phase_index <= self.P:
            return False
        start = next((s for s in self._history if s.iteration == iteration), None)
        if start is None:
            return False
        while self._history and self._history[-1].iteration >= iteration:
            self._history.pop()
        self._params, self.opt_state = start.params, start.opt_state
        self.blowup, self.halted = start.blowup, start.halted
        self._running = dict(start.running)
        self.J_history.truncate(iteration - 1)
        self.iteration = iteration - 1
        self._fp = False
        with self._errstate():
            self._begin_iteration()
            for _ in range(phase_index):
                self._step()
        return True

    def step_back(self) -> bool:
        """Undo the last phase (across iteration starts while the history reaches); False at the start."""
        if self.iteration == 0:
            return False
        if self.phase_index > 0:
            return self.goto(self.iteration, self.phase_index - 1)
        return self.goto(self.iteration - 1, self.P - 1)

    @property
    def earliest_iteration(self) -> int:
        """The oldest iteration that can still be restored."""
        return self._history[0].iteration if self._history else self.iteration
