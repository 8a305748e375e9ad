"""Every action of the app in one table, and the command-palette provider built from it.

The same ``COMMANDS_TABLE`` makes the main screen's BINDINGS (what the footer shows), the palette's
entries, the key table of the help screen and of docs/tui.md, so the four never disagree.

Imports run one way: the screens import this module, never the reverse. The palette finds the screen to
run its actions on by the ``CommandTarget`` mix-in, which the main screen inherits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class Command:
    keys: str  # Textual key names, comma-separated
    display: str  # how the key table writes them
    action: str  # an action of the main screen
    title: str  # the palette's entry
    help: str  # one sentence: what it does
    short: str = ""  # the footer's label; "" = not in the footer (still in the palette and the help)


COMMANDS_TABLE: tuple[Command, ...] = (
    Command("space,n", "space / n", "next_phase", "Next phase",
            "Run the next phase: forward l = 1..L, the loss, backward l = L..1, the update.", "phase"),
    Command("p,backspace", "p / backspace", "previous_phase", "Previous phase",
            "Rewind one phase; the earlier values come back exactly (same weights, same batch).", "back"),
    Command("i", "i", "next_iteration", "Next iteration",
            "Finish the current iteration, or run a whole new one.", "iteration"),
    Command("r", "r", "toggle_run", "Run / pause",
            "Train continuously in a background worker (panels repaint ~10 times a second); r pauses.", "run"),
    Command("plus,equals_sign", "+", "faster", "Faster", "Run more iterations per second."),
    Command("minus", "-", "slower", "Slower", "Run fewer iterations per second."),
    Command("R", "R", "reset", "Reset",
            "Back to the initial parameters, before iteration 1 (the seed gives the same draw).", "reset"),
    Command("left", "←", "previous_layer", "Previous layer",
            "Show layer l − 1 in the layer panel (the panel follows the phase again on the next step).",
    ),
    Command("right", "→", "next_layer", "Next layer", "Show layer l + 1 in the layer panel."),
    Command("f", "f", "toggle_full", "Full matrices",
            "Show every cell of large matrices (up to 64×64) instead of their corners; scroll to see them.",
    ),
    Command("d", "d", "toggle_data", "Data panel",
            "Show the data and the network's answer over it (decision regions, ŷ(x), images and W[1] rows, "
            "or X and Y) in the layer panel's place; d again brings the layer panel back."),
    Command("left_square_bracket", "[", "previous_example", "Previous example",
            "Select the previous example (column of X) in the data panel."),
    Command("right_square_bracket", "]", "next_example", "Next example",
            "Select the next example (column of X) in the data panel."),
    Command("g", "g", "cycle_gradient", "Gradient column",
            "Follow the next gradient in the gradient-flow panel: ‖dZ[l]‖, ‖dA[l]‖, ‖dW[l]‖, ‖db[l]‖ (and ‖dgamma[l]‖ in a net with batch norm).",
    ),
    Command("h", "h", "toggle_flowmap", "Gradient history",
            "Show the followed gradient (g) as a layers × iterations heat-map in log colour with a decade "
            "legend, and per-layer curves, in the layer panel's place; h again brings the layer panel back."),
    Command("v", "v", "toggle_histogram", "Value histograms",
            "Show the selected layer's histograms of A[l] (the activation's range marked, e.g. σ's 0 and 1) "
            "and dZ[l] at the current phase in the layer panel's place; v again brings it back."),
    Command("s", "s", "notes", "Scenario notes",
            "Show what the scenario teaches and what to look at, and its expectations as a live list: pending "
            "until the run reaches their point, then ✓ or ✗ with the value found."),
    Command("z", "z", "zoom", "Zoom panel",
            "Zoom the panel that has the focus (or the one under the mouse, else the layer panel) to the whole "
            "screen; z or escape brings the layout back."),
    Command("Z", "Z", "presenter", "Presenter layout",
            "Show only the current equation (every line) above the selected layer (more matrix columns) and "
            "the status line, large, for a projector; Z or escape brings the layout back."),
    Command("w", "w", "next_panel", "Next panel",
            "Show the panels one at a time, full size (network, equation, layer, gradient flow, loss, then the "
            "whole layout again): on a small terminal, the way to every panel."),
    Command("t", "t", "high_contrast", "High-contrast theme",
            "Switch to a black-and-white theme with bright accents that reads on a projector, and back."),
    Command("o", "o", "open_scenario", "Open scenario",
            "Pick another bundled scenario, or type the path of a scenario file.", "open"),
    Command("e", "e", "edit", "Edit hyper-parameters",
            "Change the optimiser, learning rate, its schedule α(t), the gradient transforms, initialisation, "
            "hidden activation, batch size, hidden sizes or seed, and restart.", "edit"),
    Command("c", "c", "compare", "Compare with…",
            "Step this run and another (a bundled scenario, a path, or PATH=VALUE changes) in lockstep.",),
    Command("x", "x", "export", "Export as code",
            "Write the scenario as a NumPy and a PyTorch script next to its file (a bundled one: the current "
            "folder), and say where."),
    Command("question_mark", "?", "help", "Help", "Explain every panel and list the keys.", "help"),
    Command("q", "q", "quit", "Quit", "Leave gradsim.", "quit"),
)


def bindings() -> list[Binding]:
    """The main screen's BINDINGS, from the table."""
    out = []
    for c in COMMANDS_TABLE:
        key_display = {"space,n": "space", "p,backspace": "p", "plus,equals_sign": "+"}.get(c.keys)
        out.append(Binding(c.keys, c.action, c.short or c.title, show=bool(c.short),
                           key_display=key_display, tooltip=c.help, id=c.action))
    return out


def key_table_markdown() -> str:
    """The key table as Markdown (the help screen and docs/tui.md)."""
    rows = ["| Key | Action | What it does |", "|---|---|---|"]
    for c in COMMANDS_TABLE:
        rows.append(f"| `{c.display}` | {c.title} | {c.help} |")
    rows.append("| `ctrl+p` | Command palette | Every action above, searchable by name. |")
    rows.append("| `tab` / mouse | Inspect a cell | Focus a matrix and move the cursor, or point at a cell: "
                "its full value and index appear under the matrices. |")
    return "\n".join(rows)


class CommandTarget:
    """Mix-in for the screen that runs COMMANDS_TABLE's actions (the main screen)."""


class GradsimCommands(Provider):
    """The palette's gradsim entries: one per row of COMMANDS_TABLE, run on the main screen."""

    def _target(self) -> Screen | None:
        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, CommandTarget):
                return screen
        return None

    def _commands(self):
        target = self._target()
        if target is None:
            return
        for c in COMMANDS_TABLE:
            yield c, partial(self.app.run_action, c.action, target)

    async def discover(self) -> Hits:
        for c, callback in self._commands():
            yield DiscoveryHit(f"{c.title}  ({c.display})", callback, help=c.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for c, callback in self._commands():
            title = f"{c.title}  ({c.display})"
            score = max(matcher.match(title), 0.5 * matcher.match(c.help))
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=c.help)
