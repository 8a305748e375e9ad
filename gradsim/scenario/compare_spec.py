"""The optional [compare] table: a scenario whose lesson is a comparison names its other run.

    [compare]
    with = "init-xavier-relu"                 # a bundled name, or a .toml file beside this one
    set = { "init.gain" = 0.5 }               # and/or field-path overrides that make the other run
    why = "Xavier halves the forward variance per ReLU layer; He keeps it"

``gradsim compare A`` with no B runs A against it; ``gradsim show`` says so. The other run is loaded and
validated only when it is compared (so two files may name each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import ScenarioError, did_you_mean, show
from .fields import _err, check_keys, join, string
from .loader import bundled_names
from .overrides import parse_path


@dataclass(frozen=True)
class CompareSpec:
    other: str | None  # a bundled name or an absolute path; None: this scenario itself, with ``set``
    set: tuple[tuple[str, Any], ...] = ()
    why: str = ""

    def describe(self) -> str:
        """'init-xavier-relu — why', 'itself with optimizer.batch_size = 1 — why'."""
        other = Path(self.other).name if self.other and "/" in self.other else (self.other or "itself")
        sets = ", ".join(f"{p} = {show(v)}" for p, v in self.set)
        text = other + (f" with {sets}" if sets else "")
        return text + (f" — {self.why}" if self.why else "")


def read_compare(t: Mapping, path: str, base_dir: Path) -> CompareSpec | None:
    if not t:
        return None
    check_keys(t, ("with", "set", "why"), path)
    other = string(t, "with", path, default=None)
    if other is not None:
        if other.endswith(".toml") or "/" in other:
            file = (base_dir / other).resolve()
            if not file.is_file():
                raise _err(join(path, "with"), "an existing scenario file (relative to this one)", other)
            other = str(file)
        elif other not in bundled_names():
            raise _err(join(path, "with"), "a bundled scenario name or a .toml file", other,
                       hint=did_you_mean(other, bundled_names()))
    sets = t.get("set", {})
    if not isinstance(sets, dict):
        raise _err(join(path, "set"), 'a table of field paths, e.g. { "init.gain" = 0.5 }', sets)
    for key in sets:
        try:
            parse_path(key)
        except ScenarioError:
            raise _err(join(path, "set"), "field paths such as optimizer.learning_rate as keys", key) from None
    if other is None and not sets:
        raise _err(path, "'with' (the other scenario) or 'set' (overrides that make it)", got="neither")
    return CompareSpec(other, tuple(sets.items()), string(t, "why", path, default=""))
