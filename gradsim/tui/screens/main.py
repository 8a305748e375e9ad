"""The main screen: every panel, the keys, and the training worker.

Ownership of the Simulation is the one rule that keeps this safe: while the training worker runs, only
its thread touches ``self.sim``; every action that steps, rewinds, resets or rebuilds first stops the
worker and waits for its thread to finish. The worker hands the UI immutable ``Snapshot`` objects (at most
~10 a second); a 10 Hz timer paints the newest one. A key press that steps paints at once.
"""

from __future__ import annotations

import asyncio
import threading
import time

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from ...engine import Simulation
from ...errors import ScenarioError
from ...scenario import Scenario
from .. import commands
from ..heldout import HeldOutHistory
from ..scenarios import build
from ..state import NetInfo, Snapshot, take_snapshot
from .data_actions import DataActions
from .dialog_actions import DialogActions
from .panel_actions import PanelActions
from ..widgets.equation import EquationPanel
from ..widgets.gradflow import GradientFlow
from ..widgets.keybar import KeyBar
from ..widgets.layer import LayerPanel
from ..widgets.loss import LossCurve
from ..widgets.network import NetworkPanel
from ..widgets.status import BlowUpBanner, StatusBar

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 0)  # iterations per second; 0 = max
DEFAULT_SPEED = 3  # 10 it/s
PAINT_INTERVAL = 0.1  # seconds: the most often panels are repainted while running
LOSS_INTERVAL = 0.5  # seconds: the most often the loss curve (a plotext build) is redrawn while running


def speed_label(speed: int) -> str:
    return "max speed" if speed == 0 else f"{speed} it/s"


class MainScreen(DataActions, PanelActions, DialogActions, commands.CommandTarget, Screen):
    """Network, equation, layer, gradient-flow and loss panels; status bar; footer."""

    BINDINGS = commands.bindings() + [Binding("escape", "blur", "", show=False)]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-medium"), (130, "-wide"), (200, "-huge")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall"), (56, "-towering")]  # -huge, -towering: a projector
    ALLOW_IN_MAXIMIZED_VIEW = "Footer, StatusBar, BlowUpBanner"  # z zooms a panel; these stay
    AUTO_FOCUS = ""  # nothing focused: arrows choose layers until tab focuses a matrix

    class Snapshotted(Message):
        """Posted by the training thread: a new picture of the simulation."""

        def __init__(self, run_id: int, snap: Snapshot) -> None:
            super().__init__()
            self.run_id = run_id
            self.snap = snap

    class RunStopped(Message):
        """Posted by the training thread when it ends, with the engine's reason for stopping."""

        def __init__(self, run_id: int, reason: str, snap: Snapshot) -> None:
            super().__init__()
            self.run_id = run_id
            self.reason = reason
            self.snap = snap

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.sim: Simulation | None = None
        self.info: NetInfo | None = None
        self.snap: Snapshot | None = None
        self.selected = 1
        self.speed_index = DEFAULT_SPEED
        self.running = False
        self._worker: Worker | None = None
        self._stop_event = threading.Event()
        self._done_event = threading.Event()
        self._pending: Snapshot | None = None
        self._next_paint = 0.0  # while running: not before (see _tick)
        self._run_id = 0

    # ------------------------------------------------------------------------------------- layout
    def _pre_breakpoints(self) -> None:
        """The breakpoint classes (-wide, -tall, ...) for the app's size before the first style pass: else
        the first Resize adds them and every widget is styled and laid out again (docs/benchmarks.md)."""
        width, height = self.app.size
        self.update_classes({cls: True for cls in self._get_breakpoint_classes(width, self.HORIZONTAL_BREAKPOINTS)
                             | self._get_breakpoint_classes(height, self.VERTICAL_BREAKPOINTS)}, update=False)

    def compose(self) -> ComposeResult:
        self._pre_breakpoints()
        yield BlowUpBanner(id="banner")
        with Horizontal(id="top"):
            yield NetworkPanel(id="network")
            yield EquationPanel(id="equation")
        with Horizontal(id="middle"):
            yield LayerPanel(id="layer")  # d, h, v compose their panels here on first use (hidden_panels.py)
            with Vertical(id="side"):
                with VerticalScroll(id="flow-box", can_focus=False):
                    yield GradientFlow(id="flow")
                yield LossCurve(id="loss")
        yield StatusBar(id="status")
        yield KeyBar()  # Textual's Footer, keeping q at 80 columns

    def on_mount(self) -> None:
        self.query_one("#flow-box").border_title = "Gradient flow (log scale)"
        self.load(self.scenario)
        self.set_interval(PAINT_INTERVAL, self._tick, name="paint")

    def on_unmount(self) -> None:
        self._stop_event.set()

    # ------------------------------------------------------------------------------------ loading
    def load(self, scenario: Scenario) -> bool:
        """Build ``scenario`` and show it; on a ScenarioError keep the current one and say why."""
        if self.running:
            raise RuntimeError("stop the training worker before loading")  # callers await _stop() first
        try:
            sim, info = build(scenario)
        except ScenarioError as exc:
            self.notify(str(exc), title="Cannot build this scenario", severity="error", timeout=8)
            return False
        self.scenario, self.sim, self.info = scenario, sim, info
        self.selected = 1
        self.data_load(sim, scenario)
        self.notes_load(scenario)
        self.heldout = HeldOutHistory(sim)
        self.panels_load()
        self.app.sub_title = scenario.name
        self.paint(take_snapshot(sim, speed=self.speed), follow=False)
        return True

    @property
    def speed(self) -> str:
        return speed_label(SPEEDS[self.speed_index])

    # ----------------------------------------------------------------------------------- painting
    def paint(self, snap: Snapshot, follow: bool = True) -> None:
        """Show ``snap`` in every panel (UI thread only)."""
        info = self.info
        if info is None:
            return
        self.snap = snap
        if follow and snap.phase is not None:
            if snap.phase.layer is not None:
                self.selected = snap.phase.layer
            elif snap.phase.kind == "loss":
                self.selected = info.L
        self.selected = min(max(self.selected, 1), info.L)
        with self.app.batch_update():
            self.query_one(BlowUpBanner).show(info, snap)
            self.query_one(NetworkPanel).show(info, snap, self.selected)
            self.query_one(EquationPanel).show(info, snap)
            self.query_one(LayerPanel).show(info, snap, self.selected)
            self.query_one(GradientFlow).show(info, snap)
            self.data_paint(snap)
            self.notes_paint(snap)
            self.panels_paint(snap)
            loss = self.query_one(LossCurve)
            loss.set_history(snap.J_history, snap.blowup.iteration if snap.blowup else None)
            loss.set_test(*self.heldout.points(snap.iteration, snap.phase_index))
            if not self.running:
                loss.redraw()
            self.query_one(StatusBar).show(info, snap, self.running, self.speed)

    def _tick(self) -> None:
        """The 10 Hz paint timer: the newest snapshot from the worker, and the loss curve.

        While training runs, a repaint waits until as long after the last one as that one took (paint and
        screen refresh): the UI thread then holds the GIL at most about half the time, and the worker
        keeps at least the other half, however slow the terminal or the machine."""
        now = time.monotonic()
        if self._pending is not None and not (self.running and now < self._next_paint):
            snap, self._pending = self._pending, None
            self.paint(snap, follow=False)
            self.call_after_refresh(self._painted, now)
        # a no-op unless its data or its size changed; while training, at most LOSS_INTERVAL apart
        self.query_one(LossCurve).redraw(min_interval=LOSS_INTERVAL if self.running else 0.0)

    def _painted(self, started: float) -> None:
        now = time.monotonic()
        self._next_paint = now + (now - started)

    def _repaint(self, follow: bool = True) -> None:
        assert self.sim is not None
        self.heldout.record(self.sim)
        self.paint(take_snapshot(self.sim, speed=self.speed), follow=follow)

    # ------------------------------------------------------------------------------------ worker
    async def _stop(self) -> None:
        """Stop training and wait until the worker thread has let go of the simulation."""
        if self._worker is None:
            return
        self._stop_event.set()
        deadline = time.monotonic() + 30
        while not self._done_event.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        self._worker = None
        self.running = False
        self._pending = None  # a picture older than the state the caller is about to paint

    def _start(self) -> None:
        assert self.sim is not None and self.info is not None
        self._run_id += 1
        self._stop_event = threading.Event()
        self._done_event = threading.Event()
        self.running = True
        limit = self.info.run_iterations - self.sim.iteration
        if limit <= 0:
            limit = 10**9  # past the scenario's length: until paused
        stop_below, stop_on_blowup = self.info.stop_below, True
        past = self.sim.stop_reason(stop_below, stop_on_blowup)  # r after a stop condition: go on past it
        if past is not None:
            stop_below, stop_on_blowup = None, False
            self.notify("Training goes on past the stop condition (r pauses).", timeout=4)
        self._worker = self._train(self.sim, limit, stop_below, self._run_id, self._stop_event,
                                   self._done_event, stop_on_blowup)
        self._repaint(follow=False)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False, description="training")
    def _train(self, sim: Simulation, limit: int, stop_below: float | None, run_id: int,
               stop: threading.Event, done: threading.Event, stop_on_blowup: bool = True) -> str:
        """Run ``sim`` for up to ``limit`` iterations at the chosen speed (worker thread).

        The only code that touches ``sim`` while it runs. It checks ``stop`` (set by the UI) and the
        worker's cancellation (set when the app shuts down) after every iteration, sleeps on ``stop`` to
        keep the chosen speed, and posts a snapshot at most every PAINT_INTERVAL seconds.
        """
        worker = get_current_worker()
        clock = {"t0": time.monotonic(), "count": 0, "speed": SPEEDS[self.speed_index], "painted": 0.0}

        def callback(s: Simulation) -> bool:
            if stop.is_set() or worker.is_cancelled:
                return False
            self.heldout.record(s, min_interval=0.002)  # J_test for the loss panel, sampled at top speed
            speed = SPEEDS[self.speed_index]
            now = time.monotonic()
            if speed != clock["speed"]:
                clock.update(t0=now, count=0, speed=speed)
            clock["count"] += 1
            if speed:
                due = clock["t0"] + clock["count"] / speed
                if due > now and stop.wait(due - now):
                    return False
                now = time.monotonic()
            if now - clock["painted"] >= PAINT_INTERVAL:
                clock["painted"] = now
                self.post_message(self.Snapshotted(run_id, take_snapshot(s, running=True, speed=self.speed)))
            return True

        reason = "error"
        try:
            reason = sim.run(limit, stop_below=stop_below, stop_on_blowup=stop_on_blowup, callback=callback)
            return reason
        finally:
            snap = take_snapshot(sim, speed=self.speed)
            done.set()
            self.post_message(self.RunStopped(run_id, reason, snap))

    def on_main_screen_snapshotted(self, message: Snapshotted) -> None:
        if self.running and message.run_id == self._run_id:
            self._pending = message.snap

    def on_main_screen_run_stopped(self, message: RunStopped) -> None:
        if message.run_id != self._run_id or message.reason == "callback":
            return  # paused by a key: that action has already repainted
        self._worker = None
        self.running = False
        self._pending = None
        self.paint(message.snap, follow=False)
        self.query_one(LossCurve).redraw()
        info = self.info
        reason = message.reason
        if reason == "iterations" and info is not None:
            self.notify(f"Reached iteration {message.snap.iteration}, the scenario's run length "
                        f"({info.run_iterations}). r keeps training.", title="Run finished")
        elif reason == "stop_below" and info is not None:
            self.notify(f"J fell below {info.stop_below:g} at iteration {message.snap.iteration}. "
                        "r keeps training.", title="Run finished")
        elif reason in ("blowup", "halted") and message.snap.blowup is not None:
            self.notify(message.snap.blowup.describe(), title="Blow-up", severity="error")
        elif reason == "error":
            self.notify("The training worker stopped on an error.", severity="error")

    # ------------------------------------------------------------------------------------ actions
    async def action_next_phase(self) -> None:
        await self._stop()
        assert self.sim is not None
        if self.sim.step() is None:
            self._halted()
        self._repaint()

    async def action_previous_phase(self) -> None:
        await self._stop()
        assert self.sim is not None
        if not self.sim.step_back():
            self.notify("Already at the start (or beyond the rewind history).", timeout=3)
        self._repaint()

    async def action_next_iteration(self) -> None:
        await self._stop()
        assert self.sim is not None
        if not self.sim.step_iteration():
            self._halted()
        self._repaint(follow=False)

    async def action_toggle_run(self) -> None:
        if self.running:
            shown = self.snap  # the picture on screen when the key was handled
            await self._stop()
            self._freeze_at(shown)
            self._repaint(follow=False)
            return
        assert self.sim is not None
        if self.sim.halted:
            self._halted()
            return
        self._start()

    def _freeze_at(self, shown: Snapshot | None) -> None:
        """Pause on the picture that was showing: the iterations the worker ran while the key waited behind
        a repaint are undone (rewind is exact), so a pause at 10 it/s does not jump 3-4 iterations on."""
        sim = self.sim
        if shown is not None and sim is not None and 0 < shown.iteration < sim.iteration \
                and shown.phase_index == sim.P and not sim.halted:
            sim.goto(shown.iteration, shown.phase_index)

    def action_faster(self) -> None:
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        self._speed_changed()

    def action_slower(self) -> None:
        self.speed_index = max(self.speed_index - 1, 0)
        self._speed_changed()

    def _speed_changed(self) -> None:
        if self.snap is not None and self.info is not None:
            self.query_one(StatusBar).show(self.info, self.snap, self.running, self.speed)

    async def action_reset(self) -> None:
        await self._stop()
        assert self.sim is not None
        self.sim.reset()
        self.selected = 1
        self._repaint(follow=False)
        self.query_one(LossCurve).redraw(force=True)

    def action_previous_layer(self) -> None:
        self._select(self.selected - 1)

    def action_next_layer(self) -> None:
        self._select(self.selected + 1)

    def _select(self, layer: int) -> None:
        if self.info is None or self.snap is None:
            return
        self.selected = min(max(layer, 1), self.info.L)
        self.paint(self.snap, follow=False)

    @on(NetworkPanel.LayerClicked)
    def _clicked(self, event: NetworkPanel.LayerClicked) -> None:
        self._select(event.layer)

    def action_toggle_full(self) -> None:
        full = self.query_one(LayerPanel).toggle_full()
        self.notify("Every cell of large matrices" if full else "Large matrices show their corners",
                    timeout=2)

    def action_cycle_gradient(self) -> None:
        key = self.query_one(GradientFlow).cycle()
        if self.snap is not None:
            self.panels_paint(self.snap)  # the heat-map follows the same quantity
        self.notify(f"Gradient flow follows ‖{key}[l]‖", timeout=2)

    async def action_quit(self) -> None:
        await self._stop()
        self.app.exit()

    def _halted(self) -> None:
        blowup = self.sim.blowup if self.sim is not None else None
        detail = blowup.describe() + ". " if blowup is not None else ""
        self.notify(f"{detail}The parameters are not finite, so training has halted. R resets; e changes the "
                    "learning rate.", title="Halted", severity="warning", timeout=6)

