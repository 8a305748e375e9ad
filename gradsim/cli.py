"""gradsim's command line: one click group over the same Simulation the app steps.

Exit codes: 0 ok; 1 a check failed (``GradsimError``) or something unexpected broke; 2 bad input (a bad
file, an unknown scenario name, a bad option). Every error is one line on stderr, never a traceback
(set ``GRADSIM_DEBUG=1`` to see one).

Start-up stays fast: this module imports only click at the top. NumPy comes with the first command that
needs a scenario, and Textual only inside the commands that open the app (``tui``, no command, ``serve``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation
    from .scenario import Scenario

MAX_ITERATIONS = 1_000_000
SEED = click.IntRange(0, 2**63 - 1)  # what a scenario's seed may be (and what NumPy's generators take)


class FiniteRange(click.FloatRange):
    """A FloatRange that also refuses nan (every comparison with nan is false, so FloatRange lets it by)."""

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if rv != rv:
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv


# ------------------------------------------------------------------------------------------- errors
class GradsimError(click.ClickException):
    """A check that failed (an expectation, a gradient check): exit 1."""

    exit_code = 1


class BadInput(click.UsageError):
    """Bad input (a file, a scenario name, an option's value): exit 2, the message as it is."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)


def _one_line(text: str) -> str:
    lines = [s.strip() for s in str(text).strip().splitlines() if s.strip()]
    return " ".join(lines[:1]) if lines else ""


def _fail(message: str, code: int) -> None:
    from .text import printable

    click.echo(f"Error: {printable(_one_line(message))}", err=True)
    sys.exit(code)


class GradsimGroup(click.Group):
    """A click group whose errors are one line on stderr: no usage block, no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from .errors import ScenarioError

        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except ScenarioError as exc:
            _fail(str(exc), 2)
        except BrokenPipeError:  # `gradsim list | head -1`
            sys.stdout = open(os.devnull, "w")
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 — the last line of defence, see GRADSIM_DEBUG
            if os.environ.get("GRADSIM_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {_one_line(str(exc))} (GRADSIM_DEBUG=1 shows the traceback)", 1)
        sys.exit(rv if isinstance(rv, int) else 0)


# ---------------------------------------------------------------------------------------- scenarios
class ScenarioType(click.ParamType):
    """A bundled scenario name or a path to a .toml file, loaded and validated (exit 2 if it is not)."""

    name = "scenario"

    def convert(self, value: Any, param, ctx) -> "Scenario":
        from .scenario import Scenario, load_scenario
        from .errors import ScenarioError

        if isinstance(value, Scenario):
            return value
        try:
            return load_scenario(value)
        except ScenarioError as exc:
            raise BadInput(str(exc)) from None

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem
        from .scenario import list_bundled

        items = [CompletionItem(n, help=s) for n, s in list_bundled() if n.startswith(incomplete)]
        if not items or any(c in incomplete for c in "/.\\"):
            items.append(CompletionItem(incomplete, type="file"))
        return items


SCENARIO = ScenarioType()


def _default_scenario() -> "Scenario":
    from .scenario import DEFAULT_SCENARIO

    return SCENARIO.convert(DEFAULT_SCENARIO, None, None)


def _build(scenario: "Scenario", seed: int | None) -> "Simulation":
    from .scenario import build_simulation

    return build_simulation(scenario, seed)  # ScenarioError → exit 2 in GradsimGroup.main


def _scenario_arg(scenario: "Scenario") -> str:
    """How to name ``scenario`` on another command line: its file, or its bundled name."""
    return str(Path(scenario.source).resolve()) if scenario.source is not None else scenario.name


SET_HELP = ("Override a field of the scenario, e.g. optimizer.learning_rate=0.05 or "
            "network.layers[0].activation=tanh (repeatable; VALUE is a TOML value, validated like the file).")


def overridable(fn):
    """Add ``--set PATH=VALUE`` (repeatable) to a command and apply it to its SCENARIO argument(s)."""
    import functools

    @click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
    @functools.wraps(fn)
    def wrapper(*args, sets: tuple[str, ...] = (), **kwargs):
        from .scenario.overrides import apply_assignments

        if sets and "scenario" in kwargs:
            base = kwargs["scenario"] if kwargs["scenario"] is not None else _default_scenario()
            kwargs["scenario"] = apply_assignments(base, sets)
        elif sets and "scenarios" in kwargs:
            kwargs["scenarios"] = tuple(apply_assignments(sc, sets) for sc in kwargs["scenarios"])
        if "sets" in fn.__code__.co_varnames[: fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount]:
            kwargs["sets"] = sets
        return fn(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def _progress(length: int, label: str, threshold: int = 2000):
    """A progress bar on stderr for long work, only when stderr is a terminal and the work is long;
    yields ``tick(n)``. Output that scripts read (stdout) never changes."""
    if length < threshold or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, update_min_steps=max(1, length // 200),
                           show_pos=True) as bar:
        yield bar.update


def _open_app(scenario: "Scenario") -> None:
    from gradsim.tui.app import GradsimApp  # Textual is imported here and only here (and in serve)

    app = GradsimApp(scenario)
    app.run()
    code = getattr(app, "return_code", 0)
    if isinstance(code, int) and code:  # the app crashed (Textual has shown why) or chose to fail
        click.get_current_context().exit(code)


# -------------------------------------------------------------------------------------------- group
EPILOG = """\b
Exit codes: 0 ok, 1 a check failed, 2 bad input (file, scenario name, option).

\b
Shell completion (commands, options, bundled scenario names):
  bash:  eval "$(_GRADSIM_COMPLETE=bash_source gradsim)"   # in ~/.bashrc
  zsh:   eval "$(_GRADSIM_COMPLETE=zsh_source gradsim)"    # in ~/.zshrc
  fish:  _GRADSIM_COMPLETE=fish_source gradsim > ~/.config/fish/completions/gradsim.fish
or print the script with: gradsim completion bash
"""

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=GradsimGroup, invoke_without_command=True, context_settings=CONTEXT, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="gradsim")
@click.option("--data-root", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="Also let scenarios read data files under DIR (default: only inside each scenario's own "
                   "folder; the environment variable GRADSIM_DATA_ROOT does the same).")
@click.pass_context
def gradsim(ctx: click.Context, data_root: Path | None) -> None:
    """Step backpropagation phase by phase and watch the gradients flow.

    With no command, opens the app on the bundled default scenario. A SCENARIO is a bundled name
    (see `gradsim list`) or a path to a .toml file.

    \b
    Example:
      gradsim run exploding-linear --iterations 1 --npz last.npz
    """
    if data_root is not None:  # read by gradsim.scenario.datapath; restored when the command ends
        before = os.environ.get("GRADSIM_DATA_ROOT")
        os.environ["GRADSIM_DATA_ROOT"] = os.pathsep.join(p for p in (str(data_root), before) if p)
        ctx.call_on_close(lambda: os.environ.pop("GRADSIM_DATA_ROOT") if before is None
                          else os.environ.__setitem__("GRADSIM_DATA_ROOT", before))
    if ctx.invoked_subcommand is None:
        _open_app(_default_scenario())


@gradsim.command(short_help="Open the app on a scenario.")
@overridable
@click.argument("scenario", type=SCENARIO, required=False)
def tui(scenario: "Scenario | None") -> None:
    """Open the interactive app on SCENARIO (default: the bundled default scenario).

    \b
    Example:
      gradsim tui exploding-linear
    """
    _open_app(scenario if scenario is not None else _default_scenario())


@gradsim.command("list", short_help="List the bundled scenarios.")
def list_() -> None:
    """Print the bundled scenarios, one line each: the name, two spaces, what it teaches.

    Nothing else is printed, so scripts can read it.

    \b
    Example:
      gradsim list | cut -d' ' -f1
    """
    from .scenario import list_bundled

    for name, summary in list_bundled():
        click.echo(f"{name}  {summary}".rstrip())


# --------------------------------------------------------------------------------------------- show
@gradsim.command(short_help="Show a scenario's resolved network.")
@overridable
@click.argument("scenario", type=SCENARIO)
@click.option("--json", "as_json", is_flag=True, help="Print the resolved scenario as JSON.")
def show(scenario: "Scenario", as_json: bool) -> None:
    """Show SCENARIO's network: per layer n[l], activation, the shapes of W[l], b[l] and Z[l]/A[l] for
    the scenario's m, parameter counts, and the loss, optimiser and initialisation.

    \b
    Example:
      gradsim show exploding-linear --json
    """
    from .describe import scenario_json, show_lines

    sim = _build(scenario, None)
    if as_json:
        click.echo(json.dumps(scenario_json(scenario, sim), indent=2, ensure_ascii=False))
        return
    for line in show_lines(scenario, sim):
        click.echo(line)


def _table(rows):
    from .replay import table

    return table(rows)


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
    from .replay import ReplayError, step_lines

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


# ---------------------------------------------------------------------------------------------- run
def _refuse_inputs(option: str, output: Path | None, scenarios: tuple["Scenario", ...], *others: Path | None) -> None:
    """An output may not overwrite a scenario file, its data file, or another output of this command."""
    from .outputs import clashing_input

    if output is None:
        return
    inputs = [p for sc in scenarios for p in (sc.source, sc.data.path)] + list(others)
    hit = clashing_input(output, inputs)
    if hit is not None:
        raise BadInput(f"Invalid value for '{option}': {str(output)!r} is {str(hit)!r}, an input of this run; "
                       "choose another file")


def _output_path(suffixes: tuple[str, ...]):
    def check(ctx, param, value: Path | None) -> Path | None:
        if value is None:
            return None
        if value.suffix.lower() not in suffixes:
            raise click.BadParameter(f"must end in {' or '.join(suffixes)}, got {str(value)!r}")
        parent = value.parent if str(value.parent) else Path(".")
        if not parent.is_dir():
            raise click.BadParameter(f"directory {str(parent)!r} does not exist")
        return value

    return check


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
    from . import replay

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
    from .checks import check_scenarios
    from .junit import write_junit
    from .scenario import list_bundled

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
    from .describe import gradcheck_rows
    from .engine import gradcheck as engine_gradcheck

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


# -------------------------------------------------------------------------------------------- serve
@gradsim.command(short_help="Serve the app in a web browser (textual-serve).")
@overridable
@click.argument("scenario", type=SCENARIO, required=False)
@click.option("--host", default="localhost", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
def serve(scenario: "Scenario | None", host: str, port: int, sets: tuple[str, ...] = ()) -> None:
    """Serve the app on SCENARIO (default: the bundled default) over HTTP with textual-serve; open the
    printed address in a browser. Needs the extra: pip install 'gradsim[serve]'.

    \b
    Example:
      gradsim serve exploding-linear --port 8000
    """
    try:
        from .serve import make_server  # textual-serve with gradsim's page: no font from the internet
        from textual_serve.server import Server  # noqa: F401 (the extra is installed)
    except ImportError:
        raise GradsimError("textual-serve is not installed: pip install 'gradsim[serve]'") from None
    scenario = scenario if scenario is not None else _default_scenario()
    command = f"{shlex.quote(sys.executable)} -m gradsim tui {shlex.quote(_scenario_arg(scenario))}"
    command += "".join(f" --set {shlex.quote(text)}" for text in sets)
    make_server(command, host=host, port=port, title=f"gradsim {scenario.name}").serve()


# --------------------------------------------------------------------------------------- completion
@gradsim.command(short_help="Print the shell completion script.")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the completion script for SHELL (commands, options and bundled scenario names).

    \b
    Example:
      gradsim completion bash >> ~/.bashrc
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    click.echo(cls(gradsim, {}, "gradsim", "_GRADSIM_COMPLETE").source())


# ------------------------------------------------------------------------------------------ lesson
@gradsim.command(short_help="Walk a lesson: the lecture's scenarios in order, with narration.")
@click.argument("name", required=False, default="lecture")
@click.option("--step", type=click.IntRange(1), default=None, help="Start at this step (1-based) instead of where you stopped.")
@click.option("--restart", is_flag=True, help="Start from step 1, forgetting where you stopped.")
@click.option("--list", "list_steps", is_flag=True, help="Print the steps, one line each, and exit.")
def lesson(name: str, step: int | None, restart: bool, list_steps: bool) -> None:
    """Open the app on lesson NAME (default: the bundled lecture, lessons/lecture.toml): an ordered
    path of scenarios with narration tied to (iteration, phase) and "try this" prompts that N checks
    before moving on. The step you reach is remembered in the user's data directory.

    \b
    Example:
      gradsim lesson lecture --step 2
    """
    from .lessons import load_lesson, save_step, saved_step, state_path

    the_lesson = load_lesson(name)  # ScenarioError → exit 2
    if list_steps:
        for i, s in enumerate(the_lesson.steps, start=1):
            click.echo(f"{i:2d}  {s.scenario.name}  {s.title}")
        return
    if step is not None and step > len(the_lesson.steps):
        raise click.BadParameter(f"{step} is past the last step ({len(the_lesson.steps)})", param_hint="--step")
    index = step - 1 if step is not None else 0 if restart else saved_step(the_lesson)
    if restart:
        save_step(the_lesson, 0)
    from gradsim.tui.lesson_app import LessonApp  # Textual is imported here, inside the command

    app = LessonApp(the_lesson, index, state_path())
    app.run()
    code = getattr(app, "return_code", 0)
    if isinstance(code, int) and code:
        click.get_current_context().exit(code)


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
    from .compare import compare_scenarios
    from .scenario.overrides import apply_assignments, without_expectations

    from .scenario import load_scenario, with_overrides

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
    from . import sweep_report
    from .scenario.overrides import without_expectations
    from .errors import ScenarioError
    from .sweep import parse_grid, sweep as run_sweep

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
    from .export import export, files_for

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


def main() -> None:
    """The console script's entry point (pyproject: gradsim = "gradsim.cli:main")."""
    gradsim.main(prog_name="gradsim")
