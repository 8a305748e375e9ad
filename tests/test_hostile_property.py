"""Properties for hostile input (issue 17): integers beyond 64 bits in any numeric field, nesting up to 1,000
deep, and arbitrary data files always give the one-line ScenarioError (naming the field where there is one),
never another exception. GRADSIM_PROPERTY_EXAMPLES sets the number of examples (default 150 each)."""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradsim.errors import ScenarioError
from gradsim.scenario import BUNDLED_DIR, load_scenario, loads_scenario
from gradsim.scenario.schema import validate

EXAMPLES = int(os.environ.get("GRADSIM_PROPERTY_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

DOCS = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(BUNDLED_DIR.glob("*.toml"))]


def _numbers(value, path="", keys=()):
    """(field path in validation's format, the keys that reach it) of every number in a document; the keys,
    not the path, locate it (a [compare] set key such as "optimizer.learning_rate" holds a dot)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}" if path else k, keys + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}[{i}]", keys + (i,))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, keys


def _set(doc, keys: tuple, value) -> None:
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value


FIELDS = [(i, p, keys) for i, d in enumerate(DOCS) for p, keys in _numbers(d)]
huge = st.one_of(st.integers(min_value=2**63), st.integers(max_value=-2**63 - 1))


@SETTINGS
@given(st.sampled_from(FIELDS), huge)
def test_an_integer_beyond_64_bits_in_any_numeric_field_is_refused_by_its_path(field, value):
    doc_index, path, keys = field
    doc = copy.deepcopy(DOCS[doc_index])
    _set(doc, keys, value)
    try:
        validate(doc)
    except ScenarioError as exc:
        text = str(exc)
        assert text.startswith(f"{path}: expected an integer from -2^63 to 2^63 - 1"), text
    else:
        raise AssertionError(f"{path} = {value} was accepted")


OPEN = st.sampled_from(["[", "{a = "])


@SETTINGS
@given(st.integers(1, 1000).flatmap(lambda n: st.lists(OPEN, min_size=n, max_size=n)), st.booleans())
def test_nesting_up_to_1000_deep_is_one_error(opens, close):
    closing = "".join("]" if o == "[" else "}" for o in reversed(opens)) if close else ""
    text = 'loss = "l2"\n[network]\nx = ' + "".join(opens) + "1" + closing + "\n"
    try:
        loads_scenario(text)
    except ScenarioError as exc:
        msg = str(exc)
        assert "\n" not in msg
        if len(opens) > 32:
            assert "nested at most 32 deep" in msg, msg
    else:
        raise AssertionError("a scenario with x in [network] was accepted")


CELL = st.one_of(st.integers(-10**30, 10**30).map(str), st.floats().map(repr), st.sampled_from(
    ["", "nan", "inf", "1e999", "x", "y", '"1,2"', "\ufeff1", "1e12", "-0", " 3 "]))


@SETTINGS
@given(st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=0, max_size=8), st.sampled_from([",", ";"]),
       st.booleans(), st.booleans())
def test_any_csv_gives_a_scenario_or_one_error(tmp_path_factory, rows, delim, one_hot, bom):
    folder: Path = tmp_path_factory.mktemp("csv")
    body = "\n".join(delim.join(r) for r in rows)
    (folder / "d.csv").write_text(("\ufeff" if bom else "") + body, encoding="utf-8")
    sc = folder / "s.toml"
    sc.write_text(f'loss = "l2"\n[network]\nlayers = [{{ n = 1, activation = "linear" }}]\n[data]\nkind = "csv"\n'
                  f'path = "d.csv"\ndelimiter = "{delim}"\none_hot = {"true" if one_hot else "false"}\n')
    try:
        load_scenario(sc)
    except ScenarioError as exc:
        assert str(exc).startswith(f"{sc}: ") and "\n" not in str(exc)
