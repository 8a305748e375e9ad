"""The click group and what every command shares: errors and exit codes, the SCENARIO type, --set, option
types and checks, progress bars. Imports only click (and the package's version) at the top."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import __version__

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Simulation
    from ..scenario import Scenario

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
    from ..text import printable

    click.echo(f"Error: {printable(_one_line(message))}", err=True)
    sys.exit(code)


class GradsimGroup(click.Group):
    """A click group whose errors are one line on stderr: no usage block, no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from ..errors import ScenarioError

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
        from ..scenario import Scenario, load_scenario
        from ..errors import ScenarioError

        if isinstance(value, Scenario):
            return value
        try:
            return load_scenario(value)
        except ScenarioError as exc:
            raise BadInput(str(exc)) from None

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem
        from ..scenario import list_bundled

        items = [CompletionItem(n, help=s) for n, s in list_bundled() if n.startswith(incomplete)]
        if not items or any(c in incomplete for c in "/.\\"):
            items.append(CompletionItem(incomplete, type="file"))
        return items


SCENARIO = ScenarioType()


def _default_scenario() -> "Scenario":
    from ..scenario import DEFAULT_SCENARIO

    return SCENARIO.convert(DEFAULT_SCENARIO, None, None)


def _build(scenario: "Scenario", seed: int | None) -> "Simulation":
    from ..scenario import build_simulation

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
        from ..scenario.overrides import apply_assignments

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
    import gc

    gc.disable()  # Textual's imports, too: the app turns the collector on after its first paint
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



def _table(rows):
    from ..replay import table

    return table(rows)


def _refuse_inputs(option: str, output: Path | None, scenarios: tuple["Scenario", ...], *others: Path | None) -> None:
    """An output may not overwrite a scenario file, its data file, or another output of this command."""
    from ..outputs import clashing_input

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


