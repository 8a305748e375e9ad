"""Stepping, rewind, determinism, symmetry, blow-ups and bounded memory of Simulation."""

import warnings

import numpy as np
import pytest

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation


def _data(seed=0, n0=3, m=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    Y = (X[:1] * X[1:2] > 0).astype(float)
    return X, Y


def _sim(init=InitSpec("xavier"), optimizer=OptimizerSpec("gd", 0.5), seed=7, **kw):
    X, Y = _data()
    layers = [LayerSpec(4, "tanh"), LayerSpec(3, "relu"), LayerSpec(1, "sigmoid")]
    return Simulation(X, Y, layers, "logistic", init, optimizer, seed=seed, **kw)


def test_phases_follow_the_lecture_order():
    sim = _sim()
    labels = [sim.step().phase.label for _ in range(sim.P)]
    assert labels == ["forward l=1", "forward l=2", "forward l=3", "loss",
                      "backward l=3", "backward l=2", "backward l=1", "update"]
    assert sim.P == 2 * 3 + 2
    assert sim.step().phase.label == "forward l=1" and sim.iteration == 2


def test_records_are_immutable_and_hold_what_the_phase_computed():
    sim = _sim()
    rec = sim.step()
    assert set(rec.arrays) == {"Z[1]", "A[1]"}
    with pytest.raises(ValueError):
        rec.arrays["Z[1]"][0, 0] = 1.0
    assert rec.arrays["A[1]"] is sim.arrays["A[1]"]  # references, not copies
    np.testing.assert_array_equal(rec.arrays["A[1]"], np.tanh(rec.arrays["Z[1]"]))
    s = rec.stats["Z[1]"]
    assert s.shape == (4, 12) and s.norm == pytest.approx(np.linalg.norm(rec.arrays["Z[1]"]))


def test_step_back_restores_the_earlier_record_exactly():
    sim = _sim(optimizer=OptimizerSpec("adam", 0.05, batch_size=5))
    sim.run(6)
    for _ in range(5):
        sim.step()
    before = {k: v.copy() for k, v in sim.arrays.items()}
    pos = (sim.iteration, sim.phase_index)
    for _ in range(3):
        sim.step()
    sim.step_iteration()
    sim.step()
    while (sim.iteration, sim.phase_index) != pos:
        assert sim.step_back()
    assert set(sim.arrays) == set(before)
    for k, v in before.items():
        assert np.array_equal(sim.arrays[k], v), k
    # an earlier iteration, through the history ring
    assert sim.goto(2, sim.P)
    J2 = sim.J
    assert sim.J_history == sim.J_history[:2] and len(sim.J_history) == 2
    fresh = _sim(optimizer=OptimizerSpec("adam", 0.05, batch_size=5))
    fresh.run(2)
    assert J2 == fresh.J and np.array_equal(sim.arrays["dW[1]"], fresh.arrays["dW[1]"])


def test_step_back_at_the_start_is_refused():
    sim = _sim()
    assert not sim.step_back()
    sim.step()
    assert sim.step_back() and (sim.iteration, sim.phase_index) == (1, 0)
    assert not sim.step_back()


def test_reset_comes_back_to_the_same_weights():
    sim = _sim()
    W0 = sim.params[0].copy()
    sim.run(10)
    assert not np.array_equal(sim.params[0], W0)
    sim.reset()
    assert np.array_equal(sim.params[0], W0) and sim.iteration == 0 and sim.J_history == []


def test_two_runs_with_one_seed_are_bit_identical():
    runs = []
    for _ in range(2):
        sim = _sim(optimizer=OptimizerSpec("momentum", 0.3, batch_size=4), seed=11)
        sim.run(25)
        runs.append((list(sim.J_history), [p.tobytes() for p in sim.params], sim.arrays["dZ[1]"].tobytes()))
    assert runs[0] == runs[1]
    other = _sim(optimizer=OptimizerSpec("momentum", 0.3, batch_size=4), seed=12)
    other.run(25)
    assert other.J_history != runs[0][0]


@pytest.mark.parametrize("init,symmetric", [(InitSpec("constant", value=0.3), True),
                                            (InitSpec("xavier"), False)])
def test_equal_weights_stay_equal_within_a_layer(init, symmetric):
    sim = _sim(init=init)
    sim.run(50)
    W1, W2 = sim.params[0], sim.params[2]
    assert sim.J_history[-1] != sim.J_history[0]  # it did train
    rows_equal = all(np.array_equal(W1[0], W1[i]) for i in range(W1.shape[0])) and all(
        np.array_equal(W2[0], W2[i]) for i in range(W2.shape[0]))
    assert rows_equal is symmetric


def test_mini_batches_partition_each_epoch_and_reshuffle():
    X, Y = _data(m=10)
    sim = Simulation(X, Y, [LayerSpec(1, "sigmoid")], "logistic", optimizer=OptimizerSpec("gd", 0.1, batch_size=4))
    cols = []
    for _ in range(6):  # two epochs of 4 + 4 + 2
        sim.step()
        cols.append([int(np.flatnonzero((X == sim.arrays["X"][:, [j]]).all(axis=0))[0])
                     for j in range(sim.arrays["X"].shape[1])])
        sim.step_iteration()
    assert [len(c) for c in cols] == [4, 4, 2, 4, 4, 2]
    assert sorted(sum(cols[:3], [])) == list(range(10)) == sorted(sum(cols[3:], []))
    assert cols[:3] != cols[3:]
    assert np.array_equal(sim.arrays["A[0]"], sim.arrays["X"])


def test_stochastic_gradient_descent_uses_one_column():
    X, Y = _data()
    sim = Simulation(X, Y, [LayerSpec(1, "sigmoid")], "logistic", optimizer=OptimizerSpec("gd", 0.1, batch_size=1))
    sim.step_iteration()
    assert sim.arrays["Z[1]"].shape == (1, 1) and sim.optimizer.kind == "stochastic"


def test_broadcasting_b_over_m_columns():
    sim = _sim()
    sim.step()
    Z, W, b, X = sim.arrays["Z[1]"], sim.arrays["W[1]"], sim.arrays["b[1]"], sim.arrays["X"]
    assert b.shape == (4, 1) and Z.shape == (4, 12)
    for i in range(12):
        np.testing.assert_allclose(Z[:, [i]], W @ X[:, [i]] + b, rtol=1e-12, atol=1e-15)


def test_blow_up_is_a_result_not_a_crash():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 8)) * 10, rng.standard_normal((1, 8)) * 10
    layers = [LayerSpec(4, "linear"), LayerSpec(1, "linear")]  # learning rate far too large: diverges
    sim = Simulation(X, Y, layers, "l2", InitSpec("xavier"), OptimizerSpec("gd", 1.0), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a RuntimeWarning escapes
        reason = sim.run(200, stop_on_blowup=False)
    assert reason == "halted" and sim.halted
    b = sim.blowup
    assert b is not None and b.iteration >= 2
    assert "went non-finite first" in b.describe()
    assert sim.step() is None  # no further updates
    # the flagged array is really the first non-finite one: replay its iteration and look
    assert sim.goto(b.iteration, sim.P)
    first = [(r.kind, r.layer, name) for r in sim.records for name in r.nonfinite]
    assert first[0] == (b.phase, b.layer, b.array)
    earlier = sim.goto(b.iteration - 1, sim.P) and [n for r in sim.records for n in r.nonfinite]
    assert earlier == []


def test_run_stops_below_a_cost():
    sim = _sim()
    assert sim.run(5000, stop_below=0.3) == "stop_below"
    assert sim.J < 0.3 and sim.iteration < 5000


def test_history_is_bounded_however_long_it_runs():
    sim = _sim(history=50)
    sim.run(400)
    assert len(sim._history) == 50 == sim.history_size
    assert sim.earliest_iteration == 351
    assert not sim.goto(300, 1) and sim.goto(360, 3)


def test_history_respects_a_byte_budget():
    X, Y = _data(n0=200)
    sim = Simulation(X, Y, [LayerSpec(500, "relu"), LayerSpec(1, "sigmoid")], "logistic",
                     optimizer=OptimizerSpec("adam"), history_bytes=8 * 2**20)
    per = sum(p.nbytes for p in sim.params) * 3
    assert sim.history_size == 8 * 2**20 // per


def test_forward_records_carry_their_layers_unit_fractions():
    X = np.array([[50.0, -50.0, 0.1, -0.1]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    sim = Simulation(X, Y, [LayerSpec(2, "relu"), LayerSpec(2, "sigmoid"), LayerSpec(1, "sigmoid")], "logistic",
                     [InitSpec(W=np.array([[1.0], [-1.0]]), b=np.array([[-100.0], [0.0]])),
                      InitSpec(W=np.array([[1.0, 1.0], [0.0, 0.0]])), InitSpec("xavier")])
    relu, sig = sim.step(), sim.step()
    assert relu.unit_stats == {"fraction_saturated": 0.0, "fraction_dead": 0.5}  # unit 1: z = x − 100 < 0
    # sigmoid unit 1 sees 50 (saturated) on one example of four; unit 2 sees 0 everywhere
    assert sig.unit_stats["fraction_saturated"] == 1 / 8 and sig.unit_stats["fraction_dead"] == 0.0
    assert sig.unit_stats == sim.layer_stats(2)
    assert sim.step().unit_stats != {} and sim.step().unit_stats == {}  # forward l=3, then the loss
