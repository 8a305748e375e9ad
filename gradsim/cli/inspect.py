"""The commands that describe without running: list, show, completion."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .base import gradsim, overridable, SCENARIO, _build

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario


@gradsim.command("list", short_help="List the bundled scenarios.")
def list_() -> None:
    """Print the bundled scenarios, one line each: the name, two spaces, what it teaches.

    Nothing else is printed, so scripts can read it.

    \b
    Example:
      gradsim list | cut -d' ' -f1
    """
    from ..scenario import list_bundled

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
    from ..describe import scenario_json, show_lines

    sim = _build(scenario, None)
    if as_json:
        click.echo(json.dumps(scenario_json(scenario, sim), indent=2, ensure_ascii=False))
        return
    for line in show_lines(scenario, sim):
        click.echo(line)



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
