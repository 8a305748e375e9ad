"""A registry entry's hyper-parameters: name, default and bounds, declared once beside the entry.

Validation of scenario files, the editor, ``gradsim show`` and the engine's own specs all read these
declarations; nothing else repeats a default or a bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping, TypeVar

T = TypeVar("T")
Values = tuple[tuple[str, float], ...]  # bound parameter values, sorted by name: hashable and frozen


@dataclass(frozen=True)
class Param:
    """A number a registry entry takes: ``default``, inclusive bounds ``lo``..``hi`` (``lo_open`` makes the
    lower one strict, ``hi_open`` the upper one; ``why`` says why an open bound is excluded)."""

    name: str
    default: float
    lo: float = -1e6
    hi: float = 1e6
    lo_open: bool = False
    hi_open: bool = False
    symbol: str = ""  # how formulas write it: β, ρ, ε, α
    doc: str = ""
    why: str = ""
    quiet: bool = False  # descriptions name it only when it is not its default (an initialiser's gain)
    integer: bool = False  # a whole number (a count of iterations)

    def problem(self, v: float) -> str | None:
        """None when ``v`` is allowed; else what was expected, as a validation message says it."""
        if not math.isfinite(v):
            return "a finite number"
        if self.integer and (v != int(v) or not self.lo <= v <= self.hi):
            return f"an integer from {self.lo:g} to {self.hi:g}"
        if self.lo_open:
            if v <= self.lo:
                return f"a number > {self.lo:g}"
            if v > self.hi:
                return f"a number ≤ {self.hi:g}"
        elif not self.lo <= v <= self.hi:
            return f"a number from {self.lo:g} to {self.hi:g}"
        if self.hi_open and v >= self.hi:
            text = f"a number in [{self.lo:g}, {self.hi:g})"
            return text + (f" ({self.why})" if self.why else "")
        return None


def bind(params: Iterable[Param], values: Mapping[str, float], owner: str) -> dict[str, float]:
    """Every declared parameter's value: the given one or its default. Unknown names and values out of
    bounds raise ValueError (the scenario validation reports them earlier, with the file and field)."""
    declared = {p.name: p for p in params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        allowed = ", ".join(declared) or "none"
        raise ValueError(f"{owner} takes no parameter {unknown[0]!r} (its parameters: {allowed})")
    out = {}
    for name, p in declared.items():
        v = float(values.get(name, p.default))
        problem = p.problem(v)
        if problem:
            raise ValueError(f"{owner}: {name} must be {problem}, got {v:g}")
        out[name] = v
    return out


def frozen_values(values: Mapping[str, float]) -> Values:
    return tuple(sorted((k, float(v)) for k, v in values.items()))


def lookup(registry: Mapping[str, T], name: str, what: str) -> T:
    """The entry called ``name``, or a KeyError listing every entry (``what``: "activation", "loss", …)."""
    if name not in registry:
        raise KeyError(f"unknown {what} {name!r}; expected one of {', '.join(registry)}")
    return registry[name]


def users(registry: Mapping[str, object], name: str) -> list[str]:
    """The entries of ``registry`` that declare a parameter called ``name``, in registry order."""
    return [key for key, entry in registry.items() if any(p.name == name for p in getattr(entry, "params", ()))]


def all_names(registry: Mapping[str, object]) -> list[str]:
    """Every parameter name declared in ``registry``, first-seen order."""
    seen: dict[str, None] = {}
    for entry in registry.values():
        for p in getattr(entry, "params", ()):
            seen.setdefault(p.name, None)
    return list(seen)
