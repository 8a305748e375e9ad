"""Learning-rate schedules: α(t), the step size of iteration t (1-based), from the base rate α.

One registry entry per schedule (``SCHEDULES``): its parameters, its formula α(t) and how an exported
NumPy script writes it. A scenario names one in ``[optimizer.schedule]``; the update phase passes α(t) to
the optimiser in place of α.

- ``constant``: α(t) = α.
- ``step``: α(t) = α·γ^⌊(t − 1)/k⌋, α multiplied by γ every k iterations (torch StepLR).
- ``exponential``: α(t) = α·γ^(t − 1) (torch ExponentialLR).
- ``cosine``: α(t) = α_min + (α − α_min)·(1 + cos(π·min(t − 1, T)/T))/2, from α down to α_min over T
  iterations, then α_min (Loshchilov & Hutter 2017, without restarts; torch CosineAnnealingLR).
- ``warmup``: α(t) = α·min(1, t/w), a linear ramp over the first w iterations, then α (Goyal et al. 2017).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

from .params import Param, Values, bind, frozen_values, lookup


@dataclass(frozen=True)
class Schedule:
    """One schedule: ``rate(hp, alpha, t)`` is α(t) for the base rate ``alpha`` at iteration t ≥ 1."""

    name: str
    params: tuple[Param, ...]
    rate: Callable[[Mapping[str, float], float, int], float]
    formula: str  # α(t) as the update equation prints it
    rule: str  # in words
    source: str = ""
    np_rate: str = ""  # α(t) as a NumPy script writes it: an expression in alpha, t, math and {param}


def _constant(hp, alpha, t):
    return alpha


def _step(hp, alpha, t):
    return alpha * hp["gamma"] ** ((t - 1) // int(hp["step_size"]))


def _exponential(hp, alpha, t):
    return alpha * hp["gamma"] ** (t - 1)


def _cosine(hp, alpha, t):
    T, lo = hp["period"], hp["alpha_min"]
    return lo + (alpha - lo) * (1.0 + math.cos(math.pi * min(t - 1, T) / T)) / 2.0


def _warmup(hp, alpha, t):
    return alpha * min(1.0, t / hp["warmup"])


GAMMA = Param("gamma", 0.5, lo=0.0, hi=1.0, lo_open=True, symbol="γ")

SCHEDULES: dict[str, Schedule] = {
    "constant": Schedule("constant", (), _constant, "α(t) = α", "the same α at every iteration", np_rate="alpha"),
    "step": Schedule("step", (GAMMA, Param("step_size", 100, lo=1, hi=1e9, symbol="k", integer=True)), _step,
                     "α(t) = α·γ^⌊(t−1)/k⌋", "α times γ every k iterations", "torch StepLR",
                     np_rate="alpha * {gamma} ** ((t - 1) // {step_size})"),
    "exponential": Schedule("exponential", (Param("gamma", 0.99, lo=0.0, hi=1.0, lo_open=True, symbol="γ"),),
                            _exponential, "α(t) = α·γ^(t−1)", "α times γ every iteration", "torch ExponentialLR",
                            np_rate="alpha * {gamma} ** (t - 1)"),
    "cosine": Schedule("cosine", (Param("period", 100, lo=1, hi=1e9, symbol="T", integer=True),
                                  Param("alpha_min", 0.0, lo=0.0, hi=1e6, symbol="α_min")), _cosine,
                       "α(t) = α_min + (α − α_min)·(1 + cos(π·min(t−1, T)/T))/2",
                       "from α down to α_min along half a cosine over T iterations, then α_min",
                       "Loshchilov & Hutter (2017)",
                       np_rate="{alpha_min} + (alpha - {alpha_min}) * (1.0 + math.cos(math.pi * min(t - 1, {period}) "
                               "/ {period})) / 2.0"),
    "warmup": Schedule("warmup", (Param("warmup", 10, lo=1, hi=1e9, symbol="w", integer=True),), _warmup,
                       "α(t) = α·min(1, t/w)", "a linear ramp from α/w up to α over w iterations, then α",
                       "Goyal et al. (2017)", np_rate="alpha * min(1.0, t / {warmup})"),
}


def get_schedule(name: str) -> Schedule:
    return lookup(SCHEDULES, name, "schedule")


@dataclass(frozen=True, init=False)
class ScheduleSpec:
    """A schedule by name with its parameters, e.g. ``ScheduleSpec("warmup", warmup=50)``."""

    name: str
    params: Values

    def __init__(self, name: str = "constant", params: Mapping[str, float] | Values = (), **values: float):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))

    @property
    def entry(self) -> Schedule:
        return get_schedule(self.name)

    def values(self) -> dict[str, float]:
        return bind(self.entry.params, dict(self.params), self.name)

    @property
    def constant(self) -> bool:
        return self.entry.rate is _constant

    def describe(self) -> str:
        """'warmup (w = 50)'; 'constant'."""
        values = self.values()
        if not values:
            return self.name
        return self.name + " (" + ", ".join(f"{p.symbol or p.name} = {values[p.name]:g}"
                                            for p in self.entry.params) + ")"

    def json(self) -> dict:
        """{"name": ..., its parameters (counts as integers), "formula": α(t)}."""
        values = self.values()
        return {"name": self.name, **{p.name: int(values[p.name]) if p.integer else values[p.name]
                                      for p in self.entry.params}, "formula": self.entry.formula}

    def rate_fn(self, alpha: float) -> Callable[[int], float]:
        """t ↦ α(t), bound once (the update phase calls it every iteration)."""
        entry, hp = self.entry, self.values()
        return lambda t: entry.rate(hp, alpha, t)
