"""The help screen: what every panel shows, in the lecture's notation, and every key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from ..commands import key_table_markdown

PANELS = """\
# gradsim — stepping through backprop

One **iteration** is a sequence of **phases**: forward l = 1..L, the loss, backward l = L..1, the update.
Each key press (`space`) runs one phase; every panel shows what that phase computed. Examples are
columns: `A[0] = X` has shape `(n[0], m)`, and every gradient already carries the `1/m` of
`J = (1/m) Σ_i L(ŷ(i), y(i))`.

## Network (top left)
The layers as columns: `x = A[0]`, then layer `l = 1..L` with its `n[l]` units (one `●` each) and its
activation `g[l]`, then the cost `J`. The layer of the phase that just ran is highlighted. Arrows `━━▶`
light up as the forward pass reaches each layer; `◀━━` light up as backprop carries `dA[l-1]` back
from J. The layer shown in the layer panel is marked `▸l=2◂`; click a column to choose it.

## Equation (top right)
The lecture's equations for the phase that just ran — the same lines `gradsim step` prints — with
live shapes and norms: `Z[2] = W[2]·A[1] + b[2]   (3,4)·(4,8) + (3,1)→broadcast (3,8)`. Below them
the first entry worked out with its numbers substituted. Backward phases show the chain rule
(`∂J/∂W[l] = ∂J/∂Z[l]·∂Z[l]/∂W[l] = dZ[l]·A[l-1]ᵀ`) and name the cached values they reuse: `A[l-1]`
from the forward pass, `A[l]` or `Z[l]` for `g'[l]`, and `dA[l]` from the layer above.

## Layer (middle left)
Every array of one layer `l`: the parameters `W[l]`, `b[l]` (after the update: the new ones), the
forward cache `Z[l]`, `A[l]`, and the gradients `dZ[l]`, `dA[l-1]`, `dW[l]`, `db[l]`, as heat-mapped
matrices (blue negative, red positive, relative to the largest |value| of that matrix; magenta `inf`,
amber `nan`), shape, ‖·‖ and range in the title. Large matrices show their corners around `⋮`/`⋯`
(`f` shows every cell, up to 64×64). The panel follows the phase; `←`/`→` choose another layer. Point at a cell, or
`tab` into a matrix and use the arrow keys: its full float64 value, its index and what it means (unit,
example, incoming weight) appear on the last line.

## Gradient flow (middle right)
For each layer l = 0..L, `‖A[l]‖` and one gradient (`‖dZ[l]‖`; `g` cycles through `‖dA[l]‖`, `‖dW[l]‖`,
`‖db[l]‖`) as bars on a **log scale**. The axes span whole decades and stay put between steps: they
widen only when a value leaves them, and the axis row then says `rescaled`. The `×` column is the factor
by which the gradient changes as it travels back (`×↑`: ‖q[l-1]‖/‖q[l]‖; `×↓` for ‖A[l]‖ before backprop
ran), so `W[l] = 1.5·I` reads `×1.50` on every row. `sat` is the fraction of saturated sigmoid/tanh units
(g' below 5 % of its peak), `dead` the fraction of ReLU units inactive on every example; the output
layer's share is in brackets: confident predictions, not saturation. `·` means not computed yet in this
iteration. Then the first/last ratios, and a verdict: exploding, vanishing, saturated or dead units in a
hidden layer, or healthy.

## Loss (bottom right)
`J` per iteration on a log scale (log10 computed here, ticks at 1-2-5 or whole decades). It is drawn at
most ten times a second while training runs. Non-finite values are not plotted: a red line marks the
iteration where the values blew up.

## Blow-up banner and status bar
When any value overflows to `inf` or becomes `nan`, a red banner names the **first** array that went
non-finite, its layer, phase and iteration. Once the parameters themselves are non-finite the
simulation halts: `R` resets, `e` lowers the learning rate. The status bar shows the scenario,
iteration, phase, J, the optimiser and learning rate α, and whether training runs (and how fast).

## Keys
"""


class HelpScreen(ModalScreen[None]):
    """Explains every panel; escape, ? or q closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", show=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            with VerticalScroll(id="help-scroll"):
                yield Markdown(PANELS + key_table_markdown() + "\n", id="help-text")
            yield Static("escape closes · ctrl+p finds any action by name", id="help-footer")

    def on_mount(self) -> None:
        self.query_one("#help-dialog").border_title = "Help"
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
