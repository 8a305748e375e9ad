"""Every bundled scenario loads, builds, runs, and passes all its expectations."""

from __future__ import annotations

import pytest

from gradsim.checks import run_expectations
from gradsim.scenario import BUNDLED_DIR, DEFAULT_SCENARIO, build_simulation, list_bundled, load_scenario

NAMES = sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))

# the concepts of the lecture each need at least one scenario (issue 4)
REQUIRED = [
    "needle-logistic", "needles-multilabel", "needles-softmax", "relu-regression-l1", "relu-regression-l2",
    "three-layer-cache", "backprop-dw3", "saturation-unnormalised", "saturation-normalised",
    "exploding-linear", "vanishing-linear", "no-activation-collapse", "init-standard-tanh",
    "init-xavier-tanh", "init-xavier-relu", "init-he-relu", "symmetry-equal-weights", "batch-gd",
    "stochastic-gd", "minibatch-gd", "broadcasting", "momentum-ill-conditioned", "adam-ill-conditioned",
]


def test_library_is_complete():
    assert len(NAMES) >= 16
    assert set(REQUIRED) <= set(NAMES)
    assert DEFAULT_SCENARIO in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_header_comments(name):
    lines = (BUNDLED_DIR / f"{name}.toml").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 20, "first line: what it teaches"
    assert lines[1].startswith("#"), "then comment lines of what to look at"
    assert any("Look at" in line for line in lines[:8] if line.startswith("#"))
    sc = load_scenario(name)
    assert sc.summary == lines[0][2:].strip() and sc.notes
    assert dict(list_bundled())[name] == sc.summary


@pytest.mark.parametrize("name", NAMES)
def test_bundled_scenario_passes(name):
    sc = load_scenario(name)
    assert sc.name == name and sc.expectations, "every bundled scenario checks something"
    sim = build_simulation(sc)
    assert sim.L == sc.L and sim.n == list(sc.n)
    results = run_expectations(sc)
    assert len(results) == len(sc.expectations)
    failed = [r.line() for r in results if not r.passed]
    assert not failed, "\n".join(failed)


def test_default_scenario_trains():
    sc = load_scenario(DEFAULT_SCENARIO)
    sim = build_simulation(sc)
    sim.run(200)
    assert sim.J_history[-1] < 0.9 * sim.J_history[0]
