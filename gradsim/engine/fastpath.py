"""A whole iteration of a plain net in one function: the hot loop of ``Simulation.run`` without 2L + 2 closures.

``run()`` spends most of a small net's iteration on the engine's structure (a closure, a ``Record`` and a
few attribute writes per phase), not on arithmetic. For a net whose layers are all plain (no skip, dropout or
batch norm: those layers keep their own phase closures, engine/residual.py, dropout.py, batchnorm.py),
``fused_fn`` returns one function that makes the same NumPy calls, in the same order, on the same operands
as the phases of ``phases.phase_table`` would — so every array and J is the same bit for bit — and writes the
same names into the cache in the same order. What it skips is only what nobody has asked for yet:

- the records: ``records_of`` builds them from the cache when ``Simulation.records`` is first read (the
  arrays are the cache's, so a record is the same references the phase would have made);
- the per-phase floating-point scan: if NumPy's error callback fired anywhere in the iteration, the
  iteration is undone (its start is the newest entry of the rewind ring) and replayed phase by phase, so a
  blow-up is found and named exactly as ``step()`` names it (the first non-finite array of the first phase
  that raised), and J enters the history once, in the replay.

A net with a layer of another kind gets None and runs its phases one by one, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .network import output_dZ
from .record import Record

if TYPE_CHECKING:  # pragma: no cover
    from .simulation import Simulation

Array = np.ndarray


class FastPath:
    """The mix-in of ``Simulation`` that runs fused iterations (``_fused``, set from ``fused_fn``)."""

    @property
    def records(self) -> list[Record]:
        """The records of the current iteration's phases so far, in order."""
        if self._recs is None:
            self._recs = records_of(self)
        return self._recs

    def _iterate(self) -> None:
        """The hot loop of ``run``: finish this iteration or run the next, fused when the net is plain."""
        if self.phase_index == self.P and self._fused is not None:
            if not self.halted:
                self._begin_iteration()
                self._fused()
        else:
            self._finish_iteration()


def plain(sim: "Simulation") -> bool:
    """Whether every layer is plain: no skip into or out of it, no dropout, no batch norm."""
    return not any(sim.skips) and not any(sim.dropout) and all(bn is None for bn in sim.bns)


def fused_fn(sim: "Simulation") -> Callable[[], None] | None:
    """One whole iteration after ``_begin_iteration`` (see the module docstring), or None for a net that
    is not ``plain``."""
    if not plain(sim):
        return None
    L, P = sim.L, sim.P
    fwd = [(2 * (l - 1), sim.acts[l - 1].g, f"Z[{l}]", f"A[{l}]") for l in range(1, L + 1)]
    # backward l = L..1; g'(Z, A) itself where the entry's backward is dA ⊙ g'(Z, A) (Activation.backward)
    back = [(l, 2 * (l - 1), g.backward, None if g.jvp is not None or g.identity else g.dg, f"dZ[{l}]",
             f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]") for l, g in ((l, sim.acts[l - 1]) for l in range(L, 0, -1))]
    loss, g_out, dan_out = sim.loss, sim.acts[-1], f"dA[{L}]"
    cost, apply_update, _sum = sim._cost, sim._apply_update, np.add.reduce

    def iteration() -> None:
        cache = sim._cache
        params = sim._params
        A = cache["A[0]"]
        Zs, As = [None], [A]
        for i, g, zn, an in fwd:  # forward l = 1..L: Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l])
            Z = params[i] @ A + params[i + 1]
            A = g(Z)
            cache[zn] = Z
            cache[an] = A
            Zs.append(Z)
            As.append(A)
        J = cost()  # the loss phase, but J enters the history only once the iteration raised nothing
        dA = None
        for l, i, backward, dg, dzn, dwn, dbn, dan_prev in back:  # network.layer_backward, inlined
            if dA is None:
                dA, dZ = output_dZ(loss, g_out, Z, A, cache["Y"])
                cache[dan_out] = dA
            elif dg is not None:
                dZ = dA * dg(Zs[l], As[l])
            else:
                dZ = backward(dA, Zs[l], As[l])
            A_prev = As[l - 1]
            dW = dZ @ A_prev.T
            db = _sum(dZ, 1, None, None, True)
            dA = params[i].T @ dZ
            cache[dzn] = dZ
            cache[dwn] = dW
            cache[dbn] = db
            cache[dan_prev] = dA
        apply_update()
        if sim._fp:  # something overflowed or went invalid: find it as the phases would
            replay(sim)
            return
        sim.J_history.append(J)
        sim.phase_index = P
        sim._recs = None  # built from the cache when asked for (records_of)

    return iteration


def replay(sim: "Simulation") -> None:
    """Undo the iteration just run (its start is the rewind ring's newest entry) and run it phase by phase."""
    start = sim._history.pop()
    sim._params, sim.opt_state = start.params, start.opt_state
    sim.blowup, sim.halted = start.blowup, start.halted
    sim.iteration = start.iteration - 1
    sim._fp = False
    sim._begin_iteration()
    sim._finish_stepped()


def records_of(sim: "Simulation") -> list[Record]:
    """The records the phases of the current (whole, fused) iteration would have made, from its cache."""
    cache, t, L = sim._cache, sim.iteration, sim.L
    out: list[Record] = []
    for k, phase in enumerate(sim.phases):
        l = phase.layer
        if phase.kind == "forward":
            zn, an = f"Z[{l}]", f"A[{l}]"
            out.append(Record(t, k, "forward", l, {zn: cache[zn], an: cache[an]}, None, sim.acts[l - 1]))
        elif phase.kind == "loss":
            out.append(Record(t, k, "loss", None, {}, sim.J))
        elif phase.kind == "backward":
            names = ([f"dA[{L}]"] if l == L else []) + [f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"]
            out.append(Record(t, k, "backward", l, {name: cache[name] for name in names}))
        else:
            out.append(Record(t, k, "update", None, dict(zip(sim._param_keys, sim._params))))
    return out
