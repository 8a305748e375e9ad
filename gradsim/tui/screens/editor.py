"""The hyper-parameter editor: optimiser, learning rate, its schedule α(t) and the gradient transforms,
initialisation, hidden activation, batch size, hidden layer sizes, seed → restart. Its choices are the engine's
registries; its values go through the scenario validation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...errors import ScenarioError
from ...scenario import Scenario
from ..scenarios import (HyperParameters, hidden_choices, init_choices, optimizer_choices, parse_sizes, sizes_text,
                         with_hyperparameters)
from ..update_fields import (default_params, params_text, parse_params, parse_transforms, schedule_choices,
                             transform_choices, transforms_text)
from .escape import EscapeThenKey

KEEP = "__keep__"


class HyperParameterEditor(EscapeThenKey, ModalScreen[Scenario | None]):
    """A form over ``HyperParameters``; Apply (or enter) restarts the scenario with the new values."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Apply")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # -short (80×24): no gaps, so the buttons fit

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.hp = HyperParameters.of(scenario)

    def compose(self) -> ComposeResult:
        sc, hp = self.scenario, self.hp
        init_names, act_names = init_choices(), hidden_choices()
        inits = [(name, name) for name in init_names]
        init_value = hp.init if hp.init in init_names else KEEP
        if init_value == KEEP:
            inits.insert(0, ("as in the file (per layer)", KEEP))
        acts = [(name, name) for name in act_names]
        act_value = hp.activation if hp.activation in act_names else KEEP
        if act_value == KEEP:
            acts.insert(0, ("as in the file (per layer)", KEEP))
        hidden = sc.L > 1
        with Vertical(id="editor-dialog", classes="dialog"):
            yield Static(Content.assemble(("Restarts ", ""), (sc.name, "bold"),
                                          (f" from iteration 0 (seed {sc.seed}).", "")), classes="dialog-note")
            with Grid(id="editor-grid"):
                yield Label("optimiser")
                yield Select([(name, name) for name in optimizer_choices()], value=hp.optimizer, allow_blank=False,
                             id="edit-opt", compact=True)
                yield Label("learning rate α")
                yield Input(f"{hp.learning_rate:g}", id="edit-lr", type="number", compact=True)
                yield Label("schedule α(t)", markup=False)
                yield Select([(name, name) for name in schedule_choices()], value=hp.schedule["name"],
                             allow_blank=False, id="edit-schedule", compact=True)
                yield Label("schedule parameters")
                yield Input(params_text(hp.schedule), id="edit-schedule-params", compact=True,
                            placeholder="none (constant α)")
                yield Label("transforms, in order")
                yield Input(transforms_text(hp.transforms), id="edit-transforms", compact=True,
                            placeholder=f"none; e.g. {'; '.join(f'{t}(…)' for t in transform_choices())}")
                yield Label("initialisation W[l]", markup=False)
                yield Select(inits, value=init_value, allow_blank=False, id="edit-init", compact=True)
                yield Label("hidden activation")
                yield Select(acts, value=act_value, allow_blank=False, id="edit-act", compact=True,
                             disabled=not hidden)
                yield Label(f"batch size (1..{sc.data.m_train})")
                yield Input("" if hp.batch_size is None else str(hp.batch_size), id="edit-batch",
                            type="integer", placeholder=f"empty = all {sc.data.m_train} (batch GD)", compact=True)
                yield Label("hidden sizes n[1..L−1]")
                yield Input(sizes_text(hp.hidden or ()), id="edit-sizes", placeholder="e.g. 3, 2 or 128×10",
                            compact=True, disabled=not hidden)
                yield Label("seed")
                yield Input(str(hp.seed), id="edit-seed", type="integer", compact=True)
            yield Static("", id="editor-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply and restart", variant="primary", id="edit-apply")
                yield Button("Cancel", id="edit-cancel")

    def on_mount(self) -> None:
        self.query_one("#editor-dialog").border_title = "Hyper-parameters"
        for field in self.query(Input):
            field.cursor_blink = False
        self.query_one("#edit-lr", Input).focus()

    def values(self) -> HyperParameters:
        """The form's values, read as numbers; their bounds are the scenario validation's (``apply``)."""
        lr_text = self.query_one("#edit-lr", Input).value.strip()
        try:
            lr = float(lr_text)
        except ValueError:
            raise ScenarioError("a number > 0", repr(lr_text), field="learning rate") from None
        batch_text = self.query_one("#edit-batch", Input).value.strip()
        batch: int | None = None
        if batch_text:
            try:
                batch = int(batch_text)
            except ValueError:
                raise ScenarioError("a whole number", repr(batch_text), field="batch size") from None
        init = self.query_one("#edit-init", Select).value
        act = self.query_one("#edit-act", Select).value
        opt = str(self.query_one("#edit-opt", Select).value)
        seed_text = self.query_one("#edit-seed", Input).value.strip()
        try:
            seed = int(seed_text) if seed_text else self.hp.seed
        except ValueError:
            raise ScenarioError("a whole number", repr(seed_text), field="seed") from None
        sizes = self.query_one("#edit-sizes", Input)
        hidden = parse_sizes(sizes.value) if not sizes.disabled else self.hp.hidden
        schedule = {"name": str(self.query_one("#edit-schedule", Select).value),
                    **parse_params(self.query_one("#edit-schedule-params", Input).value, "schedule parameters")}
        transforms = parse_transforms(self.query_one("#edit-transforms", Input).value)
        return HyperParameters(lr, None if init == KEEP else str(init), None if act == KEEP else str(act), batch, opt,
                               seed, hidden, schedule, transforms)

    @on(Select.Changed, "#edit-schedule")
    def _schedule_picked(self, event: Select.Changed) -> None:
        """A schedule picked: its parameters at the file's values when it is the file's, else the defaults."""
        name = str(event.value)
        table = self.hp.schedule if self.hp.schedule and self.hp.schedule["name"] == name else default_params(name)
        self.query_one("#edit-schedule-params", Input).value = params_text(table)

    @on(Button.Pressed, "#edit-apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        try:
            scenario = with_hyperparameters(self.scenario, self.values())
        except ScenarioError as exc:
            self.query_one("#editor-error", Static).update(
                Content.assemble(("✗ ", "bold $error"), (str(exc), "$text-error")))
            return
        self.dismiss(scenario)

    @on(Button.Pressed, "#edit-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
