"""What the gradient-flow numbers say: the quantities the panel shows, the factor between adjacent layers,
and a one-line verdict ("exploding: ×1.50 per layer …", "dead ReLUs: 64% of layer 3", "healthy").

NumPy and the standard library only (never Textual or click): the app's panel and any command can ask it.
Everything it knows about an activation comes from the registry entry (``act.saturated``, ``act.dead``,
``act.symbol``); saturation counts in hidden layers only, because an output sigmoid at 0.99 is a
confident prediction, not a unit whose g' kills the gradient that has to pass through it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .engine import Activation

Norms = Mapping[int, float]  # layer → ‖q[l]‖ (NaN or missing where not computed yet)


@dataclass(frozen=True)
class Quantity:
    """A per-layer array the panel can show: its name, its first layer, and which way it travels."""

    key: str  # "dZ"
    first: int  # the lowest layer it exists for: 0 for A and dA (A[0] = X, dA[0] = W[1]ᵀ dZ[1])
    backward: bool  # computed going back (L → 1): its factor is q[l-1]/q[l]; forward ones q[l]/q[l-1]

    @property
    def label(self) -> str:
        return f"‖{self.key}[l]‖"

    def layers(self, L: int) -> range:
        return range(self.first, L + 1)


QUANTITIES: dict[str, Quantity] = {
    "A": Quantity("A", 0, False),
    "dZ": Quantity("dZ", 1, True),
    "dA": Quantity("dA", 0, True),
    "dW": Quantity("dW", 1, True),
    "db": Quantity("db", 1, True),
    "dgamma": Quantity("dgamma", 1, True),  # batch norm's (NaN on a layer without)
}
GRADIENTS = ("dZ", "dA", "dW", "db")  # the order the panel's key cycles through
BATCH_NORM_GRADIENTS = GRADIENTS + ("dgamma",)  # ... in a net with batch norm


def quantities(batch_norm: bool) -> tuple[str, ...]:
    """The keys of QUANTITIES a net has: dgamma only with batch norm."""
    return tuple(QUANTITIES) if batch_norm else tuple(k for k in QUANTITIES if k not in BATCH_NORM_GRADIENTS[4:])

SATURATED = 0.5  # a hidden layer with at least this share of saturated (or dead) units is named
PER_LAYER = 1.25  # a steady factor beyond ×1.25 (or below ×0.8) per layer over ≥ 3 layers is named
MIN_STEPS = 3


def _ok(v: float | None) -> bool:
    return v is not None and math.isfinite(v) and v > 0


def factors(q: Quantity, norms: Norms, L: int) -> dict[int, float]:
    """The factor by which ‖q‖ changes as it travels, keyed by the layer it arrives at.

    Forward (A): row l holds ‖A[l]‖/‖A[l-1]‖. Backward (dZ, dA, dW, db): row l-1 holds ‖q[l-1]‖/‖q[l]‖,
    so W[l] = 1.5·I reads ×1.50 on every row in both directions. Rows without two positive finite norms
    are left out.
    """
    out: dict[int, float] = {}
    for l in range(q.first + 1, L + 1):
        a, b = norms.get(l - 1), norms.get(l)
        if _ok(a) and _ok(b):
            if q.backward:
                out[l - 1] = a / b
            else:
                out[l] = b / a
    return out


def ratio(q: Quantity, norms: Norms, L: int) -> float | None:
    """First over last (‖q[first]‖/‖q[L]‖), or None when either is missing, zero or non-finite."""
    a, b = norms.get(q.first), norms.get(L)
    return a / b if _ok(a) and _ok(b) else None


def per_layer(q: Quantity, norms: Norms, L: int) -> float | None:
    """The geometric mean factor per layer in the direction of travel, over all of q's layers."""
    r = ratio(q, norms, L)
    steps = L - q.first
    if r is None or steps < 1:
        return None
    return (r if q.backward else 1 / r) ** (1 / steps)


def factor_text(f: float | None, digits: int = 1) -> str:
    """×1.50 (the × sign, two decimals); ×1e-34 (``digits`` = 0) or ×1.3e-34 when two decimals would
    read 0.00 or get long."""
    if f is None or not math.isfinite(f):
        return ""
    if 0.01 <= f < 1000:
        return f"×{f:.2f}"
    mant, exp = f"{f:.{digits}e}".split("e")
    return f"×{mant}e{int(exp)}"


def unit_word(l: int, L: int) -> str:
    """How a layer's saturated-unit share is named: "saturated" in hidden layers, "confident" at the output."""
    return "confident" if l == L else "saturated"


def scalar_identity(W: Sequence[np.ndarray]) -> float | None:
    """c when every W[l] is the same c·I (square), else None: the lecture's W[l] = 1.5·I nets."""
    c = None
    for w in W:
        if w is None or w.ndim != 2 or w.shape[0] != w.shape[1] or not np.isfinite(w).all():
            return None
        d = float(w[0, 0])
        if not np.array_equal(w, d * np.eye(w.shape[0])) or (c is not None and d != c):
            return None
        c = d
    return c


def _forward_signal(norms: Norms, W: Sequence[np.ndarray]) -> tuple[Quantity, Norms]:
    """The forward signal as the verdict judges it: the typical activation ‖A[l]‖/√n[l] from layer 1 on.

    A raw ‖A[l]‖ shrinks with a layer's width (n = 2, 3, 2, 1 in the lecture's net) and X is data, not a
    layer's output, so neither says whether the signal vanishes; per unit and from A[1], a σ net whose
    units sit near 0.5 reads steady, and 1.5·I still reads ×1.50."""
    widths = [W[0].shape[1]] + [w.shape[0] for w in W] if len(W) and all(w is not None for w in W) else []
    per = {l: (v / math.sqrt(widths[l]) if l < len(widths) else v) for l, v in norms.items()
           if l >= 1 and v is not None}
    return dataclasses.replace(QUANTITIES["A"], first=1), per


def verdict(acts: Sequence[Activation], norms: Mapping[str, Norms], saturated: Sequence[float],
            dead: Sequence[float], W: Sequence[np.ndarray] = ()) -> str:
    """One line naming what the numbers show, most specific first; "" before anything ran.

    ``norms[key][l]`` for key in QUANTITIES; ``saturated[l-1]``, ``dead[l-1]`` the registry's unit
    statistics of layer l (NaN before forward l); ``W`` the weights the pass used (for "W[l] = 1.5·I").
    """
    L = len(acts)
    values = [v for per in norms.values() for v in per.values() if v is not None and not math.isnan(v)]
    if not values and all(math.isnan(s) for s in saturated):
        return ""
    if any(math.isinf(v) for v in values):
        return "non-finite: the banner names the first array that overflowed"
    dA = norms.get("dA", {})
    hidden = range(1, L)  # the output layer's units are predictions: never "saturated" or "dead" here
    sat = [(saturated[l - 1], l) for l in hidden if acts[l - 1].saturated is not None and saturated[l - 1] >= SATURATED]
    if sat:
        share, l = max(sat)
        text = f"{share:.0%} of {acts[l - 1].symbol} units in layer {l} saturated"
        f = dA.get(l - 1, math.nan) / dA.get(l, math.nan) if _ok(dA.get(l)) else math.nan
        if math.isfinite(f) and f < 1:
            return f"dA shrinks {factor_text(f)} through layer {l}: {text}"
        return f"saturation: {text}, where g' ≈ 0"
    off = [(dead[l - 1], l) for l in hidden if acts[l - 1].dead is not None and dead[l - 1] >= SATURATED]
    if off:
        share, l = max(off)
        return f"dead ReLUs: {share:.0%} of layer {l} (no gradient passes them)"
    for key in ("dZ", "A"):  # the gradient once backward has reached layer 1, else the forward signal
        q, per = QUANTITIES[key], norms.get(key, {})
        label = q.label
        if key == "A":
            q, per = _forward_signal(per, W)
            label = "‖A[l]‖/√n[l]"
        f = per_layer(q, per, L)
        if f is None:
            continue
        if L - q.first >= MIN_STEPS and (f >= PER_LAYER or f <= 1 / PER_LAYER):
            word = "exploding" if f > 1 else "vanishing"
            text = f"{word}: {factor_text(f)} per layer in {label}"
            c = scalar_identity(W)
            if c is not None:
                text += f", W[l] = {c:g}·I"
            return text
        return f"healthy: {factor_text(f)} per layer in {label}"
    return "healthy"
