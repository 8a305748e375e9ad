"""The [data] table: generated kinds (needles, toy 2-D sets, teachers), explicit arrays, .npy and .csv files."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import datasets
from ..errors import show, type_name
from .fields import _err, as_number, boolean, check_keys, choice, frozen, integer, join, matrix, number, readonly, string
from .model import DataSpec, TargetRange

from .datapath import ENV, allowed_roots, inside
from .caps import MAX_DATA, MAX_FILE_BYTES, MAX_INPUTS, MAX_M, MAX_WIDTH


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
    """The [data] table; ``test_fraction`` (a share of the examples held out of training) is common to every kind."""
    fraction = number(t, "test_fraction", path, default=0.0, lo=0.0, hi=0.9)
    spec = _read_data({k: v for k, v in t.items() if k != "test_fraction"}, path, base_dir)
    if fraction > 0 and not 1 <= round(fraction * spec.m) <= spec.m - 1:
        raise _err(join(path, "test_fraction"), f"a share that holds out at least one of the m = {spec.m} examples "
                   "and trains on at least one", fraction)
    return dataclasses.replace(spec, test_fraction=fraction) if fraction > 0 else spec


def _read_data(t: Mapping, path: str, base_dir: Path) -> DataSpec:
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
    roots = allowed_roots(base_dir)
    try:
        file = base_dir / rel
        allowed = bool(rel) and "\0" not in rel and inside(file, roots)
        exists = allowed and file.is_file()
        size = file.stat().st_size if exists else 0
    except (OSError, ValueError):
        allowed, exists, size = False, False, 0
    if not allowed and rel and "\0" not in rel:  # before the file is looked at: not even whether it exists
        raise _err(join(path, "path"), f"a file inside the scenario's folder {roots[0]}"
                   + (f" or {', '.join(map(str, roots[1:]))}" if roots[1:] else "")
                   + f" (after symlinks; {ENV} or gradsim --data-root widens it)", rel)
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


