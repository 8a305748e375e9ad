"""What the data panel draws, as pixels and lines: no Textual here, so tests can look at it directly.

The view fits the inputs (``DataSource.mode``):

- ``regions``: n[0] = 2 (and one output, or a classification loss). The network's output on a grid over the inputs' box (decision regions for a
  classification loss, the output's value for regression), with the training points coloured by class or
  target on top.
- ``curve``: n[0] = 1 and one output: ŷ(x) as a curve over the targets.
- ``image``: the data's parameters give an image shape (the needle kinds: width × height × channels). The
  selected example as an image, and each unit's row of W[1] as an image of the same shape.
- ``matrix``: anything else: X and Y as heat-mapped rows with the selected column (example) marked.

Every grid and curve is a forward pass of its own (``engine.evaluate.forward``) with the parameters it is
handed: nothing of the simulation is touched. For a net of identity activations ``collapse`` gives the
single map W = W[L]…W[1], B and the check that W·x + B equals A[L] for the selected example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..display import fmt
from ..engine import evaluate
from ..engine.activations import Activation
from ..engine.losses import Loss

Array = np.ndarray
RGB = tuple[int, int, int]

CLASS = ((59, 130, 246), (249, 115, 22), (34, 197, 94), (217, 70, 239), (234, 179, 8), (20, 184, 166))
BACK = (24, 24, 32)  # the canvas where nothing is drawn
CURVE, TARGET = (250, 204, 21), (96, 165, 250)


@dataclass(frozen=True, eq=False)
class DataSource:
    """The fixed data of a simulation and what is needed to run its network (read-only references)."""

    X: Array
    Y: Array
    acts: tuple[Activation, ...]
    loss: Loss
    image: tuple[int, int, int] | None = None  # (channels, height, width) of one example
    skips: tuple[int, ...] = ()  # the layers' residual skips (engine/network.forward_pass)
    bns: tuple = ()  # the layers' batch norm (engine/batchnorm.py): evaluation uses the running statistics
    param_keys: tuple[str, ...] = ()
    running_of: Any = None  # () ↦ the simulation's running statistics now

    @property
    def running(self) -> dict:
        return self.running_of() if self.running_of is not None else {}

    @classmethod
    def of(cls, sim: Any, params: Any = None) -> "DataSource":
        """From a Simulation; ``params`` (a scenario's data parameters) may give an image shape."""
        image = None
        if params is not None and all(k in params for k in ("width", "height", "channels")):
            shape = (int(params["channels"]), int(params["height"]), int(params["width"]))
            if math.prod(shape) == sim.n[0]:
                image = shape
        return cls(sim.X, sim.Y, tuple(sim.acts), sim.loss, image, tuple(sim.skips), tuple(sim.bns),
                   sim.param_keys, lambda: sim.running)

    @property
    def n0(self) -> int:
        return self.X.shape[0]

    @property
    def mode(self) -> str:
        if self.image is not None:
            return "image"
        if self.n0 == 2 and (self.classifies or self.Y.shape[0] == 1):
            return "regions"
        if self.n0 == 1 and self.Y.shape[0] == 1:
            return "curve"
        return "matrix"

    @property
    def classifies(self) -> bool:
        return self.loss.accuracy is not None

    def forward(self, X: Array, params: Sequence[Array]) -> Array:
        return evaluate.forward(self, X, params)[1]


def blend(a: RGB, b: RGB, t: float) -> RGB:
    t = min(max(t, 0.0), 1.0)
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def blend_many(a: Array, b: Array, t: Array) -> Array:
    """Row-wise ``blend`` of (k, 3) colours a and b by t (k,): uint8 (k, 3)."""
    t = np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)[:, None]
    return np.round(a + (b - a) * t).astype(np.uint8)


def labels(Y: Array) -> Array:
    """One class per column: argmax for several rows, y > 0.5 for one."""
    return (Y[0] > 0.5).astype(int) if Y.shape[0] == 1 else Y.argmax(axis=0)


def _box(X: Array) -> tuple[float, float, float, float]:
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = np.where(hi > lo, (hi - lo) * 0.05, 1.0)
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])


@dataclass(frozen=True)
class Regions:
    """A grid of the network's output over the 2-D input box, pixel (row, col) top to bottom."""

    pixels: Array  # (rows, cols, 3) uint8
    predicted: Array  # (rows, cols) class per cell (classification) or the output's value
    cell_of_point: Array  # (2, m) the (row, col) of each training point

    def correct_share(self, Y: Array) -> float:
        """Of the grid cells holding training points, the share whose predicted class is the majority class
        of its points (the decision regions put them on the right side)."""
        lab = labels(Y)
        cells: dict[tuple[int, int], list[int]] = {}
        for (r, c), k in zip(self.cell_of_point.T.tolist(), lab.tolist()):
            cells.setdefault((r, c), []).append(k)
        if not cells:
            return math.nan
        right = sum(int(self.predicted[r, c]) == max(set(ks), key=ks.count) for (r, c), ks in cells.items())
        return right / len(cells)


def regions(src: DataSource, params: Sequence[Array], rows: int, cols: int) -> Regions:
    """The output over a rows × cols grid (pixel centres), coloured, with the points drawn on top."""
    x0, x1, y0, y1 = _box(src.X)
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows  # the top row is the largest x₂
    gx, gy = np.meshgrid(xs, ys)
    A = src.forward(np.vstack([gx.ravel(), gy.ravel()]), params)
    pixels = np.empty((rows, cols, 3), dtype=np.uint8)
    if src.classifies:
        if A.shape[0] == 1:
            p = A[0]
            pred = (p > 0.5).astype(int)
            conf = np.abs(p - 0.5) * 2
        else:
            pred = A.argmax(axis=0)
            conf = A.max(axis=0)
        palette = np.array(CLASS, dtype=np.float64)[pred % len(CLASS)]
        pixels[:] = blend_many(np.array(BACK, dtype=np.float64), palette, 0.15 + 0.35 * conf).reshape(rows, cols, 3)
        predicted = pred.reshape(rows, cols)
    else:
        v = A[0]
        lo, hi = float(min(src.Y[0].min(), np.nanmin(v))), float(max(src.Y[0].max(), np.nanmax(v)))
        t = (v - lo) / (hi - lo) if hi > lo else np.full_like(v, 0.5)
        lo_rgb = np.array(blend(BACK, CLASS[0], 0.5), dtype=np.float64)
        hi_rgb = np.array(blend(BACK, CLASS[1], 0.5), dtype=np.float64)
        pixels[:] = blend_many(lo_rgb[None, :], hi_rgb[None, :], t).reshape(rows, cols, 3)
        predicted = v.reshape(rows, cols)
    pc = np.clip(((src.X[0] - x0) / (x1 - x0) * cols).astype(int), 0, cols - 1)
    pr = np.clip(((y1 - src.X[1]) / (y1 - y0) * rows).astype(int), 0, rows - 1)
    if src.classifies:
        colours = [CLASS[k % len(CLASS)] for k in labels(src.Y).tolist()]
    else:
        y = src.Y[0]
        lo, hi = float(y.min()), float(y.max())
        colours = [blend(CLASS[0], CLASS[1], (v - lo) / (hi - lo) if hi > lo else 0.5) for v in y.tolist()]
    for r, c, rgb in zip(pr.tolist(), pc.tolist(), colours):
        pixels[r, c] = blend(rgb, (255, 255, 255), 0.25)
    return Regions(pixels, predicted, np.vstack([pr, pc]))


def curve(src: DataSource, params: Sequence[Array], rows: int, cols: int) -> Array:
    """ŷ(x) over the targets: (rows, cols, 3) pixels, targets as dots, the curve on top."""
    x = src.X[0]
    x0, x1 = float(x.min()), float(x.max())
    if x1 <= x0:
        x0, x1 = x0 - 1, x1 + 1
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    yhat = src.forward(xs[None, :], params)[0]
    y = src.Y[0]
    finite = yhat[np.isfinite(yhat)]
    lo = float(min(y.min(), finite.min() if finite.size else y.min()))
    hi = float(max(y.max(), finite.max() if finite.size else y.max()))
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    pixels = np.empty((rows, cols, 3), dtype=np.uint8)
    pixels[:] = BACK

    def row(v):
        return np.clip(((hi - v) / (hi - lo) * (rows - 1)).round().astype(int), 0, rows - 1)

    pc = np.clip(((x - x0) / (x1 - x0) * cols).astype(int), 0, cols - 1)
    pixels[row(y), pc] = TARGET
    ok = np.isfinite(yhat)
    pixels[row(yhat[ok]), np.arange(cols)[ok]] = CURVE
    return pixels


def image_rgb(v: Array, shape: tuple[int, int, int], signed: bool) -> Array:
    """One flattened example (or row of W[1]) as a (height, width, 3) RGB image.

    Channels 0, 1, 2 are red, green, blue (one channel: grey). ``signed`` (weights): 0 is mid-grey, the
    largest |w| full; otherwise values are scaled by the largest one.
    """
    c, h, w = shape
    img = np.asarray(v, dtype=np.float64).reshape(c, h, w)
    scale = float(np.nanmax(np.abs(img))) if img.size else 0.0
    scale = scale if scale > 0 and math.isfinite(scale) else 1.0
    t = 0.5 + 0.5 * img / scale if signed else img / scale
    t = np.nan_to_num(np.clip(t, 0, 1))
    rgb = np.repeat(t[:1], 3, axis=0) if c == 1 else np.concatenate([t[:3], np.zeros((max(0, 3 - c), h, w))])
    return (rgb.transpose(1, 2, 0) * 255).round().astype(np.uint8)


def images(src: DataSource, params: Sequence[Array], example: int) -> list[tuple[str, Array]]:
    """(label, image) pairs: the selected example, then every row of W[1] ("what this unit looks for")."""
    assert src.image is not None
    W1 = params[0]
    out = [(f"x({example})", image_rgb(src.X[:, example], src.image, signed=False))]
    out += [(f"W[1] row {j}", image_rgb(W1[j], src.image, signed=True)) for j in range(W1.shape[0])]
    return out


def is_linear(src: DataSource) -> bool:
    return all(g.identity for g in src.acts) and not any(bn is not None for bn in src.bns)


def collapse(src: DataSource, params: Sequence[Array], example: int) -> tuple[Array, Array, Array, Array]:
    """(W, B, W·x + B, A[L]) for a net of identity activations, x the selected example's column."""
    W, B = params[0], params[1]
    for l in range(1, len(src.acts)):
        Wl, bl = params[2 * l], params[2 * l + 1]
        W, B = Wl @ W, Wl @ B + bl
    x = src.X[:, example:example + 1]
    return W, B, W @ x + B, src.forward(x, params)


def collapse_lines(src: DataSource, params: Sequence[Array], example: int) -> list[str]:
    L = len(src.acts)
    W, B, mapped, A = collapse(src, params, example)
    prod = "".join(f"W[{l}]" for l in range(L, 0, -1))

    def vec(a: Array) -> str:
        flat = a.ravel()
        text = ", ".join(fmt(v) for v in flat[:6]) + (", …" if flat.size > 6 else "")
        return f"[{text}]"

    diff = float(np.max(np.abs(mapped - A))) if A.size else 0.0
    same = "=" if np.allclose(mapped, A, rtol=1e-12, atol=1e-12) else "≠"
    return [f"no activations: ŷ = W x + B, W = {prod} = {vec(W)}, B = {vec(B)}",
            f"example {example}: W·x + B = {vec(mapped)} {same} A[{L}] = {vec(A)}  (max |diff| {diff:.1e})"]


def metric_line(src: DataSource, params: Sequence[Array], heldout: tuple[Array, Array] | None) -> str:
    """J (and accuracy) of these parameters over all training examples, and over the held-out ones."""
    J, acc = evaluate.score(src, src.X, src.Y, params)
    parts = [f"all {src.X.shape[1]}: J {fmt(J)}" + (f", accuracy {acc:.1%}" if src.classifies else "")]
    if heldout is not None:
        Jt, acct = evaluate.score(src, heldout[0], heldout[1], params)
        parts.append(f"held out {heldout[0].shape[1]}: J {fmt(Jt)}" + (f", accuracy {acct:.1%}" if src.classifies else ""))
    return "   ".join(parts)
