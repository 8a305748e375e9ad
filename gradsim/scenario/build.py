"""Scenario → engine ``Simulation``: draw (or take) the data, normalise it, and hand the specs over (the
scenario's network, initialisation and optimiser already are the engine's specs)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import datasets
from ..engine import Simulation
from ..errors import ScenarioError
from .model import DataSpec, Scenario

DATA_STREAM = 0x64617461  # "data": keeps the data's random stream apart from the initialiser's
SPLIT_STREAM = 0x73706C74  # "splt": the held-out draw, apart from both


def make_data(data: DataSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X, Y) float64, examples as columns, after scale/offset and optional normalisation (all m examples)."""
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


def held_out_indices(data: DataSpec, seed: int) -> np.ndarray:
    """The sorted columns held out (``test_fraction``): a seeded draw, the same for one seed."""
    rng = np.random.default_rng([SPLIT_STREAM, data.seed if data.seed is not None else seed])
    return np.sort(rng.permutation(data.m)[: data.m_test])


def make_split(data: DataSpec, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X, Y, X_test, Y_test): the training columns and the held-out ones (none without ``test_fraction``).

    Normalisation takes its mean and std from the training columns only and applies them to both, so the
    held-out examples tell nothing to training.
    """
    if not data.m_test:
        X, Y = make_data(data, seed)
        return X, Y, X[:, :0], Y[:, :0]
    X, Y = make_data(dataclasses.replace(data, normalize=False), seed)
    test = np.zeros(data.m, dtype=bool)
    test[held_out_indices(data, seed)] = True
    Xtr, Ytr, Xte, Yte = X[:, ~test], Y[:, ~test], X[:, test], Y[:, test]
    if data.normalize:
        Xtr, mean, std = datasets.normalize(Xtr)
        Xte = (Xte - mean) / std
    return Xtr, Ytr, Xte, Yte


def build_simulation(scenario: Scenario, seed: int | None = None) -> Simulation:
    """A fresh Simulation for ``scenario``; ``seed`` (if given) replaces the scenario's seed."""
    seed = scenario.seed if seed is None else seed
    X, Y, X_test, Y_test = make_split(scenario.data, seed)
    try:
        sim = Simulation(X, Y, scenario.layers, scenario.loss, scenario.init, scenario.optimizer, seed=seed,
                         transforms=scenario.transforms)
        if X_test.shape[1]:
            sim.heldout = (X_test, Y_test)
        return sim
    except (ValueError, KeyError) as exc:  # validation should have caught it; say so in one line
        raise ScenarioError("a scenario the engine accepts", str(exc), file=scenario.source) from None
