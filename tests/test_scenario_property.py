"""Property: whatever TOML (random, or a valid scenario mutated) reaches the loader, it returns a Scenario or
raises ScenarioError — never another exception. Small scenarios that load also build and check cleanly."""

from __future__ import annotations

import json
import math
import os
import re
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradsim.errors import ScenarioError
from gradsim.checks import run_expectations
from gradsim.scenario import BUNDLED_DIR, Scenario, loads_scenario

# GRADSIM_PROPERTY_EXAMPLES=5000 for a longer hunt
SETTINGS = settings(max_examples=int(os.environ.get("GRADSIM_PROPERTY_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED_DIR.glob("*.toml"))]
VALID_DOCS = [tomllib.loads(t) for t in VALID]

KEYS = ["seed", "loss", "network", "data", "init", "optimizer", "run", "expect", "n0", "layers", "n",
        "activation", "slope", "repeat", "kind", "m", "noise", "normalize", "X", "Y", "path", "targets",
        "width", "height", "channels", "size", "p", "classes", "one_hot", "inputs", "outputs", "hidden",
        "scales", "scale", "offset", "weights", "gain", "std", "limit", "value", "bias", "W", "b", "name",
        "learning_rate", "batch_size", "beta", "beta1", "beta2", "eps", "iterations", "stop_below",
        "stop_on_blowup", "at", "op", "rhs", "rtol", "atol", "lo", "hi", "why", "iteration", "phase", "layer", "1"]
WORDS = ["l2", "l1", "logistic", "multilabel", "softmax_ce", "linear", "sigmoid", "tanh", "relu", "leaky_relu",
         "softmax", "xor", "moons", "circles", "spirals", "teacher", "explicit", "needles", "needles3",
         "needles_softmax", "csv", "npy", "he", "xavier", "identity", "zeros", "gd", "adam", "momentum", "end",
         "forward", "backward", "loss", "update", "==", "<", "between", "is_finite", "J", "A[1]", "dW[1]",
         "norm(dW[1]) / norm(W[1])", "A[L] @ X.T", "W[1][0, :]", "J_history[-1]", "((", "A[99]", "1e999"]

scalars = st.one_of(
    st.integers(min_value=-5, max_value=300),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=6),
    ),
    max_leaves=40,
)


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml_value(k)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if -(2**63) <= v < 2**63 else str(float(v)) if math.isfinite(float(v)) else "inf"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v).replace("\x7f", "\\u007f")  # TOML forbids a raw DEL in strings
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def dump(doc: dict) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


def check(text: str) -> None:
    try:
        sc = loads_scenario(text)
    except ScenarioError as e:
        s = str(e)
        assert s and "\n" not in s and "Traceback" not in s
        return
    assert isinstance(sc, Scenario)
    small = sum(sc.n) * sc.data.m <= 20_000 and sc.run.iterations <= 30
    if small:
        results = run_expectations(sc)  # must not raise either
        assert len(results) == len(sc.expectations)


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), values, max_size=8))
def test_random_documents(doc):
    check(dump(doc))


@SETTINGS
@given(st.integers(0, len(VALID) - 1), st.data())
def test_mutated_text(i, data):
    text = VALID[i]
    for _ in range(data.draw(st.integers(1, 4))):
        if not text:
            break
        a = data.draw(st.integers(0, len(text) - 1))
        b = data.draw(st.integers(a, min(len(text), a + 8)))
        how = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        junk = data.draw(st.text(alphabet="[]{}=\"'.,#\n 0123456789-+eEnatruefls_ABCXYZ", max_size=6))
        if how == "delete":
            text = text[:a] + text[b:]
        elif how == "insert":
            text = text[:a] + junk + text[a:]
        elif how == "replace":
            text = text[:a] + junk + text[b:]
        else:
            text = text[:b] + text[a:b] + text[b:]
    check(text)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for j, v in enumerate(node):
            yield from _paths(v, prefix + (j,))


@SETTINGS
@given(st.integers(0, len(VALID_DOCS) - 1), st.data())
def test_mutated_structure(i, data):
    doc = json.loads(json.dumps(VALID_DOCS[i]))  # a deep copy
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        how = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "replace":
            parent[key] = data.draw(values)
        elif how == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(KEYS))] = data.draw(values)
        else:
            parent.append(data.draw(values))
    check(dump(doc))
