"""Narration: short texts tied to a point of a run, and the "try this" prompts a lesson checks.

A scenario file (``[[narration]]``) or a lesson's step (``[[step.narration]]``) may carry them::

    [[narration]]
    at = { iteration = 1, phase = "loss" }      # or "start": before iteration 1
    text = "J is the mean of the m losses: (1/m) Σ L(ŷ(i), y(i))."
    try = { prompt = "Press i to finish the iteration.", reach = { iteration = 1, phase = "update" } }

A point is (iteration, k): after k phases of that iteration (k from the engine's phase table); "start"
is (0, 0). A run has reached a point when its own (iteration, phases done) is at or past it. A prompt
asks for one thing: a ``key`` pressed, a point reached (``reach``), or a field of the scenario changed
(``field`` with ``equals``, ``below`` or ``above``; alone: any value other than the file's).

No NumPy, no Textual: the lesson model, the app and the validation of a scenario file all read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..engine.phases import KINDS, Phase, position
from ..errors import ScenarioError, show, type_name
from .fields import _MISSING, _err, as_number, check_keys, choice, integer, join, string

MAX_NARRATION = 64
MAX_TEXT = 600


@dataclass(frozen=True)
class Point:
    """After ``k`` phases of ``iteration`` (0, 0 = the start, before iteration 1)."""

    iteration: int = 0
    k: int = 0
    label: str = "start"

    def reached(self, iteration: int, phase_index: int) -> bool:
        return (iteration, phase_index) >= (self.iteration, self.k)


@dataclass(frozen=True)
class Try:
    """A "try this" prompt and the one thing that satisfies it."""

    prompt: str
    key: str | None = None
    reach: Point | None = None
    field: str | None = None
    equals: Any = None
    below: float | None = None
    above: float | None = None

    def field_ok(self, doc: Mapping, original: Any) -> bool:
        """Whether the scenario document ``doc`` satisfies a ``field`` prompt (``original``: the file's value)."""
        value = lookup(doc, self.field) if self.field else _MISSING
        if value is _MISSING:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.below is not None or self.above is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False
            return (self.below is None or value < self.below) and (self.above is None or value > self.above)
        return value != original


@dataclass(frozen=True)
class Narration:
    at: Point
    text: str
    trial: Try | None = None


def lookup(doc: Mapping, path: str) -> Any:
    """The value at a field path (``optimizer.learning_rate``, ``network.layers[0].n``), or _MISSING."""
    from .overrides import parse_path

    node: Any = doc
    for key in parse_path(path):
        if isinstance(key, int):
            if not isinstance(node, list) or not 0 <= key < len(node):
                return _MISSING
            node = node[key]
        else:
            if not isinstance(node, Mapping) or key not in node:
                return _MISSING
            node = node[key]
    return node


def read_point(v: Any, path: str, L: int, iterations: int) -> Point:
    """``"start"`` or ``{iteration = t, phase = "forward", layer = l}`` (phase defaults to the update)."""
    example = "\"start\" or a table such as {iteration = 1, phase = \"forward\", layer = 2}"
    if isinstance(v, str):
        if v == "start":
            return Point()
        raise _err(path, example, v)
    if not isinstance(v, dict):
        raise _err(path, example, got=f"{type_name(v)} {show(v)}")
    check_keys(v, ("iteration", "phase", "layer"), path)
    it = integer(v, "iteration", path, lo=1, hi=max(iterations, 1))
    kind = choice(v, "phase", path, KINDS, default="update")
    if kind in ("forward", "backward"):
        layer = integer(v, "layer", path, default=L if kind == "forward" else 1, lo=1, hi=L)
    elif "layer" in v:
        raise _err(join(path, "layer"), f"no layer with phase = {kind!r} (only forward and backward have one)",
                   v["layer"])
    else:
        layer = None
    phase = Phase(kind, layer)
    return Point(it, position(phase, L), f"iteration {it}, {phase.label}")


def read_try(v: Any, path: str, L: int, iterations: int) -> Try:
    if not isinstance(v, dict):
        raise _err(path, "a table such as {prompt = \"Press r\", key = \"r\"}", got=f"{type_name(v)} {show(v)}")
    check_keys(v, ("prompt", "key", "reach", "field", "equals", "below", "above"), path)
    prompt = _text(v, "prompt", path)
    kinds = [k for k in ("key", "reach", "field") if k in v]
    if len(kinds) != 1:
        raise _err(path, "exactly one of key, reach or field (what satisfies the prompt)",
                   got=", ".join(kinds) if kinds else "none of them")
    if kinds[0] != "field" and any(k in v for k in ("equals", "below", "above")):
        raise _err(path, "equals, below and above only with field", got=", ".join(k for k in v if k != "prompt"))
    if "key" in v:
        key = string(v, "key", path)
        if not key.strip():
            raise _err(join(path, "key"), "a key name such as \"r\" or \"space\"", v["key"])
        return Try(prompt, key=key)
    if "reach" in v:
        return Try(prompt, reach=read_point(v["reach"], join(path, "reach"), L, iterations))
    field = string(v, "field", path)
    try:
        from .overrides import parse_path

        parse_path(field)
    except ScenarioError:
        raise _err(join(path, "field"), "a field path such as optimizer.learning_rate", v["field"]) from None
    below = as_number(v["below"], join(path, "below")) if "below" in v else None
    above = as_number(v["above"], join(path, "above")) if "above" in v else None
    equals = v.get("equals")
    if equals is not None and (below is not None or above is not None):
        raise _err(path, "equals, or below/above, not both", got="equals and a bound")
    return Try(prompt, field=field, equals=equals, below=below, above=above)


def _text(t: Mapping, key: str, path: str) -> str:
    text = " ".join(string(t, key, path).split())
    if not text:
        raise _err(join(path, key), "a non-empty text", t[key])
    if len(text) > MAX_TEXT:
        raise _err(join(path, key), f"at most {MAX_TEXT} characters", got=f"{len(text)} characters")
    return text


def read_narration(v: Any, path: str, L: int, iterations: int) -> tuple[Narration, ...]:
    """``[[narration]]`` entries, sorted by their point (a stable sort keeps the file's order at a tie)."""
    if v is _MISSING or v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
        raise _err(path, "an array of tables ([[narration]] entries)", got=f"{type_name(v)} {show(v)}")
    if len(v) > MAX_NARRATION:
        raise _err(path, f"at most {MAX_NARRATION} entries", got=f"{len(v)}")
    out = []
    for i, entry in enumerate(v):
        p = join(path, i)
        check_keys(entry, ("at", "text", "try"), p)
        at = read_point(entry.get("at", "start"), join(p, "at"), L, iterations)
        trial = read_try(entry["try"], join(p, "try"), L, iterations) if "try" in entry else None
        out.append(Narration(at, _text(entry, "text", p), trial))
    return tuple(sorted(out, key=lambda n: (n.at.iteration, n.at.k)))
