"""Learning-rate schedules (engine/schedules.py): each α(t) against its closed form, the update phase
against an independent NumPy loop that uses α(t), the [optimizer.schedule] validation messages, and α(t)
in gradsim show, gradsim step and the NumPy export (the torch export: test_export_torch_fixes.py)."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim as main
from gradsim.engine import LayerSpec, OptimizerSpec, ScheduleSpec, Simulation
from gradsim.engine.schedules import SCHEDULES
from gradsim.scenario import loads_scenario

from export_helpers import assert_same, exported_run, gradsim_run, scenario

CLOSED = {  # independent closed forms of α(t) for α = 0.3, t = 1..
    "constant": ({}, lambda t: 0.3),
    "step": ({"gamma": 0.5, "step_size": 4}, lambda t: 0.3 * 0.5 ** ((t - 1) // 4)),
    "exponential": ({"gamma": 0.9}, lambda t: 0.3 * 0.9 ** (t - 1)),
    "cosine": ({"period": 10, "alpha_min": 0.01},
               lambda t: 0.01 + 0.29 * 0.5 * (1 + math.cos(math.pi * min(t - 1, 10) / 10))),
    "warmup": ({"warmup": 5}, lambda t: 0.3 * min(t, 5) / 5),
}


def test_the_closed_forms_cover_every_schedule():
    assert set(CLOSED) == set(SCHEDULES)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_rate_against_its_closed_form(name):
    params, closed = CLOSED[name]
    rate = ScheduleSpec(name, params).rate_fn(0.3)
    for t in range(1, 25):
        assert rate(t) == pytest.approx(closed(t), rel=1e-14, abs=1e-16), t


def test_landmarks():
    """Exact values the formulas promise: warm-up reaches α at t = w; cosine is α at t = 1, the midpoint
    at t = T/2 + 1 and α_min from t = T + 1 on; step drops by γ right after k iterations."""
    assert ScheduleSpec("warmup", warmup=4).rate_fn(0.2)(1) == pytest.approx(0.05)
    assert ScheduleSpec("warmup", warmup=4).rate_fn(0.2)(4) == 0.2
    cos = ScheduleSpec("cosine", period=10, alpha_min=0.1).rate_fn(0.5)
    assert cos(1) == 0.5 and cos(6) == pytest.approx(0.3) and cos(11) == cos(50) == pytest.approx(0.1)
    step = ScheduleSpec("step", gamma=0.1, step_size=3).rate_fn(1.0)
    assert [step(t) for t in (1, 3, 4, 6, 7)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])


def _sim(schedule, opt="gd", lr=0.2):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((2, 6)), rng.standard_normal((1, 6))
    return Simulation(X, Y, [LayerSpec(1, "linear")], "l2", optimizer=OptimizerSpec(opt, lr, schedule=schedule))


def test_gradient_descent_uses_alpha_t_each_iteration():
    """A linear unit with the L2 loss, stepped by an independent NumPy loop W := W − α(t)·dW."""
    sch = ScheduleSpec("exponential", gamma=0.7)
    sim = _sim(sch)
    W, b = (p.copy() for p in sim.params)
    X, Y = sim.X, sim.Y
    m = X.shape[1]
    for t in range(1, 9):
        A = W @ X + b
        dZ = (A - Y) / m  # J = (1/m) Σ ½(ŷ − y)²  →  dZ = (A − Y)/m
        a = 0.2 * 0.7 ** (t - 1)
        W, b = W - a * (dZ @ X.T), b - a * dZ.sum(axis=1, keepdims=True)
    sim.run(8, stop_on_blowup=False)
    np.testing.assert_allclose(sim.params[0], W, rtol=1e-13)
    np.testing.assert_allclose(sim.params[1], b, rtol=1e-13)


def test_constant_schedule_is_the_plain_optimiser():
    a, b = _sim(None, "adam"), _sim(ScheduleSpec("constant"), "adam")
    a.run(5), b.run(5)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    c = _sim(ScheduleSpec("warmup", warmup=3), "adam")
    c.run(5)
    assert not np.array_equal(a.params[0], c.params[0])


def test_rewind_replays_the_same_alpha_t():
    sim = _sim(ScheduleSpec("cosine", period=6), "momentum")
    sim.run(5)
    after = sim.params
    assert sim.goto(3, 0)
    sim.run_to(5, sim.P)
    assert all(np.array_equal(p, q) for p, q in zip(after, sim.params))


TOML = """loss = "logistic"
[network]
layers = [{{ n = 3, activation = "tanh" }}, {{ n = 1, activation = "sigmoid" }}]
[data]
kind = "moons"
m = 20
[optimizer]
name = "adam"
learning_rate = 0.1
{schedule}
"""


def test_the_table_and_the_short_form_read_the_same():
    a = loads_scenario(TOML.format(schedule='[optimizer.schedule]\nname = "cosine"\nperiod = 100'), name="x")
    b = loads_scenario(TOML.format(schedule='schedule = "cosine"'), name="x")
    assert a.optimizer.schedule == b.optimizer.schedule
    assert a.optimizer.schedule.values() == ScheduleSpec("cosine", period=100).values() == {"period": 100, "alpha_min": 0}
    assert loads_scenario(TOML.format(schedule=""), name="x").optimizer.schedule.constant


@pytest.mark.parametrize("schedule, message", [
    ('schedule = "cosin"', "optimizer.schedule.name"),
    ('[optimizer.schedule]\nname = "warmup"\nwarmup = 2.5', "optimizer.schedule.warmup: expected an integer"),
    ('[optimizer.schedule]\nname = "warmup"\nwarmup = 0', "optimizer.schedule.warmup"),
    ('[optimizer.schedule]\nname = "warmup"\nperiod = 10', "period is for name = 'cosine'"),
    ('[optimizer.schedule]\nname = "exponential"\ngamma = 1.5', "optimizer.schedule.gamma"),
    ("schedule = 3", "optimizer.schedule: expected a schedule name"),
])
def test_bad_schedules_are_one_line_exit_2(tmp_path, schedule, message):
    f = tmp_path / "bad.toml"
    f.write_text(TOML.format(schedule=schedule))
    r = CliRunner().invoke(main, ["show", str(f)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and str(f) in err and message in err and "Traceback" not in err


def test_show_and_step_print_alpha_t(tmp_path):
    f = tmp_path / "w.toml"
    f.write_text(TOML.format(schedule='[optimizer.schedule]\nname = "warmup"\nwarmup = 4'))
    r = CliRunner().invoke(main, ["show", str(f)])
    assert r.exit_code == 0 and "schedule    warmup (w = 4): α(t) = α·min(1, t/w)" in r.output
    js = json.loads(CliRunner().invoke(main, ["show", str(f), "--json"]).output)
    assert js["optimizer"]["schedule"] == {"name": "warmup", "warmup": 4, "formula": "α(t) = α·min(1, t/w)"}
    r = CliRunner().invoke(main, ["step", str(f), "--iteration", "3"])
    assert r.exit_code == 0
    assert "α(3) = 0.075" in r.output  # 0.1 · 3/4
    assert "W[1] := W[1] − α(t)·m̂/(√v̂ + ε)" in r.output and "0.075·(3,2)" in r.output


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_exports_to_the_same_numbers(name, tmp_path):
    params = CLOSED[name][0]
    body = "\n".join(f"{k} = {v}" for k, v in params.items())
    sc = scenario(optimizer="adam", iterations=12, extra=f'\n[optimizer.schedule]\nname = "{name}"\n{body}\n')
    assert sc.optimizer.schedule.name == name
    assert_same(exported_run(sc, tmp_path, "numpy", subprocess=False), gradsim_run(sc), 1e-12)


def test_torch_export_writes_a_schedule_as_lambda_lr(tmp_path):
    """The numbers are checked with PyTorch in test_export_torch_fixes.py."""
    f = tmp_path / "w.toml"
    f.write_text(TOML.format(schedule='schedule = "cosine"'))
    r = CliRunner().invoke(main, ["export", str(f), "--torch", str(tmp_path / "t.py")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "t.py").read_text()
    assert "torch.optim.lr_scheduler.LambdaLR(opt, lambda k: schedule(alpha_0, k + 1) / alpha_0)" in text
    assert "scheduler.step()" in text and "math.cos(" in text
    compile(text, "t.py", "exec")
