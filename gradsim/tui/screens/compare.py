"""Compare mode: two runs in lockstep, phase by phase, on one shared axis.

``CompareWith`` asks for the other run: a bundled name, a file path, or ``PATH=VALUE`` overrides of the
current scenario (a copy with one hyper-parameter changed); it is prefilled from the scenario's
[compare] table. ``CompareScreen`` steps both (``gradsim.lockstep.Lockstep``): space / n a phase, p back,
i an iteration, R reset; each side shows its phase, J and per-layer ‖A[l]‖ and ‖dW[l]‖ bars on one log
axis shared by both runs; d shows, per layer, the ratio B/A and ‖B − A‖ of the arrays the phase reached.
"""

from __future__ import annotations

import math
import shlex

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Static

from ...display import fmt, norm
from ...errors import ScenarioError
from ...lockstep import Lockstep
from ...scenario import Scenario
from ..format import bar, log_range
from ..scenarios import build, load
from .escape import EscapeThenKey

BAR = 18
SPARK = "▁▂▃▄▅▆▇█"
CURVE = 2 * BAR + 12  # the last this many iterations of J


def spark(history: list[float], lo: float, hi: float) -> str:
    """J per iteration as eighth-blocks on a log10 axis [lo, hi] shared by both runs ('×' not finite)."""
    out = []
    for j in history[-CURVE:]:
        if not (math.isfinite(j) and j > 0):
            out.append("×")
            continue
        frac = (math.log10(j) - lo) / (hi - lo) if hi > lo else 0.5
        out.append(SPARK[min(len(SPARK) - 1, max(0, int(frac * len(SPARK))))])
    return "".join(out)


def compare_text(scenario: Scenario) -> str:
    """What the dialog is prefilled with: the [compare] table's run, or nothing."""
    spec = scenario.compare
    if spec is None:
        return ""
    parts = [spec.other] if spec.other is not None else []
    parts += [f"{p}={v!r}" if isinstance(v, str) else f"{p}={v}" for p, v in spec.set]
    return " ".join(shlex.quote(p) for p in parts)


def other_run(scenario: Scenario, text: str) -> Scenario:
    """The run ``text`` names: [NAME or PATH] [PATH=VALUE ...]; raises ScenarioError."""
    from ...scenario.overrides import apply_assignments, without_expectations

    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ScenarioError("a scenario name, a path or PATH=VALUE overrides", str(exc)) from None
    if not words:
        raise ScenarioError("a scenario name, a path or PATH=VALUE overrides", "nothing")
    base = scenario
    if "=" not in words[0]:
        base = load(words.pop(0))
    return apply_assignments(without_expectations(base), words)


class CompareWith(EscapeThenKey, ModalScreen[Scenario | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = "#compare-dialog { width: 90; height: auto; }"

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-dialog", classes="dialog"):
            yield Label("Compare with: a bundled name, a path, or PATH=VALUE overrides of this scenario",
                        classes="dialog-label")
            yield Input(compare_text(self.scenario), id="compare-with", placeholder="init-xavier-relu  or  init.weights=he")
            note = self.scenario.compare.why if self.scenario.compare is not None else ""
            yield Static(note, classes="dialog-note", markup=False)
            yield Static("", id="compare-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Compare", variant="primary", id="compare-go")
                yield Button("Cancel", id="compare-cancel")

    def on_mount(self) -> None:
        self.query_one("#compare-dialog").border_title = "Compare mode"
        field = self.query_one("#compare-with", Input)
        field.cursor_blink = False
        field.focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#compare-go")
    def action_go(self) -> None:
        try:
            other = other_run(self.scenario, self.query_one("#compare-with", Input).value)
        except ScenarioError as exc:
            self.query_one("#compare-error", Static).update(
                Content.assemble(("✗ ", "bold $error"), (str(exc), "$text-error")))
            return
        self.dismiss(other)

    @on(Button.Pressed, "#compare-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def side_lines(sim, label: str, lo: float, hi: float, j_axis: tuple[float, float]) -> list[str]:
    phase = sim.phase.label if sim.phase is not None else "start of iteration"
    J = fmt(sim.J) if sim.J is not None else "—"
    out = [label, f"iteration {sim.iteration}, {phase}   J = {J}", f"J per iteration {spark(sim.J_history, *j_axis)}", "",
           f"{'l':>3}  {'‖A[l]‖':<{BAR + 8}}  {'‖dW[l]‖':<{BAR + 8}}"]
    arrays = sim.arrays
    for l in range(1, sim.L + 1):
        cells = []
        for kind in ("A", "dW"):
            a = arrays.get(f"{kind}[{l}]")
            v = norm(a) if a is not None else None
            cells.append(f"{bar(v, lo, hi, BAR) if v is not None else ' ' * BAR} {fmt(v) if v is not None else '·':>7}")
        out.append(f"{l:>3}  " + "  ".join(cells))
    if sim.blowup is not None:
        out += ["", f"blow-up: {sim.blowup.describe()}"]
    return out


def difference_lines(pair: Lockstep) -> list[str]:
    """Per layer: B/A of ‖A[l]‖, ‖dW[l]‖ and ‖B − A‖ of the arrays both have (same shape)."""
    a, b = pair.sims
    out = [f"{'l':>3}  {'‖A[l]‖ B/A':>11}  {'‖A_B − A_A‖':>12}  {'‖dW[l]‖ B/A':>12}  {'‖dW_B − dW_A‖':>14}"]
    for l in range(1, a.L + 1):
        row = [f"{l:>3}"]
        for kind, w1, w2 in (("A", 11, 12), ("dW", 12, 14)):
            xa, xb = a.arrays.get(f"{kind}[{l}]"), b.arrays.get(f"{kind}[{l}]")
            if xa is None or xb is None:
                row += ["·".rjust(w1), "·".rjust(w2)]
                continue
            na, nb = norm(xa), norm(xb)
            ratio = nb / na if na and math.isfinite(na) and math.isfinite(nb) else None
            diff = norm(xb - xa) if xa.shape == xb.shape else None
            row += [fmt(ratio).rjust(w1), (fmt(diff) if diff is not None else "shapes differ").rjust(w2)]
        out.append("  ".join(row))
    return out


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("space,n", "step", "phase"), Binding("p,backspace", "back", "back"),
        Binding("i", "iteration", "iteration"), Binding("R", "reset", "reset"),
        Binding("d", "toggle_difference", "B − A"), Binding("escape,c", "leave", "leave"),
    ]

    DEFAULT_CSS = """
    #compare-sides { height: auto; }
    #compare-a, #compare-b { width: 1fr; height: auto; padding: 0 1; border: round $primary; }
    #compare-diff { height: auto; padding: 0 1; }
    """

    def __init__(self, a: Scenario, b: Scenario) -> None:
        super().__init__()
        sim_a, _ = build(a)
        sim_b, _ = build(b)
        self.pair = Lockstep(sim_a, sim_b)  # ValueError for nets of different depth (the caller says so)
        self.labels = (f"A: {a.name}", f"B: {b.name}" + (" (changed)" if b.name == a.name else ""))
        self.show_difference = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="compare-sides"):
            yield Static(id="compare-a", markup=False)
            yield Static(id="compare-b", markup=False)
        yield Static(id="compare-diff", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.paint()

    def paint(self) -> None:
        sims = self.pair.sims
        values = [norm(x) for sim in sims for k, x in sim.arrays.items() if k.startswith(("A[", "dW["))
                  and not k.startswith("A[0]")]
        lo, hi = log_range(values) or (-1.0, 1.0)
        js = [j for sim in sims for j in sim.J_history[-CURVE:]]
        j_axis = log_range(js, min_span=1.0) or (-1.0, 1.0)
        for sim, label, wid in zip(sims, self.labels, ("#compare-a", "#compare-b")):
            self.query_one(wid, Static).update("\n".join(side_lines(sim, label, lo, hi, j_axis)))
        axis = (f"shared axes: norms 1e{int(lo)} … 1e{int(hi)}, J 1e{int(j_axis[0])} … 1e{int(j_axis[1])} "
                "(log scales, the same for A and B)")
        diff = self.query_one("#compare-diff", Static)
        diff.update("\n".join([axis, ""] + difference_lines(self.pair)) if self.show_difference else axis)

    def action_step(self) -> None:
        if not self.pair.step():
            self.notify("A run has halted (non-finite parameters); R resets both.", severity="warning")
        self.paint()

    def action_back(self) -> None:
        if not self.pair.step_back():
            self.notify("Already at the start (or beyond a run's rewind history).", timeout=3)
        self.paint()

    def action_iteration(self) -> None:
        if not self.pair.step_iteration():
            self.notify("A run has halted (non-finite parameters); R resets both.", severity="warning")
        self.paint()

    def action_reset(self) -> None:
        self.pair.reset()
        self.paint()

    def action_toggle_difference(self) -> None:
        self.show_difference = not self.show_difference
        self.paint()

    def action_leave(self) -> None:
        self.dismiss(None)


def open_compare(screen) -> None:
    """From the main screen: ask for the other run, then open compare mode on the main screen's scenario."""
    scenario = screen.scenario

    def chosen(other: Scenario | None) -> None:
        if other is None:
            return
        try:
            screen.app.push_screen(CompareScreen(scenario, other))
        except (ValueError, ScenarioError) as exc:
            screen.notify(str(exc), title="Cannot compare", severity="error")

    screen.app.push_screen(CompareWith(scenario), chosen)
