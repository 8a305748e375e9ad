"""engine.fpguard: the cheap errstate of step() flags exactly what np.errstate flags, and nests correctly."""

from __future__ import annotations

import numpy as np

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.fpguard import FPGuard


def test_guard_calls_back_on_overflow_divide_invalid_not_underflow():
    seen = []
    guard = FPGuard(lambda kind, flag: seen.append(kind))
    for op in (lambda: np.float64(1e308) * 10, lambda: np.array([1.0]) / 0.0,
               lambda: np.array([-1.0]) ** 0.5, lambda: np.array([1e-308]) * 1e-10):
        token = guard.enter()
        try:
            op()
        finally:
            guard.exit(token)
    assert seen == ["overflow", "divide by zero", "invalid value"]
    with np.errstate(all="ignore"):
        np.array([1.0]) / 0.0  # outside: the caller's state again, nothing recorded
    assert len(seen) == 3


def test_guard_restores_the_surrounding_state_and_follows_it():
    guard = FPGuard(lambda kind, flag: None)
    with np.errstate(all="raise", under="warn"):
        token = guard.enter()
        assert np.geterr() == {"divide": "call", "over": "call", "under": "ignore", "invalid": "call"}
        guard.exit(token)
        assert np.geterr()["divide"] == "raise"
        with np.errstate(all="ignore"):
            token = guard.enter()
            assert np.geterr()["over"] == "call"
            guard.exit(token)
            assert np.geterr()["over"] == "ignore"


def test_step_by_step_finds_the_same_blowup_as_run():
    X = np.full((1, 4), 10.0)
    args = (X, X, [LayerSpec(3, "linear")] * 4 + [LayerSpec(1, "linear")], "l2", InitSpec("normal"),
            OptimizerSpec("gd", 50.0))
    a, b = Simulation(*args), Simulation(*args)
    a.run(40)
    while b.iteration < a.iteration or b.phase_index < b.P:
        if b.step() is None:
            break
    assert a.blowup is not None and a.blowup == b.blowup and a.halted == b.halted
