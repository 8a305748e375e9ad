"""The [[transform]] tables → the engine's ``TransformSpec`` list, driven by the ``TRANSFORMS`` registry.

    [[transform]]
    name = "clip_norm"
    max_norm = 1.0

Each table names one entry and gives the parameters it declares; they apply in the order written.
"""

from __future__ import annotations

from typing import Any

from ..engine.params import all_names, users
from ..engine.transforms import TRANSFORMS, TransformSpec
from ..errors import show, type_name
from .fields import _MISSING, _err, check_keys, choice, param

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
        name = choice(t, "name", p, TRANSFORMS)
        own = TRANSFORMS[name].params
        allowed = ("name",) + tuple(q.name for q in own)
        others = {k: f"{k} is for name = {' or '.join(repr(u) for u in users(TRANSFORMS, k))}"
                  for k in all_names(TRANSFORMS) if k not in allowed}
        check_keys(t, allowed, p, elsewhere=others)
        out.append(TransformSpec(name, {q.name: param(t, q, p) for q in own}))
    names = [s.name for s in out]
    for name in set(names):
        if names.count(name) > 1:
            raise _err(path, "each transform at most once", got=f"{name} {names.count(name)} times")
    return tuple(out)
