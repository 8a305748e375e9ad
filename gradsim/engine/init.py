"""Weight initialisers W[l] of shape (n[l], n[l-1]); each docstring gives the formula and its source.

Every random initialiser takes ``gain``, a factor on W (the lecture's larger factor for sigmoid is a gain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class InitSpec:
    """How to initialise one layer: an initialiser name and its parameters, or an explicit W and b."""

    name: str = "xavier"
    gain: float = 1.0
    std: float = 0.01
    limit: float = 0.05
    value: float = 0.0
    scale: float = 1.0
    W: Array | None = None
    bias: float = 0.0
    b: Array | None = None


def zeros(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = 0. Every unit of a layer computes the same thing forever (the lecture's symmetry)."""
    return np.zeros((n_out, n_in))


def constant(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = value everywhere: equal weights stay equal within a layer (symmetry is never broken)."""
    return np.full((n_out, n_in), float(spec.value))


def normal(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W ~ gain · N(0, std²)."""
    return spec.gain * spec.std * rng.standard_normal((n_out, n_in))


def uniform(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W ~ gain · U(−limit, limit)."""
    return spec.gain * rng.uniform(-spec.limit, spec.limit, (n_out, n_in))


def standard(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W ~ gain · U(−1/√n[l-1], 1/√n[l-1]), Var = 1/(3·n[l-1]).

    The "commonly used heuristic" of Glorot & Bengio (2010), eq. (1).
    """
    a = 1.0 / np.sqrt(n_in)
    return spec.gain * rng.uniform(-a, a, (n_out, n_in))


def xavier(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = gain · randn · √(1/n[l-1]), Var = 1/n[l-1]: the lecture's initialisation "for tanh"."""
    return spec.gain * rng.standard_normal((n_out, n_in)) * np.sqrt(1.0 / n_in)


def glorot(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W ~ gain · U(±√6/√(n[l-1] + n[l])): Glorot & Bengio (2010)'s normalised initialisation, eq. (16)."""
    a = np.sqrt(6.0) / np.sqrt(n_in + n_out)
    return spec.gain * rng.uniform(-a, a, (n_out, n_in))


def he(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = gain · randn · √(2/n[l-1]), Var = 2/n[l-1]: He et al. (2015), for ReLU."""
    return spec.gain * rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)


def identity(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = scale · I (rectangular: ones on the main diagonal); the lecture's W = 1.5·I."""
    return spec.scale * np.eye(n_out, n_in)


def orthogonal(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W = gain · Q, Q with orthonormal rows or columns from the QR of a Gaussian matrix.

    Saxe, McClelland & Ganguli (2014); the sign fix makes Q uniform (Mezzadri 2007).
    """
    rows, cols = max(n_out, n_in), min(n_out, n_in)
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    q = q * np.sign(np.diag(r))
    if n_out < n_in:
        q = q.T
    return spec.gain * q


def explicit(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> Array:
    """W given as a matrix of shape (n[l], n[l-1])."""
    if spec.W is None:
        raise ValueError("explicit initialisation needs W")
    W = np.array(spec.W, dtype=np.float64)
    if W.shape != (n_out, n_in):
        raise ValueError(f"explicit W has shape {W.shape}, expected {(n_out, n_in)}")
    return W


INITIALIZERS: dict[str, Callable[[np.random.Generator, int, int, InitSpec], Array]] = {
    "zeros": zeros,
    "constant": constant,
    "normal": normal,
    "uniform": uniform,
    "standard": standard,
    "xavier": xavier,
    "glorot": glorot,
    "he": he,
    "identity": identity,
    "orthogonal": orthogonal,
    "explicit": explicit,
}


def init_layer(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> tuple[Array, Array]:
    """(W[l], b[l]) for one layer; an explicit W or b overrides the named initialiser."""
    name = "explicit" if spec.W is not None else spec.name
    if name not in INITIALIZERS:
        raise KeyError(f"unknown initialiser {name!r}; expected one of {', '.join(INITIALIZERS)}")
    W = INITIALIZERS[name](rng, n_out, n_in, spec)
    if spec.b is not None:
        b = np.array(spec.b, dtype=np.float64).reshape(n_out, 1)
    else:
        b = np.full((n_out, 1), float(spec.bias))
    return W, b
