"""Activations g[l], one registry entry each: everything gradsim knows about an activation lives here.

An entry holds g(Z) → A and, beside it, its derivative g'(Z) given (Z, A) — ``A`` is passed because it is
already cached (σ' = A(1 − A), tanh' = 1 − A²), exactly as backprop reuses it — plus what the rest of the
program asks of it: the formulas the equations print, which cached array g' reuses, the output range (can
an l2 output reach the targets?), whether it may be hidden or output, where it has kinks (gradcheck), its
unit statistic (saturated or dead units) and its parameters with defaults and bounds (leaky_relu's slope,
elu's α). softmax has no elementwise derivative: its backward is the Jacobian-vector product.

To add an activation, add one entry to ``ACTIVATIONS`` (see ``elu`` and ``softplus``): validation, the
equations of ``gradsim step`` and the app, ``gradsim show --json``, the editor, gradcheck and the
expression language all read the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .params import Param, Values, bind, frozen_values, lookup

Array = np.ndarray
INF = float("inf")


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: str  # how the lecture writes g: σ, tanh, ReLU, ...
    g: Callable[[Array], Array]
    dg: Callable[[Array, Array], Array] | None  # g'(Z) given (Z, A); None when the backward is not elementwise
    derivative: str  # g' as the equation panel explains it: "σ'(Z) = A⊙(1 − A)"
    reuses: str | None  # the cached array of the layer g' reads: "A", "Z" or None (g' = 1)
    output_range: tuple[float, float] = (-INF, INF)
    hidden: bool = True  # may be a hidden layer's activation
    output: bool = True  # may be the output layer's
    kink: Callable[[Array], Array] | None = None  # where g' jumps: a boolean pattern of Z whose change marks a kink
    saturated: Callable[[Array, Array], float] | None = None  # fraction of saturated entries, from (Z, A)
    dead: Callable[[Array, Array], float] | None = None  # fraction of dead units (rows), from (Z, A)
    # the same tests entry by entry (engine/unitstats.py batches them over layers): saturated entries, and
    # inactive entries (a unit is dead when its row is inactive on every example)
    saturated_where: Callable[[Array, Array], Array] | None = None
    inactive_where: Callable[[Array, Array], Array] | None = None
    params: tuple[Param, ...] = ()
    values: Values = ()  # the bound parameter values
    factory: Callable[..., "Activation"] | None = field(default=None, repr=False)  # builds it for other values
    jvp: Callable[[Array, Array], Array] | None = None  # dZ from (dA, A) when dg is None (softmax)
    columnwise: bool = False  # g mixes the units of a column (softmax), so it is not elementwise
    source: str = ""
    # how an exported script writes it (gradsim export): NumPy function bodies whose last line is returned,
    # in Z (g), Z and A (g'; softmax: its jvp in dA and A) and the parameters; a torch.nn module, {param} filled in
    np_g: str = ""
    np_dg: str = ""
    torch: str = ""
    identity: bool = field(init=False)  # g' = 1 everywhere (reuses nothing), so dZ[l] = dA[l] without a product

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", self.reuses is None and self.dg is not None and self.jvp is None)

    def backward(self, dA: Array, Z: Array, A: Array) -> Array:
        """dZ[l] = dA[l] ⊙ g'(Z[l]) (softmax: the Jacobian-vector product)."""
        if self.jvp is not None:
            return self.jvp(dA, A)
        if self.identity:
            return dA
        return dA * self.dg(Z, A)

    def value(self, name: str) -> float:
        return dict(self.values)[name]

    def bind(self, **values: float) -> "Activation":
        """This activation with other parameter values (the same entry when they are the defaults)."""
        full = bind(self.params, values, self.name)
        if frozen_values(full) == self.values:
            return self
        assert self.factory is not None
        return self.factory(**full)

    # how `gradsim step` and the app write A[l] = g(Z[l]) and dZ[l] = dA[l] ⊙ g'(Z[l])
    def forward_formula(self, Z: str) -> str:
        return Z if self.identity else f"{self.symbol}({Z})"

    def backward_formula(self, dA: str, Z: str, A: str) -> tuple[str, str]:
        """(the right-hand side of dZ = ..., which operands its shapes line shows)."""
        if self.jvp is not None:
            return f"{A} ⊙ ({dA} − Σ_k {A}⊙{dA})", "A dA"
        if self.identity:
            return dA, "dA"
        return f"{dA} ⊙ {self.symbol}'({Z})", "dA Z"


# ------------------------------------------------------------------------------------- unit statistics
# Where g' falls below 1/20 of its peak g'(0), a unit is counted as saturated.
SATURATION_FRACTION = 0.05


def _fraction(mask: Array) -> float:
    return float(np.count_nonzero(mask) / mask.size) if mask.size else 0.0


def _inactive(Z: Array, A: Array) -> Array:
    return Z <= 0


def _dead_rows(Z: Array, A: Array) -> float:
    """Units (rows of Z[l]) inactive on every example of the batch."""
    return float(np.count_nonzero(_inactive(Z, A).all(axis=1)) / Z.shape[0]) if Z.size else 0.0


# ------------------------------------------------------------------------------------------- entries
def sigmoid(Z: Array) -> Array:
    """σ(z) = 1 / (1 + e^{−z}), computed without overflow for large |z|."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(Z: Array) -> Array:
    """softmax over the units of each column: e^{z_k} / Σ_j e^{z_j} (shifted by max for stability)."""
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_backward(dA: Array, A: Array) -> Array:
    """dZ = J_softmaxᵀ dA per column: A ⊙ (dA − Σ_k A_k dA_k)."""
    return A * (dA - (A * dA).sum(axis=0, keepdims=True))


def _positive(Z: Array) -> Array:
    return Z > 0


SLOPE = Param("slope", 0.01, lo=0.0, hi=1.0, doc="the slope for z ≤ 0")


def leaky_relu(slope: float = SLOPE.default) -> Activation:
    """leaky ReLU: z for z > 0, slope·z otherwise; g' = 1 or slope (Maas, Hannun & Ng 2013)."""

    def g(Z: Array) -> Array:
        return np.where(Z > 0, Z, slope * Z)

    def dg(Z: Array, A: Array) -> Array:
        return np.where(Z > 0, 1.0, slope)

    return Activation("leaky_relu", "LReLU", g, dg, "LReLU'(Z) = 1[Z > 0] + slope·1[Z ≤ 0]", "Z",
                      kink=_positive, params=(SLOPE,), values=frozen_values({"slope": slope}), factory=leaky_relu,
                      source="Maas, Hannun & Ng (2013)", np_g="np.where(Z > 0, Z, slope * Z)",
                      np_dg="np.where(Z > 0, 1.0, slope)", torch="nn.LeakyReLU({slope})")


ALPHA = Param("alpha", 1.0, lo=0.0, hi=100.0, lo_open=True, symbol="α", doc="the limit −α for z → −∞")


def elu(alpha: float = ALPHA.default) -> Activation:
    """ELU: z for z > 0, α(e^z − 1) otherwise; g' = 1 or α·e^z = A + α (reusing the cached A).

    Clevert, Unterthiner & Hochreiter (2016), "Fast and accurate deep network learning by exponential
    linear units", eq. (1). Negative inputs still pass a gradient (no dead units), and the mean
    activation is pushed towards 0. For α ≠ 1 g' jumps at z = 0 (a kink for gradcheck).
    """

    def g(Z: Array) -> Array:
        return np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0.0)))

    def dg(Z: Array, A: Array) -> Array:
        return np.where(Z > 0, 1.0, A + alpha)

    return Activation("elu", "ELU", g, dg, "ELU'(Z) = 1[Z > 0] + (A + α)·1[Z ≤ 0]", "A", output_range=(-alpha, INF),
                      kink=_positive, params=(ALPHA,), values=frozen_values({"alpha": alpha}), factory=elu,
                      source="Clevert, Unterthiner & Hochreiter (2016)",
                      np_g="np.where(Z > 0, Z, alpha * np.expm1(np.minimum(Z, 0.0)))",
                      np_dg="np.where(Z > 0, 1.0, A + alpha)", torch="nn.ELU({alpha})")


def _softplus(Z: Array) -> Array:
    """log(1 + e^z) without overflow."""
    return np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))


def _linear(Z: Array) -> Array:
    return Z


def _ones(Z: Array, A: Array) -> Array:
    return np.ones_like(Z)


def _sigmoid_saturated_where(Z: Array, A: Array) -> Array:
    return A * (1.0 - A) < 0.25 * SATURATION_FRACTION


def _tanh_saturated_where(Z: Array, A: Array) -> Array:
    return 1.0 - A * A < SATURATION_FRACTION


def _sigmoid_saturated(Z: Array, A: Array) -> float:
    return _fraction(_sigmoid_saturated_where(Z, A))


def _tanh_saturated(Z: Array, A: Array) -> float:
    return _fraction(_tanh_saturated_where(Z, A))


_NP_SIGMOID = "e = np.exp(-np.abs(Z))\nnp.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"

ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("linear", "id", _linear, _ones, "id'(Z) = 1", None,
                         np_g="Z", np_dg="np.ones_like(Z)", torch="nn.Identity()"),
    "sigmoid": Activation("sigmoid", "σ", sigmoid, lambda Z, A: A * (1.0 - A), "σ'(Z) = A⊙(1 − A)", "A",
                          output_range=(0.0, 1.0), saturated=_sigmoid_saturated,
                          saturated_where=_sigmoid_saturated_where,
                          np_g=_NP_SIGMOID, np_dg="A * (1.0 - A)", torch="nn.Sigmoid()"),
    "tanh": Activation("tanh", "tanh", np.tanh, lambda Z, A: 1.0 - A * A, "tanh'(Z) = 1 − A²", "A",
                       output_range=(-1.0, 1.0), saturated=_tanh_saturated,
                       saturated_where=_tanh_saturated_where,
                       np_g="np.tanh(Z)", np_dg="1.0 - A * A", torch="nn.Tanh()"),
    "relu": Activation("relu", "ReLU", lambda Z: np.maximum(Z, 0.0), lambda Z, A: (Z > 0).astype(Z.dtype),
                       "ReLU'(Z) = 1[Z > 0]", "Z", output_range=(0.0, INF), kink=_positive, dead=_dead_rows,
                       inactive_where=_inactive,
                       np_g="np.maximum(Z, 0.0)", np_dg="(Z > 0).astype(Z.dtype)", torch="nn.ReLU()"),
    "leaky_relu": leaky_relu(),
    "elu": elu(),
    "softplus": Activation("softplus", "softplus", _softplus, lambda Z, A: sigmoid(Z), "softplus'(Z) = σ(Z)", "Z",
                           output_range=(0.0, INF),
                           source="Dugas et al. (2001); Glorot, Bordes & Bengio (2011): a smooth ReLU",
                           np_g="np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))", np_dg=_NP_SIGMOID,
                           torch="nn.Softplus(threshold=40.0)"),  # torch's default threshold 20 is off by e^-20
    "softmax": Activation("softmax", "softmax", softmax, None, "softmax: dZ = A⊙(dA − Σ_k A_k dA_k)", "A",
                          output_range=(0.0, 1.0), hidden=False, jvp=softmax_backward, columnwise=True,
                          np_g="e = np.exp(Z - Z.max(axis=0, keepdims=True))\ne / e.sum(axis=0, keepdims=True)",
                          np_dg="A * (dA - (A * dA).sum(axis=0, keepdims=True))", torch="nn.Softmax(dim=1)"),
}


def get_activation(name: str, **values: float) -> Activation:
    """The activation called ``name``, bound to parameter ``values`` (defaults for the rest)."""
    return lookup(ACTIVATIONS, name, "activation").bind(**values)


def hidden_activations() -> list[str]:
    return [name for name, a in ACTIVATIONS.items() if a.hidden]


def fraction_saturated(g: Activation, Z: Array, A: Array) -> float:
    """The share of saturated entries of A[l] (σ' or tanh' below 5 % of its peak); 0 for others."""
    return g.saturated(Z, A) if g.saturated is not None and A.size else 0.0


def fraction_dead(g: Activation, Z: Array, A: Array) -> float:
    """The share of units of layer l inactive on every example of the batch (ReLU); 0 for others."""
    return g.dead(Z, A) if g.dead is not None and Z.size else 0.0
