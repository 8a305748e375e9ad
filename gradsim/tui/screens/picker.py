"""The scenario picker: the bundled library, or a path to a scenario file."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...errors import ScenarioError
from ...scenario import Scenario
from ..scenarios import bundled, load
from .escape import EscapeThenKey


class ScenarioPicker(EscapeThenKey, ModalScreen[Scenario | None]):
    """Choose a bundled scenario (enter) or type a path (enter in the input). Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # -short: a shorter list, so the buttons fit

    def __init__(self, current: Scenario | None = None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for name, summary in bundled():
            options.append(Option(Content.assemble((name, "bold"), "\n", (summary or "", "$text-muted")), id=name))
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Label("Bundled scenarios", classes="dialog-label")
            yield OptionList(*options, id="picker-list")
            yield Label("…or the path of a scenario file", classes="dialog-label")
            yield Input(placeholder="path/to/scenario.toml", id="picker-path")
            yield Static("", id="picker-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Open", variant="primary", id="picker-open")
                yield Button("Cancel", id="picker-cancel")

    def on_mount(self) -> None:
        self.query_one("#picker-dialog").border_title = "Open a scenario"
        self.query_one("#picker-path", Input).cursor_blink = False
        options = self.query_one(OptionList)
        if self.current is not None:
            try:
                options.highlighted = options.get_option_index(self.current.name)
            except Exception:  # noqa: BLE001 - a scenario from a file is not in the list
                options.highlighted = 0 if options.option_count else None
        elif options.option_count:
            options.highlighted = 0
        options.focus()

    def _open(self, name_or_path: str) -> None:
        text = name_or_path.strip()
        if not text:
            self._error("type a path, or choose a scenario from the list")
            return
        try:
            scenario = load(text)
        except ScenarioError as exc:
            self._error(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - load() raises ScenarioError only; this dialog never crashes
            self._error(f"{text}: cannot load it ({type(exc).__name__})")
            return
        self.dismiss(scenario)

    def _error(self, text: str) -> None:
        self.query_one("#picker-error", Static).update(Content.assemble(("✗ ", "bold $error"), (text, "$text-error")))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._open(event.option.id)

    @on(Input.Submitted, "#picker-path")
    def _submitted(self, event: Input.Submitted) -> None:
        self._open(event.value)

    @on(Button.Pressed, "#picker-open")
    def _open_pressed(self) -> None:
        path = self.query_one("#picker-path", Input).value
        if path.strip():
            self._open(path)
            return
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self._open(option.id)

    @on(Button.Pressed, "#picker-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
