"""Loading scenarios: the documented example, every section's fields and defaults, the library API."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gradsim.checks import run_expectations
from gradsim.engine import Simulation
from gradsim.errors import ScenarioError
from gradsim.scenario import (
    BUNDLED_DIR, DEFAULT_SCENARIO, build_simulation, list_bundled, load_scenario, loads_scenario, make_data,
    resolve,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"

MINIMAL = """\
# Minimal: a logistic unit on linearly separable points
# look at J falling
loss = "logistic"

[network]
layers = [{ n = 1, activation = "sigmoid" }]

[data]
kind = "linear"
"""


def doc_example() -> str:
    return re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)


def test_documented_example_loads_and_passes():
    sc = loads_scenario(doc_example(), source=DOC.parent / "example.toml")
    assert sc.name == "example"
    assert sc.summary.startswith("A 5-layer net learns two moons")
    assert sc.notes[0].startswith("The first comment line")
    assert sc.seed == 7 and sc.loss == "logistic"
    assert sc.n == (2, 8, 8, 4, 4, 1) and sc.L == 5
    assert [la.activation for la in sc.layers] == ["tanh", "leaky_relu", "sigmoid", "sigmoid", "sigmoid"]
    assert sc.layers[1].value("slope") == 0.1 and sc.layers[0].params == ()
    assert sc.data.kind == "moons" and sc.data.m == 200 and sc.data.normalize
    assert [i.name for i in sc.init] == ["xavier"] * 4 + ["normal"]
    assert sc.init[4].values()["std"] == 0.01
    assert sc.optimizer.name == "adam" and sc.optimizer.batch_size == 50 and sc.optimizer.learning_rate == 0.01
    assert sc.run.iterations == 400 and sc.run.stop_below == 0.02 and sc.run.stop_on_blowup
    assert len(sc.expectations) == 4
    assert sc.expectations[0].at.describe() == "iteration 1, after forward l=1"
    assert sc.expectations[2].at.is_end
    results = run_expectations(sc)
    assert all(r.passed for r in results), [r.line() for r in results if not r.passed]


def test_defaults_of_a_minimal_file():
    sc = loads_scenario(MINIMAL)
    assert sc.seed == 0 and sc.summary == "Minimal: a logistic unit on linearly separable points"
    assert sc.notes == ("look at J falling",)
    assert sc.optimizer.name == "gd" and sc.optimizer.learning_rate == 0.1 and sc.optimizer.batch_size is None
    assert sc.run.iterations == 100 and sc.run.stop_below is None and sc.run.stop_on_blowup
    assert sc.init[0].name == "xavier" and sc.init[0].bias == 0.0
    assert sc.data.m == 64 and sc.expectations == ()
    assert sc.parameter_count == 3


def test_layer_tables_and_repeat_are_equivalent():
    inline = MINIMAL.replace('layers = [{ n = 1, activation = "sigmoid" }]',
                             'layers = [{ n = 3, activation = "relu", repeat = 3 }, { n = 1, activation = "sigmoid" }]')
    tables = MINIMAL.replace('layers = [{ n = 1, activation = "sigmoid" }]\n', "").replace(
        "[data]", "[[network.layers]]\nn = 3\nactivation = \"relu\"\nrepeat = 3\n\n"
        "[[network.layers]]\nn = 1\nactivation = \"sigmoid\"\n\n[data]")
    a, b = loads_scenario(inline), loads_scenario(tables)
    assert a.layers == b.layers and a.n == (2, 3, 3, 3, 1)


def test_explicit_init_and_bias_forms():
    text = MINIMAL.replace('layers = [{ n = 1, activation = "sigmoid" }]',
                           'layers = [{ n = 2, activation = "tanh" }, { n = 1, activation = "sigmoid" }]') + """
[init]
weights = "he"
gain = 2.0
bias = 0.1

[init.layers.1]
W = [[1.0, 2.0], [3.0, 4.0]]
b = [0.5, -0.5]

[init.layers.2]
b = [[7.0]]
"""
    sc = loads_scenario(text)
    assert sc.init[0].name == "explicit"
    np.testing.assert_array_equal(sc.init[0].W, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(sc.init[0].b, [[0.5], [-0.5]])
    assert sc.init[1].name == "he" and sc.init[1].values()["gain"] == 2.0
    sim = build_simulation(sc)
    np.testing.assert_array_equal(sim.param("W[1]"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(sim.param("b[1]"), [[0.5], [-0.5]])
    np.testing.assert_array_equal(sim.param("b[2]"), [[7.0]])
    assert sim.param("W[2]").shape == (1, 2)


def test_build_matches_the_scenario_and_is_deterministic():
    text = MINIMAL.replace('kind = "linear"', 'kind = "moons"\nm = 30\nscale = 100.0\nnormalize = true')
    sc = loads_scenario(text)
    sim = build_simulation(sc)
    assert isinstance(sim, Simulation) and sim.n == [2, 1] and sim.m == 30
    np.testing.assert_allclose(sim.X.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(sim.X.std(axis=1), 1.0)
    sim.run(5)
    again = build_simulation(sc)
    again.run(5)
    assert sim.J_history == again.J_history
    other = build_simulation(sc, seed=1)
    assert not np.array_equal(other.X, sim.X)
    X, Y = make_data(loads_scenario(text.replace("normalize = true", "")).data, 0)
    assert np.abs(X).max() > 10  # scale 100 without normalisation: large raw inputs


def test_file_data_relative_to_the_scenario(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    np.save(tmp_path / "sub" / "d.npy", np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float))
    body = """# xor from a file
loss = "logistic"
[network]
layers = [{ n = 4, activation = "tanh" }, { n = 1, activation = "sigmoid" }]
[data]
"""
    (tmp_path / "sub" / "c.toml").write_text(body + 'kind = "csv"\npath = "d.csv"\ntargets = ["y"]\n')
    (tmp_path / "sub" / "n.toml").write_text(body + 'kind = "npy"\npath = "d.npy"\n')
    for name in ("c.toml", "n.toml"):
        sc = load_scenario(tmp_path / "sub" / name)
        assert sc.data.m == 4 and sc.data.n0 == 2
        np.testing.assert_array_equal(sc.data.Y, [[0, 1, 1, 0]])
        assert not sc.data.X.flags.writeable
        assert build_simulation(sc).m == 4


def test_list_bundled_and_default():
    items = list_bundled()
    names = [n for n, _ in items]
    assert len(items) >= 16 and names == sorted(names)
    assert DEFAULT_SCENARIO in names
    assert all(summary and "\n" not in summary for _, summary in items)
    assert resolve(DEFAULT_SCENARIO) == BUNDLED_DIR / f"{DEFAULT_SCENARIO}.toml"
    assert load_scenario(DEFAULT_SCENARIO).name == DEFAULT_SCENARIO


def test_resolve_prefers_an_existing_path(tmp_path: Path):
    p = tmp_path / "mine.toml"
    p.write_text(MINIMAL)
    assert resolve(p) == p and resolve(str(p)) == p
    with pytest.raises(ScenarioError, match="did you mean"):
        resolve(DEFAULT_SCENARIO + "x")


def test_failing_expectation_reports_expected_and_got():
    text = MINIMAL + """
[[expect]]
name = "impossible"
at = { iteration = 2, phase = "loss" }
value = "J"
op = "<"
rhs = -1
why = "J is never negative"

[[expect]]
value = "J"
op = "=="
rhs = "J_history[-1]"
rtol = 0
atol = 0
"""
    r1, r2 = run_expectations(loads_scenario(text))
    assert not r1.passed and r1.name == "impossible" and r1.description == "J is never negative"
    assert r1.expected == "< -1" and float(r1.got) > 0 and r1.at == "iteration 2, after loss"
    assert r2.passed and r2.at.startswith("end (iteration 100")
    assert "FAIL" in r1.line() and "expected < -1; got" in r1.line()


def test_points_the_run_never_reaches_fail_with_the_reason():
    text = MINIMAL.replace('kind = "linear"', 'kind = "linear"\n[run]\niterations = 50\nstop_below = 10.0') + """
[[expect]]
at = { iteration = 20 }
value = "J"
op = "is_finite"

[[expect]]
value = "iteration"
op = "=="
rhs = 1
"""
    r1, r2 = run_expectations(loads_scenario(text))
    assert not r1.passed and "not reached: the run stopped at iteration 1 (stop_below)" in r1.got
    assert r2.passed and "stop_below" in r2.at


def test_params_after_update_are_the_new_ones():
    text = MINIMAL + """
[[expect]]
at = { iteration = 1, phase = "backward" }
value = "W[1]"
op = "=="
rhs = "W[1]"

[[expect]]
at = { iteration = 1, phase = "update" }
value = "norm(W[1] - W[1])"
op = "=="
rhs = 0
"""
    sc = loads_scenario(text)
    sim = build_simulation(sc)
    W0 = sim.param("W[1]").copy()
    results = run_expectations(sc, sim=sim)
    assert all(r.passed for r in results)
    assert not np.array_equal(sim.param("W[1]"), W0)


def test_at_defaults():
    text = MINIMAL.replace('layers = [{ n = 1, activation = "sigmoid" }]',
                           'layers = [{ n = 2, activation = "tanh" }, { n = 1, activation = "sigmoid" }]') + """
[[expect]]
at = { iteration = 1, phase = "forward" }
value = "A[2]"
op = "is_finite"

[[expect]]
at = { iteration = 1, phase = "backward" }
value = "dW[1]"
op = "is_finite"

[[expect]]
at = { iteration = 3 }
value = "dW[1]"
op = "is_finite"
"""
    a, b, c = (e.at for e in loads_scenario(text).expectations)
    assert (a.phase, a.layer) == ("forward", 2)
    assert (b.phase, b.layer) == ("backward", 1)
    assert (c.iteration, c.phase, c.layer) == (3, "update", None)


def test_scenario_is_frozen():
    sc = loads_scenario(MINIMAL)
    with pytest.raises(AttributeError):
        sc.seed = 3  # type: ignore[misc]
