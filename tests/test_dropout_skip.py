"""Skip and dropout on one layer: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) + A[l−k] (the mask first, the skip whole).

The stepped gradients are checked against finite differences of a J written here from scratch in NumPy
with the iteration's masks held fixed (m = 1 and m > 1, k = 1 and k = 2 from X); rewind comes back to the
same arrays bit for bit; the equations of ``step`` name the mask and the skip; the NumPy export is bit-equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Simulation
from gradsim.engine.gradcheck import gradcheck

P1, P2 = 0.4, 0.3
# n[0] = 3; layer 1 (3, tanh, dropout) skips from X (k = 1); layer 2 (3, sigmoid, dropout) skips from X (k = 2)
LAYERS = [LayerSpec(3, "tanh", skip=1, dropout=P1), LayerSpec(3, "sigmoid", skip=2, dropout=P2),
          LayerSpec(1, "sigmoid")]


def sim_for(m: int, seed: int = 0) -> Simulation:
    rng = np.random.default_rng(100 + m)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return Simulation(X, Y, LAYERS, "logistic", InitSpec("xavier", bias=0.1), OptimizerSpec("gd", 0.5), seed=seed)


def own_J(params, X, Y, M1, M2) -> float:
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    W, b = params[0::2], params[1::2]
    A1 = np.tanh(W[0] @ X + b[0]) * M1 / (1 - P1) + X
    A2 = sig(W[1] @ A1 + b[1]) * M2 / (1 - P2) + X
    A3 = sig(W[2] @ A2 + b[2])
    return float(-np.mean(Y * np.log(A3) + (1 - Y) * np.log(1 - A3)))


def fd(params, X, Y, M1, M2, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            jp = own_J(params, X, Y, M1, M2)
            p[idx] = old - eps
            jm = own_J(params, X, Y, M1, M2)
            p[idx] = old
            g[idx] = (jp - jm) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("m", [1, 6])
def test_stepped_gradients_equal_finite_differences_with_the_masks_fixed(m):
    sim = sim_for(m)
    sim.run(2)
    params = [np.array(p) for p in sim.params]
    sim.step_iteration()
    a = sim.arrays
    M1, M2 = a["M[1]"], a["M[2]"]
    assert (M1 == 0).any() or (M2 == 0).any() or m == 1  # some unit dropped
    assert sim.J == pytest.approx(own_J(params, a["X"], a["Y"], M1, M2), rel=1e-12)
    numeric = fd(params, a["X"], a["Y"], M1, M2)
    for j, key in enumerate(sim._grad_keys):
        assert np.allclose(a[key], numeric[j], rtol=1e-6, atol=1e-9), key
    # the mask is on g(Z[l]) only: the skip's A[l−k] passes whole
    assert np.array_equal(a["A[1]"], np.tanh(a["Z[1]"]) * M1 / (1 - P1) + a["X"])


def test_gradcheck_passes_with_the_masks_fixed():
    sim = sim_for(5)
    sim.run(2)
    checks = gradcheck(sim)
    assert all(c.resolved and c.rel_error < 1e-7 for c in checks), checks


def test_rewind_comes_back_to_the_same_arrays():
    sim = sim_for(5)
    sim.run(4)
    before = dict(sim.arrays)
    assert sim.goto(2, 2)
    fresh = sim_for(5)
    fresh.run(1)
    fresh.step()
    fresh.step()
    for k, v in fresh.arrays.items():
        assert np.array_equal(sim.arrays[k], v), k
    while sim.iteration < 4 or sim.phase_index < sim.P:
        sim.step()
    assert before.keys() == sim.arrays.keys()
    for k, v in before.items():
        assert np.array_equal(sim.arrays[k], v), k


TOML = """\
loss = "logistic"
[network]
layers = [{ n = 2, activation = "tanh", skip = 1, dropout = 0.5 }, { n = 1, activation = "sigmoid" }]
[data]
kind = "linear"
m = 8
"""


def test_step_shows_the_mask_and_the_skip_in_one_equation(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(TOML)
    r = CliRunner().invoke(gradsim, ["step", str(path), "--phases", "1"])
    assert r.exit_code == 0, r.output
    assert "A[1] = tanh(Z[1]) ⊙ M[1] / (1 − p) + A[0]" in r.output, r.output


def test_the_numpy_export_is_bit_equal(tmp_path):
    from export_helpers import exported_run, gradsim_run, scenario

    sc = scenario(hidden='{ n = 2, activation = "tanh", skip = 1, dropout = 0.4 }, '
                         '{ n = 2, activation = "relu", skip = 2, dropout = 0.2 }', iterations=8)
    got, sim = exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc)
    assert np.array_equal(got["J"], np.array(sim.J_history))
    for l in range(1, sim.L + 1):
        assert np.array_equal(got[f"W{l}"], sim.param(f"W[{l}]")) and np.array_equal(got[f"b{l}"], sim.param(f"b[{l}]"))
    script = (tmp_path / "numpy_export.py").read_text()
    assert "A[2] = G[2] * M[2] / (1 - 0.2) + A[0]" in script
