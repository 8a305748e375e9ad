"""Expectations: read and check them statically at load time, then evaluate them against a run.

An expectation names a quantity (an expression in the lecture's notation) at a point of the run
(after a phase of an iteration, or the end) and a comparison. Its result carries what was expected and
what came, as text, so a failing check explains itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ScenarioError, show, type_name
from . import expressions as ex
from .caps import MAX_EXPECT
from .fields import _MISSING, _err, as_number, check_keys, choice, integer, join, matrix, string
from .model import At, Expectation

if TYPE_CHECKING:
    from ..engine import Simulation
    from .model import Scenario

OPS = ("==", "<", "<=", ">", ">=", "between", "is_finite", "is_nan", "is_inf", "not_finite")
COMPARE = ("==", "<", "<=", ">", ">=")
PHASES = ("forward", "loss", "backward", "update")
KEYS = ("name", "why", "at", "value", "op", "rhs", "rtol", "atol", "lo", "hi")


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
    op = choice(t, "op", path, OPS)
    value = string(t, "value", path)
    trees = {"value": _parse(value, join(path, "value"), sc, at)}
    kw: dict[str, Any] = {}
    if op in COMPARE:
        if "rhs" not in t:
            raise _err(join(path, "rhs"), f"a number, an array or an expression to compare with {op}",
                       got="nothing (it is missing)")
        kw["rhs"] = _operand(t["rhs"], join(path, "rhs"), sc, at, trees, "rhs")
    for key, needed in (("lo", op == "between"), ("hi", op == "between")):
        if needed:
            if key not in t:
                raise _err(join(path, key), "a number or an expression (between needs lo and hi)",
                           got="nothing (it is missing)")
            kw[key] = _operand(t[key], join(path, key), sc, at, trees, key, allow_array=False)
    for key in ("rhs", "lo", "hi", "rtol", "atol"):
        wanted = {"rhs": op in COMPARE, "lo": op == "between", "hi": op == "between",
                  "rtol": op == "==", "atol": op == "=="}[key]
        if key in t and not wanted:
            raise _err(join(path, key), f"no {key} with op = {op!r}", got=f"{key} = {show(t[key])}")
    if op == "between" and isinstance(kw["lo"], float) and isinstance(kw["hi"], float) and kw["lo"] > kw["hi"]:
        raise _err(join(path, "hi"), f"hi ≥ lo = {kw['lo']:g}", kw["hi"])
    for key, default in (("rtol", 1e-9), ("atol", 1e-12)):
        kw[key] = as_number(t[key], join(path, key), 0.0, 1e6) if key in t else default
    return Expectation(index, value, op, at, why=string(t, "why", path, default=""),
                       name=string(t, "name", path, default=""), trees=trees, **kw)


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
    phase = choice(v, "phase", path, PHASES, default="update")
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


def _operand(v: Any, path: str, sc: "Scenario", at: At, trees: dict, key: str, allow_array: bool = True):
    if isinstance(v, str):
        trees[key] = _parse(v, path, sc, at)
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
def phase_position(at: At, L: int) -> int:
    """How many phases of the iteration have run at ``at`` (1..2L+2)."""
    if at.phase == "forward":
        return at.layer
    if at.phase == "loss":
        return L + 1
    if at.phase == "backward":
        return L + 1 + (L - at.layer) + 1
    return 2 * L + 2


def computed_by(name: str, layer: int | None, L: int) -> tuple[str, int]:
    """(the phase that computes name[layer], how many phases have run once it has)."""
    if name in ("Z", "A", "fraction_saturated", "fraction_dead"):
        return f"forward l={layer}", layer
    if name == "J":
        return "the loss phase", L + 1
    if name == "dA":
        src = L if layer == L else layer + 1
        return f"backward l={src}", L + 1 + (L - src) + 1
    if name in ("dZ", "dW", "db"):
        return f"backward l={layer}", L + 1 + (L - layer) + 1
    return "", 0


def _parse(text: str, path: str, sc: "Scenario", at: At) -> ex.Node:
    try:
        tree = ex.parse(text)
    except ex.ExpressionError as e:
        col = f", column {e.column}" if e.column else ""
        got = None if "; got" in e.message else repr(text)
        raise ScenarioError(e.message, got, field=f"{path}{col}") from None
    L = sc.L
    done = 2 * L + 2 if at.is_end else phase_position(at, L)
    for ref in ex.references(tree):
        if ref.layer is None:
            if ref.name == "J" and done < L + 1:
                raise _err(path, f"names computed by {at.describe()}", got="J, which the loss phase computes")
            continue
        try:
            l = ex.layer_index(ref.layer, L)
        except ex.EvalError as e:
            raise _err(f"{path}, column {ref.col}", f"a layer index written with numbers and L ({e})",
                       got=repr(text)) from None
        lo = ex.LAYERED[ref.name]
        if not lo <= l <= L:
            raise _err(f"{path}, column {ref.col}", f"a layer index from {lo} to L = {L} for {ref.name}",
                       got=f"{ref.name}[{l}]")
        phase, need = computed_by(ref.name, l, L)
        if need > done:
            raise _err(f"{path}, column {ref.col}", f"names computed by {at.describe()}",
                       got=f"{ref.name}[{l}], which {phase} computes")
    _dry_run(tree, path, sc, at, text)
    return tree


def _dry_run(tree: ex.Node, path: str, sc: "Scenario", at: At, text: str) -> None:
    """Evaluate on zeros of the real shapes, so a shape mistake is reported at load time."""
    n = sc.n
    batch = sc.optimizer.batch_size or sc.data.m
    if sum(n) * batch > 2_000_000:
        return
    L = sc.L
    hist = sc.run.iterations if at.is_end else at.iteration - (0 if phase_position(at, L) > L else 1)
    hist = min(hist, 10_000)

    def lookup(name: str, layer: int | None):
        if layer is None:
            return {"X": np.zeros((n[0], batch)), "Y": np.zeros((n[-1], batch)), "J": 0.0,
                    "J_history": np.zeros(hist), "m": float(batch), "L": float(L),
                    "iteration": float(at.iteration or sc.run.iterations)}[name]
        if name == "n":
            return float(n[layer])
        if name.startswith("fraction"):
            return 0.0
        rows = n[layer]
        cols = {"W": n[layer - 1], "dW": n[layer - 1], "b": 1, "db": 1}.get(name, batch)
        return np.zeros((rows, cols))

    try:
        ex.evaluate(tree, lookup)
    except ex.EvalError as e:
        raise _err(path, f"an expression that fits the shapes of this network ({e})", got=repr(text)) from None


# ---------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ExpectationResult:
    index: int
    name: str  # the expectation's name, or its expression
    description: str  # its `why`
    passed: bool
    expected: str
    got: str
    at: str
    value: str  # the expression

    def line(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        return f"{mark} [{self.at}] {self.name}: expected {self.expected}; got {self.got}"


class _Driver:
    """Moves a Simulation to points of the run the same way ``Simulation.run`` would get there."""

    def __init__(self, sim: "Simulation", sc: "Scenario"):
        self.sim, self.sc = sim, sc
        self.stopped: str | None = None  # why the run stopped early

    def _check_stop(self) -> None:
        sim, run = self.sim, self.sc.run
        if sim.halted:
            self.stopped = "halted"
        elif run.stop_on_blowup and sim.blowup is not None:
            self.stopped = "blowup"
        elif run.stop_below is not None and sim.J is not None and sim.J < run.stop_below:
            self.stopped = "stop_below"

    def _finish_iteration(self) -> None:
        sim = self.sim
        if 0 < sim.phase_index < sim.P:
            sim.step_iteration()
            self._check_stop()

    def reach(self, at: At) -> str | None:
        """Advance to ``at``; None on success, else why it cannot be reached."""
        sim, run, P = self.sim, self.sc.run, self.sim.P
        if at.is_end:
            self._finish_iteration()
            if self.stopped is None and sim.iteration < run.iterations:
                why = sim.run(run.iterations - sim.iteration, run.stop_below, run.stop_on_blowup)
                if why != "iterations":
                    self.stopped = why
            return None
        target = phase_position(at, sim.L)
        if sim.iteration > at.iteration or (sim.iteration == at.iteration and sim.phase_index > target):
            return None if (sim.iteration, sim.phase_index) == (at.iteration, target) else "already past"
        if sim.iteration < at.iteration:
            self._finish_iteration()
            missing = at.iteration - 1 - sim.iteration
            if self.stopped is None and missing > 0:
                why = sim.run(missing, run.stop_below, run.stop_on_blowup)
                if why != "iterations":
                    self.stopped = why
            if self.stopped is not None:
                return self._not_reached()
        while not (sim.iteration == at.iteration and sim.phase_index == target):
            if sim.step() is None:
                self.stopped = "halted"
                return self._not_reached()
            if sim.phase_index == P:
                self._check_stop()
        return None

    def _not_reached(self) -> str:
        return f"not reached: the run stopped at iteration {self.sim.iteration} ({self.stopped})"


def make_lookup(sim: "Simulation"):
    """Resolve expression names against the simulation's current state."""

    def lookup(name: str, layer: int | None):
        if layer is None:
            if name in ("X", "Y"):
                return sim.arrays[name]
            if name == "m":
                return float(sim.arrays["X"].shape[1]) if "X" in sim.arrays else float(sim.m)
            if name == "L":
                return float(sim.L)
            if name == "iteration":
                return float(sim.iteration)
            if name == "J":
                if sim.J is None:
                    raise ex.EvalError("J is not computed yet at this point")
                return float(sim.J)
            if name == "J_history":
                return np.array(sim.J_history, dtype=np.float64)
            raise ex.EvalError(f"unknown name {name}")
        lo = ex.LAYERED[name]
        if not lo <= layer <= sim.L:
            raise ex.EvalError(f"{name}[{layer}] is out of range: layers go from {lo} to L = {sim.L}")
        if name == "n":
            return float(sim.n[layer])
        if name in ("W", "b") and sim.phase_index == sim.P:
            return sim.param(f"{name}[{layer}]")
        if name.startswith("fraction"):
            v = sim.layer_stats(layer)[name]
            if math.isnan(v):
                raise ex.EvalError(f"{name}[{layer}] is not computed yet (forward l={layer} has not run)")
            return v
        key = f"{name}[{layer}]"
        if key not in sim.arrays:
            raise ex.EvalError(f"{key} is not computed yet at this point")
        return sim.arrays[key]

    return lookup


def _value(e: Expectation, key: str, lookup):
    v = getattr(e, key)
    if key in e.trees:
        return ex.evaluate(e.trees[key], lookup)
    return v


def evaluate_one(e: Expectation, lookup) -> tuple[bool, str, str]:
    """(passed, expected, got) for one expectation at the current point."""
    try:
        got = ex.evaluate(e.trees["value"], lookup)
    except ex.EvalError as err:
        return False, _expected_text(e, None), f"error: {err}"
    try:
        if e.op in COMPARE:
            rhs = _value(e, "rhs", lookup)
            return _compare(e, got, rhs)
        if e.op == "between":
            lo, hi = _value(e, "lo", lookup), _value(e, "hi", lookup)
            a = np.asarray(got)
            ok = bool(np.all((a >= lo) & (a <= hi)))
            return ok, _expected_text(e, None, lo, hi), ex.format_value(got)
    except ex.EvalError as err:
        return False, _expected_text(e, None), f"{ex.format_value(got)} (error in the other side: {err})"
    a = np.asarray(got, dtype=np.float64)
    ok = {"is_finite": lambda: bool(np.all(np.isfinite(a))), "is_nan": lambda: bool(np.any(np.isnan(a))),
          "is_inf": lambda: bool(np.any(np.isinf(a))), "not_finite": lambda: bool(not np.all(np.isfinite(a)))}[e.op]()
    return ok, _expected_text(e, None), ex.format_value(got)


def _compare(e: Expectation, got, rhs) -> tuple[bool, str, str]:
    expected = _expected_text(e, rhs)
    a, b = np.asarray(got, dtype=np.float64), np.asarray(rhs, dtype=np.float64)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False, expected, f"{ex.format_value(got)}, whose shape {a.shape} does not match {b.shape}"
    with np.errstate(all="ignore"):
        if e.op == "==":
            ok = bool(np.all(np.isclose(a, b, rtol=e.rtol, atol=e.atol)))
            got_text = ex.format_value(got, None)
            if a.size > 1 or b.size > 1 or not ok:
                diff = np.abs(a - b)
                got_text += f" (max |got − expected| = {float(np.max(diff)) if diff.size else 0.0:.3g})"
            return ok, expected, got_text
        fn = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[e.op]
        return bool(np.all(fn(a, b))), expected, ex.format_value(got)


def _expected_text(e: Expectation, rhs, lo=None, hi=None) -> str:
    def side(key: str, v) -> str:
        src = getattr(e, key)
        if isinstance(src, str):
            return src if v is None else f"{src} = {ex.format_value(v, 12)}"
        return ex.format_value(src if v is None else v, None)

    if e.op in COMPARE:
        text = f"{e.op} {side('rhs', rhs)}"
        if e.op == "==":
            text += f" (rtol {e.rtol:g}, atol {e.atol:g})"
        return text
    if e.op == "between":
        return f"between {side('lo', lo)} and {side('hi', hi)}"
    return e.op.replace("_", " ")


def run_expectations(scenario: "Scenario", seed: int | None = None, sim: "Simulation | None" = None) -> list[ExpectationResult]:
    """Build (or take) a fresh simulation, drive it through every expectation's point, and check each."""
    from .build import build_simulation

    sim = sim if sim is not None else build_simulation(scenario, seed)
    driver = _Driver(sim, scenario)
    order = sorted(scenario.expectations, key=lambda e: (
        math.inf if e.at.is_end else e.at.iteration, 0 if e.at.is_end else phase_position(e.at, scenario.L)))
    lookup = make_lookup(sim)
    results: dict[int, ExpectationResult] = {}
    for e in order:
        problem = driver.reach(e.at)
        at = e.at.describe()
        if e.at.is_end:
            at = f"end (iteration {sim.iteration}, {driver.stopped or 'all iterations run'})"
        if problem:
            passed, expected, got = False, _expected_text(e, None), problem
        else:
            passed, expected, got = evaluate_one(e, lookup)
        results[e.index] = ExpectationResult(e.index, e.label, e.why, passed, expected, got, at, e.value)
    return [results[i] for i in sorted(results)]
