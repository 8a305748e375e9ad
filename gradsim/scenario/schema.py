"""The strict validation that builds a ``Scenario`` from a TOML document, and the checks across tables.

Every problem is one ``ScenarioError`` naming the field path (``network.layers[2].activation``), what was
expected and what was got. Field paths count array positions from 0; layer numbers l count from 1. The
readers of single values are in ``fields``, the [data] table in ``data``, the [network], [init] and
[optimizer] tables in ``specs``; this module puts them together and checks what spans several tables
(the loss against the output layer and the targets, the size of the whole net).
"""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ..engine import LOSSES, LayerSpec, OptimizerSpec
from . import expect as _expect
from .caps import MAX_CACHE, MAX_EXPECT, MAX_ITERATIONS, MAX_PARAMS  # noqa: F401 (MAX_EXPECT: expect's)
from .data import read_data
from .guard import check_document
from .fields import _MISSING, _err, as_number, boolean, check_keys, choice, integer, join, number, string, table  # noqa: F401
from .model import At, DataSpec, Expectation, Run, Scenario, TargetRange  # noqa: F401
from .batchnorm import check_batch_size
from .compare_spec import read_compare
from .narration import read_narration
from .specs import _listing, read_init, read_network, read_optimizer
from .transforms import read_transforms

TOP_KEYS = ("seed", "loss", "network", "data", "init", "optimizer", "run", "expect", "narration", "compare", "transform")


def validate(doc: Mapping, *, source: Path | None = None, name: str = "scenario", summary: str = "",
             notes: tuple[str, ...] = ()) -> Scenario:
    """A Scenario from a parsed TOML document, or a ScenarioError (without the file; the loader adds it)."""
    check_document(doc)
    check_keys(doc, TOP_KEYS, "", elsewhere={
        "layers": "layers go in [network]", "name": "the name is the file name",
        "iterations": "iterations go in [run]", "learning_rate": "learning_rate goes in [optimizer]",
        "expectations": "expectations are [[expect]] tables"})
    seed = integer(doc, "seed", "", default=0, lo=0, hi=2**63 - 1)
    loss = choice(doc, "loss", "", LOSSES)
    net = table(doc, "network", "", required=True)
    base_dir = source.parent if source is not None else Path.cwd()
    data = read_data(table(doc, "data", "", required=True), "data", base_dir)
    layers = read_network(net, data)
    check_loss(loss, layers, data, len(net["layers"]) - 1)
    optimizer = read_optimizer(table(doc, "optimizer", ""), "optimizer", data.m_train)
    check_batch_size(net["layers"], layers, data.m_train, optimizer.batch_size)
    check_caps(data, layers, optimizer)
    init = read_init(table(doc, "init", ""), "init", data.n0, layers)
    run = read_run(table(doc, "run", ""), "run")
    read_narration(doc.get("narration"), "narration", len(layers), run.iterations)  # the lessons read it again
    compare = read_compare(table(doc, "compare", ""), "compare", base_dir)
    transforms = read_transforms(doc.get("transform", _MISSING), "transform")
    frozen_doc = MappingProxyType(dict(doc))
    scenario = Scenario(source, name, summary, tuple(notes), seed, tuple(layers), loss, data, tuple(init),
                        optimizer, run, (), frozen_doc)
    exps = _expect.read_expectations(doc.get("expect", _MISSING), "expect", scenario)
    return Scenario(source, name, summary, tuple(notes), seed, tuple(layers), loss, data, tuple(init),
                    optimizer, run, tuple(exps), frozen_doc, compare, transforms)


def _range(lo: float, hi: float) -> str:
    return f"[{'−∞' if lo == -math.inf else f'{lo:g}'}, {'∞' if hi == math.inf else f'{hi:g}'}]"


def check_loss(loss: str, layers: list[LayerSpec], data: DataSpec, last_entry: int) -> None:
    """The loss against the output layer (fused pairs, units) and against the targets it must reach."""
    out = layers[-1]
    where = f"network.layers[{last_entry}].activation"
    entry = LOSSES[loss]
    fused = entry.fused_with
    if fused is not None and out.activation != fused:
        raise _err("loss", f"a loss for a {out.activation} output layer ({loss} needs a {fused} output)", loss,
                   hint=f"make {where} {fused!r}, or pick another loss")
    if out.skip and fused is not None:  # the loss is taken on A[L] = g(Z[L]) + A[L−k]: no fused dZ[L]
        on_A = [name for name, e in LOSSES.items() if e.fused_with is None]
        raise _err(f"network.layers[{last_entry}].skip",
                   f"a skip into the output layer only with a loss on A[L] ({_listing(on_A)}): {loss} needs ŷ = "
                   f"{fused}(Z[L]) itself (J from Z[L], dZ[L] = (A[L] − Y)/m), and A[L] = {fused}(Z[L]) + A[L−k] is "
                   "not", out.skip, hint="move the skip to a hidden layer")
    problem = entry.units_problem(out.n)
    if problem:
        raise _err("loss", problem[0], got=problem[1])
    t = data.targets
    if entry.targets == "unit" and not (t.lo >= 0 and t.hi <= 1):
        raise _err("data", f"targets Y in [0, 1] for {loss} loss", got=f"Y with {t.describe()}")
    if entry.targets == "distribution" and not t.distribution:
        raise _err("data", f"targets Y whose columns are distributions (non-negative, summing to 1, e.g. "
                   f"one-hot) for {loss} loss", got=f"Y with {t.describe()}")
    if entry.targets != "any" or out.skip:  # A[L] = g(Z[L]) + A[L−k] is not bounded by g's range
        return
    g = out.resolve()
    if g.columnwise and not t.distribution:
        raise _err("loss", f"targets a {out.activation} output can fit: its columns are positive and sum to 1, so "
                   f"{loss} loss cannot reach Y with {t.describe()}; use a linear output or a loss for "
                   f"{out.activation} with one-hot Y", loss)
    lo, hi = g.output_range
    if not (t.lo >= lo and t.hi <= hi):
        hint = "set data.relu_output = true" if lo >= 0 and hi == math.inf and data.kind == "teacher" else None
        raise _err(where, f"an output activation whose range {_range(lo, hi)} covers Y ({t.describe()}); "
                   f"a {out.activation} output cannot fit it with {loss} loss", out.activation, hint=hint)


def check_caps(data: DataSpec, layers: list[LayerSpec], opt: OptimizerSpec) -> None:
    n = [data.n0] + [layer.n for layer in layers]
    params = sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n)))
    if params > MAX_PARAMS:
        raise _err("network.layers", f"at most {MAX_PARAMS:,} parameters in all W[l] and b[l]",
                   got=f"{params:,} (n = {n})")
    batch = opt.batch_size or data.m_train
    cache = sum(n) * batch
    if cache > MAX_CACHE:
        raise _err("network.layers", f"at most {MAX_CACHE:,} cached numbers per iteration (Σ n[l] × batch)",
                   got=f"{sum(n)} × {batch} = {cache:,}", hint="use fewer or narrower layers, a smaller m, or a batch_size")


def read_run(t: Mapping, path: str) -> Run:
    check_keys(t, ("iterations", "stop_below", "stop_on_blowup"), path,
               elsewhere={"seed": "seed is a top-level key", "batch_size": "batch_size goes in [optimizer]"})
    it = integer(t, "iterations", path, default=100, lo=1, hi=MAX_ITERATIONS)
    stop = number(t, "stop_below", path, default=None)
    return Run(it, stop, boolean(t, "stop_on_blowup", path, True))


__all__ = ["Scenario", "DataSpec", "Run", "At", "Expectation", "TargetRange", "validate", "check_loss",
           "check_caps", "read_run"]
