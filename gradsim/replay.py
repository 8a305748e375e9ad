"""Headless runs: the same ``Simulation`` the app steps, driven without a screen.

- ``run``: N iterations with the scenario's stop conditions, a trace row per iteration (``trace.py``),
  a progress callback; then ``summary_lines`` says how it ended (final J, per-layer ‖dW[l]‖, and for a
  blow-up which array of which layer went non-finite first, in which phase and iteration).
- ``step_lines``: the phase-by-phase walk-through of one iteration, each phase's equations with live
  shapes and values (``equations.py``): what ``gradsim step`` prints.

NumPy only: no Textual, no click (the CLI adds the progress bar and the exit codes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .display import fmt, norm, percent
from .engine import evaluate
from .equations import equations, format_equations
from .trace import TraceWriter, batch_norm_layers, save_npz, trace_columns, trace_metrics, trace_row

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation

__all__ = ["RunResult", "ReplayError", "run", "summary_lines", "step_lines", "reason_text"]


class ReplayError(Exception):
    """The run cannot do what was asked (e.g. reach an iteration after the simulation halted)."""


@dataclass(frozen=True)
class RunResult:
    reason: str  # Simulation.run's: iterations | stop_below | blowup | halted | callback
    iterations: int  # iterations completed
    trace_rows: int  # rows written to the trace (0 without one)
    npz_keys: tuple[str, ...] = ()


def run(
    sim: "Simulation",
    iterations: int,
    *,
    stop_below: float | None = None,
    stop_on_blowup: bool = True,
    trace: str | Path | None = None,
    npz: str | Path | None = None,
    on_iteration: Callable[["Simulation"], None] | None = None,
) -> RunResult:
    """Run up to ``iterations`` iterations through ``Simulation.run``; write the trace and NPZ if asked.

    ``on_iteration`` is called after every completed iteration (a progress bar). The NPZ holds the last
    completed iteration; it needs at least one.
    """
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, got {iterations}")
    columns = trace_columns(sim.L, trace_metrics(sim), batch_norm_layers(sim))
    writer = TraceWriter(trace, columns) if trace is not None else None
    done = [sim.iteration]

    def after(s: "Simulation") -> None:
        if writer is not None:
            writer.write(trace_row(s))
        done[0] = s.iteration
        if on_iteration is not None:
            on_iteration(s)

    try:
        reason = sim.run(iterations, stop_below=stop_below, stop_on_blowup=stop_on_blowup, callback=after)
        if sim.iteration > done[0] and sim.phase_index == sim.P:
            after(sim)  # Simulation.run returns before its callback when it stops early
    except BaseException as exc:
        if writer is not None:
            writer.abort(exc)
        raise
    if writer is not None:
        writer.close()
    keys: tuple[str, ...] = ()
    if npz is not None:
        if sim.iteration == 0:
            raise ReplayError("no iteration ran, so there is nothing to write to the NPZ")
        keys = tuple(save_npz(sim, npz))
    return RunResult(reason, sim.iteration, writer.rows if writer is not None else 0, keys)


def reason_text(sim: "Simulation", reason: str, stop_below: float | None = None) -> str:
    t = sim.iteration
    its = f"{t} iteration{'s' if t != 1 else ''}"
    if reason == "iterations":
        return f"ran {its}"
    if reason == "stop_below":
        return f"stopped after {its}: J fell below {fmt(stop_below)}"
    if reason == "blowup":
        return f"stopped after {its}: a value went non-finite"
    if reason == "halted":
        return f"halted after {its}: the parameters are non-finite"
    return f"stopped after {its} ({reason})"


def summary_lines(sim: "Simulation", result: RunResult, name: str, stop_below: float | None = None) -> list[str]:
    """How a run ended: final J, per-layer norms, and where a blow-up started."""
    lines = [f"{name}: {reason_text(sim, result.reason, stop_below)}"]
    hist = sim.J_history
    if hist:
        finite = [j for j in hist if math.isfinite(j)]
        extra = f"   (iteration 1: {hist[0]:.6g}" + (f", lowest {min(finite):.6g}" if finite else "") + ")"
        lines.append(f"J = {hist[-1]:.6g}{extra if len(hist) > 1 else ''}")
    lines += metric_lines(sim)
    header = ("l", "n[l]", "g[l]", "‖W[l]‖", "‖A[l]‖", "‖dW[l]‖", "‖db[l]‖", "saturated", "dead")
    rows = [header]
    for l in range(1, sim.L + 1):
        get = sim.arrays.get
        stats = sim.layer_stats(l)
        rows.append((
            str(l), str(sim.n[l]), sim.acts[l - 1].name,
            fmt(norm(sim.param(f"W[{l}]"))),
            *(fmt(norm(a)) if (a := get(f"{k}[{l}]")) is not None else "—" for k in ("A", "dW", "db")),
            percent(stats["fraction_saturated"]), percent(stats["fraction_dead"]),
        ))
    lines += table(rows)
    if sim.blowup is not None:
        lines.append(f"blow-up: {sim.blowup.describe()}")
    return lines


def metric_lines(sim: "Simulation") -> list[str]:
    """J and accuracy over every training example and over the held-out ones, when they apply."""
    names = evaluate.applies(sim)
    if not names or sim.iteration == 0:
        return []
    values = evaluate.metrics(sim, names)
    out = []
    for group, where in ((evaluate.FULL, f"all {sim.m} training examples"),
                         (evaluate.TEST, f"the {sim.heldout[1].shape[1] if sim.heldout else 0} held-out examples")):
        shown = [f"{n} = {values[n]:.6g}" for n in group if n in values]
        if shown:
            out.append(", ".join(shown) + f"   (over {where}, with the weights J used)")
    return out


def table(rows: list[tuple[str, ...]], gap: str = "  ") -> list[str]:
    """Left-aligned columns, the first row a header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [gap.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def step_lines(sim: "Simulation", iteration: int = 1, phases: int | None = None,
               on_iteration: Callable[["Simulation"], None] | None = None) -> Iterator[str]:
    """Run ``sim`` to the start of ``iteration``, then step its first ``phases`` phases (all by default),
    yielding each phase's equations as aligned lines, and a line when a value first goes non-finite.
    ``on_iteration`` is called after each of the iterations run silently before (a progress bar).
    """
    if iteration < 1:
        raise ValueError(f"iteration must be at least 1, got {iteration}")
    P = sim.P
    k = P if phases is None else phases
    if not 1 <= k <= P:
        raise ValueError(f"phases must be between 1 and {P} (P = 2L + 2), got {k}")
    if sim.iteration >= iteration:
        sim.reset()
    if iteration > 1:
        sim.run(iteration - 1 - sim.iteration, stop_on_blowup=False,
                callback=None if on_iteration is None else lambda s: on_iteration(s))
    label_width = max(len(p.label) for p in sim.phases)
    seen_blowup = sim.blowup is not None
    for _ in range(k):
        rec = sim.step()
        if rec is None or sim.iteration != iteration:
            raise ReplayError(
                f"the simulation halted after iteration {sim.iteration} (non-finite parameters); "
                f"iteration {iteration} never runs" + (f": {sim.blowup.describe()}" if sim.blowup else "")
            )
        yield from format_equations(equations(sim, rec.phase), label_width=label_width)
        if not seen_blowup and sim.blowup is not None:
            seen_blowup = True
            yield f"{'':<{label_width}}  ! {sim.blowup.describe()}"
