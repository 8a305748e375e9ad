"""The phase table (engine/phases.py) and Simulation.run_to, which goes to a point of the run the way run() would."""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.checks import run_expectations
from gradsim.engine import Phase, Simulation
from gradsim.engine.phases import at_start, computed_by, computes, needed, phase_table, position
from gradsim.scenario import BUNDLED_DIR, build_simulation, load_scenario, loads_scenario

F, B = "forward", "backward"


def _sim(name: str, seed: int | None = None) -> Simulation:
    return build_simulation(load_scenario(name), seed)


def _same_state(a: Simulation, b: Simulation) -> None:
    """Bit for bit: the point, the cache, the parameters, the optimiser state, J and its history."""
    assert (a.iteration, a.phase_index) == (b.iteration, b.phase_index)
    assert a.arrays.keys() == b.arrays.keys()
    for name, x in a.arrays.items():
        assert x.tobytes() == b.arrays[name].tobytes() and x.shape == b.arrays[name].shape, name
    assert all(p.tobytes() == q.tobytes() for p, q in zip(a.params, b.params))
    assert all(np.array_equal(p, q) for s, t in zip(a.opt_state, b.opt_state) for p, q in zip(s, t))
    assert a.J == b.J or (a.J != a.J and b.J != b.J)
    assert np.array_equal(np.array(a.J_history), np.array(b.J_history), equal_nan=True)
    assert (a.blowup, a.halted) == (b.blowup, b.halted)
    assert [r.phase for r in a.records] == [r.phase for r in b.records]


# ------------------------------------------------------------------------------------------ the table
def test_table_for_one_layer():
    assert phase_table(1) == (Phase(F, 1), Phase("loss"), Phase(B, 1), Phase("update"))


def test_table_for_three_layers_in_the_lectures_order():
    table = phase_table(3)
    assert [p.label for p in table] == ["forward l=1", "forward l=2", "forward l=3", "loss",
                                        "backward l=3", "backward l=2", "backward l=1", "update"]
    assert len(table) == 2 * 3 + 2
    assert [position(p, 3) for p in table] == list(range(1, 9))


def test_table_rejects_no_layers_and_positions_reject_phases_of_other_nets():
    with pytest.raises(ValueError):
        phase_table(0)
    with pytest.raises(ValueError, match="no phase of a network with L = 2"):
        position(Phase(F, 3), 2)
    with pytest.raises(ValueError):
        computes(Phase("sideways"), 2)


def test_positions():
    assert position(Phase(F, 2), 3) == 2
    assert position(Phase("loss"), 3) == 4
    assert position(Phase(B, 3), 3) == 5
    assert position(Phase(B, 1), 3) == 7
    assert position(Phase("update"), 3) == 8
    assert position(Phase("loss"), 1) == 2 and position(Phase("update"), 1) == 4


def test_what_each_phase_computes():
    assert computes(Phase(F, 2), 3) == (("Z", 2), ("A", 2), ("fraction_saturated", 2), ("fraction_dead", 2))
    assert computes(Phase("loss"), 3) == (("J", None), ("J_data", None), ("J_reg", None))
    assert computes(Phase(B, 3), 3) == (("dA", 3), ("dZ", 3), ("dW", 3), ("db", 3), ("dA", 2))
    assert computes(Phase(B, 2), 3) == (("dZ", 2), ("dW", 2), ("db", 2), ("dA", 1))
    assert computes(Phase("update"), 2) == (("W", 1), ("b", 1), ("W", 2), ("b", 2))


def test_which_phase_computes_a_name():
    L = 3
    assert computed_by("Z", 2, L) == Phase(F, 2)
    assert computed_by("fraction_dead", 1, L) == Phase(F, 1)
    assert computed_by("J", None, L) == Phase("loss")
    assert computed_by("J_reg", None, L) == Phase("loss")  # weight decay's term of J
    assert computed_by("dA", 3, L) == Phase(B, 3)  # the loss's gradient, first thing backward l=L computes
    assert computed_by("dA", 1, L) == Phase(B, 2)  # dA[l-1] comes out of backward l
    assert computed_by("dA", 0, L) == Phase(B, 1)
    assert computed_by("dW", 1, L) == Phase(B, 1)
    # there from the start: the update makes new W, b, but the old ones exist before it
    for name, layer in at_start(L):
        assert computed_by(name, layer, L) is None and needed(name, layer, L) == 0
    assert computed_by("n", 2, L) is None
    assert needed("J", None, L) == 4 and needed("dZ", 2, L) == 6 and needed("A", 3, L) == 3


def test_the_engines_records_hold_what_the_table_says():
    sim = _sim("three-layer-cache")
    assert sim.phases == list(phase_table(sim.L))
    for phase in phase_table(sim.L):
        rec = sim.step()
        assert rec.phase == phase and sim.phase_index == position(phase, sim.L)
        want = {f"{k}[{l}]" for k, l in computes(phase, sim.L) if l is not None and not k.startswith("fraction")}
        assert set(rec.arrays) == want
        if phase.kind == "loss":
            assert rec.J is not None


def test_phase_is_still_importable_from_the_engine():
    from gradsim.engine import simulation

    assert simulation.Phase is Phase
    assert Phase("backward", 2).label == "backward l=2" and Phase("loss").label == "loss"


# ------------------------------------------------------------------------------------------ run_to
@pytest.mark.parametrize("name", ["three-layer-cache", "minibatch-gd", "adam-ill-conditioned"])
def test_run_to_a_mid_iteration_point_equals_stepping_there_by_hand(name):
    a, b = _sim(name), _sim(name)
    target = (4, position(Phase(B, a.L), a.L))  # iteration 4, right after backward l=L
    assert a.run_to(*target) is None
    while (b.iteration, b.phase_index) != target:
        b.step()
    _same_state(a, b)
    # from mid-iteration on, to a mid point of a later iteration
    assert a.run_to(6, 2) is None
    while (b.iteration, b.phase_index) != (6, 2):
        b.step()
    _same_state(a, b)


def test_run_to_the_same_point_is_a_no_op_and_never_rewinds():
    sim = _sim("three-layer-cache")
    assert sim.run_to(2, 3) is None
    before = [r.phase for r in sim.records]
    assert sim.run_to(2, 3) is None and [r.phase for r in sim.records] == before
    assert sim.run_to(2, 1) == "already past"
    assert sim.run_to(1, sim.P) == "already past"
    assert (sim.iteration, sim.phase_index) == (2, 3)
    with pytest.raises(ValueError):
        sim.run_to(3, sim.P + 1)


def test_run_to_the_start_of_an_iteration():
    a, b = _sim("three-layer-cache"), _sim("three-layer-cache")
    assert a.run_to(3, 0) is None and (a.iteration, a.phase_index) == (3, 0)
    assert set(a.arrays) == {"X", "Y", "A[0]"} | {f"{k}[{l}]" for k, l in at_start(a.L) if l}
    b.run(2)
    a.step()
    b.step()
    _same_state(a, b)


def test_run_and_run_to_give_the_same_J_history():
    a, b = _sim("three-layer-cache"), _sim("three-layer-cache")
    assert a.run(300) == "iterations"
    assert b.run_to(300, b.P) is None
    assert a.J_history == b.J_history and len(a.J_history) == 300
    _same_state(a, b)


def test_run_to_stops_below_a_cost_like_run():
    sc = load_scenario("three-layer-cache")
    a, b = build_simulation(sc), build_simulation(sc)
    why = a.run(sc.run.iterations, stop_below=0.05)
    assert why == "stop_below"
    t = a.iteration
    assert b.run_to(sc.run.iterations, 3, stop_below=0.05) == "stop_below"
    assert (b.iteration, b.phase_index) == (t, b.P) and b.J < 0.05 <= b.J_history[-2]
    _same_state(a, b)
    # reaching the very iteration where J drops below is a success: the stop applies after it
    c = build_simulation(sc)
    assert c.run_to(t, c.P, stop_below=0.05) is None and c.stop_reason(0.05) == "stop_below"


def test_run_to_stops_on_the_bundled_blow_up_like_run():
    a, b = _sim("diverging-learning-rate"), _sim("diverging-learning-rate")
    why = a.run(400)
    assert why == "halted" and a.blowup is not None  # the parameters go non-finite: halted comes first
    assert b.run_to(400, 5) == why
    _same_state(a, b)
    assert b.run_to(401, 1) == "halted"  # and it stays there
    assert b.stop_reason() == "halted"


def test_run_to_stops_on_a_blow_up_that_leaves_the_parameters_finite():
    text = (BUNDLED_DIR / "diverging-learning-rate.toml").read_text(encoding="utf-8")
    assert "learning_rate = 0.5\n" in text
    sc = loads_scenario(text.replace("learning_rate = 0.5\n", "learning_rate = 0.75\n"))
    a, b, c = build_simulation(sc), build_simulation(sc), build_simulation(sc)
    assert a.run(400) == "blowup" and not a.halted and a.blowup.array == "J"
    assert b.run_to(300, 2) == "blowup"
    _same_state(a, b)
    # without stop_on_blowup the run goes on past it, as run() does
    why_c = c.run_to(a.iteration + 1, 1, stop_on_blowup=False)
    d = build_simulation(sc)
    why_d = d.run(a.iteration, stop_on_blowup=False)
    if why_c is None:
        assert why_d == "iterations"
        d.step()
    else:
        assert why_c == why_d
    _same_state(c, d)


def test_expectations_run_through_run_to_see_what_run_saw():
    # every expectation of the bundled blow-up still passes, at a loss phase and at the end
    results = run_expectations(load_scenario("diverging-learning-rate"))
    assert [r.passed for r in results] == [True, True]
    assert results[1].at == "end (iteration 15, halted)"
