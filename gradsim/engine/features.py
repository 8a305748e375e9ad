"""What each layer adds to a plain one — a skip (residual.py), a projection on it (projection.py), batch norm
(batchnorm.py), dropout (dropout.py) — read from the layer specs once, with the checks they need alone and
together, and the parameter tuple's order they make (``param_keys``). ``Simulation`` keeps the tuples (``skips``, ``projs``, ``bns``, ``dropout``) and the phase closures
are chosen from them (phase_steps.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import batchnorm, dropout, projection
from .losses import Loss
from .network import LayerSpec, skip_into_output_problem


@dataclass(frozen=True)
class Features:
    skips: tuple[int, ...]  # residual: A[l] += A[l − k] (0: none)
    projs: tuple[Any, ...]  # the skips through Ws[l] (engine/projection.py)
    bns: tuple[Any, ...]  # batch norm per layer (a BatchNormSpec or None)
    dropout: tuple[float, ...]  # p per layer (0: none)


def read(layers: Sequence[LayerSpec], n: Sequence[int], loss: Loss) -> Features:
    """The layers' features; ValueError naming the layer when they cannot run (alone or together)."""
    L = len(layers)
    skips = tuple(ls.skip for ls in layers)
    for l, k in enumerate(skips, start=1):
        if k and k > l:
            raise ValueError(f"layer {l}'s skip = {k} needs 1 ≤ k ≤ l")
    projs = projection.layers_with(list(n), skips, list(layers))
    bns = tuple(ls.batch_norm for ls in layers)
    if bns[-1] is not None:
        raise ValueError("batch_norm on a hidden layer only (the loss reads the output layer's A[L])")
    drops = tuple(ls.dropout for ls in layers)
    reason = (dropout.check(drops, skips) or batchnorm.check_skips(bns, skips)
              or projection.check(list(layers), projs, bns))
    if reason:
        raise ValueError(reason)
    if skips[-1] and skip_into_output_problem(loss):
        raise ValueError(f"layer {L}'s skip: {skip_into_output_problem(loss)}")
    return Features(skips, projs, bns, drops)


# ---- the parameter tuple: W[l], b[l] per layer, then gamma[l], beta[l], then Ws[l] ------------------------
def param_keys(L: int, bns: Sequence[Any], projs: Sequence[bool] = ()) -> tuple[str, ...]:
    """The names of the parameter tuple, in its order (the one place that writes it down): W, b per layer,
    gamma, beta per batch-norm layer, then Ws[l] per layer whose skip has a projection (engine/projection.py)."""
    base = tuple(f"{k}[{l}]" for l in range(1, L + 1) for k in ("W", "b"))
    return base + tuple(f"{k}[{l}]" for l, bn in enumerate(bns, start=1) if bn is not None for k in batchnorm.PARAM_NAMES) \
        + tuple(f"Ws[{l}]" for l, p in enumerate(projs, start=1) if p)


def grad_keys(keys: Sequence[str]) -> tuple[str, ...]:
    return tuple("d" + k for k in keys)


def layer_param_keys(keys: Sequence[str], l: int) -> tuple[str, ...]:
    """Layer l's own parameters in tuple order: W[l], b[l] and, with batch norm, gamma[l], beta[l]."""
    return tuple(k for k in keys if k.endswith(f"[{l}]"))
