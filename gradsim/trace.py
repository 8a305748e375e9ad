"""What a headless run writes: per-iteration trace rows (JSONL or CSV) and the last iteration's arrays (NPZ).

Trace columns, one row per iteration (``trace_columns``)::

    iteration, J,
    norm(dW[l]), norm(db[l]), norm(A[l]), norm(dZ[l])     for l = 1..L,
    norm(dA[l])                                           for l = 0..L-1,
    std(A[l]), fraction_saturated[l], fraction_dead[l]    for l = 1..L,
    norm(dgamma[l]), norm(dbeta[l])                       for each batch-norm layer l (as dW[l], db[l])
    nonfinite, blowup, halted,
    J_data                                                with weight decay (J = J_data + J_reg)
    alpha                                                 with a learning-rate schedule
    norm_g, norm_g_transformed                            with [[transform]] tables
    J_full, accuracy, J_test, accuracy_test               when they apply (``engine.evaluate.applies``)
    J_full_data, J_test_data                              beside them, with weight decay

``alpha``: α(t), the iteration's learning rate; ``norm_g``: the global gradient norm
√(Σ_l ‖dW[l]‖² + ‖db[l]‖²) of backprop's gradients, ``norm_g_transformed``: the same after every transform, as
the optimiser received it (``engine.update_stats``; ``trace_metrics`` lists what applies).

``J_full``/``J_test`` include weight decay's penalty as J does (with batch GD J_full = J);
``J_full_data``/``J_test_data`` are the data losses alone. ``J_full``/``accuracy``: over every training
example (with mini-batches or a held-out split);
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
reaches the input) and ``J`` (0-d); a layer with dropout adds its mask ``M[l]`` (1 kept, 0 dropped).
"""

from __future__ import annotations

import csv
import functools
import json
import math
import operator
from contextlib import suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Sequence

import numpy as np

from .engine import evaluate, unitstats, update_stats
from .outputs import atomic_open
from .engine.rowstats import norms_stds_quiet

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


def trace_columns(L: int, metrics: Sequence[str] = (), bn_layers: Sequence[int] = ()) -> list[str]:
    """The trace's column names for an L-layer network, in order: the per-layer columns, batch norm's
    (``bn_layers``: ``batch_norm_layers(sim)``), the flags, ``metrics`` (``trace_metrics``) last."""
    cols = ["iteration", "J"]
    for pattern, first, last in PER_LAYER:
        cols += [pattern.format(l=l) for l in range(first, L + last + 1)]
    return cols + [c for c, _ in _bn_norms(tuple(bn_layers))] + list(FLAGS) + list(metrics)


def batch_norm_layers(sim: "Simulation") -> tuple[int, ...]:
    """The layers l with batch norm: theirs are the norm(dgamma[l]), norm(dbeta[l]) columns."""
    return tuple(l for l, bn in enumerate(sim.bns, start=1) if bn is not None)


def _bn_norms(bn_layers: tuple[int, ...]) -> list[tuple[str, str]]:
    """(column, array) of batch norm's gradients, as dW[l], db[l] have theirs."""
    return [(f"norm({kind}[{l}])", f"{kind}[{l}]") for kind in ("dgamma", "dbeta") for l in bn_layers]


def trace_metrics(sim: "Simulation") -> list[str]:
    """The columns after the flags that apply to this simulation: alpha, the ‖g‖ pair, then J_full ... ."""
    return (["J_data"] if sim.transforms.has_penalty else []) + update_stats.applies(sim) + list(evaluate.applies(sim))


@functools.lru_cache(maxsize=64)
def _row_names(L: int, bn_layers: tuple[int, ...] = ()) -> tuple:
    """What a row of an L-layer net reads: (the arrays in the order ``norms_stds_quiet`` takes them — A[1..L]
    first, whose stds are wanted too, then the other normed arrays —, the norm columns, where each one's
    array is in that list, the std columns, the unit-fraction columns)."""
    norms = [(f"norm({kind}[{l}])", f"{kind}[{l}]") for kind, first, last in NORMS for l in range(first, L + last + 1)]
    norms += _bn_norms(bn_layers)
    stds = [(f"std(A[{l}])", f"A[{l}]") for l in range(1, L + 1)]
    first = [a for _, a in stds]
    order = first + [a for _, a in norms if a not in first]
    fractions = tuple(f"{key}[{l}]" for key in ("fraction_saturated", "fraction_dead") for l in range(1, L + 1))
    return (tuple(order), tuple(c for c, _ in norms), operator.itemgetter(*[order.index(a) for _, a in norms]),
            tuple(c for c, _ in stds), fractions)


def trace_row(sim: "Simulation") -> dict[str, Any]:
    """The trace row of the simulation's current iteration (call after its update phase)."""
    t = sim.iteration
    L = sim.L
    get = sim._cache.get  # read here, never handed out: no need to seal every array as ``sim.arrays`` does
    J = float(sim.J) if sim.J is not None else math.nan
    row: dict[str, Any] = {"iteration": t, "J": J}
    names, norm_cols, norm_of, std_cols, fraction_cols = _row_names(L, batch_norm_layers(sim) if any(sim.bns) else ())
    arrays = list(map(get, names))
    with np.errstate(all="ignore"):  # every norm and std in one pass: the numbers of display.norm / std
        norms, stds = norms_stds_quiet(arrays[:L], arrays[L:])
    row.update(zip(norm_cols, norm_of(norms)))
    row.update(zip(std_cols, stds))
    saturated, dead = unitstats.all_layers(sim)  # every layer's fractions in a few NumPy calls
    row.update(zip(fraction_cols, saturated + dead))
    isfinite = math.isfinite
    row["blowup"] = sim.blowup is not None and sim.blowup.iteration == t
    row["nonfinite"] = row["blowup"] or not (isfinite(J) and all(map(isfinite, norms)) and all(map(isfinite, stds)))
    row["halted"] = bool(sim.halted)
    if sim.transforms.has_penalty:  # J = J_data + J_reg: the data loss alone
        row["J_data"] = float(sim.J_parts[0]) if sim.J_parts is not None else math.nan
    row.update(update_stats.values(sim, update_stats.applies(sim)))  # alpha, norm_g, norm_g_transformed
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
        if f"M[{l}]" in arrays:  # a dropout layer's mask (engine/dropout.py)
            out[f"M[{l}]"] = arrays[f"M[{l}]"]
        if sim.bns[l - 1] is not None:  # batch norm's parameters and cached steps (engine/batchnorm.py)
            out.update((f"{kind}[{l}]", arrays[f"{kind}[{l}]"]) for kind in NPZ_BATCH_NORM)
        if f"Ws[{l}]" in arrays:  # a projection skip's matrix and its gradient (engine/projection.py)
            out.update((k, arrays[k]) for k in (f"Ws[{l}]", f"dWs[{l}]") if k in arrays)
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
