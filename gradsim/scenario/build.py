"""Scenario → engine ``Simulation``: draw (or take) the data, normalise it, and hand the specs over (the
scenario's network, initialisation and optimiser already are the engine's specs)."""

from __future__ import annotations

import numpy as np

from .. import datasets
from ..engine import Simulation
from ..errors import ScenarioError
from .model import DataSpec, Scenario

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


def build_simulation(scenario: Scenario, seed: int | None = None) -> Simulation:
    """A fresh Simulation for ``scenario``; ``seed`` (if given) replaces the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    X, Y = make_data(scenario.data, seed)
    try:
        return Simulation(X, Y, scenario.layers, scenario.loss, scenario.init, scenario.optimizer, seed=seed)
    except (ValueError, KeyError) as exc:  # validation should have caught it; say so in one line
        raise ScenarioError("a scenario the engine accepts", str(exc), file=scenario.source) from None
