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
import tomllib
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..errors import ScenarioError, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
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
            if key not in node and isinstance(keys[i + 1], int):
                raise ScenarioError("an existing array", "nothing (there is no such key)", field=where,
                                    hint=did_you_mean(key, [k for k in node if isinstance(node[k], list)]))
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


def parse_value(text: str) -> Any:
    """An override's value as a TOML value (``0.05``, ``true``, ``"he"``, ``[1, 2]``, ``{ n = 3 }``), or
    the text itself as a bare string (``he``, ``tanh``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, KeyError):
        return text.strip()


def parse_assignment(text: str) -> tuple[str, Any]:
    """'optimizer.learning_rate=0.05' → ('optimizer.learning_rate', 0.05); the path is checked."""
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError("PATH=VALUE, e.g. optimizer.learning_rate=0.05", repr(text))
    parse_path(path)
    return path, parse_value(value.strip())


def _blames(field: str | None, path: str) -> bool:
    """Whether a validation error at ``field`` is about the override of ``path``."""
    if field is None:
        return False
    return any(a == b or a.startswith(b + ".") or a.startswith(b + "[") for a, b in ((field, path), (path, field)))


def with_overrides(scenario: "Scenario", overrides: Iterable[tuple[str, Any]],
                   names: Sequence[str] | None = None) -> "Scenario":
    """``scenario`` with each (path, value) applied to its TOML document, validated like a file.

    With ``names`` (one per override, e.g. ``--set optimizer.learning_rate=1e300``), a message names the
    override it is about after the file: ``x.toml (--set optimizer.learning_rate=1e300): optimizer...``;
    one that no single override explains (a loss that no longer fits the output) names them all.
    """
    from .schema import validate

    overrides = list(overrides)
    label = str(scenario.source) if scenario.source is not None else "<string>"  # as loads_scenario says

    def labelled(exc: ScenarioError, which: list[int]) -> ScenarioError:
        if names:
            shown = [names[i] for i in which] or list(names)
            exc.file = None
            return exc.with_file(f"{label} ({', '.join(shown)})")
        return exc.with_file(label)

    doc = copy.deepcopy(dict(scenario.doc))
    for i, (path, value) in enumerate(overrides):
        try:
            set_path(doc, path, value)
        except ScenarioError as exc:
            raise labelled(exc, [i]) from None
    try:
        return validate(doc, source=scenario.source, name=scenario.name, summary=scenario.summary,
                        notes=scenario.notes)
    except ScenarioError as exc:
        raise labelled(exc, [i for i, (p, _) in enumerate(overrides) if _blames(exc.field, p)]) from None
    except RecursionError:
        raise labelled(ScenarioError("a scenario nested less deeply"), []) from None


def apply_assignments(scenario: "Scenario", texts: Sequence[str], flag: str = "--set") -> "Scenario":
    """``scenario`` with ``PATH=VALUE`` texts (the command line's ``--set``) applied; errors name them."""
    if not texts:
        return scenario
    pairs = []
    label = str(scenario.source) if scenario.source is not None else "<string>"
    for text in texts:
        try:
            pairs.append(parse_assignment(text))
        except ScenarioError as exc:
            raise exc.with_file(f"{label} ({flag} {text})") from None
    return with_overrides(scenario, pairs, names=[f"{flag} {t}" for t in texts])


RUN_BOUND = ("expect", "narration")  # tables that name layers and iterations of one particular run


def without_expectations(scenario: "Scenario") -> "Scenario":
    """``scenario`` without its [[expect]] and [[narration]] entries: for runs that change the net
    (compare, sweep, the editor's sizes), where a claim about layer 10 would refuse a net of 4 layers."""
    present = [(key, None) for key in RUN_BOUND if key in scenario.doc]
    return with_overrides(scenario, present) if present else scenario


def expanded_layers(scenario: "Scenario") -> list[dict]:
    """The [network] layers of the document one table per layer (``repeat`` written out), so one
    layer can change without its neighbours."""
    out = []
    for entry in scenario.doc.get("network", {}).get("layers", []):
        entry = dict(entry)
        repeat = entry.pop("repeat", 1)
        out += [dict(entry) for _ in range(repeat)]
    return out
