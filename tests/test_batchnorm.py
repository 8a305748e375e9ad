"""Batch normalisation in the engine: Zhat = (Z − mu)/√(var + ε), Ztilde = gamma ⊙ Zhat + beta, A = g(Ztilde).

The stepped simulation's gradients (dW, db, dgamma, dbeta, dA[0]) are checked against finite differences of
a J written here from scratch in NumPy (no gradsim code in it) for m = 2 and m = 7, with two batch-norm
layers and one with a skip; gradcheck agrees; rewind is exact (running statistics included); the running
statistics follow their closed form; evaluation normalises with them.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.batchnorm import BatchNormSpec
from gradsim.engine.evaluate import score
from gradsim.engine.gradcheck import gradcheck
from gradsim.engine.transforms import TransformSpec

EPS = 1e-5
BN = BatchNormSpec(eps=EPS, momentum=0.8)
# layer 1 and 3 batch-normalised, layer 3 also skips from A[2]; layer 2 plain
LAYERS = [LayerSpec(4, "tanh", batch_norm=BN), LayerSpec(3, "sigmoid"),
          LayerSpec(3, "tanh", skip=1, batch_norm=BN), LayerSpec(1, "sigmoid")]


def sim_for(m: int, layers=LAYERS, seed: int = 0, optimizer=OptimizerSpec("gd", 0.5), **kw) -> Simulation:
    rng = np.random.default_rng(m)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return Simulation(X, Y, layers, "logistic", InitSpec("xavier", bias=0.1), optimizer, seed=seed, **kw)


def own_J(p: dict, X, Y) -> float:
    """J of the net above, written out by hand (biased batch variance, as in the lecture)."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

    def bn(Z, g, b):
        mu = Z.mean(axis=1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
        return g * (Z - mu) / np.sqrt(var + EPS) + b

    A1 = np.tanh(bn(p["W[1]"] @ X + p["b[1]"], p["gamma[1]"], p["beta[1]"]))
    A2 = sig(p["W[2]"] @ A1 + p["b[2]"])
    A3 = np.tanh(bn(p["W[3]"] @ A2 + p["b[3]"], p["gamma[3]"], p["beta[3]"])) + A2
    A4 = sig(p["W[4]"] @ A3 + p["b[4]"])
    return float(-np.mean(Y * np.log(A4) + (1 - Y) * np.log(1 - A4)))


def fd(p: dict, name: str, X, Y, eps=1e-6) -> np.ndarray:
    base = p[name]
    g = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        out = []
        for h in (eps, -eps):
            q = dict(p)
            a = base.copy()
            a[idx] += h
            q[name] = a
            out.append(own_J(q, X, Y))
        g[idx] = (out[0] - out[1]) / (2 * eps)
    return g


@pytest.mark.parametrize("m", [2, 7])
def test_stepped_gradients_equal_finite_differences_of_an_independent_J(m):
    sim = sim_for(m)
    sim.step_iteration()  # one update, so gamma, beta have moved from 1, 0
    sim.run_to(sim.iteration + 1, sim.P - 1)  # up to (not through) the next update
    a = sim.arrays
    p = {k: a[k] for k in sim.param_keys}
    X, Y = a["X"], a["Y"]
    assert not np.allclose(p["gamma[1]"], 1.0) and not np.allclose(p["beta[3]"], 0.0)
    for name in sim.param_keys:
        np.testing.assert_allclose(a["d" + name], fd(p, name, X, Y), rtol=1e-5, atol=1e-9, err_msg=name)
    # dA[0] = ∂J/∂X (as a function of the batch)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += 1e-6
        Xm[idx] -= 1e-6
        g[idx] = (own_J(p, Xp, Y) - own_J(p, Xm, Y)) / 2e-6
    np.testing.assert_allclose(a["dA[0]"], g, rtol=1e-5, atol=1e-9)
    # μ absorbs b: db of a batch-norm layer is 0 up to rounding (and shown, not hidden)
    assert np.abs(a["db[1]"]).max() < 1e-14 and "db[1]" in sim.records[-1].arrays


def test_forward_records_hold_the_batch_norm_arrays_by_their_names():
    sim = sim_for(7)
    rec = sim.step()
    assert list(rec.arrays) == ["Z[1]", "mu[1]", "sigma2[1]", "Zhat[1]", "Ztilde[1]", "A[1]"]
    Z = rec.arrays["Z[1]"]
    np.testing.assert_allclose(rec.arrays["mu[1]"], Z.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(rec.arrays["Zhat[1]"].mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(rec.arrays["Zhat[1]"].var(axis=1), Z.var(axis=1) / (Z.var(axis=1) + EPS))
    np.testing.assert_array_equal(rec.arrays["A[1]"], np.tanh(rec.arrays["Ztilde[1]"]))
    sim.run_to(1, sim.P - 1)
    back = sim.records[-1]  # backward l = 1
    assert list(back.arrays) == ["dZtilde[1]", "dgamma[1]", "dbeta[1]", "dZhat[1]", "dZ[1]", "dW[1]", "db[1]", "dA[0]"]


@pytest.mark.parametrize("m", [3, 7])
def test_gradcheck_works_on_batch_norm(m):
    sim = sim_for(m)
    sim.run(2)
    checks = gradcheck(sim)
    assert [c.layer for c in checks] == [1, 2, 3, 4]
    assert all(c.rel_error < 1e-6 for c in checks), checks
    assert checks[0].total == 4 * 3 + 4 + 4 + 4  # W, b, gamma, beta of layer 1


def test_rewind_is_exact_with_running_statistics():
    sim = sim_for(7)
    sim.run(3)
    sim.run_to(4, 2)
    want = {k: v.copy() for k, v in sim.arrays.items()}
    running = {l: (r[0].copy(), r[1].copy()) for l, r in sim.running.items()}
    sim.run(2)
    assert sim.goto(4, 2)
    assert set(sim.arrays) == set(want)
    for k, v in want.items():
        np.testing.assert_array_equal(sim.arrays[k], v, err_msg=k)
    for l, (mu, var) in running.items():
        np.testing.assert_array_equal(sim.running[l][0], mu)
        np.testing.assert_array_equal(sim.running[l][1], var)


def test_running_statistics_follow_the_closed_form():
    sim = sim_for(7)
    rho = BN.momentum
    mus, vars_ = [], []
    for _ in range(4):
        sim.step_iteration()
        Z = sim.arrays["Z[1]"]
        mus.append(Z.mean(axis=1, keepdims=True))
        vars_.append(Z.var(axis=1, keepdims=True))
    # r_t = ρᵗ r_0 + (1 − ρ) Σ_s ρ^(t−s) batch_s, from r_0 = 0 (mean) and 1 (variance)
    mu = sum((1 - rho) * rho ** (4 - s) * mus[s - 1] for s in range(1, 5))
    var = rho ** 4 + sum((1 - rho) * rho ** (4 - s) * vars_[s - 1] for s in range(1, 5))
    np.testing.assert_allclose(sim.running[1][0], mu, rtol=1e-12)
    np.testing.assert_allclose(sim.running[1][1], var, rtol=1e-12)


def test_evaluation_normalises_with_the_running_statistics():
    sim = sim_for(7)
    sim.run(5)
    rng = np.random.default_rng(3)
    Xt = rng.standard_normal((3, 4))
    Yt = (rng.random((1, 4)) > 0.5).astype(float)
    p = {k: v for k, v in zip(sim.param_keys, sim.params)}
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    r = sim.running

    def bn(Z, l):
        return p[f"gamma[{l}]"] * (Z - r[l][0]) / np.sqrt(r[l][1] + EPS) + p[f"beta[{l}]"]

    A1 = np.tanh(bn(p["W[1]"] @ Xt + p["b[1]"], 1))
    A2 = sig(p["W[2]"] @ A1 + p["b[2]"])
    A3 = np.tanh(bn(p["W[3]"] @ A2 + p["b[3]"], 3)) + A2
    A4 = sig(p["W[4]"] @ A3 + p["b[4]"])
    J = float(-np.mean(Yt * np.log(A4) + (1 - Yt) * np.log(1 - A4)))
    got, _ = score(sim, Xt, Yt, sim.params)
    assert got == pytest.approx(J, rel=1e-12)
    # one example scores fine: it is normalised with the running statistics, not its own
    one, _ = score(sim, Xt[:, :1], Yt[:, :1], sim.params)
    assert np.isfinite(one)


def test_weight_decay_leaves_gamma_and_beta_alone_and_clipping_sees_them():
    wd = sim_for(7, transforms=[TransformSpec("weight_decay", **{"lambda": 0.5})])
    plain = sim_for(7)
    for s in (wd, plain):
        s.run_to(1, s.P - 1)
    got = wd.transforms.grads(wd.params, tuple(wd.arrays[k] for k in wd._grad_keys), 7)
    i = wd.param_keys.index("dgamma[1]"[1:])
    np.testing.assert_array_equal(got[i], wd.arrays["dgamma[1]"])
    clip = sim_for(7, transforms=[TransformSpec("clip_value", max_value=1e-4)])
    clip.run_to(1, clip.P - 1)
    got = clip.transforms.grads(clip.params, tuple(clip.arrays[k] for k in clip._grad_keys), 7)
    assert np.abs(got[i]).max() <= 1e-4 < np.abs(clip.arrays["dgamma[1]"]).max()


def test_the_engine_refuses_batch_norm_on_the_output_layer_and_batches_of_one():
    with pytest.raises(ValueError, match="hidden layer only"):
        sim_for(3, [LayerSpec(2, "tanh"), LayerSpec(1, "sigmoid", batch_norm=BN)])
    with pytest.raises(ValueError, match="m ≥ 2"):
        sim_for(1)
    with pytest.raises(ValueError, match="m ≥ 2"):  # batches of 3, 3, 1
        sim_for(7, optimizer=OptimizerSpec("gd", 0.5, 3))
    sim = sim_for(8, optimizer=OptimizerSpec("gd", 0.5, 3))  # batches of 3, 3, 2
    assert sim.run(3) == "iterations" and sim.arrays["X"].shape == (3, 2)

