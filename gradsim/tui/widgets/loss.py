"""The loss curve: log10 J per iteration through textual-plotext, drawn at most ~10 times a second.

plotext 5 crashes on repeated log-scale builds and raises on inf, so the curve plots log10(J) on a linear
axis with our own decade ticks, after dropping non-finite and non-positive points and downsampling to a few
points per column. ``set_history`` only stores the data; ``redraw`` (called by the screen's timer, or
directly after a key press) rebuilds the plot when the data changed.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...display import decade, sci
from ...engine.history import HistoryView
from .lazy_plot import LazyPlot


def downsample(xs, ys, buckets: int) -> tuple[list[int], list[float]]:
    """At most 2 points per bucket of x, the min and the max of each (in x order), so spikes survive.

    Buckets are equal spans of x, not of the index: an older, downsampled history has fewer samples per
    iteration than its recent, exact window.
    """
    x = np.asarray(xs)
    y = np.asarray(ys, dtype=np.float64)
    n = len(x)
    if n <= 2 * buckets:
        return x.tolist(), y.tolist()
    bounds = np.linspace(float(x[0]), float(x[-1]), buckets + 1)[:-1]
    edges = np.unique(np.searchsorted(x, bounds, side="left"))
    lo = np.minimum.reduceat(y, edges)
    hi = np.maximum.reduceat(y, edges)
    ends = np.append(edges[1:], n)
    keep = set()
    for i0, i1, a, b in zip(edges.tolist(), ends.tolist(), lo.tolist(), hi.tolist()):
        seg = y[i0:i1]
        keep.add(i0 + int(np.argmin(seg)) if a == a else i0)
        keep.add(i0 + int(np.argmax(seg)) if b == b else i0)
    idx = np.array(sorted(keep))
    return x[idx].tolist(), y[idx].tolist()


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Ticks on a log10 axis from lo to hi: decades, or 1-2-5 steps when the range is under two decades."""
    ticks: list[float] = []
    labels: list[str] = []
    if hi - lo >= 2:
        raw = (hi - lo) / 6
        mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
        step = int(next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw))
        first = int(math.ceil(lo / step)) * step
        for k in range(first, int(math.floor(hi)) + 1, step):
            ticks.append(float(k))
            labels.append(decade(k))
        return ticks, labels
    for k in range(int(math.floor(lo)) - 1, int(math.ceil(hi)) + 1):
        for m in (1, 2, 5):
            t = k + math.log10(m)
            if lo - 1e-9 <= t <= hi + 1e-9:
                ticks.append(t)
                labels.append(sci(m * 10.0**k))
    if len(ticks) < 3:  # under a factor of ~5: evenly spaced values, placed on the log axis
        vlo, vhi = 10.0**lo, 10.0**hi
        raw = (vhi - vlo) / 5
        mag = 10 ** math.floor(math.log10(raw))
        step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
        v = math.ceil(vlo / step) * step
        ticks, labels = [], []
        while v <= vhi * (1 + 1e-12):
            if v > 0:
                ticks.append(math.log10(v))
                labels.append(f"{v:.4g}")
            v += step
    return ticks, labels


def int_ticks(n: int, most: int = 5) -> tuple[list[int], list[str]]:
    """Whole-number iteration ticks from 1 to n, at most ``most`` of them, on round steps."""
    if n <= 1:
        return [1], ["1"]
    raw = (n - 1) / (most - 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(s * mag for s in (1, 2, 5, 10) if s * mag >= raw)
    step = max(1, int(step))
    ticks = [1] + [t for t in range(step, n + 1, step) if t > 1]
    return ticks, [str(t) for t in ticks]


class LossCurve(LazyPlot):
    """J against iteration, log scale by hand; a blow-up is marked, never plotted as inf.

    Until there is a J to plot (or ``warm`` is called) it draws only its empty title, without plotext."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._history = HistoryView.of(())
        self._blowup: int | None = None
        self._drawn: tuple | None = None
        self._drawn_at = -math.inf
        self._test: tuple[list[int], list[float]] = ([], [])  # (iterations, J_test) with a held-out split
        self.points = 0  # how many finite points the last draw plotted

    def on_mount(self) -> None:
        super().on_mount()
        self.border_title = "Loss J (log scale)"
        self.redraw()

    def warm(self) -> None:
        """Import plotext and draw the real (empty) plot: called once the first screen is painted."""
        if not self.plotted:
            self.plt
            self.redraw(force=True)

    def set_history(self, history: HistoryView | tuple[float, ...], blowup_iteration: int | None) -> None:
        self._history = history if isinstance(history, HistoryView) else HistoryView.of(history)
        self._blowup = blowup_iteration

    def set_test(self, xs: list[int], ys: list[float]) -> None:
        """J over the held-out examples (tui/heldout.py): drawn as a second, magenta curve."""
        self._test = (xs, ys)

    def redraw(self, force: bool = False, min_interval: float = 0.0) -> None:
        """Rebuild the plot if its data or size changed; not again within ``min_interval`` seconds (a
        plotext build costs several ms, so while training runs the curve follows at a lower rate)."""
        hist = self._history
        key = (hist.total, self._blowup, self.size.width, self.size.height, len(self._test[0]))
        last = hist.last
        if not force and self._drawn == key + (last,):
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < min_interval:
            return
        self._drawn, self._drawn_at = key + (last,), now
        n = hist.total
        J = hist.values
        ok = np.isfinite(J) & (J > 0)
        xs_arr = hist.iterations[ok]
        with np.errstate(all="ignore"):
            ys_arr = np.log10(J[ok])
        self.points = int(ok.sum())
        title = "J"
        if n:
            title = f"J = {sci(last)} at iteration {n}"
        if self._blowup is not None:
            title += f" · non-finite from iteration {self._blowup}"
        tx, ty = self._test_points()
        self.border_title = "J (log) · cyan train · magenta test" if self._test[0] else "Loss J (log scale)"
        if self._test[1]:
            title = title.replace("J = ", "J (train) = ", 1) + f" · J_test = {sci(self._test[1][-1])}"
        if not self.points and not self.plotted:  # the first screen: no plotext yet (lazy_plot.py)
            self.placeholder = "J appears here after the loss phase" if not n else \
                f"{title}: no finite, positive J to plot"
            self.refresh()
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("iteration")
        plt.title(title)
        if not self.points:
            plt.title("J appears here after the loss phase" if not n else
                      f"{title}: no finite, positive J to plot")
            plt.xlim(0, max(1, n))
            plt.ylim(-1, 1)
            plt.xticks([], [])
            plt.yticks([], [])
            self.refresh()
            return
        width = max(10, self.size.width - 10)
        xs, ys = downsample(xs_arr, ys_arr, width)
        if tx:
            tx, ty = downsample(tx, ty, width)
        lo, hi = min(ys + ty), max(ys + ty)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        pad = (hi - lo) * 0.05
        plt.plot(xs, ys, marker="braille", color="cyan")
        if tx:
            plt.plot(tx, ty, marker="braille", color="magenta")
        if self._blowup is not None:
            plt.vline(self._blowup, "red")
        plt.ylim(lo - pad, hi + pad)
        plt.xlim(0.5 if n == 1 else 1, n + 0.5 if n == 1 else n)
        plt.xticks(*int_ticks(n))
        ticks, labels = log_ticks(lo - pad, hi + pad)
        plt.yticks(ticks, labels)
        self.refresh()

    def _test_points(self) -> tuple[list[int], list[float]]:
        """The finite, positive J_test points as (iteration, log10 J_test)."""
        xs, ys = self._test
        keep = [(x, math.log10(y)) for x, y in zip(xs, ys) if math.isfinite(y) and y > 0]
        return [x for x, _ in keep], [y for _, y in keep]
