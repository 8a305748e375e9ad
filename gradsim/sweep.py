"""A grid of runs over one or two override paths: what ``gradsim sweep`` computes.

    axes = [parse_grid("network.layers[0].repeat=2:20:10"), parse_grid("init.gain=0.5:2.0:16")]
    result = sweep(base, axes, iterations=1, value="log10(norm(dW[1]) / norm(dW[L]))", jobs=2)

A grid spec is a TOML array (``[0.01, 0.1]``), a comma list (``he,xavier``), one value, or a range
``START:STOP:COUNT`` (linear, integers when both ends are integers and the step is whole) or
``START:STOP:COUNT:log`` (geometric). Every point is the base scenario with its overrides, validated in
this process first (a bad value is bad input before anything runs), then run headless for exactly N
iterations (or until its parameters go non-finite) and the VALUE expression evaluated at the end.

Points run in worker processes (``concurrent.futures``, spawned, single-threaded BLAS) or, with
``scheduler``, on a Dask distributed cluster; each point is a pure function of its scenario document, so
the results do not depend on the number of jobs or where they ran. NumPy only: no click, no Textual.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from .errors import ScenarioError
from .scenario.overrides import parse_path, parse_value, with_overrides

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

__all__ = ["Axis", "PointResult", "SweepResult", "parse_grid", "run_point", "sweep", "MAX_POINTS"]

MAX_POINTS = 10_000
MAX_AXIS = 1_000
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


@dataclass(frozen=True)
class Axis:
    path: str
    values: tuple[Any, ...]


def _range(spec: str, parts: list[str]) -> tuple[Any, ...]:
    import numpy as np

    log = len(parts) == 4 and parts[3].strip().lower() == "log"
    if len(parts) not in (3, 4) or (len(parts) == 4 and not log):
        raise ScenarioError("START:STOP:COUNT or START:STOP:COUNT:log", repr(spec))
    ends = [parse_value(p) for p in parts[:2]]
    count = parse_value(parts[2])
    if not all(isinstance(e, (int, float)) and not isinstance(e, bool) and math.isfinite(e) for e in ends):
        raise ScenarioError("finite numbers for START and STOP", repr(spec))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_AXIS:
        raise ScenarioError(f"a COUNT from 1 to {MAX_AXIS}", repr(spec))
    lo, hi = ends
    if log:
        if lo <= 0 or hi <= 0:
            raise ScenarioError("START and STOP above 0 for a log range", repr(spec))
        return tuple(float(v) for v in np.geomspace(lo, hi, count))
    if all(isinstance(e, int) for e in ends) and (count == 1 or (hi - lo) % (count - 1) == 0):
        step = 0 if count == 1 else (hi - lo) // (count - 1)
        return tuple(lo + i * step for i in range(count))
    return tuple(float(v) for v in np.linspace(lo, hi, count))


def parse_grid(text: str) -> Axis:
    """'init.gain=0.5:2.0:16' → Axis('init.gain', (0.5, 0.6, …, 2.0)); raises ScenarioError."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise ScenarioError("PATH=SPEC, e.g. init.gain=0.5:2.0:16 or init.weights=he,xavier", repr(text))
    parse_path(path)
    quoted = spec.startswith(("'", '"', "[", "{"))
    if quoted:
        value = parse_value(spec)
        values = tuple(value) if isinstance(value, list) else (value,)
    elif ":" in spec:
        values = _range(spec, spec.split(":"))
    elif "," in spec:
        values = tuple(parse_value(v.strip()) for v in spec.split(","))
    else:
        values = (parse_value(spec),)
    if not values or len(values) > MAX_AXIS:
        raise ScenarioError(f"from 1 to {MAX_AXIS} values", f"{len(values)} in {spec!r}")
    return Axis(path, values)


@dataclass(frozen=True)
class PointResult:
    index: tuple[int, ...]  # position on each axis
    value: float  # the VALUE expression at the end (NaN when it could not be computed)
    J: float
    iterations: int
    reason: str  # Simulation.run's: iterations | halted
    error: str | None = None


def run_point(task: tuple) -> PointResult:
    """One point, in whatever process: (index, document, source, name, iterations, expression)."""
    from .checks import make_lookup
    from .scenario import build_simulation
    from .scenario import expressions as ex
    from .scenario.schema import validate

    index, doc, source, name, iterations, expression = task
    sim = build_simulation(validate(doc, source=source, name=name))
    reason = sim.run(iterations, stop_on_blowup=False)
    J = float(sim.J) if sim.J is not None else math.nan
    try:
        got = ex.evaluate(ex.parse(expression), make_lookup(sim))
        if getattr(got, "ndim", 0) != 0:
            raise ex.EvalError(f"a number; got an array of shape {got.shape}")
        return PointResult(index, float(got), J, sim.iteration, reason)
    except ex.EvalError as exc:
        return PointResult(index, math.nan, J, sim.iteration, reason, str(exc))


@dataclass(frozen=True)
class SweepResult:
    axes: tuple[Axis, ...]
    expression: str
    iterations: int
    points: tuple[PointResult, ...]  # in grid order (the last axis fastest)

    def grid(self) -> list[list[float]]:
        """The values as rows over the first axis, columns over the second (one column for one axis)."""
        cols = len(self.axes[1].values) if len(self.axes) > 1 else 1
        return [[p.value for p in self.points[r * cols:(r + 1) * cols]] for r in range(len(self.axes[0].values))]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per point: the axis values, the expression's value, J, iterations, reason, error."""
        out = []
        for p in self.points:
            row: dict[str, Any] = {a.path: a.values[i] for a, i in zip(self.axes, p.index)}
            row.update({self.expression: p.value, "J": p.J, "iterations": p.iterations, "reason": p.reason,
                        "error": p.error or ""})
            out.append(row)
        return out


def _tasks(base: "Scenario", axes: Sequence[Axis], iterations: int, expression: str) -> list[tuple]:
    source = base.source
    tasks = []
    for index in itertools.product(*(range(len(a.values)) for a in axes)):
        pairs = [(a.path, a.values[i]) for a, i in zip(axes, index)]
        names = [f"--grid {p}={v!r}" if isinstance(v, str) else f"--grid {p}={v}" for p, v in pairs]
        sc = with_overrides(base, pairs, names=names)  # bad input here, before anything runs
        tasks.append((index, _plain(sc.doc), source, base.name, iterations, expression))
    return tasks


def _plain(doc) -> dict:
    import copy

    return copy.deepcopy(dict(doc))


def sweep(base: "Scenario", axes: Sequence[Axis], iterations: int, value: str = "J", *, jobs: int = 1,
          scheduler: str | None = None, on_done: Callable[[PointResult], None] | None = None) -> SweepResult:
    """Run every point of the grid; results in grid order whatever the jobs or the scheduler."""
    from .scenario import expressions as ex

    if not 1 <= len(axes) <= 2:
        raise ValueError("a sweep has one or two axes")
    try:
        ex.parse(value)
    except ex.ExpressionError as exc:
        raise ScenarioError("an expression of the expectation language", f"{value!r}: {exc}",
                            field="--value") from None
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_POINTS:
        raise ScenarioError(f"at most {MAX_POINTS:,} points", f"{count:,}", field="--grid")
    tasks = _tasks(base, axes, iterations, value)
    done = on_done or (lambda r: None)
    if scheduler is not None:
        results = _on_dask(tasks, scheduler, done)
    elif jobs <= 1:
        results = []
        for task in tasks:
            results.append(run_point(task))
            done(results[-1])
    else:
        results = _in_processes(tasks, jobs, done)
    results.sort(key=lambda r: r.index)
    return SweepResult(tuple(axes), value, iterations, tuple(results))


def _in_processes(tasks: list[tuple], jobs: int, done: Callable[[PointResult], None]) -> list[PointResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    for var in BLAS_THREADS:  # the workers start with single-threaded BLAS (they inherit the environment)
        os.environ.setdefault(var, "1")
    results = []
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
        futures = [pool.submit(run_point, task) for task in tasks]
        for future in as_completed(futures):
            results.append(future.result())
            done(results[-1])
    return results


def _on_dask(tasks: list[tuple], address: str, done: Callable[[PointResult], None]) -> list[PointResult]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise ScenarioError("dask installed for --scheduler (pip install 'gradsim[dask]')",
                            field="--scheduler") from None
    results = []
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError("the address of a running Dask scheduler", f"{address!r} ({type(exc).__name__})",
                            field="--scheduler") from None
    with client:
        futures = client.map(run_point, tasks, pure=False)
        for future in as_completed(futures):
            results.append(future.result())
            done(results[-1])
    return results
