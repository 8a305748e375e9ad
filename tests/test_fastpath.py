"""The fused whole-iteration path of ``run()`` (engine/fastpath.py) against the phases one by one, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation, fastpath
from gradsim.engine.batchnorm import BatchNormSpec
from gradsim.engine.transforms import TransformSpec


def _data(n0=3, nL=1, m=12, seed=0, classes=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    if classes:
        Y = np.eye(nL)[:, rng.integers(0, nL, m)]
    else:
        Y = (X[:1] * X[1:2] > 0).astype(float) if nL == 1 else rng.standard_normal((nL, m))
    return X, Y


NETS = {
    "tanh-relu-sigmoid, logistic, gd": (dict(), [LayerSpec(4, "tanh"), LayerSpec(3, "relu"), LayerSpec(1, "sigmoid")],
                                        "logistic", OptimizerSpec("gd", 0.5), ()),
    "leaky_relu-linear, l2, adam, mini-batch": (dict(nL=2), [LayerSpec(5, "leaky_relu", slope=0.2), LayerSpec(2, "linear")],
                                                "l2", OptimizerSpec("adam", 0.01, batch_size=5), ()),
    "elu-softmax, softmax_ce, momentum": (dict(nL=3, classes=True), [LayerSpec(4, "elu"), LayerSpec(3, "softmax")],
                                          "softmax_ce", OptimizerSpec("momentum", 0.3, beta=0.9), ()),
    "sigmoid-linear, l1, weight decay and clipping": (
        dict(), [LayerSpec(3, "sigmoid"), LayerSpec(1, "linear")], "l1", OptimizerSpec("rmsprop", 0.01),
        (TransformSpec("weight_decay", **{"lambda": 0.1}), TransformSpec("clip_value", max_value=0.05))),
}


def _pair(data_kw, layers, loss, opt, transforms, seed=3):
    X, Y = _data(**data_kw)
    sims = [Simulation(X, Y, layers, loss, InitSpec("xavier"), opt, seed=seed, history=20, transforms=transforms)
            for _ in range(2)]
    assert sims[0]._fused is not None
    sims[1]._fused = None  # the same net, its phases one at a time
    return sims


def _bits(a):
    return (a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes())


def _same_state(a: Simulation, b: Simulation) -> None:
    assert repr((a.iteration, a.phase_index, a.J, a.J_parts, a.halted, a.blowup)) == \
           repr((b.iteration, b.phase_index, b.J, b.J_parts, b.halted, b.blowup))  # repr: NaN is NaN
    assert np.asarray(a.J_history).tobytes() == np.asarray(b.J_history).tobytes()
    assert [_bits(p) for p in a.params] == [_bits(p) for p in b.params]
    sa, sb = a.opt_state, b.opt_state
    assert [_bits(x) for s in sa for x in s] == [_bits(x) for s in sb for x in s]
    assert list(a._cache) == list(b._cache)  # the same names in the same order
    assert [_bits(x) for x in a._cache.values()] == [_bits(x) for x in b._cache.values()]
    ra, rb = a.records, b.records
    def meta(r):
        return r.iteration, r.index, r.kind, r.layer, list(r._arrays), repr(r.J), r.activation and r.activation.values

    assert [meta(r) for r in ra] == [meta(r) for r in rb]
    assert all(r.activation is a.acts[r.layer - 1] for r in ra if r.kind == "forward")
    assert [_bits(x) for r in ra for x in r._arrays.values()] == [_bits(x) for r in rb for x in r._arrays.values()]
    assert [(s.iteration, [_bits(p) for p in s.params]) for s in a._history] == \
           [(s.iteration, [_bits(p) for p in s.params]) for s in b._history]


@pytest.mark.parametrize("name", NETS)
def test_run_fused_is_the_phases_bit_for_bit(name):
    a, b = _pair(*NETS[name])
    assert a.run(37) == b.run(37) == "iterations"
    _same_state(a, b)
    assert a.records[0].arrays["Z[1]"] is a.arrays["Z[1]"]  # records hold the cache's arrays, not copies
    for f in (lambda s: s.step(), lambda s: s.step_back(), lambda s: s.step_back(), lambda s: s.goto(30, 3),
              lambda s: s.run(4), lambda s: s.step_iteration()):
        f(a), f(b)
        _same_state(a, b)


def test_a_run_that_starts_mid_iteration_finishes_it_phase_by_phase_then_fuses():
    a, b = _pair(*NETS["tanh-relu-sigmoid, logistic, gd"])
    for s in (a, b):
        for _ in range(3):
            s.step()
        s.run(5)
    _same_state(a, b)
    assert a.iteration == 5 and a.phase_index == a.P  # finishing iteration 1 counts as one of the 5


def _exploding(fused: bool, **kw):
    X = np.ones((2, 4))
    layers = [LayerSpec(2, "linear") for _ in range(6)] + [LayerSpec(1, "linear")]
    sim = Simulation(X, np.ones((1, 4)), layers, "l2", InitSpec("normal", std=30.0), OptimizerSpec("gd", 5.0), seed=1)
    if not fused:
        sim._fused = None
    return sim


@pytest.mark.parametrize("stop_on_blowup", [True, False])
def test_a_blowup_is_found_and_named_as_the_phases_find_it(monkeypatch, stop_on_blowup):
    replays = []
    real = fastpath.replay
    monkeypatch.setattr(fastpath, "replay", lambda sim: (replays.append(sim.iteration), real(sim)))
    a, b = _exploding(True), _exploding(False)
    why = a.run(50, stop_on_blowup=stop_on_blowup)
    assert why == b.run(50, stop_on_blowup=stop_on_blowup)
    assert replays and a.blowup is not None and a.blowup == b.blowup
    assert why in ("blowup", "halted")
    _same_state(a, b)
    a.step_back(), b.step_back()
    _same_state(a, b)


def test_nets_with_a_skip_dropout_or_batch_norm_run_their_phases():
    X, Y = _data(m=12)
    for layer in (LayerSpec(3, "tanh", skip=1), LayerSpec(3, "tanh", dropout=0.5),
                  LayerSpec(3, "tanh", batch_norm=BatchNormSpec())):
        sim = Simulation(X, Y, [LayerSpec(3, "tanh"), layer, LayerSpec(1, "sigmoid")], "logistic")
        assert not fastpath.plain(sim) and sim._fused is None
