"""gradsim's command line: one click group over the same Simulation the app steps.

Exit codes: 0 ok; 1 a check failed (``GradsimError``) or something unexpected broke; 2 bad input (a bad
file, an unknown scenario name, a bad option). Every error is one line on stderr, never a traceback
(set ``GRADSIM_DEBUG=1`` to see one).

Start-up stays fast: these modules import only click at the top. NumPy comes with the first command that
needs a scenario, and Textual only inside the commands that open the app (``tui``, no command, ``serve``,
``lesson``).

Layout: ``base`` (the group, errors, the SCENARIO type, --set, option checks), then the commands by what
they do: ``inspect`` (list, show, completion), ``headless`` (step, run, check, gradcheck, export), ``app``
(tui, serve, lesson), ``comparisons`` (compare, sweep). Importing a command module registers its commands.
"""

from __future__ import annotations

from . import app, comparisons, headless, inspect  # noqa: F401 — each registers its commands on the group
from .base import BadInput, GradsimError, gradsim  # noqa: F401


def main() -> None:
    """The console script's entry point (pyproject: gradsim = "gradsim.cli:main")."""
    gradsim.main(prog_name="gradsim")
