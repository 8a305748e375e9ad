"""The phase equations (gradsim/equations.py): the lecture's formulas with live shapes and values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gradsim.engine import InitSpec, LayerSpec, OptimizerSpec, Phase, Simulation
from gradsim.display import fmt, norm, shape as fmt_shape
from gradsim.equations import Equation, equations, format_equations, phase_equation


def make_sim(layers, loss, n0=4, m=8, optimizer=OptimizerSpec(), seed=1):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n0, m))
    n_out = layers[-1].n
    if loss == "softmax_ce":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    elif loss in ("logistic", "multilabel"):
        Y = (rng.random((n_out, m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((n_out, m))
    return Simulation(X, Y, layers, loss, InitSpec("xavier"), optimizer, seed=seed)


@pytest.fixture
def sim():
    return make_sim([LayerSpec(5, "relu"), LayerSpec(3, "sigmoid"), LayerSpec(1, "sigmoid")], "logistic")


# ---------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("x, text", [
    (0.6931471805599453, "0.6931"), (57.6650390625, "57.67"), (4.1e-3, "4.1e-3"), (0.0041234, "4.1e-3"),
    (123456.0, "1.2e5"), (-2.5e-7, "-2.5e-7"), (0.0, "0"), (1.0, "1"), (math.inf, "inf"), (-math.inf, "-inf"),
    (math.nan, "nan"), (None, "—"),
])
def test_fmt(x, text):
    assert fmt(x) == text


def test_fmt_shape_and_norm():
    assert fmt_shape((3, 8)) == "(3,8)"
    assert norm(np.array([[3.0, 4.0]])) == 5.0
    assert math.isinf(norm(np.array([1.0, np.inf])))
    assert math.isnan(norm(np.array([1.0, np.nan])))


# ------------------------------------------------------------------------------------- the phases
def test_every_phase_before_it_runs_has_shapes_but_no_values(sim):
    for phase in sim.phases:
        eqs = equations(sim, phase)
        assert eqs, phase
        for e in eqs:
            assert e.label == phase.label
            assert e.value == ""
            assert "→" in e.shapes or e.target == "L"


def test_forward_equations_match_the_lecture(sim):
    sim.step()  # forward l=1
    z, a = equations(sim, Phase("forward", 1))
    assert z.formula == "Z[1] = W[1]·A[0] + b[1]"
    assert z.shapes == "(5,4)·(4,8) + (5,1)→broadcast (5,8)"
    assert z.value == f"‖Z[1]‖ = {fmt(norm(sim.arrays['Z[1]']))}"
    assert a.formula == "A[1] = ReLU(Z[1])"
    assert a.shapes == "(5,8) → (5,8)"
    assert a.value.startswith(f"‖A[1]‖ = {fmt(norm(sim.arrays['A[1]']))}")
    dead = sim.layer_stats(1)["fraction_dead"]
    assert a.value.endswith(f"   dead {dead:.0%}"), a.value  # ReLU's unit statistic, from its registry entry
    sim.step()  # forward l=2: a sigmoid layer reports saturation instead
    sat = sim.layer_stats(2)["fraction_saturated"]
    assert equations(sim, Phase("forward", 2))[1].value.endswith(f"   saturated {sat:.0%}")
    # layer 3 has not run yet: shapes, no value
    z3, a3 = equations(sim, Phase("forward", 3))
    assert z3.shapes == "(1,3)·(3,8) + (1,1)→broadcast (1,8)" and z3.value == ""
    assert a3.formula == "A[3] = σ(Z[3])"
    sim.step()  # forward l=3, the output σ: its flat-tail share is confidence, not saturation
    out = equations(sim, Phase("forward", 3))[1].value
    assert out.endswith(f"   confident {sim.layer_stats(3)['fraction_saturated']:.0%}") and "saturated" not in out


def test_loss_equation_shows_J(sim):
    for _ in range(sim.L + 1):
        sim.step()
    j, per_example = equations(sim, Phase("loss"))
    assert j.formula == "J = (1/m) Σ L(ŷ, y)"
    assert j.value == f"J = {fmt(sim.J)}"
    assert "ŷ = A[3] (1,8)" in j.shapes
    assert per_example.formula == "L(ŷ, y) = −[y log ŷ + (1−y) log(1−ŷ)]"


def test_backward_equations_fused_output_and_hidden_layers(sim):
    sim.step_iteration()
    out = equations(sim, Phase("backward", 3))
    assert [e.target for e in out] == ["dZ[3]", "dW[3]", "db[3]", "dA[2]"]
    assert out[0].formula == "dZ[3] = (A[3] − Y)/m"  # sigmoid + logistic fuse
    hidden = equations(sim, Phase("backward", 2))
    dz = hidden[0]
    assert dz.formula == "dZ[2] = dA[2] ⊙ σ'(Z[2])"
    assert dz.shapes == "(3,8) ⊙ (3,8) → (3,8)"
    assert dz.value == f"‖dZ[2]‖ = {fmt(norm(sim.arrays['dZ[2]']))}"
    dw = hidden[1]
    assert dw.formula == "dW[2] = dZ[2]·A[1]ᵀ" and dw.shapes == "(3,8)·(8,5) → (3,5)"
    assert hidden[2].formula == "db[2] = Σ_i dZ[2]" and hidden[2].shapes == "(3,8) → (3,1)"
    assert hidden[3].formula == "dA[1] = W[2]ᵀ·dZ[2]" and hidden[3].shapes == "(5,3)·(3,8) → (5,8)"
    first = equations(sim, Phase("backward", 1))
    assert first[0].formula == "dZ[1] = dA[1] ⊙ ReLU'(Z[1])"
    assert "dA[0]" not in [e.target for e in first]  # the lecture stops at dW[1], db[1]


def test_the_issue_example_line_shape(sim):
    sim.step_iteration()
    line = phase_equation(sim, Phase("backward", 2))[0]
    assert re.fullmatch(r"backward l=2  dZ\[2\] = dA\[2\] ⊙ σ'\(Z\[2\]\)   \(3,8\) ⊙ \(3,8\) → \(3,8\)   "
                        r"‖dZ\[2\]‖ = \S+", line), line


def test_unfused_output_writes_dA_then_dZ():
    sim = make_sim([LayerSpec(3, "tanh"), LayerSpec(2, "linear")], "l2")
    sim.step_iteration()
    eqs = equations(sim, Phase("backward", 2))
    assert eqs[0].formula == "dA[2] = (A[2] − Y)/m"
    assert eqs[1].formula == "dZ[2] = dA[2]"
    assert equations(sim, Phase("backward", 1))[0].formula == "dZ[1] = dA[1] ⊙ tanh'(Z[1])"
    sim1 = make_sim([LayerSpec(2, "leaky_relu", slope=0.2)], "l1")
    sim1.step_iteration()
    a, dz = equations(sim1, Phase("backward", 1))[:2]
    assert a.formula == "dA[1] = sign(A[1] − Y)/m"
    assert dz.formula == "dZ[1] = dA[1] ⊙ LReLU'(Z[1])"


def test_softmax_output():
    fused = make_sim([LayerSpec(3, "softmax")], "softmax_ce")
    fused.step_iteration()
    assert equations(fused, Phase("forward", 1))[1].formula == "A[1] = softmax(Z[1])"
    assert equations(fused, Phase("backward", 1))[0].formula == "dZ[1] = (A[1] − Y)/m"


@pytest.mark.parametrize("name, text", [
    ("gd", "W[1] := W[1] − α·dW[1]"),
    ("momentum", "v := β·v + (1−β)·dW[1];  W[1] := W[1] − α·v"),
    ("adam", "W[1] := W[1] − α·m̂/(√v̂ + ε)"),
    ("nesterov", "v := β·v + (1−β)·dW[1];  W[1] := W[1] − α·(β·v + (1−β)·dW[1])"),
    ("rmsprop", "s := ρ·s + (1−ρ)·dW[1]²;  W[1] := W[1] − α·dW[1]/(√s + ε)"),
    ("adagrad", "G := G + dW[1]²;  W[1] := W[1] − α·dW[1]/(√G + ε)"),
])
def test_update_equations_per_optimizer(name, text):
    sim = make_sim([LayerSpec(2, "tanh"), LayerSpec(1, "linear")], "l2",
                   optimizer=OptimizerSpec(name, learning_rate=0.05))
    before = equations(sim, Phase("update"))
    assert [e.target for e in before] == ["W[1]", "b[1]", "W[2]", "b[2]"]
    assert before[0].formula == text
    assert before[0].shapes == "(2,4) − 0.05·(2,4) → (2,4)"
    assert all(e.value == "" for e in before)
    sim.step_iteration()
    after = equations(sim, Phase("update"))
    W_old, W_new = sim.arrays["W[1]"], sim.param("W[1]")
    assert after[0].value == f"‖ΔW[1]‖ = {fmt(norm(W_new - W_old))}   ‖W[1]‖ = {fmt(norm(W_new))}"


def test_values_follow_rewind(sim):
    sim.step_iteration()
    sim.step_back()  # undo the update: it has not run any more
    assert all(e.value == "" for e in equations(sim, Phase("update")))
    assert equations(sim, Phase("backward", 1))[0].value != ""
    sim.goto(1, 1)  # only forward l=1 ran
    assert equations(sim, Phase("forward", 1))[0].value != ""
    assert equations(sim, Phase("forward", 2))[0].value == ""


def test_last_minibatch_shapes_are_live():
    sim = make_sim([LayerSpec(2, "tanh"), LayerSpec(1, "linear")], "l2", m=10,
                   optimizer=OptimizerSpec("gd", batch_size=4))
    for _ in range(3):
        sim.step_iteration()  # iteration 3 is the epoch's last batch: 10 = 4 + 4 + 2 columns
    assert equations(sim, Phase("forward", 1))[0].shapes == "(2,4)·(4,2) + (2,1)→broadcast (2,2)"


def test_format_equations_aligns_columns():
    eqs = [Equation("forward l=1", "Z[1]", "Z = a", "(1,1) → (1,1)", "v1"),
           Equation("update", "W[1]", "W[1] := longer", "(1,1)", "")]
    lines = format_equations(eqs, label_width=14)
    assert lines[0].index("Z = a") == lines[1].index("W[1] := longer") == 16
    assert lines[0].index("(1,1) →") == lines[1].index("(1,1)")
    assert lines[1] == lines[1].rstrip()
    assert format_equations([]) == []
    assert str(eqs[0]) == "forward l=1  Z = a   (1,1) → (1,1)   v1"


def test_equations_module_is_free_of_ui_imports():
    import gradsim.equations as mod

    source = open(mod.__file__, encoding="utf-8").read()
    assert "textual" not in source and "import click" not in source
