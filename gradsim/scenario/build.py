"""Scenario → engine ``Simulation``: draw (or take) the data, normalise it, and hand the specs over."""

from __future__ import annotations

import numpy as np

from .. import datasets
from ..engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from ..engine.activations import DEFAULT_LEAKY_SLOPE
from ..errors import ScenarioError
from .schema import DataSpec, Scenario

DATA_STREAM = 0x64617461  # "data": keeps the data's random stream apart from the initialiser's


def make_data(data: DataSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) float64, examples as columns, after scale/offset and optional normalisation."""
    if data.X is not None:
        X, Y = np.array(data.X, dtype=np.float64), np.array(data.Y, dtype=np.float64)
    else:
        rng = np.random.default_rng([DATA_STREAM, data.seed if data.seed is not None else seed])
        try:
            X, Y = datasets.GENERATORS[data.kind](rng, **dict(data.params))
        except ValueError as exc:  # validation should have caught it
            raise ScenarioError("data the generator accepts", str(exc), field="data") from None
        if data.scale != 1.0 or data.offset != 0.0:
            X = X * data.scale + data.offset
    if data.normalize:
        X = datasets.normalize(X)[0]
    return X, Y


def layer_specs(scenario: Scenario) -> list[LayerSpec]:
    return [LayerSpec(layer.n, layer.activation, layer.slope if layer.slope is not None else DEFAULT_LEAKY_SLOPE)
            for layer in scenario.layers]


def init_specs(scenario: Scenario) -> list[InitSpec]:
    out = []
    for li in scenario.init:
        out.append(InitSpec(name=li.weights, gain=li.gain, std=li.std, limit=li.limit, value=li.value,
                            scale=li.scale, W=li.W, bias=li.bias, b=li.b))
    return out


def optimizer_spec(scenario: Scenario) -> OptimizerSpec:
    o = scenario.optimizer
    return OptimizerSpec(o.name, o.learning_rate, o.batch_size, o.beta, o.beta1, o.beta2, o.eps)


def build_simulation(scenario: Scenario, seed: int | None = None) -> Simulation:
    """A fresh Simulation for ``scenario``; ``seed`` (if given) replaces the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    X, Y = make_data(scenario.data, seed)
    try:
        return Simulation(X, Y, layer_specs(scenario), scenario.loss, init_specs(scenario),
                          optimizer_spec(scenario), seed=seed)
    except (ValueError, KeyError) as exc:  # validation should have caught it; say so in one line
        raise ScenarioError("a scenario the engine accepts", str(exc), file=scenario.source) from None
