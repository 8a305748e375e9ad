"""The app's only door to ``gradsim.scenario``: load, list, build, and change hyper-parameters.

Scenarios are frozen dataclasses, so the editor's changes are made with ``dataclasses.replace``; the new
scenario goes through ``build_simulation`` like any other, and the engine's own checks apply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..engine import Simulation
from ..errors import ScenarioError
from ..scenario import Scenario, build_simulation, list_bundled, load_scenario
from .state import NetInfo

HIDDEN_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")


def bundled() -> list[tuple[str, str]]:
    """(name, summary) of every bundled scenario."""
    return list_bundled()


def load(name_or_path: str | Path) -> Scenario:
    """A bundled name or a file path → Scenario; raises ScenarioError with a one-line reason."""
    return load_scenario(name_or_path)


def describe_init(scenario: Scenario) -> str:
    """The initialisation in one line: 'identity (scale = 1.5)', or per layer when they differ."""
    texts = [li.describe() for li in scenario.init]
    if len(set(texts)) == 1:
        return texts[0]
    return ", ".join(f"l={l}: {t}" for l, t in enumerate(texts, start=1))


def build(scenario: Scenario) -> tuple[Simulation, NetInfo]:
    """A fresh Simulation and its NetInfo; raises ScenarioError (never a bare ValueError)."""
    try:
        sim = build_simulation(scenario)
    except ScenarioError:
        raise
    except (ValueError, KeyError) as exc:
        raise ScenarioError("a scenario the engine accepts", str(exc), file=scenario.source) from None
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

    @classmethod
    def of(cls, scenario: Scenario) -> "HyperParameters":
        inits = {li.weights for li in scenario.init}
        acts = {layer.activation for layer in scenario.layers[:-1]}
        return cls(
            learning_rate=scenario.optimizer.learning_rate,
            init=inits.pop() if len(inits) == 1 else None,
            activation=acts.pop() if len(acts) == 1 else None,
            batch_size=scenario.optimizer.batch_size,
        )


def with_hyperparameters(scenario: Scenario, hp: HyperParameters) -> Scenario:
    """``scenario`` with a new learning rate, initialiser (every layer), hidden activation, batch size.

    The output layer keeps its activation (the loss depends on it). Changing the initialiser drops any
    explicit W[l]; its other parameters (gain, scale, ...) stay as the file set them.
    """
    if not hp.learning_rate > 0:
        raise ScenarioError("a learning rate > 0", str(hp.learning_rate), field="optimizer.learning_rate")
    m = scenario.data.m
    if hp.batch_size is not None and not 1 <= hp.batch_size <= m:
        raise ScenarioError(f"a batch size from 1 to m = {m} (empty for the whole batch)", str(hp.batch_size),
                            field="optimizer.batch_size")
    optimizer = replace(scenario.optimizer, learning_rate=float(hp.learning_rate), batch_size=hp.batch_size)
    init = scenario.init
    if hp.init is not None:
        init = tuple(li if li.weights == hp.init and li.W is None else replace(li, weights=hp.init, W=None)
                     for li in scenario.init)
    layers = scenario.layers
    if hp.activation is not None:
        if hp.activation not in HIDDEN_ACTIVATIONS:
            raise ScenarioError("a hidden activation: " + ", ".join(HIDDEN_ACTIVATIONS), hp.activation,
                                field="network.layers.activation")
        slope = 0.01 if hp.activation == "leaky_relu" else None
        layers = tuple(
            replace(layer, activation=hp.activation,
                    slope=(layer.slope if layer.activation == "leaky_relu" and slope else slope))
            for layer in scenario.layers[:-1]
        ) + scenario.layers[-1:]
    return replace(scenario, optimizer=optimizer, init=init, layers=layers)
