"""The blow-up banner and the status bar."""

from __future__ import annotations

import math

from textual.content import Content
from textual.widgets import Static

from ...display import num
from ..state import NetInfo, Snapshot
from .text import TextView


class BlowUpBanner(Static):
    """Hidden until a value goes non-finite; then names the first array, layer, phase and iteration."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.display = False
        self.text = ""

    def show(self, info: NetInfo, snap: Snapshot) -> None:
        b = snap.blowup
        if b is None:
            self.display = False
            self.text = ""
            return
        first = b.describe()
        then = "the parameters are no longer finite: training halted" if snap.halted else \
            "the parameters are still finite"
        advice = f"R resets · e lowers the learning rate (α = {num(info.learning_rate)})"
        self.text = f"⚠ BLOW-UP  {first}. J = {num(snap.J)}; {then}. {advice}"
        self.update(Content.assemble(("⚠ BLOW-UP  ", "bold"), (first, "bold"), (". ", ""),
                                     (f"J = {num(snap.J)}; {then}. ", ""), (advice, "")))
        self.display = True


class StatusBar(TextView):
    """scenario │ iteration │ phase │ J │ optimiser, α │ run state.

    Narrower than its full text, it shortens rather than cuts: first the batch detail goes, then the
    words "iteration"/"phase" and the optimiser's name, then the separators tighten; the scenario's
    name is the last to give way (with an ellipsis). J, α and the run state always stay.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self._args: tuple | None = None

    def on_resize(self) -> None:
        if self._args is not None:
            self.show(*self._args)

    def show(self, info: NetInfo, snap: Snapshot, running: bool, speed: str) -> None:
        self._args = (info, snap, running, speed)
        width = self.size.width or (self.app.size.width if self.is_attached else 0) or 10**6
        for level in range(4):
            parts = self._parts(info, snap, running, speed, level, width)
            text = "".join(t for t, _ in parts)
            if len(text) <= width:
                break
        self.text = text
        self.set(Content.assemble(*parts))

    @staticmethod
    def _parts(info: NetInfo, snap: Snapshot, running: bool, speed: str, level: int, width: int) -> list:
        phase = snap.phase.label if snap.phase is not None else "start"
        k = snap.phase_index
        J = snap.J
        jstyle = "bold $text-error" if J is not None and not math.isfinite(J) else "bold"
        batch = {"batch": f"batch GD, m = {info.m}", "stochastic": f"stochastic GD, 1 of {info.m}",
                 "mini-batch": f"mini-batch {info.batch} of {info.m}"}[info.batch_kind]
        if level == 0:
            run = f"▶ running {speed}" if running else f"‖ paused · {speed}"
        else:
            run = f"▶ {speed}" if running else f"‖ paused {speed}"
        sep = (" │ " if level < 3 else "│", "$text-muted")
        opt = [(info.optimizer, "bold"), (f" ({batch})", ""), sep] if level == 0 else \
            [(info.optimizer, "bold"), sep] if level == 1 else []
        rest = [
            sep,
            ("iteration " if level == 0 else "it ", "$text-muted"), (str(snap.iteration), "bold"), sep,
            ("phase " if level == 0 else "", "$text-muted"), (f"{k}/{info.P} ", "bold"), (phase, "bold $text-primary"),
            sep, ("J = " if level < 3 else "J=", "$text-muted"), (num(J), jstyle), sep,
            *opt,
            (("α = " if info.schedule.constant else "α(t) = ") if level < 3 else "α=", "$text-muted"),
            (num(info.rate(snap.iteration)), "bold"), sep,
            (run, "bold $text-success" if running else "$text-muted"),
        ]
        name = f" {info.name}"
        if level == 3:
            room = width - sum(len(t) for t, _ in rest)
            if len(name) > room:
                name = name[: max(room - 1, 2)] + "…"
        return [(name, "bold $text-accent"), *rest]
