"""gradsim.diagnosis: factors between layers, the first/last ratio and the verdict, from plain numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradsim.diagnosis import QUANTITIES, factor_text, factors, per_layer, ratio, scalar_identity, verdict
from gradsim.engine import get_activation
from gradsim.tui.format import DecadeScale

NAN = math.nan
sigmoid, relu, linear, tanh = (get_activation(n) for n in ("sigmoid", "relu", "linear", "tanh"))


def test_factors_follow_the_direction_of_travel():
    A = {0: 1.0, 1: 1.5, 2: 2.25}
    assert factors(QUANTITIES["A"], A, 2) == {1: 1.5, 2: 1.5}
    dZ = {1: 2.25, 2: 1.5}  # going back, dZ[1] = 1.5·dZ[2]
    assert factors(QUANTITIES["dZ"], dZ, 2) == {1: 1.5}
    assert factors(QUANTITIES["dZ"], {1: NAN, 2: 1.5}, 2) == {}
    assert factors(QUANTITIES["dA"], {0: 0.0, 1: 1.0, 2: 2.0}, 2) == {1: 0.5}  # 0 has no factor
    assert ratio(QUANTITIES["dZ"], dZ, 2) == 1.5
    assert per_layer(QUANTITIES["A"], A, 2) == pytest.approx(1.5, rel=1e-15)


def test_factor_text():
    assert factor_text(1.5) == "×1.50" and factor_text(0.5) == "×0.50"
    assert factor_text(1.3e-34) == "×1.3e-34" and factor_text(1.3e-34, 0) == "×1e-34"
    assert factor_text(None) == "" and factor_text(math.inf) == ""


def test_scalar_identity():
    assert scalar_identity([1.5 * np.eye(2)] * 3) == 1.5
    assert scalar_identity([1.5 * np.eye(2), 0.5 * np.eye(2)]) is None
    assert scalar_identity([np.ones((2, 2))]) is None
    assert scalar_identity([np.eye(2, 3)]) is None


def _norms(L, dZ=None, A=None, dA=None):
    out = {k: {} for k in QUANTITIES}
    out["dZ"].update(dZ or {})
    out["A"].update(A or {})
    out["dA"].update(dA or {})
    return out


def test_verdicts():
    L = 4
    grow = {l: 1.5 ** (L - l) for l in range(1, L + 1)}
    assert verdict([linear] * L, _norms(L, dZ=grow), [0.0] * L, [0.0] * L).startswith("exploding: ×1.50 per layer")
    shrink = {l: 0.5 ** (L - l) for l in range(1, L + 1)}
    assert verdict([linear] * L, _norms(L, dZ=shrink), [0.0] * L, [0.0] * L).startswith("vanishing: ×0.50")
    steady = {l: 1.0 for l in range(1, L + 1)}
    assert verdict([linear] * L, _norms(L, dZ=steady), [0.0] * L, [0.0] * L) == "healthy: ×1.00 per layer in ‖dZ[l]‖"
    # dead ReLUs in a hidden layer, by the registry's statistic
    text = verdict([relu, relu, relu, linear], _norms(L, dZ=steady), [0.0] * L, [0.0, 0.1, 0.64, 0.0])
    assert text.startswith("dead ReLUs: 64% of layer 3")
    # saturation: hidden layers only; the output sigmoid at 91% is a confident prediction
    assert not verdict([tanh, sigmoid], _norms(2, dZ={1: 1.0, 2: 1.0}), [0.0, 0.91], [0.0, 0.0]).startswith("satur")
    assert "saturated" not in verdict([tanh, sigmoid], _norms(2), [0.0, 0.91], [0.0, 0.0])
    text = verdict([sigmoid, sigmoid], _norms(2, dA={0: 1e-6, 1: 4e-6, 2: 0.2}), [0.97, 0.91], [0.0, 0.0])
    assert text == "dA shrinks ×0.25 through layer 1: 97% of σ units in layer 1 saturated"
    assert verdict([linear] * 2, _norms(2), [NAN, NAN], [NAN, NAN]) == ""  # nothing ran yet
    assert verdict([linear] * 2, _norms(2, A={0: 1.0, 1: math.inf}), [0.0, NAN], [0.0, NAN]).startswith("non-finite")


def test_decade_scale_widens_only_when_a_value_leaves_it():
    s = DecadeScale()
    assert s.fit([3.0, 40.0]) == (0.0, 2.0) and not s.widened
    assert s.fit([5.0]) == (0.0, 2.0) and not s.widened  # inside: unchanged (log_range alone gives −1..1)
    assert s.fit([5e3]) == (0.0, 4.0) and s.widened
    assert s.fit([50.0]) == (0.0, 4.0) and not s.widened  # never narrows
    assert s.fit([NAN]) == (0.0, 4.0)
