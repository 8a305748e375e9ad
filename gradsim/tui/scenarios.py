"""The app's only door to ``gradsim.scenario``: load, list, build, and change hyper-parameters.

The editor's changes become field-path overrides of the scenario's TOML document (``with_overrides``), so
they go through the same validation as a file; the choices it offers come from the engine's registries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, Simulation, hidden_activations, selectable_initializers
from ..engine.params import all_names
from ..errors import ScenarioError
from ..scenario import Scenario, build_simulation, list_bundled, load_scenario, with_overrides
from ..scenario.model import describe_init as describe_layer_init
from ..scenario.overrides import RUN_BOUND, expanded_layers
from .state import NetInfo
from .update_fields import schedule_table, transform_tables


def bundled() -> list[tuple[str, str]]:
    """(name, summary) of every bundled scenario: the bundled lesson's path first, in its order, then the rest."""
    from ..lessons import in_lesson_order

    return in_lesson_order(list_bundled())


def load(name_or_path: str | Path) -> Scenario:
    """A bundled name or a file path → Scenario; raises ScenarioError with a one-line reason (the
    loader turns every other kind into one)."""
    return load_scenario(name_or_path)


def describe_init(scenario: Scenario) -> str:
    """The initialisation in one line: 'identity (scale = 1.5)', or per layer when they differ."""
    texts = [describe_layer_init(li) for li in scenario.init]
    if len(set(texts)) == 1:
        return texts[0]
    return ", ".join(f"l={l}: {t}" for l, t in enumerate(texts, start=1))


def build(scenario: Scenario) -> tuple[Simulation, NetInfo]:
    """A fresh Simulation and its NetInfo; raises ScenarioError (never a bare ValueError)."""
    try:
        sim = build_simulation(scenario)
    except ScenarioError:
        raise
    except Exception as exc:  # noqa: BLE001 - the app never exits on a bad file
        raise ScenarioError("a scenario the engine accepts", f"{type(exc).__name__}: {exc}"[:120],
                            file=scenario.source) from None
    info = NetInfo.of(sim, name=scenario.name, summary=scenario.summary, init=describe_init(scenario),
                      run_iterations=scenario.run.iterations, stop_below=scenario.run.stop_below)
    return sim, info


@dataclass(frozen=True)
class HyperParameters:
    """What the editor changes. ``activation`` None keeps each hidden layer's own; ``init`` None keeps
    each layer's own initialiser; ``batch_size`` None is the whole batch."""

    learning_rate: float
    init: str | None
    activation: str | None
    batch_size: int | None
    optimizer: str | None = None  # None keeps the scenario's
    seed: int | None = None  # None keeps the scenario's
    hidden: tuple[int, ...] | None = None  # n[1..L-1]; None keeps them (a different count changes the depth)
    schedule: dict[str, Any] | None = None  # [optimizer.schedule]: name and parameters; None keeps the scenario's
    transforms: tuple[dict[str, Any], ...] | None = None  # the [[transform]] tables in order; None keeps them

    @classmethod
    def of(cls, scenario: Scenario) -> "HyperParameters":
        inits = {li.name for li in scenario.init}
        acts = {layer.activation for layer in scenario.layers[:-1]}
        return cls(
            learning_rate=scenario.optimizer.learning_rate,
            init=inits.pop() if len(inits) == 1 else None,
            activation=acts.pop() if len(acts) == 1 else None,
            batch_size=scenario.optimizer.batch_size,
            optimizer=scenario.optimizer.name,
            seed=scenario.seed,
            hidden=tuple(layer.n for layer in scenario.layers[:-1]),
            schedule=schedule_table(scenario.optimizer.schedule),
            transforms=transform_tables(scenario.transforms),
        )


def hidden_choices() -> list[str]:
    """The activations the editor offers for the hidden layers: the registry's, in its order."""
    return hidden_activations()


def init_choices() -> list[str]:
    """The initialisers the editor offers: every one a file may name as init.weights."""
    return selectable_initializers()


def optimizer_choices() -> list[str]:
    """The optimisers the editor offers: every entry of the registry."""
    return list(OPTIMIZERS)


def overrides_for(scenario: Scenario, hp: HyperParameters) -> list[tuple[str, Any]]:
    """The editor's values as field-path overrides of the scenario's document.

    A new initialiser replaces each layer's own (explicit W included) and drops the parameters it does
    not take (an identity's scale, a normal's std); a new hidden activation drops the parameters of the
    old one. The output layer keeps its activation (the loss depends on it).
    """
    before = HyperParameters.of(scenario)
    out: list[tuple[str, Any]] = []
    doc = scenario.doc
    if hp.optimizer is not None and hp.optimizer != before.optimizer:
        # the new optimiser's own hyper-parameters keep the file's values where it has them
        takes = {p.name for p in OPTIMIZERS[hp.optimizer].params} if hp.optimizer in OPTIMIZERS else set()
        takes.add("schedule")  # the learning-rate schedule is the optimiser's table's, whichever optimiser
        table = {k: v for k, v in dict(doc.get("optimizer", {})).items() if k in takes}
        out.append(("optimizer", {**table, "name": hp.optimizer}))
    out += [("optimizer.learning_rate", hp.learning_rate), ("optimizer.batch_size", hp.batch_size)]
    if hp.schedule is not None and hp.schedule != before.schedule:  # the schedule's table, validated as a file's
        out.append(("optimizer.schedule", dict(hp.schedule)))
    if hp.transforms is not None and hp.transforms != before.transforms:
        out.append(("transform", [dict(t) for t in hp.transforms]))
    if hp.init is not None and hp.init != before.init:
        takes = {p.name for p in INITIALIZERS[hp.init].params} | {"bias", "b"} if hp.init in INITIALIZERS else set()
        init = {k: v for k, v in dict(doc.get("init", {})).items() if k in takes}
        layers = {}
        for key, sub in dict(doc.get("init", {}).get("layers", {})).items():
            kept = {k: v for k, v in sub.items() if k in takes}
            if kept:
                layers[key] = kept
        init["weights"] = hp.init
        if layers:
            init["layers"] = layers
        out.append(("init", init))
    if hp.seed is not None and hp.seed != before.seed:
        out.append(("seed", hp.seed))
    layers = expanded_layers(scenario)
    changed = False
    if hp.hidden is not None and hp.hidden != before.hidden and layers:
        *hidden, last = layers
        template = hidden[-1] if hidden else {k: v for k, v in last.items() if k != "n"}
        hidden = [dict(hidden[i] if i < len(hidden) else template, n=n) for i, n in enumerate(hp.hidden)]
        layers, changed = hidden + [last], True
        if len(hp.hidden) != len(before.hidden or ()):
            # expectations and narration name layers of the old depth; the app does not check them
            out += [(key, None) for key in RUN_BOUND]
    if hp.activation is not None and hp.activation != before.activation:
        takes = {p.name for p in ACTIVATIONS[hp.activation].params} if hp.activation in ACTIVATIONS else set()
        for entry in layers[:-1]:
            for k in all_names(ACTIVATIONS):
                if k not in takes or entry.get("activation") != hp.activation:
                    entry.pop(k, None)
            entry["activation"] = hp.activation
        changed = True
    if changed:
        out.append(("network.layers", layers))
    return out


def sizes_text(hidden: tuple[int, ...]) -> str:
    """n[1..L-1] as the editor shows them: '3, 2', '128×10' (a run of equal sizes once, with its count)."""
    parts, i = [], 0
    while i < len(hidden):
        j = i
        while j < len(hidden) and hidden[j] == hidden[i]:
            j += 1
        parts.append(str(hidden[i]) + (f"×{j - i}" if j - i > 1 else ""))
        i = j
    return ", ".join(parts)


def parse_sizes(text: str) -> tuple[int, ...]:
    """'3, 2' → (3, 2); '128×10' or '128x10' → ten 128s; raises ScenarioError."""
    out: list[int] = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        n, _, k = part.replace("x", "×").replace("*", "×").partition("×")
        try:
            n_i, k_i = int(n), int(k) if k else 1
        except ValueError:
            raise ScenarioError("sizes such as 3, 2 or 128×10", repr(text), field="hidden sizes") from None
        if k_i < 1 or k_i > 1000:
            raise ScenarioError("a repeat count from 1 to 1000", repr(part), field="hidden sizes")
        out += [n_i] * k_i
    return tuple(out)


def with_hyperparameters(scenario: Scenario, hp: HyperParameters) -> Scenario:
    """``scenario`` with the editor's values, validated exactly like a file: a learning rate of 1e300
    gets the message a file with that value would get (ScenarioError)."""
    return with_overrides(scenario, overrides_for(scenario, hp))
