"""Optimisers and the choice of examples per iteration (batch, stochastic, mini-batch).

One registry entry per optimiser (``OPTIMIZERS``): its hyper-parameters with defaults and bounds, its
state slots, its update and the formula the equations print. To add one, add an entry (see rmsprop,
adagrad, nesterov). Updates are functional: ``update`` returns new parameter and state tuples and never
writes into an array it was given, so records and the rewind history can keep references, not copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .params import Param, Values, bind, frozen_values, lookup
from .schedules import ScheduleSpec

Array = np.ndarray
Params = tuple[Array, ...]  # (W[1], b[1], W[2], b[2], ...)


DEFAULT_OPTIMIZER = "gd"  # what optimizer.name is when a scenario does not say
LEARNING_RATE = Param("learning_rate", 0.1, lo=0.0, hi=1e6, lo_open=True, symbol="α")
_FORGET = "1 would never forget the first gradient"


@dataclass(frozen=True)
class Optimizer:
    """One optimiser: its hyper-parameters (besides α), the state it keeps per parameter (``slots``: one
    array like W[l] or b[l] per slot), and its update. ``update(hp, params, grads, state, t, lr)`` returns
    (new params, new state) and never writes into an array it was given; ``state`` holds, for each slot
    in order, a tuple with one array per parameter."""

    name: str
    params: tuple[Param, ...]
    slots: tuple[str, ...]
    update: Callable[[Mapping[str, float], Params, Params, tuple, int, float], tuple[Params, tuple]]
    formula: str  # the update as `gradsim step` prints it, with {p} the parameter and {l} the layer
    rule: str  # the whole rule in words of W, as the app's update panel prints it
    source: str = ""
    # how an exported script writes it (gradsim export): a NumPy body updating p (W[l] or b[l]) from dp with its
    # slots in state[...] at step t, alpha and the hyper-parameters by name, whose last line is the new p; and
    # the torch.optim constructor (comment lines first) in params, alpha and the hyper-parameters
    np_update: str = ""
    torch: str = ""

    def init_state(self, params: Params) -> tuple:
        """Zero state: for every slot, one zero array per parameter."""
        return tuple(tuple(np.zeros_like(p) for p in params) for _ in self.slots)


@dataclass(frozen=True, init=False)
class OptimizerSpec:
    """An optimiser by name with α, its hyper-parameters, ``batch_size`` (None = batch GD, 1 =
    stochastic, k = mini-batch) and the learning-rate schedule α(t) (engine/schedules.py), e.g.
    ``OptimizerSpec("momentum", 0.5, beta=0.9)``."""

    name: str
    learning_rate: float
    batch_size: int | None
    params: Values
    schedule: ScheduleSpec

    def __init__(self, name: str = DEFAULT_OPTIMIZER, learning_rate: float = LEARNING_RATE.default, batch_size: int | None = None,
                 params: Mapping[str, float] | Values = (), schedule: ScheduleSpec | None = None, **values: float):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "learning_rate", float(learning_rate))
        object.__setattr__(self, "batch_size", batch_size)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))
        object.__setattr__(self, "schedule", ScheduleSpec() if schedule is None else schedule)

    def rate(self, t: int) -> float:
        """α(t), the learning rate of iteration t (1-based) under the schedule."""
        return self.schedule.rate_fn(self.learning_rate)(t)

    @property
    def entry(self) -> Optimizer:
        return get_optimizer(self.name)

    def values(self) -> dict[str, float]:
        """Every hyper-parameter of the optimiser: the given values, the registry's defaults for the rest."""
        return bind(self.entry.params, dict(self.params), self.name)

    @property
    def kind(self) -> str:
        """batch, stochastic or mini-batch gradient descent, as the lecture names them."""
        if self.batch_size is None:
            return "batch"
        return "stochastic" if self.batch_size == 1 else "mini-batch"


# ------------------------------------------------------------------------------------------ updates
def _gd(hp, params, grads, state, t, lr):
    """W := W − α dW."""
    return tuple(p - lr * g for p, g in zip(params, grads)), ()


def _momentum(hp, params, grads, state, t, lr):
    """v := β v + (1 − β) dW;  W := W − α v   (Ng's form, as in CS229/CS230)."""
    b = hp["beta"]
    v = tuple(b * vi + (1.0 - b) * g for vi, g in zip(state[0], grads))
    return tuple(p - lr * vi for p, vi in zip(params, v)), (v,)


def _nesterov(hp, params, grads, state, t, lr):
    """Nesterov momentum in the look-ahead form of Bengio, Boulanger-Lewandowski & Pascanu (2013), eq. (7),
    dampened like gradsim's momentum: v := β v + (1 − β) dW;  W := W − α (β v + (1 − β) dW).

    The step uses the velocity one step ahead, so it needs no gradient at a second point. It equals
    torch.optim.SGD(lr = α(1 − β), momentum = β, nesterov = True)."""
    b = hp["beta"]
    v = tuple(b * vi + (1.0 - b) * g for vi, g in zip(state[0], grads))
    return tuple(p - lr * (b * vi + (1.0 - b) * g) for p, vi, g in zip(params, v, grads)), (v,)


def _rmsprop(hp, params, grads, state, t, lr):
    """s := ρ s + (1 − ρ) dW²;  W := W − α dW / (√s + ε)   (Hinton, Srivastava & Swersky 2012, Lecture 6e)."""
    rho, eps = hp["rho"], hp["eps"]
    s = tuple(rho * si + (1.0 - rho) * (g * g) for si, g in zip(state[0], grads))
    return tuple(p - lr * g / (np.sqrt(si) + eps) for p, g, si in zip(params, grads, s)), (s,)


def _adagrad(hp, params, grads, state, t, lr):
    """G := G + dW²;  W := W − α dW / (√G + ε)   (Duchi, Hazan & Singer 2011)."""
    eps = hp["eps"]
    G = tuple(Gi + g * g for Gi, g in zip(state[0], grads))
    return tuple(p - lr * g / (np.sqrt(Gi) + eps) for p, g, Gi in zip(params, grads, G)), (G,)


def _adam(hp, params, grads, state, t, lr):
    """m := β1 m + (1 − β1) dW;  v := β2 v + (1 − β2) dW²;
    W := W − α m̂ / (√v̂ + ε),  m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ)   (Kingma & Ba 2015)."""
    b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    m = tuple(b1 * mi + (1.0 - b1) * g for mi, g in zip(state[0], grads))
    v = tuple(b2 * vi + (1.0 - b2) * (g * g) for vi, g in zip(state[1], grads))
    c1, c2 = 1.0 - b1**t, 1.0 - b2**t
    new = tuple(p - lr * (mi / c1) / (np.sqrt(vi / c2) + eps) for p, mi, vi in zip(params, m, v))
    return new, (m, v)


BETA = Param("beta", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="β", why=_FORGET)
EPS = Param("eps", 1e-8, lo=0.0, hi=1.0, lo_open=True, symbol="ε", quiet=True)
_W = "{p}[{l}] := {p}[{l}] − "

_V = 'state["v"] = beta * state["v"] + (1.0 - beta) * dp\n'
_DAMPENED = ("# gradsim's momentum is dampened, v := β·v + (1 − β)·dW, W := W − α·v; torch's buffer is v/(1 − β),\n"
             "# so SGD(lr = α(1 − β), momentum = β) takes the same steps\n")

OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer("gd", (), (), _gd, _W + "α·d{p}[{l}]", "W := W − α·dW", np_update="p - alpha * dp",
                    torch="torch.optim.SGD(params, lr=alpha)"),
    "momentum": Optimizer("momentum", (BETA,), ("v",), _momentum,
                          "v := β·v + (1−β)·d{p}[{l}];  " + _W + "α·v", "v := β·v + (1 − β)·dW, W := W − α·v",
                          "Ng, CS229/CS230", np_update=_V + 'p - alpha * state["v"]',
                          torch=_DAMPENED + "torch.optim.SGD(params, lr=alpha * (1 - beta), momentum=beta)"),
    "nesterov": Optimizer("nesterov", (BETA,), ("v",), _nesterov,
                          "v := β·v + (1−β)·d{p}[{l}];  " + _W + "α·(β·v + (1−β)·d{p}[{l}])",
                          "v := β·v + (1 − β)·dW, W := W − α·(β·v + (1 − β)·dW)",
                          "Bengio, Boulanger-Lewandowski & Pascanu (2013)",
                          np_update=_V + 'p - alpha * (beta * state["v"] + (1.0 - beta) * dp)',
                          torch=_DAMPENED + "torch.optim.SGD(params, lr=alpha * (1 - beta), momentum=beta, nesterov=True)"),
    "rmsprop": Optimizer("rmsprop", (Param("rho", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="ρ", why=_FORGET), EPS),
                         ("s",), _rmsprop, "s := ρ·s + (1−ρ)·d{p}[{l}]²;  " + _W + "α·d{p}[{l}]/(√s + ε)",
                         "s := ρ·s + (1 − ρ)·dW², W := W − α·dW/(√s + ε)", "Hinton et al. (2012), Lecture 6e",
                         np_update='state["s"] = rho * state["s"] + (1.0 - rho) * (dp * dp)\n'
                                   'p - alpha * dp / (np.sqrt(state["s"]) + eps)',
                         torch="torch.optim.RMSprop(params, lr=alpha, alpha=rho, eps=eps)"),
    "adagrad": Optimizer("adagrad", (Param("eps", 1e-10, lo=0.0, hi=1.0, lo_open=True, symbol="ε", quiet=True),), ("G",),
                         _adagrad, "G := G + d{p}[{l}]²;  " + _W + "α·d{p}[{l}]/(√G + ε)", "G := G + dW², W := W − α·dW/(√G + ε)",
                         "Duchi, Hazan & Singer (2011)",
                         np_update='state["G"] = state["G"] + dp * dp\np - alpha * dp / (np.sqrt(state["G"]) + eps)',
                         torch="torch.optim.Adagrad(params, lr=alpha, eps=eps)"),
    "adam": Optimizer("adam", (Param("beta1", 0.9, lo=0.0, hi=1.0, hi_open=True, symbol="β1", why=_FORGET),
                               Param("beta2", 0.999, lo=0.0, hi=1.0, hi_open=True, symbol="β2", why=_FORGET), EPS),
                      ("m", "v"), _adam, _W + "α·m̂/(√v̂ + ε)",
                      "m := β1·m + (1 − β1)·dW, v := β2·v + (1 − β2)·dW², W := W − α·m̂/(√v̂ + ε)",
                      "Kingma & Ba (2015)",
                      np_update='state["m"] = beta1 * state["m"] + (1.0 - beta1) * dp\n'
                                'state["v"] = beta2 * state["v"] + (1.0 - beta2) * (dp * dp)\n'
                                "c1, c2 = 1.0 - beta1**t, 1.0 - beta2**t\n"
                                'p - alpha * (state["m"] / c1) / (np.sqrt(state["v"] / c2) + eps)',
                      torch="torch.optim.Adam(params, lr=alpha, betas=(beta1, beta2), eps=eps)"),
}


def get_optimizer(name: str) -> Optimizer:
    return lookup(OPTIMIZERS, name, "optimizer")


def init_state(spec: OptimizerSpec, params: Params) -> tuple:
    return spec.entry.init_state(params)


def update(spec: OptimizerSpec, params: Params, grads: Params, state: tuple, t: int,
           hp: Mapping[str, float] | None = None, lr: float | None = None) -> tuple[Params, tuple]:
    """One step at iteration t (1-based): (new params, new state). ``hp``: the bound hyper-parameters
    (``spec.values()``; pass them in a hot loop to skip binding every step); ``lr``: α(t) (``spec.rate(t)``
    when None)."""
    entry = spec.entry
    return entry.update(spec.values() if hp is None else hp, params, grads, state, t,
                        spec.rate(t) if lr is None else lr)


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
