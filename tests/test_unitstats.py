"""Saturated and dead-unit fractions of all layers at once (engine/unitstats.all_layers) against layer by layer."""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.engine import ACTIVATIONS, InitSpec, LayerSpec, OptimizerSpec, Simulation, unitstats
from gradsim.engine.activations import SATURATION_FRACTION
from gradsim.engine.batchnorm import BatchNormSpec


def _sim(layers, m=16, seed=0):
    rng = np.random.default_rng(seed)
    X = 3.0 * rng.standard_normal((4, m))
    Y = (X[:1] > 0).astype(float)
    return Simulation(X, Y, layers, "logistic", InitSpec("normal", std=2.0), OptimizerSpec("gd", 0.1), seed=seed)


NETS = {
    "tanh, relu, sigmoid, linear mixed": [LayerSpec(6, "tanh"), LayerSpec(5, "relu"), LayerSpec(4, "tanh"),
                                          LayerSpec(3, "relu"), LayerSpec(4, "sigmoid"), LayerSpec(4, "linear"),
                                          LayerSpec(1, "sigmoid")],
    "batch norm, skip": [LayerSpec(4, "tanh", batch_norm=BatchNormSpec()), LayerSpec(4, "relu", skip=1),
                         LayerSpec(4, "tanh"), LayerSpec(4, "relu"), LayerSpec(1, "sigmoid")],
    "dropout": [LayerSpec(4, "tanh", dropout=0.5), LayerSpec(4, "relu", dropout=0.3), LayerSpec(4, "tanh"),
                LayerSpec(1, "sigmoid")],
}


@pytest.mark.parametrize("name", NETS)
def test_all_layers_gives_the_numbers_of_each_layer_at_every_phase(name):
    sim = _sim(NETS[name])
    seen = set()
    for _ in range(3 * sim.P):
        sim.step()
        sat, dead = unitstats.all_layers(sim)
        each = [sim.layer_stats(l) for l in range(1, sim.L + 1)]
        assert repr(sat) == repr([s["fraction_saturated"] for s in each])  # repr: NaN before forward l, bits
        assert repr(dead) == repr([s["fraction_dead"] for s in each])
        seen.update(round(x, 6) for x in sat + dead if x == x)
    assert len(seen) > 3  # the nets do saturate and die somewhere: the test compares real fractions


def test_the_fractions_are_the_lecture_counts():
    sim = _sim(NETS["tanh, relu, sigmoid, linear mixed"])
    sim.run(2)
    sat, dead = unitstats.all_layers(sim)
    A = sim.arrays
    for l, g in enumerate(sim.acts, start=1):
        Z, Al = A[f"Z[{l}]"], A[f"A[{l}]"]
        dg = {"tanh": 1 - Al ** 2, "sigmoid": 4 * Al * (1 - Al)}.get(g.name)  # g'/g'(0), independently
        assert sat[l - 1] == (np.mean(dg < SATURATION_FRACTION) if dg is not None else 0.0)
        assert dead[l - 1] == (np.mean(np.all(Z <= 0, axis=1)) if g.name == "relu" else 0.0)


def test_every_entry_with_a_fraction_has_its_mask():
    for g in ACTIVATIONS.values():
        assert (g.saturated is None) == (g.saturated_where is None), g.name
        assert (g.dead is None) == (g.inactive_where is None), g.name
