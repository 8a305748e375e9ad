"""The commands that open the app: tui, serve (in a browser) and lesson."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

import click

from .base import gradsim, GradsimError, overridable, SCENARIO, _default_scenario, _open_app, _scenario_arg

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario import Scenario


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
        from ..serve import make_server  # textual-serve with gradsim's page: no font from the internet
        from textual_serve.server import Server  # noqa: F401 (the extra is installed)
    except ImportError:
        raise GradsimError("textual-serve is not installed: pip install 'gradsim[serve]'") from None
    scenario = scenario if scenario is not None else _default_scenario()
    command = f"{shlex.quote(sys.executable)} -m gradsim tui {shlex.quote(_scenario_arg(scenario))}"
    command += "".join(f" --set {shlex.quote(text)}" for text in sets)
    make_server(command, host=host, port=port, title=f"gradsim {scenario.name}").serve()



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
    from ..lessons import load_lesson, save_step, saved_step, state_path

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
