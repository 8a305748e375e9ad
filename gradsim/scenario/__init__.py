"""Scenario files: load and validate them (expectations included), and build a Simulation.

    from gradsim.scenario import load_scenario, build_simulation
    from gradsim.checks import run_expectations
    sc = load_scenario("exploding-linear")          # a bundled name or a path
    results = run_expectations(sc)                   # [ExpectationResult(passed, expected, got, at, ...)]

Running the expectations is ``gradsim.checks`` (beside ``gradsim.replay``), not part of the model.

Names are imported on first use (PEP 562), so listing the library (``gradsim list``) does not load
NumPy and the engine.
"""

from importlib import import_module

from ..errors import ScenarioError
from .loader import BUNDLED_DIR, DEFAULT_SCENARIO, list_bundled, load_scenario, loads_scenario, resolve

_LAZY = {
    "build_simulation": "build", "make_data": "build",
    "At": "model", "DataSpec": "model", "Expectation": "model", "Run": "model", "Scenario": "model",
    "with_overrides": "overrides",
}

__all__ = [
    "ScenarioError", "Scenario", "DataSpec", "Run", "At", "Expectation", "with_overrides",
    "load_scenario", "loads_scenario", "build_simulation", "make_data", "list_bundled", "resolve", "BUNDLED_DIR",
    "DEFAULT_SCENARIO",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
