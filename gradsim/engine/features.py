"""What each layer adds to a plain one — a skip (residual.py), a projection on it (projection.py), batch norm
(batchnorm.py), dropout (dropout.py) — read from the layer specs once, with the checks they need alone and
together. ``Simulation`` keeps the tuples (``skips``, ``projs``, ``bns``, ``dropout``) and the phase closures
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
    reason = (dropout.check(drops, skips) or batchnorm.check_with_dropout(bns, drops, skips)
              or projection.check(list(layers), projs, bns))
    if reason:
        raise ValueError(reason)
    if skips[-1] and skip_into_output_problem(loss):
        raise ValueError(f"layer {L}'s skip: {skip_into_output_problem(loss)}")
    return Features(skips, projs, bns, drops)
