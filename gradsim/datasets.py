"""Synthetic and file data for scenarios, NumPy only.

Every generator takes a ``np.random.Generator`` and returns ``(X, Y)`` as float64 with the examples as
COLUMNS, the lecture's layout: ``X`` has shape ``(n[0], m)``, ``Y`` has shape ``(n[L], m)``.

- ``needles`` / ``needles3`` / ``needles_softmax``: the lecture's needle-in-a-haystack images of
  w × l × b pixels flattened to n[0] = w·l·b (one needle → logistic; three kinds, any subset → multilabel;
  exactly one of three → softmax).
- ``xor``, ``circles``, ``moons``, ``spirals``, ``linear``: 2-D toy sets (labels 0/1, or one-hot).
- ``teacher``: regression targets from a random linear or one-hidden-layer ReLU teacher, plus noise.
- ``explicit``, ``load_npy``, ``load_csv``: arrays written inline or read from files.

File problems and bad arguments raise ``ValueError`` with a short reason; the scenario loader turns it
into a ``ScenarioError`` that names the file and field.
"""

from __future__ import annotations

import csv
from array import array
from pathlib import Path
from typing import Sequence

import numpy as np

Array = np.ndarray

NEEDLE_KINDS = 3


# ---------------------------------------------------------------------------------------------- images
def needle_pattern(kind: int, size: int) -> Array:
    """The fixed size × size pattern of needle ``kind``: 0 a horizontal bar, 1 a vertical bar, 2 a diagonal."""
    p = np.zeros((size, size))
    if kind == 0:
        p[size // 2, :] = 1.0
    elif kind == 1:
        p[:, size // 2] = 1.0
    else:
        p[np.arange(size), np.arange(size)] = 1.0
    return p


def _haystack(rng: np.random.Generator, m: int, width: int, height: int, channels: int,
              noise: float) -> Array:
    return rng.uniform(0.0, noise, size=(m, channels, height, width)) if noise > 0 else np.zeros(
        (m, channels, height, width))


def _place(rng: np.random.Generator, img: Array, kind: int, size: int) -> None:
    """Paint needle ``kind`` (in channel kind mod b) at a random position of one image (b, l, w)."""
    channels, height, width = img.shape
    r = int(rng.integers(0, height - size + 1))
    c = int(rng.integers(0, width - size + 1))
    patch = img[kind % channels, r:r + size, c:c + size]
    np.maximum(patch, needle_pattern(kind, size), out=patch)


def _check_image(width: int, height: int, channels: int, size: int) -> None:
    if min(width, height, channels, size) < 1:
        raise ValueError("image sizes and needle size must be at least 1")
    if size > min(width, height):
        raise ValueError(f"needle size {size} does not fit a {width}×{height} image")


def _flatten(images: Array) -> Array:
    return images.reshape(images.shape[0], -1).T.astype(np.float64)


def needles(rng: np.random.Generator, m: int, width: int = 5, height: int = 5, channels: int = 3,
            size: int = 2, p: float = 0.5, noise: float = 0.5) -> tuple[Array, Array]:
    """One needle kind: each image holds the needle with probability p. Y (1, m) is 1 where it does.

    The haystack is uniform noise in [0, noise); needle pixels are 1.
    """
    _check_image(width, height, channels, size)
    images = _haystack(rng, m, width, height, channels, noise)
    present = rng.random(m) < p
    for i in np.flatnonzero(present):
        _place(rng, images[i], 0, size)
    return _flatten(images), present.astype(np.float64)[None, :]


def needles3(rng: np.random.Generator, m: int, width: int = 5, height: int = 5, channels: int = 3,
             size: int = 2, p: float = 0.5, noise: float = 0.5) -> tuple[Array, Array]:
    """Three needle kinds, each present independently with probability p: Y (3, m) multilabel 0/1."""
    _check_image(width, height, channels, size)
    images = _haystack(rng, m, width, height, channels, noise)
    Y = (rng.random((NEEDLE_KINDS, m)) < p).astype(np.float64)
    for i in range(m):
        for k in range(NEEDLE_KINDS):
            if Y[k, i]:
                _place(rng, images[i], k, size)
    return _flatten(images), Y


def needles_softmax(rng: np.random.Generator, m: int, width: int = 5, height: int = 5,
                    channels: int = 3, size: int = 2, noise: float = 0.5) -> tuple[Array, Array]:
    """Exactly one of three needle kinds per image: Y (3, m) one-hot, for softmax."""
    _check_image(width, height, channels, size)
    images = _haystack(rng, m, width, height, channels, noise)
    labels = rng.integers(0, NEEDLE_KINDS, size=m)
    for i in range(m):
        _place(rng, images[i], int(labels[i]), size)
    return _flatten(images), one_hot(labels, NEEDLE_KINDS)


# ------------------------------------------------------------------------------------------ 2-D toys
def one_hot(labels: Array, k: int) -> Array:
    """Integer labels (m,) in 0..k-1 → one-hot Y of shape (k, m)."""
    labels = np.asarray(labels).astype(np.int64)
    Y = np.zeros((k, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def _labels_out(labels: Array, k: int, as_one_hot: bool) -> Array:
    return one_hot(labels, k) if as_one_hot else labels.astype(np.float64)[None, :]


def _shuffle(rng: np.random.Generator, X: Array, labels: Array) -> tuple[Array, Array]:
    order = rng.permutation(X.shape[1])
    return X[:, order], labels[order]


def xor(rng: np.random.Generator, m: int, noise: float = 0.1,
        one_hot: bool = False) -> tuple[Array, Array]:
    """Points in [−1, 1]², label 1 where x₁·x₂ > 0 (the XOR quadrants), Gaussian jitter of std noise."""
    X = rng.uniform(-1.0, 1.0, size=(2, m))
    labels = (X[0] * X[1] > 0).astype(np.int64)
    X = X + noise * rng.standard_normal((2, m))
    return X, _labels_out(labels, 2, one_hot)


def circles(rng: np.random.Generator, m: int, noise: float = 0.05, factor: float = 0.5,
            one_hot: bool = False) -> tuple[Array, Array]:
    """Two concentric circles: outer (radius 1) label 0, inner (radius factor) label 1."""
    inner = np.arange(m) % 2 == 1
    t = rng.uniform(0.0, 2 * np.pi, size=m)
    r = np.where(inner, factor, 1.0)
    X = np.vstack([r * np.cos(t), r * np.sin(t)]) + noise * rng.standard_normal((2, m))
    return _shuffled_out(rng, X, inner.astype(np.int64), 2, one_hot)


def _shuffled_out(rng: np.random.Generator, X: Array, labels: Array, k: int,
                  as_one_hot: bool) -> tuple[Array, Array]:
    X, labels = _shuffle(rng, X, labels)
    return X, _labels_out(labels, k, as_one_hot)


def moons(rng: np.random.Generator, m: int, noise: float = 0.1,
          one_hot: bool = False) -> tuple[Array, Array]:
    """Two interleaving half circles (as in scikit-learn's make_moons): upper label 0, lower label 1."""
    lower = np.arange(m) % 2 == 1
    t = rng.uniform(0.0, np.pi, size=m)
    X = np.where(lower, [1.0 - np.cos(t), 0.5 - np.sin(t)], [np.cos(t), np.sin(t)])
    X = X + noise * rng.standard_normal((2, m))
    return _shuffled_out(rng, X, lower.astype(np.int64), 2, one_hot)


def spirals(rng: np.random.Generator, m: int, noise: float = 0.1, classes: int = 2,
            one_hot: bool | None = None) -> tuple[Array, Array]:
    """``classes`` interleaved spiral arms; Y (1, m) 0/1 for two classes, else one-hot (k, m)."""
    if classes < 2:
        raise ValueError("spirals need at least 2 classes")
    if one_hot is None:
        one_hot = classes > 2
    if classes > 2 and not one_hot:
        raise ValueError("more than 2 spiral classes need one_hot = true")
    labels = np.arange(m) % classes
    r = rng.uniform(0.05, 1.0, size=m)
    t = labels * (2 * np.pi / classes) + 4.0 * r + noise * rng.standard_normal(m)
    X = np.vstack([r * np.sin(t), r * np.cos(t)])
    return _shuffled_out(rng, X, labels, classes, one_hot)


def linear(rng: np.random.Generator, m: int, noise: float = 0.0,
           one_hot: bool = False) -> tuple[Array, Array]:
    """Linearly separable: X ~ N(0, I), label 1 on one side of a random line through the origin."""
    X = rng.standard_normal((2, m))
    angle = rng.uniform(0.0, 2 * np.pi)
    labels = (np.cos(angle) * X[0] + np.sin(angle) * X[1] > 0).astype(np.int64)
    X = X + noise * rng.standard_normal((2, m))
    return X, _labels_out(labels, 2, one_hot)


# ------------------------------------------------------------------------------------------ teacher
def teacher(rng: np.random.Generator, m: int, inputs: int = 2, outputs: int = 1, hidden: int = 0,
            noise: float = 0.1, relu_output: bool = False,
            scales: Sequence[float] | None = None) -> tuple[Array, Array]:
    """Regression targets from a random teacher: Y = W x + b (hidden = 0) or W₂ ReLU(W₁ x + b₁) + b₂.

    x ~ N(0, I) is drawn first and Y computed from it; the X handed out is x with feature i multiplied by
    scales[i] (badly scaled features make an ill-conditioned problem). ``relu_output`` clips Y at 0 so a
    ReLU output layer can fit it. Gaussian noise of std ``noise`` is added to Y.
    """
    x = rng.standard_normal((inputs, m))
    if hidden:
        W1 = rng.standard_normal((hidden, inputs)) * np.sqrt(2.0 / inputs)
        b1 = 0.1 * rng.standard_normal((hidden, 1))
        W2 = rng.standard_normal((outputs, hidden)) * np.sqrt(1.0 / hidden)
        Y = W2 @ np.maximum(W1 @ x + b1, 0.0) + 0.1 * rng.standard_normal((outputs, 1))
    else:
        W = rng.standard_normal((outputs, inputs))
        Y = W @ x + 0.5 * rng.standard_normal((outputs, 1))
    Y = Y + noise * rng.standard_normal(Y.shape)
    if relu_output:
        Y = np.maximum(Y, 0.0)
    if scales is not None:
        s = np.asarray(scales, dtype=np.float64)
        if s.shape != (inputs,):
            raise ValueError(f"scales needs {inputs} numbers, one per input")
        x = x * s[:, None]
    return x, Y


# ------------------------------------------------------------------------------------ explicit/files
def explicit(X: Sequence[Sequence[float]], Y: Sequence[Sequence[float]]) -> tuple[Array, Array]:
    """Inline arrays, rows = features / outputs, columns = examples."""
    Xa = np.array(X, dtype=np.float64)
    Ya = np.array(Y, dtype=np.float64)
    if Xa.ndim != 2 or Ya.ndim != 2:
        raise ValueError("X and Y must be 2-D (rows = features, columns = examples)")
    if Xa.shape[1] != Ya.shape[1]:
        raise ValueError(f"X has {Xa.shape[1]} columns (examples) but Y has {Ya.shape[1]}")
    return Xa, Ya


MAX_CLASSES = 4096  # one-hot rows; the scenario caps' MAX_WIDTH
MAX_TABLE = 10_000_000  # numbers in a .npy or .csv table, checked before it is read whole
MAX_ROWS = 100_000  # examples in a CSV (the scenario caps' MAX_M), checked while it streams


def _split_table(T: Array, targets: Sequence[int], as_one_hot: bool) -> tuple[Array, Array]:
    """Rows = examples table → (X, Y) with examples as columns; ``targets`` are column indices."""
    d = T.shape[1]
    idx = []
    for t in targets:
        if not -d <= t < d:
            raise ValueError(f"target column {t} is out of range for {d} columns")
        idx.append(t % d)
    if len(set(idx)) != len(idx):
        raise ValueError("a target column is listed twice")
    if len(idx) == d:
        raise ValueError("every column is a target; no input columns are left")
    keep = [j for j in range(d) if j not in idx]
    X = T[:, keep].T.copy()
    Yraw = T[:, idx].T.copy()
    if as_one_hot:
        if len(idx) != 1:
            raise ValueError("one_hot needs exactly one target column of class labels")
        labels = Yraw[0]
        if not np.all(np.isfinite(labels)) or np.any(labels < 0) or np.any(labels != np.round(labels)):
            raise ValueError("one_hot target column must hold class labels 0, 1, 2, …")
        k = int(labels.max()) + 1 if labels.size else 1
        if k > MAX_CLASSES:  # bounded before the (k, m) array is made
            raise ValueError(f"one_hot target column must hold class labels from 0 to {MAX_CLASSES - 1}")
        return X, one_hot(labels.astype(np.int64), k)
    return X, Yraw


def load_npy(path: str | Path, targets: Sequence[int], examples: str = "rows",
             as_one_hot: bool = False) -> tuple[Array, Array]:
    """A 2-D .npy table; ``examples`` says whether examples are its rows (default) or columns."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:  # mapped, not read: its shape is checked before a byte of data is
        T = np.load(path, allow_pickle=False, mmap_mode="r")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one message
        raise ValueError(f"cannot read {path.name} as .npy ({type(exc).__name__})") from None
    if not isinstance(T, np.ndarray):  # an .npz archive under an .npy name
        getattr(T, "close", lambda: None)()
        raise ValueError(f"{path.name} is an .npz archive of several arrays; expected one .npy array")
    if T.size > MAX_TABLE:
        raise ValueError(f"{path.name} holds {T.size:,} numbers; expected at most {MAX_TABLE:,}")
    if T.ndim != 2:
        raise ValueError(f"{path.name} holds a {T.ndim}-D array; expected 2-D")
    if not np.issubdtype(T.dtype, np.number) or np.iscomplexobj(T):
        raise ValueError(f"{path.name} holds {T.dtype} values; expected real numbers")
    T = np.array(T, dtype=np.float64)  # read now, into memory, off the map
    if examples == "columns":
        T = T.T
    return _split_table(T, targets, as_one_hot)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path: str | Path, targets: Sequence[int | str], delimiter: str = ",",
             as_one_hot: bool = False) -> tuple[Array, Array]:
    """A CSV table, one example per row; a first row that is not all numbers is the header.

    ``targets`` are column indices or header names.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    header: list[str] | None = None
    values = array("d")  # 8 bytes a number, not a Python float each
    width = rows = 0
    try:  # streamed: one row of text at a time, the numbers counted as they come
        with path.open(newline="", encoding="utf-8-sig") as f:
            for line, r in enumerate(csv.reader(f, delimiter=delimiter), start=1):
                if not r or not any(c.strip() for c in r):
                    continue
                if not width:
                    width = len(r)
                    if not all(_is_number(c) for c in r):
                        header = [c.strip() for c in r]
                        continue
                if len(r) != width:
                    raise ValueError(f"{path.name} line {line} has {len(r)} fields; expected {width}")
                if len(values) + width > MAX_TABLE or rows >= MAX_ROWS:
                    raise ValueError(f"{path.name} holds more than {MAX_ROWS:,} examples or {MAX_TABLE:,} numbers")
                try:
                    values.extend(float(c) for c in r)
                except ValueError:
                    raise ValueError(f"{path.name} line {line} holds a value that is not a number") from None
                rows += 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"cannot read {path.name} as CSV ({exc})") from None
    if not width:
        raise ValueError(f"{path.name} is empty")
    if not rows:
        raise ValueError(f"{path.name} has a header but no data rows")
    idx: list[int] = []
    for t in targets:
        if isinstance(t, str):
            if header is None or t not in header:
                known = ", ".join(header) if header else "none (no header row)"
                raise ValueError(f"no column named {t!r} in {path.name}; columns: {known}")
            idx.append(header.index(t))
        else:
            idx.append(int(t))
    return _split_table(np.frombuffer(values, dtype=np.float64).reshape(rows, width).copy(), idx, as_one_hot)


# ------------------------------------------------------------------------------------- normalisation
def normalize(X: Array) -> tuple[Array, Array, Array]:
    """Zero mean, unit variance per feature (row) from these examples: (X_norm, mean, std).

    A constant feature (std = 0) is only centred (its std is taken as 1).
    """
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std


GENERATORS = {
    "needles": needles,
    "needles3": needles3,
    "needles_softmax": needles_softmax,
    "xor": xor,
    "circles": circles,
    "moons": moons,
    "spirals": spirals,
    "linear": linear,
    "teacher": teacher,
}
