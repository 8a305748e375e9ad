"""Optimisers and the choice of examples per iteration (batch, stochastic, mini-batch).

Updates are functional: ``update`` returns new parameter and state tuples and never writes into an array
it was given, so records and the rewind history can keep references instead of copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
Params = tuple[Array, ...]  # (W[1], b[1], W[2], b[2], ...)


@dataclass(frozen=True)
class OptimizerSpec:
    """``name`` is gd | momentum | adam; ``batch_size`` None = batch GD, 1 = stochastic, k = mini-batch."""

    name: str = "gd"
    learning_rate: float = 0.1
    batch_size: int | None = None
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    @property
    def kind(self) -> str:
        """batch, stochastic or mini-batch gradient descent, as the lecture names them."""
        if self.batch_size is None:
            return "batch"
        return "stochastic" if self.batch_size == 1 else "mini-batch"


def init_state(spec: OptimizerSpec, params: Params) -> tuple:
    """Zero state: () for gd, (v,) per parameter for momentum, (m, v) per parameter for Adam."""
    if spec.name == "gd":
        return ()
    if spec.name == "momentum":
        return tuple(np.zeros_like(p) for p in params)
    if spec.name == "adam":
        return tuple(np.zeros_like(p) for p in params) + tuple(np.zeros_like(p) for p in params)
    raise KeyError(f"unknown optimizer {spec.name!r}; expected one of {', '.join(OPTIMIZERS)}")


def update(spec: OptimizerSpec, params: Params, grads: Params, state: tuple, t: int) -> tuple[Params, tuple]:
    """One step at iteration t (1-based). Returns (new params, new state).

    gd:        W := W − α dW
    momentum:  v := β v + (1 − β) dW;  W := W − α v                  (Ng's form, as in CS229/CS230)
    adam:      m := β1 m + (1 − β1) dW;  v := β2 v + (1 − β2) dW²;
               W := W − α m̂ / (√v̂ + ε),  m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ)   (Kingma & Ba 2015)
    """
    lr = spec.learning_rate
    if spec.name == "gd":
        return tuple(p - lr * g for p, g in zip(params, grads)), ()
    if spec.name == "momentum":
        b = spec.beta
        v = tuple(b * vi + (1.0 - b) * g for vi, g in zip(state, grads))
        return tuple(p - lr * vi for p, vi in zip(params, v)), v
    if spec.name == "adam":
        k = len(params)
        b1, b2 = spec.beta1, spec.beta2
        m = tuple(b1 * mi + (1.0 - b1) * g for mi, g in zip(state[:k], grads))
        v = tuple(b2 * vi + (1.0 - b2) * (g * g) for vi, g in zip(state[k:], grads))
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        new = tuple(p - lr * (mi / c1) / (np.sqrt(vi / c2) + spec.eps) for p, mi, vi in zip(params, m, v))
        return new, m + v
    raise KeyError(f"unknown optimizer {spec.name!r}; expected one of {', '.join(OPTIMIZERS)}")


OPTIMIZERS = ("gd", "momentum", "adam")


class Batches:
    """Which columns of X iteration t (1-based) uses; stateless, so any iteration can be replayed.

    Mini-batches partition a permutation of the m examples that is drawn afresh each epoch from a
    generator seeded with (seed, epoch); the last batch of an epoch may be smaller.
    """

    def __init__(self, m: int, batch_size: int | None, seed: int):
        self.m = m
        self.size = m if batch_size is None or batch_size >= m else int(batch_size)
        self.per_epoch = math.ceil(m / self.size)
        self.seed = seed
        self._epoch = -1
        self._perm: Array | None = None

    @property
    def full(self) -> bool:
        return self.size == self.m

    def indices(self, t: int) -> Array | None:
        """Column indices for iteration t, or None for the whole (unshuffled) batch."""
        if self.full:
            return None
        epoch, j = divmod(t - 1, self.per_epoch)
        if epoch != self._epoch:
            self._perm = np.random.default_rng([self.seed, epoch]).permutation(self.m)
            self._epoch = epoch
        return self._perm[j * self.size : (j + 1) * self.size]
