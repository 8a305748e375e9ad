"""Dropout in the PyTorch script (gradsim export --torch): gradsim's own masks, not torch's.

Each iteration the script draws M[l] exactly as engine/dropout.mask does —
``np.random.default_rng([seed, t, l]).random((n[l], m)) >= p`` — transposes it to torch's layout (one example
per row) as a float64 tensor, and the module's forward applies inverted dropout with it:
A[l] = g(Z[l]) ⊙ M[l] / (1 − p). Called without masks (evaluation), the forward drops nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Simulation


def has_dropout(sim: "Simulation") -> bool:
    return any(sim.dropout)


def init_lines(sim: "Simulation") -> list[str]:
    if not has_dropout(sim):
        return []
    return [f"        self.p = {[float(p) for p in sim.dropout]!r}  # dropout p of layer l (index l − 1); 0: none"]


def drop_line(sim: "Simulation", indent: str, var: str) -> list[str]:
    """After ``var = g(...)`` of layer l: the mask and the inverted scale, when masks are given."""
    if not has_dropout(sim):
        return []
    return [f"{indent}if M is not None and M[l] is not None:  # dropout: A[l] = g(Z[l]) ⊙ M[l] / (1 − p)",
            f"{indent}    {var} = {var} * M[l] / (1 - self.p[l - 1])"]


def mask_defs(sim: "Simulation") -> list[str]:
    """masks(t, m): per layer (index l), gradsim's M[l] of iteration t for m examples, transposed, or None."""
    if not has_dropout(sim):
        return []
    return ["", "",
            "def masks(t, m):",
            '    """M[l] of iteration t, drawn as gradsim draws it (from (seed, t, l) alone; 1 keeps a unit, 0 drops it),',
            '    transposed to (m, n[l]) as float64 tensors; None for a layer without dropout (index 0 unused)."""',
            "    return [None] + [None if not p else torch.tensor(",
            "        (np.random.default_rng([seed, t, l]).random((n[l], m)) >= p).astype(np.float64).T.copy())",
            "        for l, p in enumerate(net.p, 1)]"]


def call_args(sim: "Simulation") -> str:
    """The forward's arguments in the training loop: this iteration's masks with dropout."""
    return "Xb, masks(t, Xb.shape[0])" if has_dropout(sim) else "Xb"
