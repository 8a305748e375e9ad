"""Weight initialisers W[l] of shape (n[l], n[l-1]), one registry entry each: the draw, its parameters
with defaults and bounds, the formula as the app prints it, and its source.

Every random initialiser takes ``gain``, a factor on W (the lecture's larger factor for sigmoid is a gain).
To add one, add an entry to ``INITIALIZERS`` (see ``lecun_uniform``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .params import Param, Values, bind, frozen_values, lookup

Array = np.ndarray
Draw = Callable[[np.random.Generator, int, int, Mapping[str, float]], Array]

DEFAULT_INITIALIZER = "xavier"  # what init.weights is when a scenario does not say
GAIN = Param("gain", 1.0, doc="a factor on W", quiet=True)
BIAS = Param("bias", 0.0, doc="every entry of b[l]")


@dataclass(frozen=True)
class Initializer:
    name: str
    draw: Draw  # (rng, n[l], n[l-1], parameter values) -> W[l]
    formula: str  # as the app and `gradsim show` print it
    params: tuple[Param, ...] = ()
    source: str = ""
    selectable: bool = True  # offered as init.weights (explicit W is given as a matrix instead)
    # how an exported script writes it (gradsim export): a NumPy body in (rng, n_out, n_in) and the parameters
    # whose last line is W (the same draw from the same generator); the torch.nn.init call for weight {W}
    np_draw: str = ""
    torch: str = ""


@dataclass(frozen=True, init=False)
class InitSpec:
    """How to initialise one layer: an initialiser name and its parameters, or an explicit W and b,
    e.g. ``InitSpec("normal", std=0.7)``, ``InitSpec(W=np.eye(2), b=...)``."""

    name: str
    params: Values
    bias: float
    W: Array | None
    b: Array | None

    def __init__(self, name: str = DEFAULT_INITIALIZER, params: Mapping[str, float] | Values = (), *, bias: float = BIAS.default,
                 W: Array | None = None, b: Array | None = None, **values: float):
        object.__setattr__(self, "name", "explicit" if W is not None and name == DEFAULT_INITIALIZER else name)
        object.__setattr__(self, "params", frozen_values({**dict(params), **values}))
        object.__setattr__(self, "bias", float(bias))
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", b)

    def values(self) -> dict[str, float]:
        """Every parameter of the initialiser: the given values, the registry's defaults for the rest."""
        return bind(get_initializer(self.name).params, dict(self.params), self.name)


def zeros(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = 0. Every unit of a layer computes the same thing forever (the lecture's symmetry)."""
    return np.zeros((n_out, n_in))


def constant(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = value everywhere: equal weights stay equal within a layer (symmetry is never broken)."""
    return np.full((n_out, n_in), float(p["value"]))


def normal(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W ~ gain · N(0, std²)."""
    return p["gain"] * p["std"] * rng.standard_normal((n_out, n_in))


def uniform(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W ~ gain · U(−limit, limit)."""
    return p["gain"] * rng.uniform(-p["limit"], p["limit"], (n_out, n_in))


def standard(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W ~ gain · U(−1/√n[l-1], 1/√n[l-1]), Var = 1/(3·n[l-1]).

    The "commonly used heuristic" of Glorot & Bengio (2010), eq. (1).
    """
    a = 1.0 / np.sqrt(n_in)
    return p["gain"] * rng.uniform(-a, a, (n_out, n_in))


def xavier(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = gain · randn · √(1/n[l-1]), Var = 1/n[l-1]: the lecture's initialisation "for tanh"."""
    return p["gain"] * rng.standard_normal((n_out, n_in)) * np.sqrt(1.0 / n_in)


def glorot(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W ~ gain · U(±√6/√(n[l-1] + n[l])): Glorot & Bengio (2010)'s normalised initialisation, eq. (16)."""
    a = np.sqrt(6.0) / np.sqrt(n_in + n_out)
    return p["gain"] * rng.uniform(-a, a, (n_out, n_in))


def he(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = gain · randn · √(2/n[l-1]), Var = 2/n[l-1]: He et al. (2015), for ReLU."""
    return p["gain"] * rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)


def identity(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = scale · I (rectangular: ones on the main diagonal); the lecture's W = 1.5·I."""
    return p["scale"] * np.eye(n_out, n_in)


def orthogonal(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W = gain · Q, Q with orthonormal rows or columns from the QR of a Gaussian matrix.

    Saxe, McClelland & Ganguli (2014); the sign fix makes Q uniform (Mezzadri 2007).
    """
    rows, cols = max(n_out, n_in), min(n_out, n_in)
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    q = q * np.sign(np.diag(r))
    if n_out < n_in:
        q = q.T
    return p["gain"] * q


def lecun_uniform(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W ~ gain · U(±√(3/n[l-1])), Var = 1/n[l-1]: LeCun, Bottou, Orr & Müller (1998), "Efficient
    BackProp", §4.6 — the variance of Xavier's normal draw, from a uniform one."""
    a = np.sqrt(3.0 / n_in)
    return p["gain"] * rng.uniform(-a, a, (n_out, n_in))


def _explicit(rng: np.random.Generator, n_out: int, n_in: int, p: Mapping[str, float]) -> Array:
    """W given as a matrix of shape (n[l], n[l-1]) (InitSpec.W); there is nothing to draw."""
    raise ValueError("explicit initialisation needs W")


STD = Param("std", 0.01, lo=0.0)
LIMIT = Param("limit", 0.05, lo=0.0)
VALUE = Param("value", 0.0)
SCALE = Param("scale", 1.0)

_UNIFORM = "\ngain * rng.uniform(-a, a, (n_out, n_in))"

INITIALIZERS: dict[str, Initializer] = {
    "zeros": Initializer("zeros", zeros, "W = 0", np_draw="np.zeros((n_out, n_in))", torch="nn.init.zeros_({W})"),
    "constant": Initializer("constant", constant, "W = value", (VALUE,), np_draw="np.full((n_out, n_in), float(value))",
                            torch="nn.init.constant_({W}, {value})"),
    "normal": Initializer("normal", normal, "W ~ gain·N(0, std²)", (GAIN, STD),
                          np_draw="gain * std * rng.standard_normal((n_out, n_in))",
                          torch="nn.init.normal_({W}, 0.0, {gain} * {std})"),
    "uniform": Initializer("uniform", uniform, "W ~ gain·U(−limit, limit)", (GAIN, LIMIT),
                           np_draw="gain * rng.uniform(-limit, limit, (n_out, n_in))",
                           torch="nn.init.uniform_({W}, -{limit}, {limit}).mul_({gain})"),
    "standard": Initializer("standard", standard, "W ~ gain·U(±1/√n[l-1])", (GAIN,), "Glorot & Bengio (2010), eq. (1)",
                            np_draw="a = 1.0 / np.sqrt(n_in)" + _UNIFORM,
                            torch="nn.init.uniform_({W}, -1 / {n_in} ** 0.5, 1 / {n_in} ** 0.5).mul_({gain})"),
    "xavier": Initializer("xavier", xavier, "W = gain·randn·√(1/n[l-1])", (GAIN,), "the lecture, for tanh",
                          np_draw="gain * rng.standard_normal((n_out, n_in)) * np.sqrt(1.0 / n_in)",
                          torch="nn.init.normal_({W}, 0.0, {gain} * (1 / {n_in}) ** 0.5)"),
    "glorot": Initializer("glorot", glorot, "W ~ gain·U(±√6/√(n[l-1] + n[l]))", (GAIN,),
                          "Glorot & Bengio (2010), eq. (16)",
                          np_draw="a = np.sqrt(6.0) / np.sqrt(n_in + n_out)" + _UNIFORM,
                          torch="nn.init.xavier_uniform_({W}, gain={gain})"),
    "he": Initializer("he", he, "W = gain·randn·√(2/n[l-1])", (GAIN,), "He et al. (2015)",
                      np_draw="gain * rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)",
                      torch="nn.init.kaiming_normal_({W}, nonlinearity='relu').mul_({gain})"),
    "lecun_uniform": Initializer("lecun_uniform", lecun_uniform, "W ~ gain·U(±√(3/n[l-1]))", (GAIN,),
                                 "LeCun et al. (1998)", np_draw="a = np.sqrt(3.0 / n_in)" + _UNIFORM,
                                 torch="nn.init.kaiming_uniform_({W}, nonlinearity='linear').mul_({gain})"),
    "identity": Initializer("identity", identity, "W = scale·I", (SCALE,), np_draw="scale * np.eye(n_out, n_in)",
                            torch="nn.init.eye_({W}).mul_({scale})"),
    "orthogonal": Initializer("orthogonal", orthogonal, "W = gain·Q, Q orthonormal", (GAIN,),
                              "Saxe, McClelland & Ganguli (2014)",
                              np_draw="rows, cols = max(n_out, n_in), min(n_out, n_in)\n"
                                      "q, r = np.linalg.qr(rng.standard_normal((rows, cols)))\n"
                                      "q = q * np.sign(np.diag(r))\nq = q.T if n_out < n_in else q\ngain * q",
                              torch="nn.init.orthogonal_({W}, gain={gain})"),
    "explicit": Initializer("explicit", _explicit, "W given", selectable=False),
}


def get_initializer(name: str) -> Initializer:
    return lookup(INITIALIZERS, name, "initialiser")


def selectable_initializers() -> list[str]:
    """The names a scenario may give as init.weights."""
    return [name for name, entry in INITIALIZERS.items() if entry.selectable]


def init_layer(rng: np.random.Generator, n_out: int, n_in: int, spec: InitSpec) -> tuple[Array, Array]:
    """(W[l], b[l]) for one layer; an explicit W or b overrides the named initialiser."""
    if spec.W is not None:
        W = np.array(spec.W, dtype=np.float64)
        if W.shape != (n_out, n_in):
            raise ValueError(f"explicit W has shape {W.shape}, expected {(n_out, n_in)}")
    else:
        W = get_initializer(spec.name).draw(rng, n_out, n_in, spec.values())
    if spec.b is not None:
        b = np.array(spec.b, dtype=np.float64).reshape(n_out, 1)
    else:
        b = np.full((n_out, 1), float(spec.bias))
    return W, b
