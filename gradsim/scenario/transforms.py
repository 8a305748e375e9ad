"""The [[transform]] tables → the engine's ``TransformSpec`` list, driven by the ``TRANSFORMS`` registry.

    [[transform]]
    name = "clip_norm"
    max_norm = 1.0

Each table names one entry and gives the parameters it declares; they apply in the order written.
"""

from __future__ import annotations

from typing import Any

from ..engine.transforms import TRANSFORMS, TransformSpec
from ..errors import show, type_name
from .fields import _MISSING, _err, entry

MAX_TRANSFORMS = 16


def read_transforms(v: Any, path: str = "transform") -> tuple[TransformSpec, ...]:
    if v is _MISSING or v is None:
        return ()
    if not isinstance(v, list):
        raise _err(path, "an array of [[transform]] tables, such as [[transform]] name = \"clip_norm\"",
                   got=f"{type_name(v)} {show(v)}")
    if len(v) > MAX_TRANSFORMS:
        raise _err(path, f"at most {MAX_TRANSFORMS} transforms", got=str(len(v)))
    out = []
    for i, t in enumerate(v):
        p = f"{path}[{i}]"
        if not isinstance(t, dict):
            raise _err(p, "a table such as { name = \"clip_norm\", max_norm = 1.0 }", got=f"{type_name(t)} {show(t)}")
        out.append(TransformSpec(*entry(t, p, TRANSFORMS)))
    names = [s.name for s in out]
    for name in set(names):
        if names.count(name) > 1:
            raise _err(path, "each transform at most once", got=f"{name} {names.count(name)} times")
    return tuple(out)
