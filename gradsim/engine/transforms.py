"""Gradient transformations chained in front of any optimiser (optax's GradientTransformation idea).

One registry entry per transformation (``TRANSFORMS``): its parameters, what it does to the gradients
(dW[1], db[1], ..., dW[L], db[L]) before the optimiser sees them, and, for weight decay, the term it adds
to J. A scenario lists them in order in ``[[transform]]`` tables; the update phase applies them one after
the other, so ``weight_decay`` then ``clip_norm`` clips the decayed gradient.

- ``clip_norm``: by the global norm ‖g‖ = √(Σ_l ‖dW[l]‖² + ‖db[l]‖²): g := g · min(1, c/‖g‖)
  (Pascanu, Mikolov & Bengio 2013; torch.nn.utils.clip_grad_norm_, optax.clip_by_global_norm).
- ``clip_value``: every entry into [−c, c] (torch.nn.utils.clip_grad_value_, optax.clip).
- ``weight_decay``: L2 regularisation, J := J + λ/(2m)·Σ_l ‖W[l]‖², so dW[l] := dW[l] + (λ/m)·W[l]
  (biases are not decayed; m is the iteration's batch size, the m of J's 1/m).

Transforms are pure: they return new tuples and never write into an array they were given, so the
equations can replay them on the cached gradients to show the norm before and after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from .params import Param, Values, bind, frozen_values, lookup
from .stats import norm

Array = np.ndarray
Params = tuple[Array, ...]  # (W[1], b[1], W[2], b[2], ...) and the gradients in the same order


@dataclass(frozen=True)
class Transform:
    """One gradient transformation: ``apply(hp, params, grads, m)`` returns the new gradients;
    ``penalty(hp, params, m)`` (or None) the term it adds to J."""

    name: str
    params: tuple[Param, ...]
    apply: Callable[[Mapping[str, float], Params, Params, int], Params]
    formula: str  # the step as the update equation prints it, in g (all gradients) or dW[l]
    rule: str  # in words
    penalty: Callable[[Mapping[str, float], Params, int], float] | None = None
    penalty_formula: str = ""  # the term of J, as the loss equation prints it
    source: str = ""
    # how an exported NumPy script writes it (gradsim export): lines rewriting the list ``grads`` (every gradient
    # in gradsim's order: dW[1], db[1], ..., dW[L], db[L], then batch norm's dgamma[l], dbeta[l]) beside
    # ``params`` (W[1], b[1], ... in the same order), m and L, with {param} the parameter's value; and the
    # term it adds to J as an expression (in the list W, index l = 1..L)
    np_apply: str = ""
    np_penalty: str = ""
    # and a PyTorch script (export --torch): lines on the module ``net`` (net.linear[l - 1] holds W[l], b[l]) after
    # J.backward() filled every .grad, and the term of J as an expression in net and m (autograd then gives the
    # transform's gradient term: the script uses it in place of torch_apply while nothing comes before it)
    torch_apply: str = ""
    torch_penalty: str = ""
    weights_only: bool = False  # acts on (W[1], b[1], ..., W[L], b[L]) alone, not on batch norm's gamma, beta


def global_norm(grads: Sequence[Array]) -> float:
    """√(Σ ‖g_i‖²) over every gradient, each norm overflow-safe (engine/stats.norm)."""
    return math.hypot(*(norm(g) for g in grads)) if grads else 0.0


def _clip_norm(hp, params, grads, m):
    c = hp["max_norm"]
    total = global_norm(grads)
    if not total > c:  # within the bound (or NaN: left for the blow-up banner to explain)
        return grads
    scale = c / total
    return tuple(g * scale for g in grads)


def _clip_value(hp, params, grads, m):
    c = hp["max_value"]
    return tuple(np.clip(g, -c, c) for g in grads)


def _weight_decay(hp, params, grads, m):
    k = hp["lambda"] / m
    return tuple(g + k * p if i % 2 == 0 else g for i, (p, g) in enumerate(zip(params, grads)))


def _l2_penalty(hp, params, m):
    return hp["lambda"] / (2.0 * m) * sum(norm(W) ** 2 for W in params[0::2])


TRANSFORMS: dict[str, Transform] = {
    "clip_norm": Transform("clip_norm", (Param("max_norm", 1.0, lo=0.0, lo_open=True, symbol="c"),), _clip_norm,
                           "g := g·min(1, c/‖g‖)", "scale every gradient by min(1, c/‖g‖), ‖g‖ the global norm",
                           source="Pascanu, Mikolov & Bengio (2013)",
                           np_apply="total = math.hypot(*(norm(g) for g in grads))\n"
                                    "if total > {max_norm}:\n"
                                    "    scale = {max_norm} / total\n"
                                    "    grads = [g * scale for g in grads]",
                           # by hand: torch.nn.utils.clip_grad_norm_ scales by c/(‖g‖ + 1e-6), not c/‖g‖
                           torch_apply="total = math.hypot(*(p.grad.norm().item() for p in net.parameters()))\n"
                                       "if total > {max_norm}:  # g := g·c/‖g‖ (clip_grad_norm_ would add 1e-6 to ‖g‖)\n"
                                       "    for p in net.parameters():\n"
                                       "        p.grad.mul_({max_norm} / total)"),
    "clip_value": Transform("clip_value", (Param("max_value", 1.0, lo=0.0, lo_open=True, symbol="c"),), _clip_value,
                            "g := clip(g, −c, c)", "clip every gradient entry into [−c, c]",
                            np_apply="grads = [np.clip(g, -{max_value}, {max_value}) for g in grads]",
                            torch_apply="torch.nn.utils.clip_grad_value_(net.parameters(), {max_value})"),
    "weight_decay": Transform("weight_decay", (Param("lambda", 1e-3, lo=0.0, hi=1e6, symbol="λ"),), _weight_decay,
                              "dW[{l}] := dW[{l}] + (λ/m)·W[{l}]", "add (λ/m)·W[l] to dW[l] (L2 regularisation)",
                              penalty=_l2_penalty, penalty_formula="λ/(2m)·Σ_l ‖W[l]‖²",
                              # i < 2L: W[l], b[l] only, not gamma, beta (weights_only); even i: W[l]
                              np_apply="grads = [g + {lambda} / m * p if i < 2 * L and i % 2 == 0 else g\n"
                                       "         for i, (p, g) in enumerate(zip(params, grads))]",
                              np_penalty="{lambda} / (2.0 * m) * sum(norm(Wl) ** 2 for Wl in W[1:])",
                              torch_apply="for linear in net.linear:  # biases are not decayed\n"
                                          "    linear.weight.grad.add_(linear.weight.detach(), alpha={lambda} / m)",
                              torch_penalty="{lambda} / (2.0 * m) * sum((linear.weight ** 2).sum() for linear in net.linear)",
                              weights_only=True),
}


def get_transform(name: str) -> Transform:
    return lookup(TRANSFORMS, name, "transform")


@dataclass(frozen=True, init=False)
class TransformSpec:
    """A transformation by name with its parameters, e.g. ``TransformSpec("clip_norm", max_norm=1.0)``."""

    name: str
    params: Values

    def __init__(self, name: str, params: Mapping[str, float] | Values = (), **values: float):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))

    @property
    def entry(self) -> Transform:
        return get_transform(self.name)

    def values(self) -> dict[str, float]:
        return bind(self.entry.params, dict(self.params), self.name)

    def describe(self) -> str:
        """'clip_norm (c = 1)'."""
        values = self.values()
        return self.name + " (" + ", ".join(f"{p.symbol or p.name} = {values[p.name]:g}"
                                            for p in self.entry.params) + ")"


class Chain:
    """Transformations applied in order (bound once): ``grads(params, grads, m)`` and ``penalty(params, m)``.

    ``weights``: how many leading entries of the tuples are W[1], b[1], ..., W[L], b[L] (2L); the rest
    (batch norm's gamma, beta) are seen by every transform but those marked ``weights_only``."""

    def __init__(self, specs: Sequence[TransformSpec], weights: int | None = None):
        self.specs = tuple(specs)
        self.weights = weights
        self._bound = [(s.entry, s.values()) for s in self.specs]
        self.has_penalty = any(e.penalty is not None for e, _ in self._bound)

    def __bool__(self) -> bool:
        return bool(self.specs)

    def grads(self, params: Params, grads: Params, m: int) -> Params:
        for entry, hp in self._bound:
            grads = self._apply(entry, hp, params, grads, m)
        return grads

    def _apply(self, entry: Transform, hp, params: Params, grads: Params, m: int) -> Params:
        k = self.weights
        if entry.weights_only and k is not None and k < len(grads):
            return tuple(entry.apply(hp, params[:k], grads[:k], m)) + tuple(grads[k:])
        return entry.apply(hp, params, grads, m)

    def steps(self, params: Params, grads: Params, m: int) -> list[tuple[TransformSpec, Params]]:
        """Each transformation with the gradients after it (the equations show the norm at each step)."""
        out = []
        for spec, (entry, hp) in zip(self.specs, self._bound):
            grads = self._apply(entry, hp, params, grads, m)
            out.append((spec, grads))
        return out

    def penalty(self, params: Params, m: int) -> float:
        k = len(params) if self.weights is None else self.weights
        return float(sum(e.penalty(hp, params[:k], m) for e, hp in self._bound if e.penalty is not None))
