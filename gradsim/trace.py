"""What a headless run writes: per-iteration trace rows (JSONL or CSV) and the last iteration's arrays (NPZ).

Trace columns, one row per iteration (``trace_columns``)::

    iteration, J,
    norm(dW[l]), norm(db[l]), norm(A[l]), norm(dZ[l])     for l = 1..L,
    norm(dA[l])                                           for l = 0..L-1,
    std(A[l]), fraction_saturated[l], fraction_dead[l]    for l = 1..L,
    nonfinite, blowup, halted,
    J_full, accuracy, J_test, accuracy_test               when they apply (``engine.evaluate.applies``)

``J_full``/``accuracy``: over every training example (with mini-batches or a held-out split);
``J_test``/``accuracy_test``: over the held-out examples (``test_fraction`` in [data]); accuracy only for
a classification loss. All four use the parameters of the iteration's forward pass, like J.

``norm(dA[0])`` is the gradient that reaches the input (W[1]ᵀ dZ[1]), ``norm(dA[L])`` is left out: it is
the loss's dŷ, which ``norm(dZ[L])`` already shows for the fused output layers.

The names are the ones the scenario expectation language uses, so a column can be pasted into an
``[[expect]]``. ``nonfinite``: J or a traced norm of this iteration is inf/NaN; ``blowup``: the first
non-finite value of the run appeared in this iteration; ``halted``: the parameters are non-finite after
this iteration's update, so the simulation stops. In JSONL a non-finite number is written as ``null``
(JSON has no inf/NaN); in CSV as ``inf``/``nan``, which ``float()`` reads back.

NPZ keys (all float64): ``X``, ``Y``, ``A[0]`` (the columns the iteration fed to layer 1: the mini-batch
after normalisation), for l = 1..L ``W[l]``, ``b[l]`` (the parameters its forward pass used), ``Z[l]``,
``A[l]``, ``dZ[l]``, ``dW[l]``, ``db[l]``, ``dA[l]``, then ``dA[0]`` (= W[1]ᵀ dZ[1], the gradient that
reaches the input) and ``J`` (0-d).
"""

from __future__ import annotations

import csv
import functools
import json
import math
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Sequence

import numpy as np

from .engine.stats import norm_quiet, std_quiet
from .engine import evaluate
from .outputs import atomic_open

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation

TRACE_SUFFIXES = (".jsonl", ".csv")
# (column pattern, first layer, last layer counted from L): l runs over first..L + last
PER_LAYER = (
    ("norm(dW[{l}])", 1, 0), ("norm(db[{l}])", 1, 0), ("norm(A[{l}])", 1, 0), ("norm(dZ[{l}])", 1, 0),
    ("norm(dA[{l}])", 0, -1), ("std(A[{l}])", 1, 0), ("fraction_saturated[{l}]", 1, 0), ("fraction_dead[{l}]", 1, 0),
)
NORMS = (("dW", 1, 0), ("db", 1, 0), ("A", 1, 0), ("dZ", 1, 0), ("dA", 0, -1))
FLAGS = ("nonfinite", "blowup", "halted")
NPZ_PER_LAYER = ("W", "b", "Z", "A", "dZ", "dW", "db", "dA")
NPZ_BATCH_NORM = ("gamma", "beta", "mu", "sigma2", "Zhat", "Ztilde", "dZtilde", "dgamma", "dbeta", "dZhat")


def trace_columns(L: int, metrics: Sequence[str] = ()) -> list[str]:
    """The trace's column names for an L-layer network, in order; ``metrics`` (``evaluate.applies``) last."""
    cols = ["iteration", "J"]
    for pattern, first, last in PER_LAYER:
        cols += [pattern.format(l=l) for l in range(first, L + last + 1)]
    return cols + list(FLAGS) + list(metrics)


@functools.lru_cache(maxsize=64)
def _row_names(L: int) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """((column, array) for every traced norm, (column, array) for every std) of an L-layer net."""
    norms = tuple((f"norm({kind}[{l}])", f"{kind}[{l}]") for kind, first, last in NORMS
                  for l in range(first, L + last + 1))
    stds = tuple((f"std(A[{l}])", f"A[{l}]") for l in range(1, L + 1))
    return norms, stds


def trace_row(sim: "Simulation") -> dict[str, Any]:
    """The trace row of the simulation's current iteration (call after its update phase)."""
    t = sim.iteration
    arrays = sim.arrays
    row: dict[str, Any] = {"iteration": t, "J": float(sim.J) if sim.J is not None else math.nan}
    nan = math.nan
    norm_names, std_names = _row_names(sim.L)
    with np.errstate(all="ignore"):  # once for the row, not once per array (the same numbers as norm/std)
        for column, name in norm_names:
            a = arrays.get(name)
            row[column] = norm_quiet(a) if a is not None else nan
        for column, name in std_names:
            row[column] = std_quiet(arrays.get(name))
    layer_stats = [sim.layer_stats(l) for l in range(1, sim.L + 1)]  # once per layer, not per key
    for key in ("fraction_saturated", "fraction_dead"):
        for l, stats in enumerate(layer_stats, 1):
            row[f"{key}[{l}]"] = float(stats[key])
    numbers = [v for k, v in row.items() if k != "iteration" and not k.startswith("fraction")]
    row["blowup"] = sim.blowup is not None and sim.blowup.iteration == t
    row["nonfinite"] = row["blowup"] or any(not math.isfinite(v) for v in numbers)
    row["halted"] = bool(sim.halted)
    row.update(evaluate.metrics(sim, evaluate.applies(sim)))  # J_full, accuracy, J_test, accuracy_test
    return row


class TraceWriter:
    """Writes rows as they come (memory stays flat however long the run): JSONL or CSV by the suffix."""

    def __init__(self, path: str | Path, columns: list[str]):
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in TRACE_SUFFIXES:
            raise ValueError(f"trace file must end in .jsonl or .csv, got {self.path.name!r}")
        self.columns = columns
        self.format = suffix[1:]
        self.rows = 0
        self._target = atomic_open(self.path, "w", encoding="utf-8", newline="")  # renamed in on close()
        self._file: IO[str] = self._target.__enter__()
        self._csv = None
        if self.format == "csv":
            self._csv = csv.writer(self._file, lineterminator="\n")
            self._csv.writerow(columns)

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow([_csv_cell(row[c]) for c in self.columns])
        else:
            self._file.write(json.dumps({c: _json_value(row[c]) for c in self.columns}, allow_nan=False) + "\n")
        self.rows += 1

    def close(self) -> None:
        """The trace is complete: move it into place (a reader never sees half of it)."""
        if self._target is not None:
            target, self._target = self._target, None
            target.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        """The run broke: drop the temporary file; what was at the path before stays."""
        if self._target is not None:
            target, self._target = self._target, None
            with suppress(BaseException):
                target.__exit__(type(exc), exc, exc.__traceback__)

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, typ, exc, tb) -> None:
        self.abort(exc) if exc is not None else self.close()


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _csv_cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # full precision; inf / nan as float() reads them
    return str(v)


def npz_arrays(sim: "Simulation") -> dict[str, np.ndarray]:
    """The current iteration's arrays under the NPZ key names, as float64 copies."""
    arrays = sim.arrays
    out = {"X": arrays["X"], "Y": arrays["Y"], "A[0]": arrays["A[0]"]}
    for l in range(1, sim.L + 1):
        for kind in NPZ_PER_LAYER:
            name = f"{kind}[{l}]"
            if name not in arrays:
                raise ValueError(f"iteration {sim.iteration} has no {name}: it did not finish its backward pass")
            out[name] = arrays[name]
        if sim.bns[l - 1] is not None:  # batch norm's parameters and cached steps (engine/batchnorm.py)
            out.update((f"{kind}[{l}]", arrays[f"{kind}[{l}]"]) for kind in NPZ_BATCH_NORM)
    if "dA[0]" not in arrays:
        raise ValueError(f"iteration {sim.iteration} has no dA[0]: it did not finish its backward pass")
    out["dA[0]"] = arrays["dA[0]"]
    out["J"] = np.float64(sim.J if sim.J is not None else math.nan)
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def save_npz(sim: "Simulation", path: str | Path) -> list[str]:
    """Write ``npz_arrays(sim)`` to ``path`` (uncompressed); returns the keys written."""
    arrays = npz_arrays(sim)
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)
    return list(arrays)
