"""Running expectations over a Simulation: drive it to each expectation's point and check it there.

``scenario/expect.py`` reads expectations and checks them statically when a scenario loads; this module
runs them (``gradsim check``, CI). The simulation goes from point to point with ``Simulation.run_to``,
so an expectation sees exactly what ``Simulation.run`` (and the app) would have computed there, and the
run's stop conditions (J below ``stop_below``, a blow-up, halted parameters) end it early the same way.
A result carries what was expected and what came, as text, so a failing check explains itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .engine import evaluate, update_stats
from .engine.phases import Phase, position
from .scenario import expressions as ex
from .scenario.expect import COMPARE

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation
    from .scenario.model import At, Expectation, Scenario

__all__ = ["ExpectationResult", "run_expectations", "make_lookup", "evaluate_one"]


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
    """Moves a Simulation to points of the run (``Simulation.run_to``) and remembers where the run stopped."""

    def __init__(self, sim: "Simulation", sc: "Scenario"):
        self.sim, self.run = sim, sc.run
        self.stopped: str | None = None  # why the run stopped early

    def target(self, at: "At") -> tuple[int, int]:
        """(iteration, phases run in it) of ``at``; the end is the last iteration's update."""
        if at.is_end:
            return self.run.iterations, self.sim.P
        return at.iteration, position(Phase(at.phase, at.layer), self.sim.L)

    def reach(self, at: "At") -> str | None:
        """Advance to ``at``; None on success (the end is always reached), else why it cannot be reached."""
        sim, run = self.sim, self.run
        target = self.target(at)
        if self.stopped is not None and target > (sim.iteration, sim.phase_index):
            return None if at.is_end else self._not_reached()
        why = sim.run_to(*target, stop_below=run.stop_below, stop_on_blowup=run.stop_on_blowup)
        if why is None:
            if sim.phase_index == sim.P:  # at an iteration's end the run may stop: later points are not reached
                self.stopped = self.stopped or sim.stop_reason(run.stop_below, run.stop_on_blowup)
            return None
        if why == "already past":
            return None if at.is_end else why
        self.stopped = why
        return None if at.is_end else self._not_reached()

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
            if name in ("J_data", "J_reg"):  # J = J_data + J_reg; J_reg is 0 without a penalty
                if sim.J is None:
                    raise ex.EvalError(f"{name} is not computed yet at this point")
                parts = sim.J_parts or (sim.J, 0.0)
                return float(parts[name == "J_reg"])
            if name in update_stats.NAMES:
                return _update_stat(sim, name)
            if name == "J_history":
                return np.array(sim.J_history, dtype=np.float64)
            if name in evaluate.NAMES:
                return _metric(sim, name)
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
        if name == "M" and not sim.dropout[layer - 1]:
            raise ex.EvalError(f"{key} needs dropout on layer {layer} (it has none)")
        if key not in sim.arrays:
            raise ex.EvalError(f"{key} is not computed yet at this point")
        return sim.arrays[key]

    return lookup


def _update_stat(sim: "Simulation", name: str) -> float:
    """alpha (α(t)), norm_g and norm_g_transformed (‖g‖ before and after the transforms): engine/update_stats.py."""
    if name == update_stats.ALPHA:
        return update_stats.alpha(sim)
    norms = update_stats.gradient_norms(sim)
    if norms is None:
        raise ex.EvalError(f"{name} is not computed yet at this point (after backward l=1)")
    return norms[update_stats.NORMS.index(name)]


def _metric(sim: "Simulation", name: str) -> float:
    """J_full, accuracy, J_test, accuracy_test: a forward pass of their own (engine/evaluate.py)."""
    if name.startswith("accuracy") and not evaluate.classifies(sim):
        raise ex.EvalError(f"{name} needs a classification loss; {sim.loss.name} has no accuracy")
    if name in evaluate.TEST and sim.heldout is None:
        raise ex.EvalError(f"{name} needs a held-out split (test_fraction in [data])")
    return evaluate.metrics(sim, (name,))[name]


def _value(e: Expectation, key: str, lookup):
    v = getattr(e, key)
    if key in e.trees:
        return ex.evaluate(e.trees[key], lookup)
    return v


def evaluate_one(e: Expectation, lookup) -> tuple[bool, str, str]:
    """(passed, expected, got) for one expectation at the current point.

    A claim over layers (``layers = [first, last]``) is judged once per l of the range, with ``l`` bound: it
    passes when every layer passes, and it reports its worst layer (a failing one first, then the one furthest
    from what was expected) and which layers failed."""
    if e.layers is None:
        return _judge(e, lookup)[:3]
    first, last = e.layers
    judged = [(l, *_judge(e, ex.bind_layer(lookup, l))) for l in range(first, last + 1)]
    failed = [l for l, passed, *_ in judged if not passed]
    l, passed, expected, got, _ = max(judged, key=lambda r: (not r[1], r[4]))
    span = f"{first}..{last}"
    if not failed:
        return True, expected, f"every l = {span}; worst at l = {l}: {got}"
    if len(failed) == len(judged):
        return False, expected, f"fails at every l = {span}; worst at l = {l}: {got}"
    which = ", ".join(map(str, failed[:8])) + (", …" if len(failed) > 8 else "")
    return False, expected, f"fails at l = {which} ({len(failed)} of {span}); worst at l = {l}: {got}"


def _judge(e: Expectation, lookup) -> tuple[bool, str, str, float]:
    """(passed, expected, got, how far off): the last is what ranks the layers of a claim over layers
    (the largest |got − expected| for ==, how far past the bound for the others; inf for an error)."""
    try:
        got = ex.evaluate(e.trees["value"], lookup)
    except ex.EvalError as err:
        return False, _expected_text(e, None), f"error: {err}", math.inf
    try:
        if e.op in COMPARE:
            rhs = _value(e, "rhs", lookup)
            return _compare(e, got, rhs)
        if e.op == "between":
            lo, hi = _value(e, "lo", lookup), _value(e, "hi", lookup)
            a = np.asarray(got)
            ok = bool(np.all((a >= lo) & (a <= hi)))
            return ok, _expected_text(e, None, lo, hi), ex.format_value(got), _off(np.maximum(lo - a, a - hi))
    except ex.EvalError as err:
        return False, _expected_text(e, None), f"{ex.format_value(got)} (error in the other side: {err})", math.inf
    a = np.asarray(got, dtype=np.float64)
    ok = {"is_finite": lambda: bool(np.all(np.isfinite(a))), "is_nan": lambda: bool(np.any(np.isnan(a))),
          "is_inf": lambda: bool(np.any(np.isinf(a))), "not_finite": lambda: bool(not np.all(np.isfinite(a)))}[e.op]()
    return ok, _expected_text(e, None), ex.format_value(got), 0.0 if ok else 1.0


def _off(excess) -> float:
    """The largest entry of ``excess`` (how far a value is from passing), NaN counted as infinitely far."""
    a = np.asarray(excess, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return math.inf if np.isnan(a).any() else float(np.max(a))


def _compare(e: Expectation, got, rhs) -> tuple[bool, str, str, float]:
    expected = _expected_text(e, rhs)
    a, b = np.asarray(got, dtype=np.float64), np.asarray(rhs, dtype=np.float64)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False, expected, f"{ex.format_value(got)}, whose shape {a.shape} does not match {b.shape}", math.inf
    with np.errstate(all="ignore"):
        if e.op == "==":
            ok = bool(np.all(np.isclose(a, b, rtol=e.rtol, atol=e.atol)))
            got_text = ex.format_value(got, None)
            diff = np.abs(a - b)
            if a.size > 1 or b.size > 1 or not ok:
                got_text += f" (max |got − expected| = {float(np.max(diff)) if diff.size else 0.0:.3g})"
            return ok, expected, got_text, _off(diff)
        fn = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[e.op]
        return bool(np.all(fn(a, b))), expected, ex.format_value(got), _off(a - b if e.op[0] == "<" else b - a)


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
    from .scenario.build import build_simulation

    sim = sim if sim is not None else build_simulation(scenario, seed)
    driver = _Driver(sim, scenario)
    order = sorted(scenario.expectations,
                   key=lambda e: (math.inf, math.inf) if e.at.is_end else driver.target(e.at))
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


# ------------------------------------------------------------------------------------------ reports
def _clip(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def check_scenarios(scenarios, seed: int | None = None, debug: bool = False):
    """Run every scenario's expectations: (JUnit suites, rows of the pass/fail table `gradsim check` prints).

    A scenario that cannot run at all is an error case in its suite, not an exception (``debug`` re-raises).
    """
    import time

    from .junit import Case, Suite

    suites: list[Suite] = []
    rows = [("", "scenario", "expectation", "at", "")]
    for sc in scenarios:
        suite = Suite(sc.name, str(sc.source) if sc.source is not None else "")
        t0 = time.perf_counter()
        try:
            results = run_expectations(sc, seed)
        except Exception as exc:  # noqa: BLE001 — a scenario that cannot run is an error in the report
            if debug:
                raise
            message = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            suite.cases.append(Case("run", False, message, error=True))
            rows.append(("ERROR", sc.name, "(the scenario did not run)", "", message))
            results = []
        suite.time = time.perf_counter() - t0
        for r in results:
            message = f"expected {r.expected}; got {r.got}"
            detail = f"{r.name} at {r.at}: {message}" + (f"\n{r.description}" if r.description else "")
            suite.cases.append(Case(r.name, r.passed, "" if r.passed else message, detail))
            rows.append(("PASS" if r.passed else "FAIL", sc.name, _clip(r.name), _clip(r.at),
                         "" if r.passed else message))
        if not results and not suite.cases:
            rows.append(("—", sc.name, "(no expectations)", "", ""))
        suites.append(suite)
    return suites, rows
