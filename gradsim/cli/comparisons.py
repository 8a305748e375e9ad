"""The commands that set runs side by side: compare (two runs in lockstep) and sweep (a grid)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .base import BadInput, gradsim, MAX_ITERATIONS, overridable, SCENARIO, SET_HELP, _output_path

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario


# ------------------------------------------------------------------------------------------ compare
@gradsim.command(short_help="Run two scenarios in lockstep and compare them layer by layer.")
@click.argument("a", metavar="A", type=SCENARIO)
@click.argument("b", metavar="[B]", type=SCENARIO, required=False)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP + " Applies to both runs.")
@click.option("--set-b", "sets_b", multiple=True, metavar="PATH=VALUE",
              help="Override a field of B only (B is a copy of A when not given).")
@click.option("--iterations", "-n", type=click.IntRange(1, MAX_ITERATIONS), default=None, metavar="N",
              help="How many iterations both run (default: A's run.iterations).")
@click.option("--at", "at", multiple=True, type=click.IntRange(1, MAX_ITERATIONS), metavar="I",
              help="An iteration at which to report J (repeatable; default 1, 10, 100, ... and N).")
@click.option("--layers-at", type=click.IntRange(1, MAX_ITERATIONS), default=1, show_default=True, metavar="I",
              help="The iteration whose per-layer norms and unit fractions the table shows.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare(a: "Scenario", b: "Scenario | None", sets: tuple[str, ...], sets_b: tuple[str, ...],
            iterations: int | None, at: tuple[int, ...], layers_at: int, as_json: bool) -> None:
    """Step A and B over the same iterations and compare them: per layer ‖A[l]‖, ‖dZ[l]‖, ‖dW[l]‖ and the
    saturated and dead fractions of both with their ratio B/A, J at chosen iterations, and a verdict.
    B is a second scenario, or A again with --set-b overrides, or (with neither) the run A's [compare]
    table names. Expectations are not checked.

    \b
    Example:
      gradsim compare init-he-relu init-xavier-relu -n 5
      gradsim compare init-he-relu --set-b init.weights=xavier
    """
    from ..compare import compare_scenarios
    from ..scenario.overrides import apply_assignments, without_expectations

    from ..scenario import load_scenario, with_overrides

    spec = a.compare if b is None and not sets_b else None
    if b is None and not sets_b and spec is None:
        raise BadInput(f"compare needs a second scenario B, or --set-b PATH=VALUE to make B from A ({a.name} has "
                       "no [compare] table that names one)")
    if spec is not None:  # the run A's own [compare] table names
        b = load_scenario(spec.other) if spec.other is not None else a
        if spec.set:
            b = with_overrides(without_expectations(b), spec.set, names=[f"[compare] set {p}" for p, _ in spec.set])
    a = apply_assignments(without_expectations(a), sets)
    b = apply_assignments(apply_assignments(without_expectations(b), sets) if b is not None else a, sets_b,
                          flag="--set-b")
    label_a, label_b = a.name, b.name
    if label_a == label_b:
        changes = [f"--set-b {t}" for t in sets_b] or [f"{p} = {v!r}" for p, v in (spec.set if spec else ())]
        label_b += f" ({', '.join(changes)})" if changes else " (again)"
    n = iterations if iterations is not None else a.run.iterations
    late = [t for t in (*at, layers_at) if t > n]
    if late:
        raise BadInput(f"Invalid value for '--at'/'--layers-at': iteration {late[0]} is after the last one (N = {n})")
    result = compare_scenarios(a, b, n, labels=(label_a, label_b), at=at or None, layers_at=layers_at)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    for line in result.lines():
        click.echo(line)


# -------------------------------------------------------------------------------------------- sweep
@gradsim.command(short_help="Run a scenario over a grid of overrides: table, heat-map.")
@overridable
@click.argument("scenario", type=SCENARIO)
@click.option("--grid", "grids", multiple=True, required=True, metavar="PATH=SPEC",
              help="An axis: a range START:STOP:COUNT (add :log for a geometric one), a list a,b,c or "
                   "[a, b], or one value. Once or twice.")
@click.option("--value", "value", default="J", show_default=True, metavar="EXPR",
              help="What to tabulate, in the expectation language, after the last iteration, e.g. "
                   "'log10(norm(dZ[1]) / norm(dZ[L-1]))'.")
@click.option("--iterations", "-n", type=click.IntRange(1, MAX_ITERATIONS), default=None, metavar="N",
              help="Iterations per point (default: the scenario's run.iterations).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, metavar="J",
              help="Worker processes (default: the number of CPUs; 1 runs in this process).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the points on a Dask distributed cluster at ADDRESS (pip install 'gradsim[dask]').")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), callback=_output_path((".csv", ".jsonl")),
              metavar="FILE", help="Write one row per point to FILE.csv or FILE.jsonl.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, table or heat-map.")
def sweep(scenario: "Scenario", grids: tuple[str, ...], value: str, iterations: int | None, jobs: int | None,
          scheduler: str | None, out: Path | None, quiet: bool) -> None:
    """Run SCENARIO at every point of a grid over one or two field paths, each point headless for N
    iterations (or until its parameters go non-finite), and tabulate VALUE at the end: a table, a
    heat-map for two axes, and rows in a CSV or JSONL file. Expectations are not checked. Results are
    the same whatever --jobs.

    \b
    Example:
      gradsim sweep init-xavier-tanh --grid 'network.layers[0].repeat=10:50:5' \\
        --grid init.gain=0.5:2.0:16 -n 1 --value 'log10(norm(dZ[1]) / norm(dZ[L-1]))'
    """
    from .. import sweep_report
    from ..scenario.overrides import without_expectations
    from ..errors import ScenarioError
    from ..sweep import parse_grid, sweep as run_sweep

    if len(grids) > 2:
        raise BadInput(f"Invalid value for '--grid': one or two axes, got {len(grids)}")
    axes = []
    for text in grids:
        try:
            axes.append(parse_grid(text))
        except ScenarioError as exc:
            raise BadInput(f"Invalid value for '--grid' ({text}): {exc}") from None
    base = without_expectations(scenario)
    n = iterations if iterations is not None else scenario.run.iterations
    count = 1
    for axis in axes:
        count *= len(axis.values)
    show_bar = not quiet and sys.stdout.isatty()
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if show_bar:
        with click.progressbar(length=count, label=f"{scenario.name}: {count} points", show_pos=True) as bar:
            result = run_sweep(base, axes, n, value, jobs=workers, scheduler=scheduler, on_done=lambda r: bar.update(1))
    else:
        result = run_sweep(base, axes, n, value, jobs=workers, scheduler=scheduler)
    if all(p.error for p in result.points):
        raise BadInput(f"Invalid value for '--value': {value!r}: {result.points[0].error}")
    if out is not None:
        try:
            rows = sweep_report.write_rows(out, result)
        except OSError as exc:
            raise BadInput(f"cannot write {out}: {exc.strerror or exc}") from None
    if quiet:
        return
    for line in sweep_report.table_lines(result):
        click.echo(line)
    heat = sweep_report.heatmap_lines(result)
    if heat:
        click.echo("")
        for line in heat:
            click.echo(line)
    for line in sweep_report.error_lines(result):
        click.echo(line)
    if out is not None:
        click.echo(f"{out.suffix[1:]}: {out} ({rows} rows)")
