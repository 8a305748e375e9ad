"""gradsim export --numpy: the standalone script gives gradsim's J per iteration and
final W[l], b[l] to 1e-12 relative — for every bundled scenario and for every activation, loss, initialiser,
optimiser and data kind of the format (each registry is read, so a new entry is tested here too). The
bundled scenarios' scripts run in a subprocess; the many small cases run in this process (runpy), which is
the same script without an interpreter's start-up each."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from gradsim.datasets import GENERATORS
from gradsim.engine.activations import hidden_activations
from gradsim.engine.init import selectable_initializers
from gradsim.engine.losses import LOSSES
from gradsim.engine.optim import OPTIMIZERS
from gradsim.export import export
from gradsim.scenario import list_bundled, load_scenario

from export_helpers import assert_same, exported_run, gradsim_run, scenario

RTOL = 1e-12


@pytest.mark.parametrize("name", [n for n, _ in list_bundled()])
def test_every_bundled_scenario_exports_to_the_same_numbers(name, tmp_path):
    sc = load_scenario(name)
    n = min(sc.run.iterations, 100)
    assert_same(exported_run(sc, tmp_path, "numpy", n), gradsim_run(sc, n), RTOL)


@pytest.mark.parametrize("activation", hidden_activations())
def test_every_hidden_activation(activation, tmp_path):
    sc = scenario(hidden=f'{{ n = 4, activation = "{activation}" }}')
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


def test_activation_parameters_reach_the_script(tmp_path):
    sc = scenario(hidden='{ n = 4, activation = "leaky_relu", slope = 0.3 }',
                  extra="", output='{ n = 1, activation = "sigmoid" }')
    got = exported_run(sc, tmp_path, "numpy", subprocess=False)
    assert "leaky_relu(Z[1], slope=0.3)" in (tmp_path / "numpy_export.py").read_text()
    assert_same(got, gradsim_run(sc), RTOL)
    sc = scenario(hidden='{ n = 4, activation = "elu", alpha = 0.5 }')
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


ONE_HOT = 'kind = "moons"\nm = 40\none_hot = true\nnormalize = true'
TEACHER = 'kind = "teacher"\nm = 40\ninputs = 3\noutputs = 2'
LOSS_CASES = {  # each loss on an output it fits; l2 on a softmax output runs softmax's Jacobian product
    "logistic": dict(),
    "multilabel": dict(loss="multilabel", output='{ n = 2, activation = "sigmoid" }', data=ONE_HOT),
    "softmax_ce": dict(loss="softmax_ce", output='{ n = 2, activation = "softmax" }', data=ONE_HOT),
    "l1": dict(loss="l1", output='{ n = 2, activation = "linear" }', data=TEACHER),
    "l2": dict(loss="l2", output='{ n = 2, activation = "linear" }', data=TEACHER),
    "l2 on softmax": dict(loss="l2", output='{ n = 2, activation = "softmax" }', data=ONE_HOT),
    "l2 on sigmoid": dict(loss="l2", output='{ n = 2, activation = "sigmoid" }', data=ONE_HOT),
}


def test_the_loss_cases_cover_every_loss():
    assert {case.get("loss", "logistic") for case in LOSS_CASES.values()} == set(LOSSES)


@pytest.mark.parametrize("case", list(LOSS_CASES))
def test_every_loss(case, tmp_path):
    sc = scenario(**LOSS_CASES[case])
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


@pytest.mark.parametrize("init", selectable_initializers())
def test_every_initializer_is_drawn_again_the_same(init, tmp_path):
    sc = scenario(init=init)
    text_arrays = exported_run(sc, tmp_path, "numpy", iterations=1, subprocess=False)
    assert f"= {init}(rng, 4, 2" in (tmp_path / "numpy_export.py").read_text()
    with np.load(tmp_path / "numpy_export.npz") as z:
        assert set(z.files) == {"X", "Y"}  # drawn by the script, not saved
    assert_same(text_arrays, gradsim_run(sc, 1), RTOL)


def test_explicit_w_and_b_are_saved_beside_the_script(tmp_path):
    extra = "\n[init.layers.2]\nW = [[0.5, -1.0, 0.25, 2.0]]\nb = [0.3]\n"
    sc = scenario(extra=extra, init="orthogonal")
    got = exported_run(sc, tmp_path, "numpy", subprocess=False)
    with np.load(tmp_path / "numpy_export.npz") as z:
        assert set(z.files) == {"X", "Y", "W2", "b2"}
        np.testing.assert_array_equal(z["W2"], [[0.5, -1.0, 0.25, 2.0]])
    assert_same(got, gradsim_run(sc), RTOL)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer(optimizer, tmp_path):
    sc = scenario(optimizer=optimizer, iterations=12)
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


DATA_CASES = {
    "xor": dict(data='kind = "xor"\nm = 40'),
    "circles": dict(data='kind = "circles"\nm = 40'),
    "moons": dict(),
    "spirals": dict(data='kind = "spirals"\nm = 45\nclasses = 3', loss="softmax_ce",
                    output='{ n = 3, activation = "softmax" }'),
    "linear": dict(data='kind = "linear"\nm = 40\nscale = 3.0\noffset = -1.0'),
    "teacher": dict(data=TEACHER, loss="l2", output='{ n = 2, activation = "linear" }'),
    "needles": dict(data='kind = "needles"\nm = 30\nwidth = 3\nheight = 3\nchannels = 1'),
    "needles3": dict(data='kind = "needles3"\nm = 30\nwidth = 3\nheight = 3\nchannels = 1', loss="multilabel",
                     output='{ n = 3, activation = "sigmoid" }'),
    "needles_softmax": dict(data='kind = "needles_softmax"\nm = 30\nwidth = 3\nheight = 3\nchannels = 1',
                            loss="softmax_ce", output='{ n = 3, activation = "softmax" }'),
    "explicit": dict(data='kind = "explicit"\nX = [[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]]\nY = [[1.0, 0.0, 1.0]]',
                     batch=""),
}


def test_the_data_cases_cover_every_generated_kind():
    assert set(GENERATORS) <= set(DATA_CASES)


@pytest.mark.parametrize("kind", list(DATA_CASES))
def test_every_data_kind(kind, tmp_path):
    sc = scenario(**DATA_CASES[kind])
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


@pytest.mark.parametrize("kind", ["csv", "npy"])
def test_data_from_a_file(kind, tmp_path):
    rng = np.random.default_rng(1)
    table = np.column_stack([rng.standard_normal((30, 2)), rng.integers(0, 2, 30)])
    if kind == "csv":
        (tmp_path / "t.csv").write_text("a,b,y\n" + "\n".join(",".join(map(repr, r)) for r in table.tolist()))
    else:
        np.save(tmp_path / "t.npy", table)
    sc = scenario(data=f'kind = "{kind}"\npath = "t.{kind}"\nnormalize = true', source=tmp_path / "s.toml")
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), RTOL)


def test_stop_below_and_blowup_stop_where_gradsim_stops(tmp_path):
    sc = scenario(iterations=200, run="stop_below = 0.4", batch="")
    sim = gradsim_run(sc)
    assert 1 < len(sim.J_history) < 200  # it did stop early
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), sim, RTOL)
    sc = load_scenario("diverging-learning-rate")
    sim = gradsim_run(sc)
    assert not np.isfinite(sim.J_history[-1]) and len(sim.J_history) < sc.run.iterations
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), sim, RTOL)


def test_the_script_is_standalone_and_writes_the_lecture(tmp_path):
    export(load_scenario("three-layer-cache"), numpy=tmp_path / "tlc.py")
    text = (tmp_path / "tlc.py").read_text()
    tree = ast.parse(text)
    imported = {a.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"sys", "pathlib", "numpy"}
    for line in ("Z[1] = W[1] @ A[0] + b[1]", "# Z[1] = W[1] A[0] + b[1]", "dZ[3] = (A[3] - Yb) / m",
                 "# dW[2] = dZ[2] A[1]ᵀ", "# dA[1] = W[2]ᵀ dZ[2]", "# dZ[2] = dA[2] ⊙ σ'(Z[2])"):
        assert line in text
    assert text.index("Z[3] = W[3]") < text.index("J = logistic_cost") < text.index("dZ[3] =") < text.index("dZ[1] =")
