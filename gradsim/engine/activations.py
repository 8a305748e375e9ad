"""Activations g[l] with their derivatives g'[l] beside them, keyed by the lecture's names.

Each entry holds ``g(Z) -> A`` and ``dg(Z, A) -> g'(Z)`` (elementwise). ``A`` is passed to the
derivative because it is already cached (σ' = A(1 − A), tanh' = 1 − A²), exactly as backprop reuses it.
softmax has no elementwise derivative: its backward is the Jacobian-vector product ``softmax_backward``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: str  # how the lecture writes g: σ, tanh, ReLU, ...
    g: Callable[[Array], Array]
    dg: Callable[[Array, Array], Array] | None  # g'(Z) given (Z, A); None for softmax
    output_only: bool = False
    slope: float | None = None  # leaky_relu only


def sigmoid(Z: Array) -> Array:
    """σ(z) = 1 / (1 + e^{−z}), computed without overflow for large |z|."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_prime(Z: Array, A: Array) -> Array:
    return A * (1.0 - A)


def _tanh_prime(Z: Array, A: Array) -> Array:
    return 1.0 - A * A


def _relu(Z: Array) -> Array:
    return np.maximum(Z, 0.0)


def _relu_prime(Z: Array, A: Array) -> Array:
    return (Z > 0).astype(Z.dtype)


def _linear(Z: Array) -> Array:
    return Z


def _linear_prime(Z: Array, A: Array) -> Array:
    return np.ones_like(Z)


def softmax(Z: Array) -> Array:
    """softmax over the units of each column: e^{z_k} / Σ_j e^{z_j} (shifted by max for stability)."""
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_backward(dA: Array, A: Array) -> Array:
    """dZ = J_softmaxᵀ dA per column: A ⊙ (dA − Σ_k A_k dA_k)."""
    return A * (dA - (A * dA).sum(axis=0, keepdims=True))


def leaky_relu(slope: float) -> Activation:
    """leaky ReLU: z for z > 0, slope·z otherwise; g' = 1 or slope."""

    def g(Z: Array) -> Array:
        return np.where(Z > 0, Z, slope * Z)

    def dg(Z: Array, A: Array) -> Array:
        return np.where(Z > 0, 1.0, slope)

    return Activation("leaky_relu", "LReLU", g, dg, slope=slope)


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("linear", "id", _linear, _linear_prime),
    "sigmoid": Activation("sigmoid", "σ", sigmoid, _sigmoid_prime),
    "tanh": Activation("tanh", "tanh", np.tanh, _tanh_prime),
    "relu": Activation("relu", "ReLU", _relu, _relu_prime),
    "leaky_relu": leaky_relu(0.01),
    "softmax": Activation("softmax", "softmax", softmax, None, output_only=True),
}

DEFAULT_LEAKY_SLOPE = 0.01


def get_activation(name: str, slope: float | None = None) -> Activation:
    """The activation called ``name``; ``slope`` applies to leaky_relu only."""
    if name not in ACTIVATIONS:
        raise KeyError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    if name == "leaky_relu" and slope is not None and slope != DEFAULT_LEAKY_SLOPE:
        return leaky_relu(float(slope))
    return ACTIVATIONS[name]


# Where g' falls below 1/20 of its peak g'(0), a unit is counted as saturated.
SATURATION_FRACTION = 0.05


def fraction_saturated(name: str, A: Array) -> float:
    """Fraction of entries of A[l] where σ' or tanh' is below 5 % of its maximum (0 for others)."""
    if A.size == 0:
        return 0.0
    if name == "sigmoid":
        return float(np.count_nonzero(A * (1.0 - A) < 0.25 * SATURATION_FRACTION) / A.size)
    if name == "tanh":
        return float(np.count_nonzero(1.0 - A * A < SATURATION_FRACTION) / A.size)
    return 0.0


def fraction_dead(name: str, Z: Array) -> float:
    """Fraction of ReLU units (rows of Z[l]) inactive on every example of the batch (0 for others)."""
    if name != "relu" or Z.size == 0:
        return 0.0
    return float(np.count_nonzero((Z <= 0).all(axis=1)) / Z.shape[0])
