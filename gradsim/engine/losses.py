"""Losses L(ŷ, y) with their gradient dA[L] = ∂J/∂A[L] beside them (J = (1/m) Σ_i L, so dA carries 1/m).

sigmoid + logistic/multilabel and softmax + softmax_ce are *fused*: backprop starts at the stable
dZ[L] = (A[L] − Y)/m and the loss is computed from Z[L] with a stable log, so a saturated but finite
Z[L] never gives log(0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .params import lookup

Array = np.ndarray


@dataclass(frozen=True)
class Loss:
    name: str
    formula: str  # the per-example loss, as the lecture writes it
    value: Callable[[Array, Array, Array], float]  # (Z[L], A[L], Y) -> J
    dA: Callable[[Array, Array], Array]  # (A[L], Y) -> ∂J/∂A[L]
    fused_with: str | None = None  # the output activation that fuses to dZ[L] = (A − Y)/m
    dA_formula: str = "∂J/∂A[{L}]"  # as the equations print dA[L] when it is not fused
    targets: str = "any"  # what Y may hold: "unit" (values in [0, 1]), "distribution" (columns sum to 1), "any"
    units: tuple[int, int | None] = (1, None)  # allowed n[L]: at least, at most (None: no limit)
    units_hint: str = ""  # said when n[L] is outside ``units``
    kink: Callable[[Array, Array], Array] | None = None  # (A, Y) -> the pattern whose change marks a kink of J
    accuracy: Callable[[Array, Array], float] | None = None  # (A, Y) -> share classified right; None: regression
    source: str = ""
    # how an exported script writes it (gradsim export): NumPy bodies whose last line is returned, J in (Z, A, Y)
    # and dA[L] in (A, Y); a PyTorch expression of J in Z, A, Y (one example per row) and m (the fused ones take Z)
    np_J: str = ""
    np_dA: str = ""
    torch: str = ""

    def units_problem(self, n_out: int) -> tuple[str, str] | None:
        """None when an output layer of n_out units fits this loss; else (what was expected, what came)."""
        lo, hi = self.units
        hint = f"; {self.units_hint}" if self.units_hint else ""
        if hi is not None and lo == hi and n_out != lo:
            word = "one output unit" if lo == 1 else f"{lo} output units"
            return f"{self.name} loss needs {word} (n[L] = {lo})", f"{n_out}{hint}"
        if n_out < lo:
            return f"{self.name} needs at least {lo} output units", f"{n_out}{hint}"
        if hi is not None and n_out > hi:
            return f"{self.name} needs at most {hi} output units", f"{n_out}{hint}"
        return None

    def check_units(self, n_out: int) -> str | None:
        """The same as one sentence (the engine's ValueError)."""
        problem = self.units_problem(n_out)
        return None if problem is None else f"{problem[0]}, got {problem[1]}"


def _softplus(Z: Array) -> Array:
    """log(1 + e^z) without overflow."""
    return np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))


def _logistic_value(Z: Array, A: Array, Y: Array) -> float:
    # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z
    return float((_softplus(Z) - Y * Z).sum() / Y.shape[1])


def _logistic_dA(A: Array, Y: Array) -> Array:
    # −y/ŷ + (1 − y)/(1 − ŷ), kept finite at ŷ ∈ {0, 1} for display; backprop uses the fused dZ[L].
    Ac = np.clip(A, 1e-300, 1.0 - 2.0**-53)
    return (-Y / Ac + (1.0 - Y) / (1.0 - Ac)) / Y.shape[1]


def _softmax_ce_value(Z: Array, A: Array, Y: Array) -> float:
    shifted = Z - Z.max(axis=0, keepdims=True)
    log_A = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-(Y * log_A).sum() / Y.shape[1])


def _softmax_ce_dA(A: Array, Y: Array) -> Array:
    return -Y / np.maximum(A, 1e-300) / Y.shape[1]


def _l1_value(Z: Array, A: Array, Y: Array) -> float:
    return float(np.abs(A - Y).sum() / Y.shape[1])


def _l1_dA(A: Array, Y: Array) -> Array:
    return np.sign(A - Y) / Y.shape[1]


def _l2_value(Z: Array, A: Array, Y: Array) -> float:
    D = A - Y
    return float(0.5 * (D * D).sum() / Y.shape[1])


def _l2_dA(A: Array, Y: Array) -> Array:
    return (A - Y) / Y.shape[1]


def _l1_kink(A: Array, Y: Array) -> Array:
    return np.sign(A - Y)


def _threshold_accuracy(A: Array, Y: Array) -> float:
    """ŷ > 0.5 against y > 0.5, per entry (one label per row of Y)."""
    return float(np.mean((A > 0.5) == (Y > 0.5))) if Y.size else float("nan")


def _argmax_accuracy(A: Array, Y: Array) -> float:
    """The most probable class against the target's, per column."""
    return float(np.mean(A.argmax(axis=0) == Y.argmax(axis=0))) if Y.shape[1] else float("nan")


_NP_LOGISTIC = dict(np_J="softplus_Z = np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))\n"
                        "float((softplus_Z - Y * Z).sum() / Y.shape[1])",
                   np_dA="Ac = np.clip(A, 1e-300, 1.0 - 2.0**-53)\n(-Y / Ac + (1.0 - Y) / (1.0 - Ac)) / Y.shape[1]",
                   torch="F.binary_cross_entropy_with_logits(Z, Y, reduction='sum') / m")

LOSSES: dict[str, Loss] = {
    "logistic": Loss("logistic", "−[y log ŷ + (1−y) log(1−ŷ)]", _logistic_value, _logistic_dA, "sigmoid",
                     targets="unit", units=(1, 1), units_hint="use multilabel", accuracy=_threshold_accuracy,
                     **_NP_LOGISTIC),
    "multilabel": Loss("multilabel", "−Σ_k [y_k log ŷ_k + (1−y_k) log(1−ŷ_k)]", _logistic_value, _logistic_dA,
                       "sigmoid", targets="unit", accuracy=_threshold_accuracy, **_NP_LOGISTIC),
    "softmax_ce": Loss("softmax_ce", "−Σ_k y_k log ŷ_k", _softmax_ce_value, _softmax_ce_dA, "softmax",
                       targets="distribution", units=(2, None), accuracy=_argmax_accuracy,
                       np_J="shifted = Z - Z.max(axis=0, keepdims=True)\n"
                            "log_A = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))\n"
                            "float(-(Y * log_A).sum() / Y.shape[1])",
                       np_dA="-Y / np.maximum(A, 1e-300) / Y.shape[1]",
                       torch="F.cross_entropy(Z, Y, reduction='sum') / m"),
    "l1": Loss("l1", "Σ_k |ŷ_k − y_k|", _l1_value, _l1_dA, dA_formula="sign(A[{L}] − Y)/m", kink=_l1_kink,
               np_J="float(np.abs(A - Y).sum() / Y.shape[1])", np_dA="np.sign(A - Y) / Y.shape[1]",
               torch="F.l1_loss(A, Y, reduction='sum') / m"),
    "l2": Loss("l2", "½ Σ_k (ŷ_k − y_k)²", _l2_value, _l2_dA, dA_formula="(A[{L}] − Y)/m",
               np_J="D = A - Y\nfloat(0.5 * (D * D).sum() / Y.shape[1])", np_dA="(A - Y) / Y.shape[1]",
               torch="0.5 * F.mse_loss(A, Y, reduction='sum') / m"),
}


def fused_dZ(A: Array, Y: Array) -> Array:
    """dZ[L] = (A[L] − Y)/m: sigmoid + logistic and softmax + cross-entropy."""
    return (A - Y) / Y.shape[1]


def get_loss(name: str) -> Loss:
    return lookup(LOSSES, name, "loss")


def check_compatible(loss: str, output_activation: str, n_out: int | None = None) -> str | None:
    """None when ``loss`` can sit on an output layer of ``output_activation``; else the reason."""
    if loss not in LOSSES:
        return f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}"
    entry = LOSSES[loss]
    if entry.fused_with is not None and output_activation != entry.fused_with:
        return f"{loss} loss needs a {entry.fused_with} output layer, got {output_activation}"
    return entry.check_units(n_out) if n_out is not None else None
