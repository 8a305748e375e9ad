"""The data panel: what the network does to the data (``tui/dataview.py`` computes it, this draws it).

Drawn with the Line API: the lines are built once per new picture or size (half-block pixels, two per
cell, as ``▀`` with the top pixel as foreground and the bottom one as background) and cached as Strips.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from .. import dataview as dv
from ..dataview import DataSource
from ..state import Snapshot

Array = np.ndarray


@lru_cache(maxsize=4096)
def _pair(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Style:
    return Style.parse(f"rgb({top[0]},{top[1]},{top[2]}) on rgb({bottom[0]},{bottom[1]},{bottom[2]})")


@lru_cache(maxsize=4096)
def _bg(rgb: tuple[int, int, int]) -> Style:
    return Style.parse(f"on rgb({rgb[0]},{rgb[1]},{rgb[2]})")


TEXT = Style.parse("bold")
MUTED = Style.parse("dim")


def pixel_strips(pixels: Array) -> list[list[Segment]]:
    """(2R, C, 3) pixels → R rows of half-block segments (an odd last row gets the canvas below it)."""
    if pixels.shape[0] % 2:
        pixels = np.concatenate([pixels, np.full((1,) + pixels.shape[1:], dv.BACK, dtype=np.uint8)])
    rows = []
    for r in range(0, pixels.shape[0], 2):
        top, bottom = pixels[r].tolist(), pixels[r + 1].tolist()
        rows.append([Segment("▀", _pair(tuple(t), tuple(b))) for t, b in zip(top, bottom)])
    return rows


def scaled(img: Array, k: int) -> Array:
    return np.repeat(np.repeat(img, k, axis=0), k, axis=1)


class DataPanel(Widget):
    """The inputs with the network's answer over them; one example selected (for images and matrices)."""

    DEFAULT_CSS = "DataPanel { height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: DataSource | None = None
        self.heldout: tuple[Array, Array] | None = None
        self.params: Sequence[Array] | None = None
        self.example = 0
        self.view: dict = {}  # what was drawn last (mode, images' shapes, collapse, correct share): for tests
        self._lines: list[Strip] | None = None
        self._key: tuple | None = None

    def set_source(self, source: DataSource, heldout: tuple[Array, Array] | None = None) -> None:
        self.source, self.heldout, self.example, self.params = source, heldout, 0, None
        self.border_title = f"Data ({source.mode})"
        self._lines = None
        self.refresh()

    def show(self, snap: Snapshot, L: int) -> None:
        """The newest parameters (after the update once it ran) from ``snap``."""
        src = snap.updated if snap.updated is not None else snap.arrays
        keys = self.source.param_keys if self.source is not None and self.source.param_keys else \
            tuple(f"{k}[{l}]" for l in range(1, L + 1) for k in ("W", "b"))  # batch norm adds gamma, beta
        params = tuple(src[k] for k in keys)
        if self.params is None or any(a is not b for a, b in zip(params, self.params)):
            self.params = params
            self._lines = None
            self.refresh()

    def select(self, step: int) -> int:
        if self.source is None:
            return 0
        self.example = (self.example + step) % self.source.X.shape[1]
        self._lines = None
        self.refresh()
        return self.example

    # ------------------------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        key = (width, height)
        if self._lines is None or key != self._key:
            self._key = key
            self._lines = self.build(width, height)
        return self._lines[y].crop_extend(0, width, None) if y < len(self._lines) else Strip.blank(width)

    def build(self, width: int, height: int) -> list[Strip]:
        src, params = self.source, self.params
        if src is None or params is None or width < 4 or height < 2:
            return []
        text = [dv.metric_line(src, params, self.heldout)]
        if dv.is_linear(src):
            text += dv.collapse_lines(src, params, self.example)
            W, B, mapped, A = dv.collapse(src, params, self.example)
            self.view["collapse"] = (W, B, mapped, A)
        rows = max(1, height - len(text))
        mode = src.mode
        self.view["mode"] = mode
        if mode == "regions":
            reg = dv.regions(src, params, 2 * rows, width)
            self.view["correct_share"] = reg.correct_share(src.Y)
            self.view["pixels"] = reg.pixels
            canvas = pixel_strips(reg.pixels)
        elif mode == "curve":
            pixels = dv.curve(src, params, 2 * rows, width)
            self.view["pixels"] = pixels
            canvas = pixel_strips(pixels)
        elif mode == "image":
            canvas = self._images(src, params, rows, width)
        else:
            canvas = self._matrix(src, rows, width)
        lines = [Strip([Segment(t[:width], TEXT if i == 0 else MUTED)]) for i, t in enumerate(text)]
        return [Strip(segs) for segs in canvas[:rows]] + lines

    def _images(self, src: DataSource, params, rows: int, width: int) -> list[list[Segment]]:
        imgs = dv.images(src, params, self.example)
        self.view["images"] = [(label, img.shape) for label, img in imgs]
        h, w = imgs[0][1].shape[:2]
        k = max(1, min((2 * (rows - 1)) // h, 4))
        while k > 1 and len(imgs) * (w * k + 1) > width:
            k -= 1
        fit = max(1, min(len(imgs), width // (w * k + 1)))
        blocks = [pixel_strips(scaled(img, k)) for _, img in imgs[:fit]]
        labels = [Segment(label[: w * k].ljust(w * k + 1), MUTED) for label, _ in imgs[:fit]]
        out = [labels]
        for r in range(len(blocks[0])):
            line: list[Segment] = []
            for b in blocks:
                line += b[r] + [Segment(" ")]
            out.append(line)
        if fit < len(imgs):
            out.append([Segment(f"{len(imgs) - fit} more rows of W[1] do not fit", MUTED)])
        return out

    def _matrix(self, src: DataSource, rows: int, width: int) -> list[list[Segment]]:
        """X's and Y's rows as heat maps, one column per example, the selected one marked."""
        head = 7
        cols = max(1, width - head)
        m = src.X.shape[1]
        start = max(0, min(self.example - cols // 2, m - cols))
        idx = np.arange(start, min(m, start + cols))
        names = [f"X[{r}]" for r in range(src.X.shape[0])] + [f"Y[{r}]" for r in range(src.Y.shape[0])]
        data = np.vstack([src.X, src.Y])[:, idx]
        out = []
        for name, row in list(zip(names, data))[: max(0, rows - 1)]:
            scale = float(np.max(np.abs(row))) or 1.0
            segs = [Segment(name.ljust(head)[:head], MUTED)]
            for j, v in zip(idx.tolist(), row.tolist()):
                t = 0.5 + 0.5 * v / scale
                rgb = dv.blend((59, 130, 246), (239, 68, 68), t)
                segs.append(Segment("│" if j == self.example else " ", _bg(rgb)))
            out.append(segs)
        out.append([Segment(f"example {self.example} of {m} (columns {idx[0]}..{idx[-1]})", MUTED)])
        self.view["matrix_columns"] = (int(idx[0]), int(idx[-1]))
        return out
