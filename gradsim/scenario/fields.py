"""Readers of one TOML value each: integers, numbers, choices, tables, matrices, and a registry ``Param``.

Every problem is one ``ScenarioError`` naming the field path (``network.layers[2].activation``), what was
expected and what was got. Field paths count array positions from 0; layer numbers l count from 1.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import numpy as np

from ..engine.params import Param, all_names, users
from ..errors import ScenarioError, did_you_mean, show, type_name

from .caps import MAX_DATA

_MISSING = object()


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


def readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def frozen(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))



def param(t: Mapping, p: Param, path: str) -> float:
    """The value of registry parameter ``p`` in table ``t`` at ``path`` (its default when absent), within
    the bounds the entry declares."""
    if p.integer:
        return float(integer(t, p.name, path, default=int(p.default), lo=int(p.lo), hi=int(p.hi)))
    v = number(t, p.name, path, default=p.default, lo=p.lo, hi=p.hi, lo_open=p.lo_open)
    if p.hi_open and v >= p.hi:
        raise _err(join(path, p.name), f"a number in [{p.lo:g}, {p.hi:g})" + (f" ({p.why})" if p.why else ""), v)
    return v


def entry_name(t: Mapping, path: str, registry: Mapping[str, Any], default: Any = _MISSING,
               extra: tuple[str, ...] = ()) -> str:
    """The registry entry named by ``t["name"]``, once ``t`` holds exactly the keys it declares (plus
    ``extra``): a key another entry declares says which ("beta is for name = 'momentum' or 'nesterov'"),
    any other gets a did-you-mean."""
    name = choice(t, "name", path, registry, default=default)
    allowed = ("name",) + extra + tuple(q.name for q in registry[name].params)
    others = {k: f"{k} is for name = {' or '.join(repr(u) for u in users(registry, k))}"
              for k in all_names(registry) if k not in allowed}
    check_keys(t, allowed, path, elsewhere=others)
    return name


def entry_values(t: Mapping, path: str, params: Iterable[Param]) -> dict[str, float]:
    """The values of an entry's declared parameters in ``t``, each within its bounds (defaults if absent)."""
    return {q.name: param(t, q, path) for q in params}


def entry(t: Mapping, path: str, registry: Mapping[str, Any]) -> tuple[str, dict[str, float]]:
    """(name, parameter values) of the registry entry a table names: ``entry_name`` then ``entry_values``."""
    name = entry_name(t, path, registry)
    return name, entry_values(t, path, registry[name].params)
