"""Change a scenario by field path, through the same validation as a file.

    with_overrides(sc, [("optimizer.learning_rate", 0.05), ("network.layers[1].activation", "tanh")])

Paths are the field paths that validation messages print: dotted keys, ``[i]`` for a position in an
array (from 0), and table keys such as ``init.layers.2``. A value of ``None`` removes the key (the
default applies again). The changed document is validated from the start, so a value a file would
refuse (a learning rate of 1e300) gets exactly the message the file would get.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterable

from ..errors import ScenarioError
from .model import Scenario

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|[0-9]+)((?:\[[0-9]+\])*)$")


def parse_path(path: str) -> list[str | int]:
    """'network.layers[1].activation' → ['network', 'layers', 1, 'activation']."""
    keys: list[str | int] = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if not m:
            raise ScenarioError("a field path such as optimizer.learning_rate or network.layers[0].n",
                                repr(path), field=path)
        keys.append(m.group(1))
        keys += [int(i) for i in re.findall(r"\[([0-9]+)\]", m.group(2))]
    return keys


def set_path(doc: dict, path: str, value: Any) -> None:
    """Set (or, for None, remove) the value at ``path`` in a TOML document, making tables on the way."""
    keys = parse_path(path)
    node: Any = doc
    for i, key in enumerate(keys[:-1]):
        where = _show(keys[: i + 1])
        if isinstance(key, int):
            if not isinstance(node, list) or not 0 <= key < len(node):
                size = len(node) if isinstance(node, list) else 0
                raise ScenarioError(f"an index from 0 to {size - 1}" if size else "an existing array",
                                    str(key), field=where)
            node = node[key]
        else:
            if not isinstance(node, dict):
                raise ScenarioError("a table here", type(node).__name__, field=where)
            if value is None and key not in node:
                return
            node = node.setdefault(key, {})
    last = keys[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or not 0 <= last < len(node):
            raise ScenarioError("an existing array position", str(last), field=path)
        node[last] = value
    elif not isinstance(node, dict):
        raise ScenarioError("a table here", type(node).__name__, field=path)
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value


def _show(keys: list[str | int]) -> str:
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out


def with_overrides(scenario: Scenario, overrides: Iterable[tuple[str, Any]]) -> Scenario:
    """``scenario`` with each (path, value) applied to its TOML document, validated like a file."""
    from .schema import validate

    doc = copy.deepcopy(dict(scenario.doc))
    for path, value in overrides:
        set_path(doc, path, value)
    label = str(scenario.source) if scenario.source is not None else "<string>"  # as loads_scenario says
    try:
        return validate(doc, source=scenario.source, name=scenario.name, summary=scenario.summary,
                        notes=scenario.notes)
    except ScenarioError as exc:
        raise exc.with_file(label) from None
    except RecursionError:
        raise ScenarioError("a scenario nested less deeply", file=label) from None


def expanded_layers(scenario: Scenario) -> list[dict]:
    """The [network] layers of the document one table per layer (``repeat`` written out), so one
    layer can change without its neighbours."""
    out = []
    for entry in scenario.doc.get("network", {}).get("layers", []):
        entry = dict(entry)
        repeat = entry.pop("repeat", 1)
        out += [dict(entry) for _ in range(repeat)]
    return out
