"""The editor's text fields for what the update phase uses besides the optimiser: the learning-rate schedule's
parameters (``gamma = 0.5, step_size = 100``) and the [[transform]] chain
(``weight_decay(lambda = 3.0); clip_norm(max_norm = 0.5)``), written from and read back to the tables of the
scenario's TOML document. Values are TOML values, so they reach the scenario validation exactly as a file's
would (a bad one gets the file's message); the names offered are the SCHEDULES and TRANSFORMS registries'.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, Mapping, Sequence

from ..engine.schedules import SCHEDULES
from ..engine.transforms import TRANSFORMS
from ..errors import ScenarioError

Table = dict[str, Any]
_ITEM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)


def schedule_choices() -> list[str]:
    return list(SCHEDULES)


def transform_choices() -> list[str]:
    return list(TRANSFORMS)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(v)


def params_text(table: Mapping[str, Any]) -> str:
    """{"gamma": 0.5, "step_size": 100} → 'gamma = 0.5, step_size = 100' (the name left out)."""
    return ", ".join(f"{k} = {_value(v)}" for k, v in table.items() if k != "name")


def parse_params(text: str, field: str) -> Table:
    """'gamma = 0.5, step_size = 100' → {"gamma": 0.5, "step_size": 100} (TOML values); raises ScenarioError."""
    text = text.strip()
    if not text:
        return {}
    try:
        return dict(tomllib.loads(f"t = {{{text}}}")["t"])
    except (tomllib.TOMLDecodeError, KeyError):
        raise ScenarioError("parameters such as name = 0.5, other = 10 (TOML values)", repr(text), field=field) from None


def default_params(name: str) -> Table:
    """A schedule's parameters at the registry's defaults (what the form shows when one is picked)."""
    entry = SCHEDULES.get(name)
    if entry is None:
        return {}
    return {p.name: int(p.default) if p.integer else float(p.default) for p in entry.params}


def schedule_table(sch) -> Table:
    """A ScheduleSpec as the table the form starts from: its name and every parameter's value in force."""
    values = sch.values()
    return {"name": sch.name, **{p.name: int(values[p.name]) if p.integer else values[p.name] for p in sch.entry.params}}


def transform_tables(specs: Sequence) -> tuple[Table, ...]:
    """The [[transform]] specs as tables with every parameter's value in force, in order."""
    out = []
    for s in specs:
        values = s.values()
        out.append({"name": s.name, **{p.name: int(values[p.name]) if p.integer else values[p.name]
                                       for p in s.entry.params}})
    return tuple(out)


def transforms_text(tables: Sequence[Mapping[str, Any]]) -> str:
    """'weight_decay(lambda = 3.0); clip_norm(max_norm = 0.5)'; '' for none."""
    out = []
    for t in tables:
        inner = params_text(t)
        out.append(f"{t.get('name', '')}({inner})" if inner else str(t.get("name", "")))
    return "; ".join(out)


def parse_transforms(text: str) -> tuple[Table, ...]:
    """The form's chain → [[transform]] tables in order ('' → none); raises ScenarioError. The names and
    parameters are checked by the scenario validation, as a file's are."""
    out = []
    for item in (part for part in text.split(";") if part.strip()):
        match = _ITEM.match(item)
        if match is None:
            raise ScenarioError(f"transforms such as {transform_choices()[0]}(max_norm = 1.0); ... "
                                f"(one of {', '.join(transform_choices())})", repr(item.strip()), field="transforms")
        name, inner = match.group(1), match.group(2) or ""
        out.append({"name": name, **parse_params(inner, f"transforms: {name}")})
    return tuple(out)
