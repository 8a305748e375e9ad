"""The commands that run a scenario without a screen: step, run, check, gradcheck, export."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import (
    BadInput, FiniteRange, gradsim, GradsimError, MAX_ITERATIONS, overridable, SCENARIO, SEED, _build,
    _output_path, _progress, _refuse_inputs, _table,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario


# --------------------------------------------------------------------------------------------- step
@gradsim.command(short_help="Print one iteration's phases as equations.")
@overridable
@click.argument("scenario", type=SCENARIO)
@click.option("--phases", "-k", type=click.IntRange(min=1), default=None, metavar="K",
              help="Print only the first K phases (of P = 2L + 2). Default: all.")
@click.option("--iteration", "-i", type=click.IntRange(1, MAX_ITERATIONS), default=1, show_default=True,
              metavar="I", help="Which iteration to walk through (earlier ones run silently).")
@click.option("--seed", type=SEED, default=None, help="Replace the scenario's seed.")
def step(scenario: "Scenario", phases: int | None, iteration: int, seed: int | None) -> None:
    """Walk through one iteration of SCENARIO phase by phase: forward l = 1..L, the loss, backward
    l = L..1, the update. Each phase prints the lecture's equations with live shapes and values.

    \b
    Example:
      gradsim step exploding-linear --phases 3
    """
    from ..replay import ReplayError, step_lines

    sim = _build(scenario, seed)
    if phases is not None and phases > sim.P:
        raise BadInput(f"Invalid value for '--phases': {scenario.name} has P = 2L + 2 = {sim.P} phases, got {phases}")
    mb = sim.batches.size
    click.echo(f"{scenario.name}: iteration {iteration}, n = {sim.n}, m = {mb}"
               + (f" of {sim.m}" if mb != sim.m else "") + f", loss {sim.loss_name}, P = {sim.P} phases")
    try:
        with _progress(iteration - 1, f"running to iteration {iteration}") as tick:
            lines = list(step_lines(sim, iteration, phases, on_iteration=lambda s: tick(1)))
        for line in lines:
            click.echo(line)
    except ReplayError as exc:
        raise GradsimError(str(exc)) from None



@gradsim.command(short_help="Run a scenario headless; write a trace and the last arrays.")
@overridable
@click.argument("scenario", type=SCENARIO)
@click.option("--iterations", "-n", type=click.IntRange(1, MAX_ITERATIONS), default=None, metavar="N",
              help="How many iterations (default: the scenario's run.iterations).")
@click.option("--seed", type=SEED, default=None, help="Replace the scenario's seed.")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".jsonl", ".csv")),
              metavar="FILE", help="Write one row per iteration to FILE.jsonl or FILE.csv.")
@click.option("--npz", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".npz",)),
              metavar="FILE", help="Write the last iteration's arrays (X, Y, W[l], ..., dA[l], J) to FILE.npz.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--ignore-stop", is_flag=True, help="Run every iteration: no stop_below, no stop on a blow-up.")
def run(scenario: "Scenario", iterations: int | None, seed: int | None, trace: Path | None, npz: Path | None,
        quiet: bool, ignore_stop: bool) -> None:
    """Run SCENARIO headless with its stop conditions and print a summary: final J, per-layer ‖dW[l]‖,
    and for a blow-up which array of which layer went non-finite first, in which phase and iteration.
    A progress bar shows on a terminal.

    \b
    Example:
      gradsim run exploding-linear --iterations 1 --trace t.csv --npz last.npz
    """
    from .. import replay

    _refuse_inputs("--trace", trace, (scenario,))
    _refuse_inputs("--npz", npz, (scenario,), trace)
    if ignore_stop:
        scenario = scenario.without_stops()
    sim = _build(scenario, seed)
    n = iterations if iterations is not None else scenario.run.iterations
    stop_below, stop_on_blowup = scenario.run.stop_below, scenario.run.stop_on_blowup
    show_bar = not quiet and sys.stdout.isatty()
    try:
        if show_bar:
            with click.progressbar(length=n, label=scenario.name, show_pos=True,
                                   update_min_steps=max(1, n // 200)) as bar:
                result = replay.run(sim, n, stop_below=stop_below, stop_on_blowup=stop_on_blowup, trace=trace,
                                    npz=npz, on_iteration=lambda s: bar.update(1))
        else:
            result = replay.run(sim, n, stop_below=stop_below, stop_on_blowup=stop_on_blowup, trace=trace, npz=npz)
    except OSError as exc:
        raise BadInput(f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}") from None
    except replay.ReplayError as exc:
        raise GradsimError(str(exc)) from None
    if quiet:
        return
    for line in replay.summary_lines(sim, result, scenario.name, stop_below):
        click.echo(line)
    if trace is not None:
        click.echo(f"trace: {trace} ({result.trace_rows} rows)")
    if npz is not None:
        click.echo(f"npz: {npz} ({len(result.npz_keys)} arrays of iteration {result.iterations})")



# -------------------------------------------------------------------------------------------- check
@gradsim.command(short_help="Check scenarios' expectations (CI); write JUnit XML.")
@overridable
@click.argument("scenarios", nargs=-1, type=SCENARIO, metavar="[SCENARIO]...")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".xml",)),
              metavar="FILE", help="Write a JUnit XML report to FILE.xml.")
@click.option("--seed", type=SEED, default=None, help="Replace every scenario's seed.")
@click.option("--ignore-stop", is_flag=True, help="Run every scenario's every iteration: no stop conditions.")
def check(scenarios: tuple["Scenario", ...], junit: Path | None, seed: int | None, ignore_stop: bool) -> None:
    """Run SCENARIOs (default: every bundled one) and check their [[expect]] entries; print a pass/fail
    table. Exit 0 when all pass, 1 when any fails.

    \b
    Example:
      gradsim check scenarios/*.toml --junit gradsim-junit.xml
    """
    from ..checks import check_scenarios
    from ..junit import write_junit
    from ..scenario import list_bundled

    if not scenarios:
        scenarios = tuple(SCENARIO.convert(name, None, None) for name, _ in list_bundled())
    _refuse_inputs("--junit", junit, scenarios)
    if ignore_stop:
        scenarios = tuple(sc.without_stops() for sc in scenarios)
    suites, rows = check_scenarios(scenarios, seed, debug=bool(os.environ.get("GRADSIM_DEBUG")))
    if junit is not None:  # before anything is printed: a closed pipe (| head -1) cannot lose the report
        try:
            write_junit(junit, suites)
        except OSError as exc:
            raise BadInput(f"cannot write {junit}: {exc.strerror or exc}") from None
    for line in _table(rows):
        click.echo(line)
    tests = sum(len(s.cases) for s in suites)
    failed = sum(s.failures for s in suites)
    errors = sum(s.errors for s in suites)
    click.echo(f"{len(suites)} scenario{'s' if len(suites) != 1 else ''}, {tests} expectation"
               f"{'s' if tests != 1 else ''}: {tests - failed - errors} passed, {failed} failed"
               + (f", {errors} errors" if errors else ""))
    if junit is not None:
        click.echo(f"junit: {junit}")
    if failed or errors:
        what = [f"{failed} expectation{'s' if failed != 1 else ''} failed"] if failed else []
        what += [f"{errors} scenario{'s' if errors != 1 else ''} did not run"] if errors else []
        raise GradsimError(", ".join(what))


# ---------------------------------------------------------------------------------------- gradcheck
@gradsim.command(short_help="Finite-difference check of the gradients on a scenario.")
@overridable
@click.argument("scenario", type=SCENARIO)
@click.option("--tolerance", "-t", type=FiniteRange(min=0.0, max=1e300, min_open=True), default=1e-6, show_default=True,
              help="Largest relative error per layer that passes.")
@click.option("--eps", type=FiniteRange(min=0.0, max=0.1, min_open=True), default=1e-4, show_default=True,
              help="Smallest step of the fourth-order central differences; raised per layer where the "
                   "gradients are small (see docs).")
@click.option("--samples", type=click.IntRange(1, 100_000), default=30, show_default=True, metavar="K",
              help="Entries checked per W[l] and b[l] (a seeded sample when the layer is larger).")
@click.option("--after", type=click.IntRange(0, MAX_ITERATIONS), default=0, show_default=True, metavar="N",
              help="Check the parameters after N iterations (0: the initial ones).")
@click.option("--seed", type=SEED, default=None, help="Replace the scenario's seed.")
def gradcheck(scenario: "Scenario", tolerance: float, eps: float, samples: int, after: int,
              seed: int | None) -> None:
    """Compare backprop's dW[l], db[l] on SCENARIO with finite differences of J, per layer:
    relative error ‖g − g_fd‖ / (‖g‖ + ‖g_fd‖). Exit 1 when a layer is above the tolerance.

    Entries whose stencil would cross a ReLU or l1 kink are left out (column "kinks"); a layer whose
    gradients are too small for differences of J to measure (a saturated sigmoid's 1e-32), or whose
    every sample sits on a kink, is shown as "unresolved"; one whose error is within 3x what rounding in
    J alone gives is "ok (rounding)". Neither fails the check.

    \b
    Example:
      gradsim gradcheck exploding-linear --tolerance 1e-7
    """
    from ..describe import gradcheck_rows
    from ..engine import gradcheck as engine_gradcheck

    sim = _build(scenario, seed)
    if after:
        with _progress(after, f"running {after} iterations") as tick:
            sim.run(after, stop_on_blowup=False, callback=lambda s: tick(1))
    total = sum(min(p.size, samples) for p in sim.params)
    with _progress(total, "finite differences") as tick:
        checks = engine_gradcheck(sim, eps=eps, max_per_layer=samples, progress=lambda done, n: tick(1))
    rows, bad = gradcheck_rows(checks, tolerance)
    click.echo(f"{scenario.name}: gradient check after {sim.iteration} iteration{'s' if sim.iteration != 1 else ''}"
               f", tolerance {tolerance:g}")
    for line in _table(rows):
        click.echo(line)
    if bad:
        layers = ", ".join(str(l) for l in bad)
        raise GradsimError(f"gradient check failed for layer{'s' if len(bad) > 1 else ''} {layers}: "
                           f"relative error above {tolerance:g} (or not finite)")



# ------------------------------------------------------------------------------------------- export
@gradsim.command("export", short_help="Write a scenario as a standalone NumPy or PyTorch script.")
@click.argument("scenario", type=SCENARIO)
@click.option("--numpy", "numpy_file", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".py",)),
              metavar="FILE.py", help="Write a NumPy-only script (and FILE.npz beside it).")
@click.option("--torch", "torch_file", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".py",)),
              metavar="FILE.py", help="Write a PyTorch script (and FILE.npz beside it).")
@click.option("--iterations", "-n", type=click.IntRange(1, MAX_ITERATIONS), default=None, metavar="N",
              help="How many iterations the script runs (default: the scenario's run.iterations).")
@click.option("--seed", type=int, default=None, help="Replace the scenario's seed.")
@overridable
def export_(scenario: "Scenario", numpy_file: Path | None, torch_file: Path | None, iterations: int | None,
            seed: int | None) -> None:
    """Write SCENARIO as a standalone script that gives gradsim's numbers: --numpy in the lecture's
    notation (forward, loss, backward and update written out), --torch as a float64 torch.nn.Module with
    torch.optim. Each reads FILE.npz beside it (the data) and saves J and the final W[l], b[l] to
    FILE-final.npz.

    \b
    Example:
      gradsim export three-layer-cache --numpy tlc.py --torch tlc_torch.py
    """
    from ..export import export, files_for

    if numpy_file is None and torch_file is None:
        raise BadInput("Missing option: give --numpy FILE.py, --torch FILE.py or both")
    if numpy_file is not None and torch_file is not None and numpy_file.resolve() == torch_file.resolve():
        raise BadInput(f"Invalid value for '--torch': it is the --numpy file too, {str(torch_file)!r}")
    try:
        export(scenario, numpy=numpy_file, torch=torch_file, seed=seed, iterations=iterations)
    except OSError as exc:
        raise BadInput(f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}") from None
    for kind, target in (("numpy", numpy_file), ("torch", torch_file)):
        if target is not None:
            script, data, out = files_for(target)
            click.echo(f"{kind}: {script} (data: {data}); python {script} saves J and the final W[l], b[l] to {out}")
