"""The scenario's own words (its opening comment: what it teaches, what to look at) and its expectations as
a live list: pending until the run reaches their point, then ✓ or ✗ with the value found.

The list comes from ``tui/live_checks.py`` (a shadow run, never the app's own simulation). The screen is a
dialog over the main screen: training goes on under it, and space, i and r still step or run the main
screen's simulation, so the list can be watched filling in.
"""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..live_checks import LiveChecks, Row

COLOURS = {"pass": "green", "fail": "red", "checking": "yellow", "pending": "grey50"}


def row_text(row: Row) -> str:
    """One expectation as markup: mark, name, point, and (once checked) what was expected and what came."""
    colour = COLOURS[row.state]
    head = f"[{colour}]{row.mark}[/] [b]{escape(row.label)}[/]  [dim]{escape(row.at)}[/]"
    if row.state == "pending":
        tail = "pending: the run has not reached this point"
    elif row.state == "checking":
        tail = "checking…"
    else:
        tail = f"expected {escape(row.expected)}; got [{colour}]{escape(row.got)}[/]" if row.expected \
            else f"[{colour}]{escape(row.got)}[/]"
    text = f"{head}\n    {tail}"
    if row.why:
        text += f"\n    [dim italic]{escape(row.why)}[/]"
    return text


class NotesScreen(ModalScreen[None]):
    """The notes and the live expectation list of the main screen's scenario; escape or s closes it."""

    BINDINGS = [
        Binding("escape,s,q", "close", "Close"),
        Binding("space,n", "main('next_phase')", "phase"),
        Binding("i", "main('next_iteration')", "iteration"),
        Binding("r", "main('toggle_run')", "run"),
    ]

    def __init__(self, main) -> None:
        super().__init__()
        self.main = main  # the MainScreen: its scenario, its live checks and where its run is

    def compose(self) -> ComposeResult:
        sc = self.main.scenario
        with Vertical(id="notes-dialog", classes="dialog"):
            with VerticalScroll(id="notes-scroll"):
                yield Static(f"[b]{escape(sc.summary or sc.name)}[/]", id="notes-summary")
                notes = "\n".join(escape(line) for line in sc.notes)
                yield Static(notes or "[dim](this scenario has no notes beyond its summary)[/]", id="notes-text")
                yield Static("", id="notes-counts", classes="dialog-label")
                yield Static("", id="notes-checks")
            yield Static("escape closes · space / i / r step or run the simulation underneath",
                         id="notes-footer")

    def on_mount(self) -> None:
        self.query_one("#notes-dialog").border_title = f"{self.main.scenario.name}: notes and expectations"
        self.query_one("#notes-scroll").focus()
        self.refresh_checks()
        self.set_interval(0.1, self.refresh_checks, name="checks")

    def refresh_checks(self) -> None:
        checks: LiveChecks | None = self.main.live_checks
        if checks is None:
            return
        pos = self.main.position
        checks.advance(pos)
        rows = checks.rows(pos)
        passed, failed, pending = checks.counts(pos)
        if not rows:
            counts = "Expectations: none in this scenario (or dropped by a change of the network)"
        else:
            counts = f"Expectations at iteration {pos[0]}: {passed} ✓ · {failed} ✗ · {pending} pending"
        self.query_one("#notes-counts", Static).update(counts)
        self.query_one("#notes-checks", Static).update("\n".join(row_text(r) for r in rows))

    async def action_main(self, name: str) -> None:
        await self.main.run_action(name)
        self.refresh_checks()

    def action_close(self) -> None:
        self.dismiss(None)
