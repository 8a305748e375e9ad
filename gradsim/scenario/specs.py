"""The [network], [init] and [optimizer] tables → the engine's own specs, driven by the registries.

Which keys a layer, an initialiser or an optimiser takes, their defaults and bounds, and the messages
for a key that belongs to another entry all come from the entries' ``Param`` declarations: a new
activation, initialiser or optimiser needs no change here.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np

from ..engine import ACTIVATIONS, INITIALIZERS, LEARNING_RATE, OPTIMIZERS, InitSpec, LayerSpec, OptimizerSpec
from ..engine.dropout import DROPOUT
from ..engine.init import BIAS, DEFAULT_INITIALIZER, selectable_initializers
from ..engine.optim import DEFAULT_OPTIMIZER
from ..engine.params import all_names, users
from ..errors import show, type_name
from .caps import MAX_INPUTS, MAX_LAYERS, MAX_WIDTH
from .fields import _MISSING, _err, boolean, check_keys, choice, entry_name, entry_values, integer, join, matrix, number, param, table
from .model import DataSpec
from .batchnorm import KEY as BATCH_NORM, check_batch_norm, read_batch_norm
from .schedules import read_schedule


def _either(names: list[str], quote: str = "'") -> str:
    return " or ".join(f"{quote}{n}{quote}" for n in names)


def _listing(names: list[str]) -> str:
    """'a, b or c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


# ------------------------------------------------------------------------------------------ network
def layer_keys() -> tuple[str, ...]:
    return ("n", "activation") + tuple(all_names(ACTIVATIONS)) + ("repeat", "skip", "projection", DROPOUT.name,
                                                                   BATCH_NORM)


def read_network(net: Mapping, data: DataSpec) -> list[LayerSpec]:
    check_keys(net, ("n0", "layers"), "network", elsewhere={"loss": "loss is a top-level key"})
    n0 = integer(net, "n0", "network", default=None, lo=1, hi=MAX_INPUTS)
    if n0 is not None and n0 != data.n0:
        raise _err("network.n0", f"n[0] = {data.n0}, the number of rows of X ({data.kind} data)", n0)
    entries = net.get("layers", _MISSING)
    if entries is _MISSING:
        raise _err("network.layers", "an array of layers such as [{n = 3, activation = \"relu\"}]",
                   got="nothing (it is missing)")
    if not isinstance(entries, list) or not entries:
        raise _err("network.layers", "a non-empty array of layer tables", entries)
    layers: list[tuple[LayerSpec, int]] = []
    total = 0
    for i, e in enumerate(entries):
        p = f"network.layers[{i}]"
        if not isinstance(e, dict):
            raise _err(p, "a table such as {n = 3, activation = \"relu\"}", got=f"{type_name(e)} {show(e)}")
        check_keys(e, layer_keys(), p)
        n = integer(e, "n", p, lo=1, hi=MAX_WIDTH, what=" (the number of units n[l])")
        act = choice(e, "activation", p, ACTIVATIONS)
        own = ACTIVATIONS[act].params
        for key in e:
            if key in all_names(ACTIVATIONS) and key not in {q.name for q in own}:
                raise _err(join(p, key), f"{key} only with activation = {_either(users(ACTIVATIONS, key), chr(34))}",
                           got=f"{key} with {act!r}")
        values = {q.name: param(e, q, p) for q in own}
        repeat = integer(e, "repeat", p, default=1, lo=1, hi=MAX_LAYERS)
        skip = integer(e, "skip", p, default=0, lo=1, hi=MAX_LAYERS, what=" (k: A[l] = g(Z[l]) + A[l−k])")
        proj = boolean(e, "projection", p, default=False)  # the skip through Ws[l] also at one width
        drop = param(e, DROPOUT, p)  # p: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) (engine/dropout.py)
        total += repeat
        if total > MAX_LAYERS:
            raise _err(p, f"at most {MAX_LAYERS} layers in all", got=f"{total} so far")
        bn = read_batch_norm(e, p)
        layers += [(LayerSpec(n, act, values, skip=skip, dropout=drop, batch_norm=bn, projection=proj), i)] * repeat
    L = len(layers)
    hidden = [name for name, a in ACTIVATIONS.items() if a.hidden]
    for l, (layer, i) in enumerate(layers, start=1):
        entry = ACTIVATIONS[layer.activation]
        if not entry.hidden and l < L:
            raise _err(f"network.layers[{i}].activation",
                       f"{layer.activation} only on the output layer (layer {L}); a hidden layer {l} needs "
                       f"{_listing(hidden)}", layer.activation)
        if not entry.output and l == L:
            outputs = [name for name, a in ACTIVATIONS.items() if a.output]
            raise _err(f"network.layers[{i}].activation",
                       f"{layer.activation} only on hidden layers; the output layer {L} needs {_listing(outputs)}",
                       layer.activation)
    check_skips(layers, data.n0)
    check_dropout(layers)
    check_batch_norm(layers)
    out, last = layers[-1]
    if out.n != data.n_out:
        raise _err(f"network.layers[{last}].n",
                   f"n[L] = {data.n_out} output units, one per row of Y ({data.kind} data gives Y of shape "
                   f"({data.n_out}, m))", out.n)
    return [layer for layer, _ in layers]


def check_skips(layers: list[tuple[LayerSpec, int]], n0: int) -> None:
    """A skip k on layer l reads A[l−k]: 1 ≤ k ≤ l; from another width (or with ``projection = true``) it goes
    through the parameter Ws[l] (engine/projection.py), not in a net with batch norm; a skip into the output
    layer is checked against the loss in schema.check_loss."""
    n = [n0] + [layer.n for layer, _ in layers]
    for l, (layer, i) in enumerate(layers, start=1):
        k = layer.skip
        if not k:
            continue
        p = f"network.layers[{i}].skip"
        if k > l:
            raise _err(p, f"k ≤ l = {l} (layer {l} can add A[{l}−k] for k = 1..{l})", k)
    bn = any(layer.batch_norm is not None for layer, _ in layers)
    for l, (layer, i) in enumerate(layers, start=1):
        k = layer.skip
        if layer.projection and not k:
            raise _err(f"network.layers[{i}].projection", "projection = true only on a layer with a skip", True)
        if k and bn and (layer.projection or n[l - k] != n[l]):
            what = "projection = true" if n[l - k] == n[l] else f"n[{l - k}] = {n[l - k]} ≠ n[{l}] = {n[l]}"
            raise _err(f"network.layers[{i}].skip", "a skip of one width in a net with batch norm (a projection "
                       "skip Ws[l] and batch norm are one or the other)", got=f"{what}")


def check_dropout(layers: list[tuple[LayerSpec, int]]) -> None:
    """Dropout on a hidden layer only (with a skip too: the mask is applied before the skip adds A[l−k])."""
    L = len(layers)
    for l, (layer, i) in enumerate(layers, start=1):
        if not layer.dropout:
            continue
        p = f"network.layers[{i}].{DROPOUT.name}"
        if l == L:
            raise _err(p, f"dropout on a hidden layer only (the loss reads the output layer {L}'s A[L]; "
                          "leave it out there)", layer.dropout)


# --------------------------------------------------------------------------------------- optimizer
def read_optimizer(t: Mapping, path: str, m: int) -> OptimizerSpec:
    name = entry_name(t, path, OPTIMIZERS, default=DEFAULT_OPTIMIZER,
                      extra=(LEARNING_RATE.name, "batch_size", "schedule"))
    lr = param(t, LEARNING_RATE, path)
    bs = integer(t, "batch_size", path, default=None, lo=1)
    if bs is not None and bs > m:
        raise _err(join(path, "batch_size"), f"a batch size from 1 to m = {m} (omit it for the whole batch)", bs)
    schedule = read_schedule(t.get("schedule", _MISSING), join(path, "schedule"))
    return OptimizerSpec(name, lr, bs, entry_values(t, path, OPTIMIZERS[name].params), schedule=schedule)


# -------------------------------------------------------------------------------------------- init
def init_keys() -> tuple[str, ...]:
    return ("weights",) + tuple(all_names(INITIALIZERS)) + (BIAS.name,)


def read_init(t: Mapping, path: str, n0: int, layers: list[LayerSpec]) -> list[InitSpec]:
    keys = init_keys()
    check_keys(t, keys + ("layers",), path, elsewhere={"W": "explicit W goes in [init.layers.<l>]",
                                                     "b": "explicit b goes in [init.layers.<l>]",
                                                     "name": "the initialiser is init.weights"})
    L = len(layers)
    per = table(t, "layers", path)
    overrides: dict[int, tuple[str, dict]] = {}
    for key, sub in per.items():
        p = f"{path}.layers.{key}"
        if not (isinstance(key, str) and re.fullmatch(r"[1-9][0-9]{0,3}", key)):
            raise _err(p, f"a layer number from 1 to {L} as the key, as in [init.layers.1]", got=repr(key))
        l = int(key)
        if not 1 <= l <= L:
            raise _err(p, f"a layer number from 1 to L = {L}", got=str(l))
        if not isinstance(sub, dict):
            raise _err(p, "a table", sub)
        check_keys(sub, keys + ("W", "b"), p)
        if "W" in sub and "weights" in sub:
            raise _err(join(p, "W"), "either an explicit W or a named init.weights, not both", got="both")
        overrides[l] = (p, sub)
    names_used = set()
    weights = selectable_initializers()
    base_name = choice(t, "weights", path, weights, default=DEFAULT_INITIALIZER)
    out = []
    n = [n0] + [layer.n for layer in layers]
    param_names = all_names(INITIALIZERS)
    for l in range(1, L + 1):
        p, sub = overrides.get(l, (path, {}))
        merged = {k: v for k, v in t.items() if k in keys}
        merged.update({k: v for k, v in sub.items() if k in keys})
        for k in param_names + [BIAS.name]:  # every number given is a number in range, used or not
            if k in merged:
                number(merged, k, p if k in sub else path)
        bias = param(merged, BIAS, p if BIAS.name in sub else path)
        b = _bias(sub["b"], join(p, "b"), l, n[l]) if "b" in sub else None
        if "W" in sub:
            W = matrix(sub["W"], join(p, "W"))
            if W.shape != (n[l], n[l - 1]):
                raise _err(join(p, "W"), f"shape (n[{l}], n[{l - 1}]) = ({n[l]}, {n[l - 1]})", got=str(W.shape))
            out.append(InitSpec(W=W, bias=bias, b=b))  # named "explicit" by InitSpec
            continue
        name = choice(sub, "weights", p, weights, default=base_name)
        names_used.add(name)
        for k in param_names:
            if k in sub and name not in users(INITIALIZERS, k):
                raise _err(join(p, k), f"{k} only with weights = {_either(users(INITIALIZERS, k))}",
                           got=f"{k} with weights = {name!r}")
        values = {q.name: param(merged, q, p if q.name in sub else path) for q in INITIALIZERS[name].params}
        out.append(InitSpec(name, values, bias=bias, b=b))
    for k in param_names:
        if k in t and not names_used & set(users(INITIALIZERS, k)):
            raise _err(join(path, k), f"{k} only with weights = {_either(users(INITIALIZERS, k))}",
                       got=f"{k} with weights = {base_name!r}")
    return out


def _bias(v: Any, path: str, l: int, n_l: int) -> np.ndarray:
    if isinstance(v, list) and v and all(not isinstance(x, list) for x in v):
        v = [[x] for x in v]  # a flat list of n[l] numbers is a column
    b = matrix(v, path)
    if b.shape != (n_l, 1):
        raise _err(path, f"shape (n[{l}], 1) = ({n_l}, 1)", got=str(b.shape))
    return b
