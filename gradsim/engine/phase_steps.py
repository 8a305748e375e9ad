"""What each phase of an iteration computes, as closures a Simulation builds once per layer: forward l
(Z[l], A[l]), the loss (J, and weight decay's term kept apart), backward l (dA[L] or the fused dZ[L], dZ[l],
dW[l], db[l], dA[l-1]) and the update (the transforms, then the optimiser at α(t)). Layers a skip touches
get theirs from ``residual`` (``projection`` when a skip goes through Ws[l]), layers with dropout from ``dropout``. The order they run in is ``phases.phase_table``'s, nowhere else.

``PhaseSteps`` is a mix-in of ``Simulation``: the closures read the simulation's cache and parameters.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import batchnorm, dropout, optim, projection, residual
from .network import layer_backward, layer_forward, output_dZ
from .phases import Phase
from .record import Record

Array = np.ndarray


class PhaseSteps:
    """The phase closures of a Simulation (see the module docstring)."""

    def _phase_fn(self, phase: Phase) -> Callable[[], Record]:
        if phase.kind == "forward":
            return self._forward_fn(phase.layer)
        if phase.kind == "backward":
            return self._backward_fn(phase.layer)
        return {"loss": self._loss, "update": self._update}[phase.kind]

    def _forward_fn(self, l: int) -> Callable[[], Record]:
        g = self.acts[l - 1]
        i = 2 * (l - 1)
        a_prev, zn, an = f"A[{l - 1}]", f"Z[{l}]", f"A[{l}]"
        if self.bns[l - 1] is not None:  # with dropout too: A = g(Ztilde) ⊙ M / (1 − p)
            return batchnorm.forward_fn(self, l)
        if self.dropout[l - 1]:
            return dropout.forward_fn(self, l)
        if self.projs[l - 1]:
            return projection.forward_fn(self, l)
        if self.skips[l - 1]:
            return residual.forward_fn(self, l)

        def forward() -> Record:
            cache = self._cache
            Z, A = layer_forward(self._params[i], self._params[i + 1], cache[a_prev], g)
            cache[zn] = Z
            cache[an] = A
            return Record(self.iteration, self.phase_index, "forward", l, {zn: Z, an: A}, None, g)

        return forward

    def _loss(self) -> Record:
        J = self._cost()
        self.J_history.append(J)
        return Record(self.iteration, self.phase_index, "loss", None, {}, J)

    def _cost(self) -> float:
        """The loss phase's J (set as ``self.J``, with ``J_parts``), not yet in the history."""
        L = self.L
        cache = self._cache
        J = self.loss.value(cache[self._names["Z"][L]], cache[self._names["A"][L]], cache["Y"])
        if self._penalty is not None:  # weight decay's λ/(2m)·Σ‖W[l]‖², kept apart from the data loss
            reg = self._penalty(self._params, cache["X"].shape[1])
            self.J_parts = (J, reg)
            J = J + reg
        self.J = J
        return J

    def _backward_fn(self, l: int) -> Callable[[], Record]:
        g = self.acts[l - 1]
        i = 2 * (l - 1)
        last = l == self.L
        zn, an, a_prev = f"Z[{l}]", f"A[{l}]", f"A[{l - 1}]"
        dan, dzn, dwn, dbn, dan_prev = f"dA[{l}]", f"dZ[{l}]", f"dW[{l}]", f"db[{l}]", f"dA[{l - 1}]"
        if self.bns[l - 1] is not None:  # with dropout too
            return batchnorm.backward_fn(self, l)
        if self.dropout[l - 1]:
            return dropout.backward_fn(self, l)
        if any(self.projs) and projection.involved(self, l):
            return projection.backward_fn(self, l)
        if self.skips[l - 1] or self._into[l - 1]:
            return residual.backward_fn(self, l)

        def backward() -> Record:
            cache = self._cache
            Z, A = cache[zn], cache[an]
            out: dict[str, Array] = {}
            if last:
                dA, dZ = output_dZ(self.loss, g, Z, A, cache["Y"])
                cache[dan] = out[dan] = dA
            else:
                dZ = g.backward(cache[dan], Z, A)
            dW, db, dA_prev = layer_backward(self._params[i], dZ, cache[a_prev])
            cache[dzn] = out[dzn] = dZ
            cache[dwn] = out[dwn] = dW
            cache[dbn] = out[dbn] = db
            cache[dan_prev] = out[dan_prev] = dA_prev
            return Record(self.iteration, self.phase_index, "backward", l, out)

        return backward

    def _update(self) -> Record:
        params = self._apply_update()
        return Record(self.iteration, self.phase_index, "update", None, dict(zip(self._param_keys, params)))

    def _apply_update(self) -> tuple:
        """The update phase's new parameters and optimiser state (set on the simulation; returns the params)."""
        grads = tuple(map(self._cache.__getitem__, self._grad_keys))
        if self._chain is not None:  # clipping, weight decay: the gradients the optimiser sees
            grads = self._chain(self._params, grads, self._cache["X"].shape[1])
        params, state = optim.update(self.optimizer, self._params, grads, self.opt_state, self.iteration,
                                     self._hp, self._rate(self.iteration))
        self._params, self.opt_state = params, state
        if self._fp or self.blowup is not None:
            self.halted = not all(np.isfinite(p).all() for p in params)
        return params
