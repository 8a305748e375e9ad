"""Gradient check: backprop's dW[l], db[l] against central finite differences of J.

    ∂J/∂θ ≈ (−J(θ + 2ε) + 8 J(θ + ε) − 8 J(θ − ε) + J(θ − 2ε)) / 12ε      (fourth-order central)
    relative error = ‖g_backprop − g_fd‖ / (‖g_backprop‖ + ‖g_fd‖)

The fourth-order stencil lets ε be large enough (1e-4) that rounding in J stays near 1e-12 while the
truncation error is O(ε⁴); the plain two-point one cannot reach 1e-7 on small gradients in float64.

over every parameter, or over a seeded sample of at most ``max_per_layer`` entries of a large layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import cost, gradients


@dataclass(frozen=True)
class LayerCheck:
    layer: int
    rel_error_W: float
    rel_error_b: float
    checked: int  # entries compared (W and b together)
    total: int  # entries in W[l] and b[l]

    @property
    def rel_error(self) -> float:
        return max(self.rel_error_W, self.rel_error_b)


def _rel(a: np.ndarray, n: np.ndarray) -> float:
    den = float(np.linalg.norm(a) + np.linalg.norm(n))
    return 0.0 if den == 0.0 else float(np.linalg.norm(a - n)) / den


def gradcheck(sim, eps: float = 1e-4, max_per_layer: int = 400, seed: int = 0,
              X: np.ndarray | None = None, Y: np.ndarray | None = None) -> list[LayerCheck]:
    """Check ``sim``'s current parameters on the batch of its next iteration (or on X, Y if given)."""
    if X is None:
        idx = sim.batches.indices(sim.iteration + 1 if sim.phase_index == sim.P else sim.iteration)
        X, Y = (sim.X, sim.Y) if idx is None else (sim.X[:, idx], sim.Y[:, idx])
    params = [np.array(p, dtype=np.float64) for p in sim.params]
    acts, loss = sim.acts, sim.loss
    with np.errstate(all="ignore"):
        grads = gradients(tuple(params), X, Y, acts, loss)
    rng = np.random.default_rng(seed)
    out = []
    for l in range(1, sim.L + 1):
        errs, checked = [], 0
        for j in (2 * (l - 1), 2 * (l - 1) + 1):
            p = params[j]
            flat = p.reshape(-1)
            n = flat.size
            take = np.arange(n) if n <= max_per_layer else np.sort(rng.choice(n, max_per_layer, replace=False))
            fd = np.empty(take.size)
            for k, e in enumerate(take):
                old = flat[e]
                J = []
                with np.errstate(all="ignore"):
                    for h in (2 * eps, eps, -eps, -2 * eps):
                        flat[e] = old + h
                        J.append(cost(tuple(params), X, Y, acts, loss))
                flat[e] = old
                fd[k] = (8 * (J[1] - J[2]) - (J[0] - J[3])) / (12 * eps)  # equal J give exactly 0
            errs.append(_rel(grads[j].reshape(-1)[take], fd) if np.all(np.isfinite(fd)) else math.nan)
            checked += take.size
        out.append(LayerCheck(l, errs[0], errs[1], checked, sim.params[2 * (l - 1)].size + sim.params[2 * l - 1].size))
    return out
