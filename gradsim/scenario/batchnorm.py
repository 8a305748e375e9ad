"""A layer's ``batch_norm`` key → the engine's BatchNormSpec, and the checks batch statistics need.

``batch_norm = true`` takes the declared defaults (engine/batchnorm.PARAMS: ε, momentum); a table
``batch_norm = { eps = 1e-3, momentum = 0.95 }`` sets them within their declared bounds. Only hidden layers
take it (the loss reads the output layer's A[L]), and every batch must hold m ≥ 2 examples: the variance
of one column is 0 and Zhat would be 0 whatever W[l] is.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..engine.batchnorm import PARAMS, BatchNormSpec, check_skips
from ..errors import show, type_name
from .fields import _MISSING, _err, check_keys, entry_values, join

KEY = "batch_norm"


def read_batch_norm(e: Mapping, path: str) -> BatchNormSpec | None:
    v = e.get(KEY, _MISSING)
    if v is _MISSING or v is False:
        return None
    if v is True:
        return BatchNormSpec()
    p = join(path, KEY)
    if not isinstance(v, dict):
        raise _err(p, "true, false or a table such as { eps = 1e-5, momentum = 0.9 }", got=f"{type_name(v)} {show(v)}")
    check_keys(v, tuple(q.name for q in PARAMS), p)
    return BatchNormSpec.from_values(entry_values(v, p, PARAMS))


def check_batch_norm(layers: Sequence[tuple[Any, int]]) -> None:
    """Batch norm on hidden layers only (layers: (LayerSpec, its entry index) per layer)."""
    layer, i = layers[-1]
    if layer.batch_norm is not None:
        raise _err(f"network.layers[{i}].{KEY}",
                   f"batch norm on a hidden layer only (the loss reads the output layer {len(layers)}'s A[L])", True)
    first = next(((l, i) for l, i in layers if l.batch_norm is not None), None)
    if first is None:
        return
    problem = check_skips([l.batch_norm for l, _ in layers], [l.skip for l, _ in layers])
    if problem:  # the engine's reason (engine/batchnorm.check_skips), at the first batch-norm layer
        raise _err(f"network.layers[{first[1]}].{KEY}", problem.replace(": one or the other", ": a net without one of them"), True)


def check_batch_size(entries: Sequence[Any], layers: Sequence[Any], m: int, batch_size: int | None) -> None:
    """Every batch must hold m ≥ 2 examples: batch statistics of one column are no statistics."""
    if not any(layer.batch_norm is not None for layer in layers):
        return
    size = m if batch_size is None or batch_size >= m else batch_size
    last = m % size or size  # the last batch of an epoch may be smaller
    if size >= 2 and last >= 2:
        return
    first = next(i for i, e in enumerate(entries) if isinstance(e, dict) and e.get(KEY, False) is not False)
    why = "batch statistics (mu, var over the batch's columns) need m ≥ 2 examples in every batch"
    if batch_size is not None and batch_size < m:
        got = f"{batch_size} (batches of {size}, the last of {last}, with m = {m})"
        raise _err("optimizer.batch_size", f"a batch size ≥ 2 whose last batch also has ≥ 2 examples: {why}", got=got)
    raise _err(f"network.layers[{first}].{KEY}", f"a data set of m ≥ 2 examples: {why}", got=f"m = {m}")
