"""A scenario as typed, frozen values. The network, initialisation and optimiser are the engine's own
specs (``LayerSpec``, ``InitSpec``, ``OptimizerSpec``), so nothing here mirrors them field by field."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..engine import InitSpec, LayerSpec, OptimizerSpec
from ..engine.init import get_initializer
from ..errors import show


@dataclass(frozen=True)
class TargetRange:
    """What is known of the targets Y before they are drawn: bounds, and whether columns sum to 1."""

    lo: float
    hi: float
    distribution: bool = False

    @classmethod
    def of(cls, Y: np.ndarray) -> "TargetRange":
        if Y.size == 0:
            return cls(0.0, 0.0)
        dist = bool(np.all(Y >= 0) and np.allclose(Y.sum(axis=0), 1.0, rtol=0, atol=1e-9))
        return cls(float(Y.min()), float(Y.max()), dist)

    def describe(self) -> str:
        if self.distribution:
            return "columns that are distributions"
        if self.lo == -math.inf and self.hi == math.inf:
            return "values of any sign and size (a regression teacher)"
        lo = "−∞" if self.lo == -math.inf else f"{self.lo:g}"
        hi = "∞" if self.hi == math.inf else f"{self.hi:g}"
        return f"values in [{lo}, {hi}]"


@dataclass(frozen=True, eq=False)
class DataSpec:
    """Where the examples come from. Generated kinds are drawn at build time from ``params``."""

    kind: str
    params: Mapping[str, Any]  # the generator's keyword arguments (read-only)
    m: int
    n0: int
    n_out: int
    targets: TargetRange
    normalize: bool = False
    scale: float = 1.0
    offset: float = 0.0
    seed: int | None = None  # None: the scenario's seed
    path: Path | None = None
    X: np.ndarray | None = None  # explicit and file kinds: loaded at validation, read-only
    Y: np.ndarray | None = None
    test_fraction: float = 0.0  # the share of the m examples held out of training (a seeded draw)

    @property
    def m_test(self) -> int:
        """How many examples are held out (0 without a split); training uses the other m − m_test."""
        return round(self.test_fraction * self.m) if self.test_fraction > 0 else 0

    @property
    def m_train(self) -> int:
        """The examples training uses: m without the held-out ones."""
        return self.m - self.m_test

    def describe(self) -> str:
        """One line: ``moons, m = 200, noise = 0.1, normalised``."""
        if self.path is not None:
            head = f"{self.kind} {self.path.name}"
        else:
            head = self.kind
        parts = [head, f"m = {self.m}", f"X ({self.n0}, m)", f"Y ({self.n_out}, m)"]
        parts += [f"{k} = {show(v)}" for k, v in self.params.items()
                  if k not in ("m", "path", "targets") and v is not False]
        if self.scale != 1.0:
            parts.append(f"scale = {self.scale:g}")
        if self.offset != 0.0:
            parts.append(f"offset = {self.offset:g}")
        parts.append("normalised" if self.normalize else "not normalised")
        if self.m_test:
            parts.append(f"{self.m_test} held out (test_fraction = {self.test_fraction:g})")
        return ", ".join(parts)



def describe_init(spec: InitSpec) -> str:
    """One initialiser in a line: 'identity (scale = 1.5)', 'explicit W'; a quiet parameter such as gain
    is named only when it is not its default."""
    if spec.W is not None:
        return "explicit W"
    entry = get_initializer(spec.name)
    values = spec.values()
    used = [p for p in entry.params if not (p.quiet and values[p.name] == p.default)]
    args = ", ".join(f"{p.name} = {values[p.name]:g}" for p in used)
    return spec.name + (f" ({args})" if args else "")


@dataclass(frozen=True)
class Run:
    iterations: int = 100
    stop_below: float | None = None
    stop_on_blowup: bool = True


@dataclass(frozen=True)
class At:
    """A point in the run: after phase (kind, layer) of an iteration, or the end of the run (iteration None)."""

    iteration: int | None = None
    phase: str | None = None
    layer: int | None = None

    @property
    def is_end(self) -> bool:
        return self.iteration is None

    def describe(self) -> str:
        if self.iteration is None:
            return "end"
        where = self.phase if self.layer is None else f"{self.phase} l={self.layer}"
        return f"iteration {self.iteration}, after {where}"


@dataclass(frozen=True, eq=False)
class Expectation:
    """What must come out: ``value`` (an expression) compared by ``op`` at ``at``."""

    index: int
    value: str
    op: str
    at: At = At()
    rhs: Any = None  # float, read-only array, or an expression string
    lo: Any = None
    hi: Any = None
    rtol: float = 1e-9
    atol: float = 1e-12
    why: str = ""
    name: str = ""
    trees: Mapping[str, Any] = field(default_factory=dict)  # parsed expressions: value, rhs, lo, hi
    layers: tuple[int, int] | None = None  # a claim over layers: checked for each l = first..last, all must pass

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return self.value if self.layers is None else f"{self.value} for l = {self.layers[0]}..{self.layers[1]}"


@dataclass(frozen=True, eq=False)
class Scenario:
    source: Path | None
    name: str
    summary: str
    notes: tuple[str, ...]
    seed: int
    layers: tuple[LayerSpec, ...]
    loss: str
    data: DataSpec
    init: tuple[InitSpec, ...]  # one per layer, l = 1..L
    optimizer: OptimizerSpec
    run: Run
    expectations: tuple[Expectation, ...]
    doc: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the TOML document it was validated from
    compare: Any = None  # compare_spec.CompareSpec: the run its lesson compares it with, or None
    transforms: tuple = ()  # engine.transforms.TransformSpec, in order: the [[transform]] tables

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def n(self) -> tuple[int, ...]:
        """n[0..L]."""
        return (self.data.n0,) + tuple(layer.n for layer in self.layers)

    @property
    def parameter_count(self) -> int:
        n = self.n
        bn = sum(2 * layer.n for layer in self.layers if layer.batch_norm is not None)  # gamma[l], beta[l]
        return sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n))) + bn

    def without_stops(self) -> "Scenario":
        """The same scenario with its stop conditions off (``--ignore-stop``): no ``stop_below``, no stop on a
        blow-up, so it runs all ``run.iterations`` (non-finite parameters still halt the engine)."""
        run_doc = {k: v for k, v in dict(self.doc.get("run", {})).items() if k != "stop_below"}
        doc = {**self.doc, "run": {**run_doc, "stop_on_blowup": False}}
        return replace(self, run=replace(self.run, stop_below=None, stop_on_blowup=False), doc=doc)

