"""Expectations: read them and check them statically at load time (running them is ``gradsim.checks``).

An expectation names a quantity (an expression in the lecture's notation) at a point of the run
(after a phase of an iteration, or the end) and a comparison. At load time each expression is parsed,
its names are checked against the point (a name must be computed by a phase that has run there: the
phase table of ``engine.phases`` says which), and it is evaluated once on zeros of the real shapes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.losses import get_loss
from ..engine.phases import BN_NAMES, KINDS, Phase, computed_by, needed, phase_table, position
from ..errors import ScenarioError, show, type_name
from ..text import printable
from . import expressions as ex
from .caps import MAX_EXPECT
from .fields import _MISSING, _err, as_number, check_keys, choice, integer, join, matrix, string
from .model import At, Expectation

BN_COLUMN = {"mu", "sigma2", "gamma", "beta", "dgamma", "dbeta"}  # batch norm's (n[l], 1) arrays

if TYPE_CHECKING:
    from .model import Scenario

OPS = ("==", "<", "<=", ">", ">=", "between", "is_finite", "is_nan", "is_inf", "not_finite")
COMPARE = ("==", "<", "<=", ">", ">=")
KEYS = ("name", "why", "at", "layers", "value", "op", "rhs", "rtol", "atol", "lo", "hi")
RANGE = "layers = [first, last] or a string such as \"1..L-1\" (layer numbers written with numbers and L)"


# ------------------------------------------------------------------------------------------ reading
def read_expectations(v: Any, path: str, scenario: "Scenario") -> list[Expectation]:
    if v is _MISSING:
        return []
    if not isinstance(v, list):
        raise _err(path, "an array of [[expect]] tables (write [[expect]], with two brackets)",
                   got=f"{type_name(v)} {show(v)}")
    if len(v) > MAX_EXPECT:
        raise _err(path, f"at most {MAX_EXPECT} expectations", got=str(len(v)))
    return [read_expectation(e, f"{path}[{i}]", i, scenario) for i, e in enumerate(v)]


def read_expectation(t: Any, path: str, index: int, sc: "Scenario") -> Expectation:
    if not isinstance(t, dict):
        raise _err(path, "a table with value, op and at", got=f"{type_name(t)} {show(t)}")
    check_keys(t, KEYS, path, elsewhere={"expr": "the expression is value", "expression": "the expression is value",
                                         "phase": "phase goes inside at = {iteration = …, phase = …}",
                                         "iteration": "iteration goes inside at = {iteration = …}"})
    at = read_at(t.get("at", "end"), join(path, "at"), sc)
    layers = read_layers(t["layers"], join(path, "layers"), sc) if "layers" in t else None
    op = choice(t, "op", path, OPS)
    value = string(t, "value", path)
    trees = {"value": _parse(value, join(path, "value"), sc, at, layers)}
    kw: dict[str, Any] = {}
    if op in COMPARE:
        if "rhs" not in t:
            raise _err(join(path, "rhs"), f"a number, an array or an expression to compare with {op}",
                       got="nothing (it is missing)")
        kw["rhs"] = _operand(t["rhs"], join(path, "rhs"), sc, at, trees, "rhs", layers=layers)
    for key, required in (("lo", op == "between"), ("hi", op == "between")):
        if required:
            if key not in t:
                raise _err(join(path, key), "a number or an expression (between needs lo and hi)",
                           got="nothing (it is missing)")
            kw[key] = _operand(t[key], join(path, key), sc, at, trees, key, allow_array=False, layers=layers)
    if layers is not None and not any(r.name == ex.LAYER_VAR for tree in trees.values() for r in ex.references(tree)):
        raise _err(join(path, "value"), f"an expression that uses l (the layer, from {layers[0]} to {layers[1]}), "
                   "as in norm(dZ[l]) / norm(dZ[l+1])", got=show(value, 80))
    for key in ("rhs", "lo", "hi", "rtol", "atol"):
        wanted = {"rhs": op in COMPARE, "lo": op == "between", "hi": op == "between",
                  "rtol": op == "==", "atol": op == "=="}[key]
        if key in t and not wanted:
            raise _err(join(path, key), f"no {key} with op = {op!r}", got=f"{key} = {show(t[key])}")
    if op == "between" and isinstance(kw["lo"], float) and isinstance(kw["hi"], float) and kw["lo"] > kw["hi"]:
        raise _err(join(path, "hi"), f"hi ≥ lo = {kw['lo']:g}", kw["hi"])
    for key, default in (("rtol", 1e-9), ("atol", 1e-12)):
        kw[key] = as_number(t[key], join(path, key), 0.0, 1e6) if key in t else default
    # names from the file are shown in terminals, the app and XML: control and bidi characters escaped
    return Expectation(index, value, op, at, why=printable(string(t, "why", path, default="")),
                       name=printable(string(t, "name", path, default="")), trees=trees, layers=layers, **kw)


def read_layers(v: Any, path: str, sc: "Scenario") -> tuple[int, int]:
    """The range of a claim over layers: ``[first, last]`` or ``"first..last"`` (numbers and L), inclusive."""
    L = sc.L
    if isinstance(v, str):
        parts = v.split("..")
        if len(parts) != 2:
            raise _err(path, RANGE, v)
        ends = []
        for part in parts:
            try:
                ends.append(ex.layer_index(ex.parse(part.strip()), L))
            except (ex.ExpressionError, ex.EvalError):
                raise _err(path, RANGE, v) from None
    elif isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        ends = list(v)
    else:
        raise _err(path, RANGE, got=f"{type_name(v)} {show(v)}")
    first, last = ends
    if not 0 <= first <= last <= L:
        raise _err(path, f"a range of layers with 0 ≤ first ≤ last ≤ L = {L}", got=f"{first}..{last}")
    return first, last


def read_at(v: Any, path: str, sc: "Scenario") -> At:
    if isinstance(v, str):
        if v == "end":
            return At()
        raise _err(path, "\"end\" or a table such as {iteration = 1, phase = \"forward\", layer = 2}", v,
                   hint="did you mean 'end'?" if v.strip().lower() == "end" else None)
    if not isinstance(v, dict):
        raise _err(path, "\"end\" or a table such as {iteration = 1, phase = \"forward\", layer = 2}",
                   got=f"{type_name(v)} {show(v)}")
    check_keys(v, ("iteration", "phase", "layer"), path)
    it = integer(v, "iteration", path, lo=1)
    if it > sc.run.iterations:
        raise _err(join(path, "iteration"), f"an iteration from 1 to run.iterations = {sc.run.iterations}", it)
    phase = choice(v, "phase", path, KINDS, default="update")
    L = sc.L
    if phase in ("forward", "backward"):
        layer = integer(v, "layer", path, default=L if phase == "forward" else 1)
        if not 1 <= layer <= L:
            raise _err(join(path, "layer"), f"a layer from 1 to L = {L}", layer)
    else:
        if "layer" in v:
            raise _err(join(path, "layer"), f"no layer with phase = {phase!r} (only forward and backward have one)",
                       v["layer"])
        layer = None
    return At(it, phase, layer)


def _operand(v: Any, path: str, sc: "Scenario", at: At, trees: dict, key: str, allow_array: bool = True,
             layers: tuple[int, int] | None = None):
    if isinstance(v, str):
        trees[key] = _parse(v, path, sc, at, layers)
        return v
    if isinstance(v, list) and allow_array:
        if v and all(isinstance(r, list) for r in v):
            return matrix(v, path)
        vals = [as_number(x, f"{path}[{i}]") for i, x in enumerate(v)]
        if not vals:
            raise _err(path, "a non-empty array of numbers", v)
        a = np.array(vals)
        a.flags.writeable = False
        return a
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        what = "a number, an array or an expression string" if allow_array else "a number or an expression string"
        raise _err(path, what, got=f"{type_name(v)} {show(v)}")
    return as_number(v, path)


# ---------------------------------------------------------------------------- static name checking
def done_at(at: At, L: int) -> int:
    """How many phases of its iteration have run at ``at`` (all P of the last one at the end)."""
    return len(phase_table(L)) if at.is_end else position(Phase(at.phase, at.layer), L)


def _parse(text: str, path: str, sc: "Scenario", at: At, layers: tuple[int, int] | None = None) -> ex.Node:
    """Parse ``text`` and check it statically at ``at``: once, or in a claim over layers once per l of the range."""
    try:
        tree = ex.parse(text, layer_var=layers is not None)
    except ex.ExpressionError as e:
        col = f", column {e.column}" if e.column else ""
        got = None if "; got" in e.message else show(text, 80)
        raise ScenarioError(e.message, got, field=f"{path}{col}") from None
    if layers is None:
        _check(tree, path, sc, at, text)
    for l in range(layers[0], layers[1] + 1) if layers else ():
        _check(tree, path, sc, at, text, l)
    return tree


def _check(tree: ex.Node, path: str, sc: "Scenario", at: At, text: str, l: int | None = None) -> None:
    """Every name computed by ``at``, every layer index in range (with the layer variable set to ``l``)."""
    L = sc.L
    done = done_at(at, L)
    with_l = "" if l is None else f" (with l = {l})"
    for ref in ex.references(tree):
        if ref.name == ex.LAYER_VAR:
            continue
        if ref.layer is None and (problem := _metric_problem(ref.name, sc)):
            raise _err(path, problem, got=show(text, 80))
        if ref.layer is None:
            if needed(ref.name, None, L) > done:
                raise _err(path, f"names computed by {at.describe()}",
                           got=f"{ref.name}, which the {computed_by(ref.name, None, L).kind} phase computes")
            continue
        try:
            k = ex.layer_index(ref.layer, L, l)
        except ex.EvalError as e:
            written = "numbers and L" if l is None else "numbers, l and L"
            raise _err(f"{path}, column {ref.col}", f"a layer index written with {written} ({e})",
                       got=show(text, 80)) from None
        lo = ex.LAYERED[ref.name]
        if not lo <= k <= L:
            raise _err(f"{path}, column {ref.col}", f"a layer index from {lo} to L = {L} for {ref.name}",
                       got=f"{ref.name}[{k}]{with_l}")
        if ref.name in BN_NAMES and sc.layers[k - 1].batch_norm is None:
            raise _err(f"{path}, column {ref.col}", f"{ref.name} only on a layer with batch_norm",
                       got=f"{ref.name}[{k}]{with_l}, and layer {k} has none")
        if ref.name in ("Ws", "dWs") and not _projects(sc, k):
            raise _err(f"{path}, column {ref.col}", f"{ref.name} only on a layer whose skip has a projection",
                       got=f"{ref.name}[{k}]{with_l}, and layer {k} has none")
        if needed(ref.name, k, L) > done:
            raise _err(f"{path}, column {ref.col}", f"names computed by {at.describe()}",
                       got=f"{ref.name}[{k}]{with_l}, which {computed_by(ref.name, k, L).label} computes")
    _dry_run(tree, path, sc, at, text, l)


def _projects(sc: "Scenario", k: int) -> bool:
    """Does layer k's skip go through a projection Ws[k] (another width, or projection = true)?"""
    layer = sc.layers[k - 1]
    return bool(layer.skip) and (layer.projection or sc.n[k - layer.skip] != layer.n)


def _metric_problem(name: str, sc: "Scenario") -> str | None:
    """Why a metric beyond the batch means nothing in this scenario (None when it does)."""
    if name.startswith("accuracy") and name in ex.PLAIN and get_loss(sc.loss).accuracy is None:
        return f"{name} only with a classification loss ({sc.loss} has no accuracy)"
    if name in ("J_test", "accuracy_test", "J_test_data") and not sc.data.m_test:
        return f"{name} only with a held-out split (test_fraction in [data])"
    return None


def _dry_run(tree: ex.Node, path: str, sc: "Scenario", at: At, text: str, l: int | None = None) -> None:
    """Evaluate on zeros of the real shapes, so a shape mistake is reported at load time.

    The names are zero-strided views (``np.broadcast_to``: no memory whatever their shape), and the
    evaluator computes each operation's result shape before it runs, so an expression whose result or an
    intermediate exceeds the caps is refused here, by name, before any of it is made."""
    n = sc.n
    batch = sc.optimizer.batch_size or sc.data.m_train
    L = sc.L
    loss_ran = done_at(at, L) >= position(Phase("loss"), L)  # this iteration's J is in J_history
    hist = sc.run.iterations if at.is_end else at.iteration - (0 if loss_ran else 1)

    def zeros(*shape: int) -> np.ndarray:
        return np.broadcast_to(0.0, shape)

    def lookup(name: str, layer: int | None):
        if layer is None:
            return {"X": zeros(n[0], batch), "Y": zeros(n[-1], batch), "J": 0.0,
                    "J_history": zeros(hist), "m": float(batch), "L": float(L),
                    "iteration": float(at.iteration or sc.run.iterations),
                    "J_full": 0.0, "J_test": 0.0, "accuracy": 0.0, "accuracy_test": 0.0,
                    "J_full_data": 0.0, "J_test_data": 0.0,
                    "J_data": 0.0, "J_reg": 0.0, "alpha": 0.0, "norm_g": 0.0, "norm_g_transformed": 0.0}[name]
        if name == "n":
            return float(n[layer])
        if name.startswith("fraction"):
            return 0.0
        rows = n[layer]
        ws = n[layer - sc.layers[layer - 1].skip] if name in ("Ws", "dWs") else 0  # (n[l], n[l−k])
        cols = {"W": n[layer - 1], "dW": n[layer - 1], "b": 1, "db": 1, "Ws": ws, "dWs": ws}.get(
            name, 1 if name in BN_COLUMN else batch)
        return zeros(rows, cols)

    try:
        ex.evaluate(tree, lookup if l is None else ex.bind_layer(lookup, l))
    except ex.EvalError as e:
        where = "" if l is None else f", with l = {l}"
        raise _err(path, f"an expression that fits the shapes of this network ({e}{where})",
                   got=show(text, 80)) from None
