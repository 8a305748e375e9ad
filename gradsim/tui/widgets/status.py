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
    """scenario │ iteration │ phase │ J │ optimiser, α │ run state."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""

    def show(self, info: NetInfo, snap: Snapshot, running: bool, speed: str) -> None:
        phase = snap.phase.label if snap.phase is not None else "start"
        k = snap.phase_index
        J = snap.J
        jstyle = "bold $text-error" if J is not None and not math.isfinite(J) else "bold"
        batch = {"batch": f"batch GD, m = {info.m}", "stochastic": f"stochastic GD, 1 of {info.m}",
                 "mini-batch": f"mini-batch {info.batch} of {info.m}"}[info.batch_kind]
        run = f"▶ running {speed}" if running else f"⏸ paused · {speed}"
        sep = (" │ ", "$text-muted")
        parts = [
            (f" {info.name}", "bold $text-accent"), sep,
            ("iteration ", "$text-muted"), (str(snap.iteration), "bold"), sep,
            ("phase ", "$text-muted"), (f"{k}/{info.P} ", "bold"), (phase, "bold $text-primary"), sep,
            ("J = ", "$text-muted"), (num(J), jstyle), sep,
            (info.optimizer, "bold"), (f" ({batch})", ""), sep,
            ("α = ", "$text-muted"), (num(info.learning_rate), "bold"), sep,
            (run, "bold $text-success" if running else "$text-muted"),
        ]
        self.text = "".join(t for t, _ in parts)
        self.set(Content.assemble(*parts))
