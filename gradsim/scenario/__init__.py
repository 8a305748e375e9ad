"""Scenario files: load and validate them, build a Simulation, and check their expectations.

    from gradsim.scenario import load_scenario, build_simulation, run_expectations
    sc = load_scenario("exploding-linear")          # a bundled name or a path
    results = run_expectations(sc)                   # [ExpectationResult(passed, expected, got, at, ...)]
"""

from ..errors import ScenarioError
from .build import build_simulation, make_data
from .expect import ExpectationResult, run_expectations
from .loader import BUNDLED_DIR, DEFAULT_SCENARIO, list_bundled, load_scenario, loads_scenario, resolve
from .schema import At, DataSpec, Expectation, Layer, LayerInit, Optimizer, Run, Scenario

__all__ = [
    "ScenarioError", "Scenario", "Layer", "DataSpec", "LayerInit", "Optimizer", "Run", "At", "Expectation",
    "ExpectationResult", "load_scenario", "loads_scenario", "build_simulation", "make_data",
    "run_expectations", "list_bundled", "resolve", "BUNDLED_DIR", "DEFAULT_SCENARIO",
]
