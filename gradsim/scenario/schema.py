"""A scenario as typed, frozen dataclasses, and the strict validation that builds one from a TOML table.

Every problem is one ``ScenarioError`` naming the field path (``network.layers[2].activation``), what was
expected and what was got. Field paths count array positions from 0; layer numbers l count from 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import numpy as np

from .. import datasets
from ..engine import ACTIVATIONS, INITIALIZERS, LOSSES, OPTIMIZERS, check_compatible
from ..engine.activations import DEFAULT_LEAKY_SLOPE
from ..errors import ScenarioError, did_you_mean, show, type_name

# ------------------------------------------------------------------------------------------- caps
MAX_LAYERS = 64
MAX_WIDTH = 4096
MAX_INPUTS = 16384
MAX_M = 100_000
MAX_ITERATIONS = 1_000_000
MAX_PARAMS = 5_000_000
MAX_DATA = 10_000_000  # n[0]·m + n[L]·m numbers held in memory
MAX_CACHE = 20_000_000  # Σ_l n[l]·batch numbers cached by one forward pass
MAX_FILE_BYTES = 200 * 2**20
MAX_EXPECT = 1000

WEIGHT_INITS = tuple(k for k in INITIALIZERS if k != "explicit")
RANDOM_INITS = ("normal", "uniform", "standard", "xavier", "glorot", "he", "orthogonal")
INIT_PARAMS = {"gain": RANDOM_INITS, "std": ("normal",), "limit": ("uniform",),
               "value": ("constant",), "scale": ("identity",)}

_MISSING = object()


# ------------------------------------------------------------------------------------ dataclasses
@dataclass(frozen=True)
class Layer:
    """Layer l: n[l] units and its activation g[l] (``slope`` for leaky_relu)."""

    n: int
    activation: str
    slope: float | None = None


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
        return ", ".join(parts)


@dataclass(frozen=True, eq=False)
class LayerInit:
    """How W[l] and b[l] start: a named initialiser and its parameters, or explicit arrays."""

    weights: str = "xavier"
    gain: float = 1.0
    std: float = 0.01
    limit: float = 0.05
    value: float = 0.0
    scale: float = 1.0
    bias: float = 0.0
    W: np.ndarray | None = None
    b: np.ndarray | None = None

    def describe(self) -> str:
        if self.W is not None:
            return "explicit W"
        used = [k for k, names in INIT_PARAMS.items() if self.weights in names and not (k == "gain" and self.gain == 1.0)]
        args = ", ".join(f"{k} = {getattr(self, k):g}" for k in used)
        return self.weights + (f" ({args})" if args else "")


@dataclass(frozen=True)
class Optimizer:
    name: str = "gd"
    learning_rate: float = 0.1
    batch_size: int | None = None  # None: the whole batch; 1: stochastic; k: mini-batch
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


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

    @property
    def label(self) -> str:
        return self.name or self.value


@dataclass(frozen=True, eq=False)
class Scenario:
    source: Path | None
    name: str
    summary: str
    notes: tuple[str, ...]
    seed: int
    layers: tuple[Layer, ...]
    loss: str
    data: DataSpec
    init: tuple[LayerInit, ...]  # one per layer, l = 1..L
    optimizer: Optimizer
    run: Run
    expectations: tuple[Expectation, ...]

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
        return sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n)))


# --------------------------------------------------------------------------------- field readers
def _err(path: str, expected: str, value: Any = _MISSING, hint: str | None = None, got: str | None = None) -> ScenarioError:
    if got is None and value is not _MISSING:
        got = show(value)
    return ScenarioError(expected, got, field=path, hint=hint)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def check_keys(table: Mapping, allowed: Iterable[str], path: str, elsewhere: Mapping[str, str] | None = None) -> None:
    """Unknown keys are errors, with a did-you-mean among ``allowed``."""
    allowed = list(allowed)
    for key in table:
        if key in allowed:
            continue
        where = (elsewhere or {}).get(key)
        if where:
            raise _err(join(path, key), f"no {key!r} here ({where})", got=f"{key} = {show(table[key])}")
        raise _err(join(path, key), f"one of the keys {', '.join(allowed)}", got=f"unknown key {key!r}",
                   hint=did_you_mean(key, allowed))


def table(parent: Mapping, key: str, path: str, required: bool = False) -> dict:
    v = parent.get(key, _MISSING)
    if v is _MISSING:
        if required:
            raise _err(join(path, key), f"a [{join(path, key)}] table", got="nothing (it is missing)")
        return {}
    if not isinstance(v, dict):
        raise _err(join(path, key), "a table", got=type_name(v) + f" {show(v)}")
    return v


def integer(t: Mapping, key: str, path: str, default: Any = _MISSING, lo: int | None = None,
            hi: int | None = None, what: str = "") -> Any:
    v = t.get(key, _MISSING)
    if v is _MISSING:
        if default is _MISSING:
            raise _err(join(path, key), f"an integer{what}", got="nothing (it is missing)")
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        hint = "a boolean is not an integer" if isinstance(v, bool) else None
        if isinstance(v, float) and v.is_integer():
            hint = f"write {int(v)} without the decimal point"
        raise _err(join(path, key), f"an integer{what}", got=f"{type_name(v)} {show(v)}", hint=hint)
    _bounds(v, join(path, key), lo, hi, "an integer")
    return v


def number(t: Mapping, key: str, path: str, default: Any = _MISSING, lo: float | None = None,
           hi: float | None = None, lo_open: bool = False) -> Any:
    v = t.get(key, _MISSING)
    if v is _MISSING:
        if default is _MISSING:
            raise _err(join(path, key), "a number", got="nothing (it is missing)")
        return default
    return as_number(v, join(path, key), lo, hi, lo_open)


def as_number(v: Any, path: str, lo: float | None = None, hi: float | None = None, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(path, "a number", got=f"{type_name(v)} {show(v)}")
    f = float(v) if abs(v) < 1e308 else math.copysign(math.inf, v)
    if not math.isfinite(f):
        raise _err(path, "a finite number", v)
    if lo_open and lo is not None and f <= lo:
        raise _err(path, f"a number > {lo:g}", v)
    _bounds(f, path, None if lo_open else lo, hi, "a number")
    return f


def _bounds(v, path: str, lo, hi, what: str) -> None:
    def f(x):
        return f"{x:,}" if isinstance(x, int) else f"{x:g}"
    if lo is not None and hi is not None and not lo <= v <= hi:
        raise _err(path, f"{what} from {f(lo)} to {f(hi)}", v)
    if lo is not None and v < lo:
        raise _err(path, f"{what} ≥ {f(lo)}", v)
    if hi is not None and v > hi:
        raise _err(path, f"{what} ≤ {f(hi)}", v)


def boolean(t: Mapping, key: str, path: str, default: bool) -> bool:
    v = t.get(key, default)
    if not isinstance(v, bool):
        raise _err(join(path, key), "true or false", got=f"{type_name(v)} {show(v)}")
    return v


def string(t: Mapping, key: str, path: str, default: Any = _MISSING) -> Any:
    v = t.get(key, _MISSING)
    if v is _MISSING:
        if default is _MISSING:
            raise _err(join(path, key), "a string", got="nothing (it is missing)")
        return default
    if not isinstance(v, str):
        raise _err(join(path, key), "a string", got=f"{type_name(v)} {show(v)}")
    return v


def choice(t: Mapping, key: str, path: str, choices: Iterable[str], default: Any = _MISSING) -> Any:
    choices = list(choices)
    v = t.get(key, _MISSING)
    if v is _MISSING:
        if default is _MISSING:
            raise _err(join(path, key), "one of " + ", ".join(choices), got="nothing (it is missing)")
        return default
    if not isinstance(v, str) or v not in choices:
        hint = did_you_mean(v, choices) if isinstance(v, str) else None
        raise _err(join(path, key), "one of " + ", ".join(choices), v, hint=hint)
    return v


def matrix(v: Any, path: str, max_size: int = MAX_DATA) -> np.ndarray:
    """A 2-D array of numbers written as nested TOML arrays (rows), read-only float64."""
    if not isinstance(v, list) or not v or not all(isinstance(r, list) for r in v):
        raise _err(path, "a 2-D array of numbers such as [[1, 2], [3, 4]] (one inner array per row)", v)
    width = len(v[0])
    if width == 0:
        raise _err(path, "rows with at least one number", v)
    if len(v) * width > max_size:
        raise _err(path, f"at most {max_size} numbers", got=f"{len(v)}×{width}")
    for i, r in enumerate(v):
        if len(r) != width:
            raise _err(f"{path}[{i}]", f"{width} numbers like row 0 (rows must have equal length)", got=f"{len(r)}")
        for j, x in enumerate(r):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise _err(f"{path}[{i}][{j}]", "a number", got=f"{type_name(x)} {show(x)}")
    a = np.array(v, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise _err(f"{path}[{i}][{j}]", "a finite number", v[i][j])
    a.flags.writeable = False
    return a


# ------------------------------------------------------------------------------------- the whole
TOP_KEYS = ("seed", "loss", "network", "data", "init", "optimizer", "run", "expect")


def validate(doc: Mapping, *, source: Path | None = None, name: str = "scenario", summary: str = "",
             notes: tuple[str, ...] = ()) -> Scenario:
    """A Scenario from a parsed TOML document, or a ScenarioError (without the file; the loader adds it)."""
    from . import expect as _expect

    check_keys(doc, TOP_KEYS, "", elsewhere={
        "layers": "layers go in [network]", "name": "the name is the file name",
        "iterations": "iterations go in [run]", "learning_rate": "learning_rate goes in [optimizer]",
        "expectations": "expectations are [[expect]] tables"})
    seed = integer(doc, "seed", "", default=0, lo=0, hi=2**63 - 1)
    loss = choice(doc, "loss", "", LOSSES)
    net = table(doc, "network", "", required=True)
    base_dir = source.parent if source is not None else Path.cwd()
    data = read_data(table(doc, "data", "", required=True), "data", base_dir)
    layers = read_network(net, data)
    check_loss(loss, layers, data, len(net["layers"]) - 1)
    optimizer = read_optimizer(table(doc, "optimizer", ""), "optimizer", data.m)
    check_caps(data, layers, optimizer)
    init = read_init(table(doc, "init", ""), "init", data.n0, layers)
    run = read_run(table(doc, "run", ""), "run")
    scenario = Scenario(source, name, summary, tuple(notes), seed, tuple(layers), loss, data, tuple(init),
                        optimizer, run, ())
    exps = _expect.read_expectations(doc.get("expect", _MISSING), "expect", scenario)
    return Scenario(source, name, summary, tuple(notes), seed, tuple(layers), loss, data, tuple(init),
                    optimizer, run, tuple(exps))


LAYER_KEYS = ("n", "activation", "slope", "repeat")


def read_network(net: Mapping, data: DataSpec) -> list[Layer]:
    check_keys(net, ("n0", "layers"), "network", elsewhere={"loss": "loss is a top-level key"})
    n0 = integer(net, "n0", "network", default=None, lo=1, hi=MAX_INPUTS)
    if n0 is not None and n0 != data.n0:
        raise _err("network.n0", f"n[0] = {data.n0}, the number of rows of X ({data.kind} data)", n0)
    entries = net.get("layers", _MISSING)
    if entries is _MISSING:
        raise _err("network.layers", "an array of layers such as [{n = 3, activation = \"relu\"}]",
                   got="nothing (it is missing)")
    if not isinstance(entries, list) or not entries:
        raise _err("network.layers", "a non-empty array of layer tables", entries)
    layers: list[tuple[Layer, int]] = []
    total = 0
    for i, e in enumerate(entries):
        p = f"network.layers[{i}]"
        if not isinstance(e, dict):
            raise _err(p, "a table such as {n = 3, activation = \"relu\"}", got=f"{type_name(e)} {show(e)}")
        check_keys(e, LAYER_KEYS, p)
        n = integer(e, "n", p, lo=1, hi=MAX_WIDTH, what=" (the number of units n[l])")
        act = choice(e, "activation", p, ACTIVATIONS)
        slope = None
        if "slope" in e:
            if act != "leaky_relu":
                raise _err(join(p, "slope"), "slope only with activation = \"leaky_relu\"",
                           got=f"slope with {act!r}")
            slope = number(e, "slope", p, lo=0.0, hi=1.0)
        elif act == "leaky_relu":
            slope = DEFAULT_LEAKY_SLOPE
        repeat = integer(e, "repeat", p, default=1, lo=1, hi=MAX_LAYERS)
        total += repeat
        if total > MAX_LAYERS:
            raise _err(p, f"at most {MAX_LAYERS} layers in all", got=f"{total} so far")
        layers += [(Layer(n, act, slope), i)] * repeat
    L = len(layers)
    for l, (layer, i) in enumerate(layers, start=1):
        if layer.activation == "softmax" and l < L:
            raise _err(f"network.layers[{i}].activation",
                       f"softmax only on the output layer (layer {L}); a hidden layer {l} needs "
                       "linear, sigmoid, tanh, relu or leaky_relu", layer.activation)
    out, last = layers[-1]
    if out.n != data.n_out:
        raise _err(f"network.layers[{last}].n",
                   f"n[L] = {data.n_out} output units, one per row of Y ({data.kind} data gives Y of shape "
                   f"({data.n_out}, m))", out.n)
    return [layer for layer, _ in layers]


_OUTPUT_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf)}


def check_loss(loss: str, layers: list[Layer], data: DataSpec, last_entry: int) -> None:
    out = layers[-1]
    where = f"network.layers[{last_entry}].activation"
    fused = LOSSES[loss].fused_with
    if fused is not None and out.activation != fused:
        raise _err("loss", f"a loss for a {out.activation} output layer ({loss} needs a {fused} output)", loss,
                   hint=f"make {where} {fused!r}, or pick another loss")
    reason = check_compatible(loss, out.activation, out.n)
    if reason:
        expected, _, got = reason.partition(", got ")
        raise _err("loss", expected, got=got or repr(loss))
    t = data.targets
    if loss in ("logistic", "multilabel") and not (t.lo >= 0 and t.hi <= 1):
        raise _err("data", f"targets Y in [0, 1] for {loss} loss", got=f"Y with {t.describe()}")
    if loss == "softmax_ce" and not t.distribution:
        raise _err("data", "targets Y whose columns are distributions (non-negative, summing to 1, e.g. "
                   "one-hot) for softmax_ce loss", got=f"Y with {t.describe()}")
    if loss in ("l1", "l2"):
        if out.activation == "softmax" and not t.distribution:
            raise _err("loss", f"targets a softmax output can fit: its columns are positive and sum to 1, so "
                       f"{loss} loss cannot reach Y with {t.describe()}; use a linear output or softmax_ce "
                       "with one-hot Y", loss)
        rng = _OUTPUT_RANGE.get(out.activation)
        if rng and not (t.lo >= rng[0] and t.hi <= rng[1]):
            lo, hi = ("−∞" if rng[0] == -math.inf else f"{rng[0]:g}"), ("∞" if rng[1] == math.inf else f"{rng[1]:g}")
            hint = "set data.relu_output = true" if out.activation == "relu" and data.kind == "teacher" else None
            raise _err(where, f"an output activation whose range [{lo}, {hi}] covers Y ({t.describe()}); "
                       f"a {out.activation} output cannot fit it with {loss} loss", out.activation, hint=hint)


def read_optimizer(t: Mapping, path: str, m: int) -> Optimizer:
    name = choice(t, "name", path, OPTIMIZERS, default="gd")
    own = {"momentum": ("beta",), "adam": ("beta1", "beta2", "eps")}
    allowed = ("name", "learning_rate", "batch_size") + own.get(name, ())
    others = {k: f"{k} is for name = {n!r}" for n, ks in own.items() if n != name for k in ks}
    check_keys(t, allowed, path, elsewhere=others)
    lr = number(t, "learning_rate", path, default=0.1, lo=0.0, hi=1e6, lo_open=True)
    bs = integer(t, "batch_size", path, default=None, lo=1)
    if bs is not None and bs > m:
        raise _err(join(path, "batch_size"), f"a batch size from 1 to m = {m} (omit it for the whole batch)", bs)
    kw = {}
    for k in own.get(name, ()):
        if k == "eps":
            kw[k] = number(t, k, path, default=1e-8, lo=0.0, hi=1.0, lo_open=True)
        else:
            kw[k] = number(t, k, path, default=Optimizer.__dataclass_fields__[k].default, lo=0.0, hi=1.0)
            if kw[k] >= 1.0:
                raise _err(join(path, k), "a number in [0, 1) (1 would never forget the first gradient)", kw[k])
    return Optimizer(name, lr, bs, **kw)


def check_caps(data: DataSpec, layers: list[Layer], opt: Optimizer) -> None:
    n = [data.n0] + [layer.n for layer in layers]
    params = sum(n[l] * n[l - 1] + n[l] for l in range(1, len(n)))
    if params > MAX_PARAMS:
        raise _err("network.layers", f"at most {MAX_PARAMS:,} parameters in all W[l] and b[l]",
                   got=f"{params:,} (n = {n})")
    batch = opt.batch_size or data.m
    cache = sum(n) * batch
    if cache > MAX_CACHE:
        raise _err("network.layers", f"at most {MAX_CACHE:,} cached numbers per iteration (Σ n[l] × batch)",
                   got=f"{sum(n)} × {batch} = {cache:,}", hint="use fewer or narrower layers, a smaller m, or a batch_size")


INIT_KEYS = ("weights", "gain", "std", "limit", "value", "scale", "bias")


def read_init(t: Mapping, path: str, n0: int, layers: list[Layer]) -> list[LayerInit]:
    check_keys(t, INIT_KEYS + ("layers",), path, elsewhere={"W": "explicit W goes in [init.layers.<l>]",
                                                           "b": "explicit b goes in [init.layers.<l>]",
                                                           "name": "the initialiser is init.weights"})
    L = len(layers)
    per = table(t, "layers", path)
    overrides: dict[int, tuple[str, dict]] = {}
    for key, sub in per.items():
        p = f"{path}.layers.{key}"
        if not (isinstance(key, str) and re.fullmatch(r"[1-9][0-9]{0,3}", key)):
            raise _err(p, f"a layer number from 1 to {L} as the key, as in [init.layers.1]", got=repr(key))
        l = int(key)
        if not 1 <= l <= L:
            raise _err(p, f"a layer number from 1 to L = {L}", got=str(l))
        if not isinstance(sub, dict):
            raise _err(p, "a table", sub)
        check_keys(sub, INIT_KEYS + ("W", "b"), p)
        if "W" in sub and "weights" in sub:
            raise _err(join(p, "W"), "either an explicit W or a named init.weights, not both", got="both")
        overrides[l] = (p, sub)
    names_used = set()
    base_name = choice(t, "weights", path, WEIGHT_INITS, default="xavier")
    out = []
    n = [n0] + [layer.n for layer in layers]
    for l in range(1, L + 1):
        p, sub = overrides.get(l, (path, {}))
        merged = {k: v for k, v in t.items() if k in INIT_KEYS}
        merged.update({k: v for k, v in sub.items() if k in INIT_KEYS})
        name = choice(sub, "weights", p, WEIGHT_INITS, default=base_name)
        kw: dict[str, Any] = {"weights": name}
        for k in ("gain", "std", "limit", "value", "scale", "bias"):
            src = p if k in sub else path
            if k in merged:
                kw[k] = number(merged, k, src, lo=-1e6, hi=1e6)
        if kw.get("std", 0) < 0 or kw.get("limit", 0) < 0:
            k = "std" if kw.get("std", 0) < 0 else "limit"
            raise _err(join(p if k in sub else path, k), "a number ≥ 0", kw[k])
        if "W" in sub:
            W = matrix(sub["W"], join(p, "W"))
            if W.shape != (n[l], n[l - 1]):
                raise _err(join(p, "W"), f"shape (n[{l}], n[{l - 1}]) = ({n[l]}, {n[l - 1]})",
                           got=str(W.shape))
            kw["W"] = W
            kw["weights"] = "explicit"
        else:
            names_used.add(name)
            for k in INIT_PARAMS:
                if k in sub and name not in INIT_PARAMS[k]:
                    raise _err(join(p, k), f"{k} only with weights = " + " or ".join(map(repr, INIT_PARAMS[k])),
                               got=f"{k} with weights = {name!r}")
        if "b" in sub:
            b = _bias(sub["b"], join(p, "b"), l, n[l])
            kw["b"] = b
        out.append(LayerInit(**kw))
    for k, users in INIT_PARAMS.items():
        if k in t and not names_used & set(users):
            raise _err(join(path, k), f"{k} only with weights = " + " or ".join(map(repr, users)),
                       got=f"{k} with weights = {base_name!r}")
    return out


def _bias(v: Any, path: str, l: int, n_l: int) -> np.ndarray:
    if isinstance(v, list) and v and all(not isinstance(x, list) for x in v):
        v = [[x] for x in v]  # a flat list of n[l] numbers is a column
    b = matrix(v, path)
    if b.shape != (n_l, 1):
        raise _err(path, f"shape (n[{l}], 1) = ({n_l}, 1)", got=str(b.shape))
    return b


def read_run(t: Mapping, path: str) -> Run:
    check_keys(t, ("iterations", "stop_below", "stop_on_blowup"), path,
               elsewhere={"seed": "seed is a top-level key", "batch_size": "batch_size goes in [optimizer]"})
    it = integer(t, "iterations", path, default=100, lo=1, hi=MAX_ITERATIONS)
    stop = number(t, "stop_below", path, default=None)
    return Run(it, stop, boolean(t, "stop_on_blowup", path, True))


def readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def frozen(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


# ------------------------------------------------------------------------------------------- data
# key: (type, default, lo, hi); type is int | float | prob | bool | floats
_IMAGE = {"m": ("int", 64, 1, MAX_M), "width": ("int", 5, 1, 256), "height": ("int", 5, 1, 256),
          "channels": ("int", 3, 1, 16), "size": ("int", 2, 1, 256), "noise": ("float", 0.5, 0.0, 1e6)}
_TOY = {"m": ("int", 64, 1, MAX_M), "noise": ("float", 0.1, 0.0, 1e6), "one_hot": ("bool", False, None, None)}
GENERATED: dict[str, dict[str, tuple]] = {
    "needles": {**_IMAGE, "p": ("float", 0.5, 0.0, 1.0)},
    "needles3": {**_IMAGE, "p": ("float", 0.5, 0.0, 1.0)},
    "needles_softmax": dict(_IMAGE),
    "xor": dict(_TOY),
    "circles": {**_TOY, "noise": ("float", 0.05, 0.0, 1e6), "factor": ("float", 0.5, 0.0, 1.0)},
    "moons": dict(_TOY),
    "spirals": {**_TOY, "classes": ("int", 2, 2, 16), "one_hot": ("bool", None, None, None)},
    "linear": {**_TOY, "noise": ("float", 0.0, 0.0, 1e6)},
    "teacher": {"m": ("int", 64, 1, MAX_M), "inputs": ("int", 2, 1, MAX_INPUTS),
                "outputs": ("int", 1, 1, MAX_WIDTH), "hidden": ("int", 0, 0, MAX_WIDTH),
                "noise": ("float", 0.1, 0.0, 1e6), "relu_output": ("bool", False, None, None),
                "scales": ("floats", None, -1e6, 1e6)},
}
_GEN_COMMON = ("scale", "offset", "seed", "normalize")
FILE_KINDS = {"explicit": ("X", "Y", "normalize"),
              "npy": ("path", "targets", "examples", "one_hot", "normalize"),
              "csv": ("path", "targets", "delimiter", "one_hot", "normalize")}
DATA_KINDS = tuple(GENERATED) + tuple(FILE_KINDS)


def _where_else(kind: str) -> dict[str, str]:
    """For a key another kind uses: which kinds use it."""
    users: dict[str, list[str]] = {}
    for k, spec in GENERATED.items():
        for key in tuple(spec) + _GEN_COMMON:
            users.setdefault(key, []).append(k)
    for k, keys in FILE_KINDS.items():
        for key in keys:
            users.setdefault(key, []).append(k)
    return {key: f"{key} is for kind = " + " or ".join(map(repr, ks)) for key, ks in users.items() if kind not in ks}


def read_data(t: Mapping, path: str, base_dir: Path) -> DataSpec:
    kind = choice(t, "kind", path, DATA_KINDS)
    if kind in GENERATED:
        spec = GENERATED[kind]
        check_keys(t, ("kind",) + tuple(spec) + _GEN_COMMON, path, elsewhere=_where_else(kind))
        params = {}
        for key, (typ, default, lo, hi) in spec.items():
            if typ == "int":
                params[key] = integer(t, key, path, default=default, lo=lo, hi=hi)
            elif typ == "float":
                params[key] = number(t, key, path, default=default, lo=lo, hi=hi)
            elif typ == "bool":
                params[key] = boolean(t, key, path, default) if key in t or default is not None else None
            elif key in t:  # floats
                v = t[key]
                if not isinstance(v, list):
                    raise _err(join(path, key), "an array of numbers", got=f"{type_name(v)} {show(v)}")
                params[key] = tuple(as_number(x, f"{join(path, key)}[{i}]", lo, hi) for i, x in enumerate(v))
        n0, n_out, targets = _generated_shape(kind, params, t, path)
        scale = number(t, "scale", path, default=1.0, lo=-1e6, hi=1e6)
        offset = number(t, "offset", path, default=0.0, lo=-1e6, hi=1e6)
        seed = integer(t, "seed", path, default=None, lo=0, hi=2**63 - 1)
        m = params["m"]
        _check_data_size(n0, n_out, m, path)
        params = {k: v for k, v in params.items() if v is not None}
        return DataSpec(kind, frozen(params), m, n0, n_out, targets, boolean(t, "normalize", path, False),
                        scale, offset, seed)
    check_keys(t, ("kind",) + FILE_KINDS[kind], path, elsewhere=_where_else(kind))
    normalize = boolean(t, "normalize", path, False)
    if kind == "explicit":
        for key in ("X", "Y"):
            if key not in t:
                raise _err(join(path, key), f"a 2-D array {key} (rows = {'features' if key == 'X' else 'outputs'}, "
                           "columns = examples)", got="nothing (it is missing)")
        X, Y = matrix(t["X"], join(path, "X")), matrix(t["Y"], join(path, "Y"))
        if X.shape[1] != Y.shape[1]:
            raise _err(join(path, "Y"), f"{X.shape[1]} columns, one per example (a column of X)",
                       got=f"{Y.shape[1]} columns (shape {Y.shape})")
        file = None
        params: dict[str, Any] = {}
    else:
        X, Y, file, params = _read_file(kind, t, path, base_dir)
    _check_data_size(X.shape[0], Y.shape[0], X.shape[1], path)
    return DataSpec(kind, frozen(params), X.shape[1], X.shape[0], Y.shape[0], TargetRange.of(Y), normalize,
                    path=file, X=readonly(X), Y=readonly(Y))


def _generated_shape(kind: str, p: dict, t: Mapping, path: str) -> tuple[int, int, TargetRange]:
    binary, dist = TargetRange(0.0, 1.0), TargetRange(0.0, 1.0, True)
    if kind.startswith("needles"):
        if p["size"] > min(p["width"], p["height"]):
            raise _err(join(path, "size"), f"a needle size that fits the {p['width']}×{p['height']} image "
                       f"(at most {min(p['width'], p['height'])})", p["size"])
        n0 = p["width"] * p["height"] * p["channels"]
        if n0 > MAX_INPUTS:
            raise _err(path, f"at most {MAX_INPUTS} inputs n[0] = width·height·channels",
                       got=f"{p['width']}·{p['height']}·{p['channels']} = {n0}")
        return (n0, 1, binary) if kind == "needles" else (n0, 3, dist if kind == "needles_softmax" else binary)
    if kind == "teacher":
        if "scales" in p and len(p["scales"]) != p["inputs"]:
            raise _err(join(path, "scales"), f"{p['inputs']} numbers, one per input", got=f"{len(p['scales'])}")
        lo = 0.0 if p["relu_output"] else -math.inf
        return p["inputs"], p["outputs"], TargetRange(lo, math.inf)
    if kind == "spirals":
        k = p["classes"]
        one_hot = p["one_hot"] if p["one_hot"] is not None else k > 2
        if k > 2 and not one_hot:
            raise _err(join(path, "one_hot"), f"one_hot = true for {k} classes (0/1 labels fit only 2)", False)
        p["one_hot"] = one_hot
        return 2, (k if one_hot else 1), (dist if one_hot else binary)
    return 2, (2 if p["one_hot"] else 1), (dist if p["one_hot"] else binary)


def _check_data_size(n0: int, n_out: int, m: int, path: str) -> None:
    if m > MAX_M:
        raise _err(path, f"at most m = {MAX_M:,} examples", got=f"{m:,}")
    if n0 > MAX_INPUTS:
        raise _err(path, f"at most {MAX_INPUTS} input features n[0]", got=str(n0))
    if n_out > MAX_WIDTH:
        raise _err(path, f"at most {MAX_WIDTH} target rows", got=str(n_out))
    if (n0 + n_out) * m > MAX_DATA:
        raise _err(path, f"at most {MAX_DATA:,} numbers of data", got=f"({n0} + {n_out}) × {m:,}")


def _read_file(kind: str, t: Mapping, path: str, base_dir: Path):
    rel = string(t, "path", path)
    try:
        file = base_dir / rel
        exists = bool(rel) and "\0" not in rel and file.is_file()
        size = file.stat().st_size if exists else 0
    except (OSError, ValueError):
        exists, size = False, 0
    if not exists:
        raise _err(join(path, "path"), f"an existing .{kind} file (relative to {base_dir})", rel)
    if size > MAX_FILE_BYTES:
        raise _err(join(path, "path"), f"a file of at most {MAX_FILE_BYTES // 2**20} MB", rel)
    targets = t.get("targets", [-1])
    if isinstance(targets, (int, str)) and not isinstance(targets, bool):
        targets = [targets]
    if not isinstance(targets, list) or not targets or not all(
            (isinstance(x, int) and not isinstance(x, bool)) or (kind == "csv" and isinstance(x, str)) for x in targets):
        what = "column indices or header names" if kind == "csv" else "column indices"
        raise _err(join(path, "targets"), f"a non-empty array of {what}, such as [-1] for the last column", targets)
    one_hot = boolean(t, "one_hot", path, False)
    try:
        if kind == "npy":
            examples = choice(t, "examples", path, ("rows", "columns"), default="rows")
            X, Y = datasets.load_npy(file, targets, examples, one_hot)
            params = {"path": rel, "targets": tuple(targets), "examples": examples}
        else:
            delim = string(t, "delimiter", path, default=",")
            if len(delim) != 1 or delim in "\"\r\n":
                raise _err(join(path, "delimiter"), "one character such as \",\" or \";\"", delim)
            X, Y = datasets.load_csv(file, targets, delim, one_hot)
            params = {"path": rel, "targets": tuple(targets)}
    except (OSError, ValueError) as exc:
        msg = str(exc)
        key = "targets" if ("target" in msg or "column" in msg) else "path"
        raise _err(join(path, key), f"a readable {kind} table ({msg})", t.get(key)) from None
    if one_hot:
        params["one_hot"] = True
    if X.shape[1] == 0:
        raise _err(join(path, "path"), "at least one example", rel)
    for name, a in (("X", X), ("Y", Y)):
        bad = np.argwhere(~np.isfinite(a))
        if bad.size:
            r, c = bad[0]
            raise _err(join(path, "path"), "finite numbers only",
                       got=f"{a[r, c]} in {name} (example {c}, {'feature' if name == 'X' else 'target'} {r})")
    return X, Y, file, params


__all__ = ["Scenario", "Layer", "DataSpec", "LayerInit", "Optimizer", "Run", "At", "Expectation",
           "TargetRange", "validate"]
