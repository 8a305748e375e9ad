"""gradsim sweep (gradsim/sweep.py, sweep_report.py): grids, equality with single runs, --jobs, Dask."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.checks import make_lookup
from gradsim.cli import gradsim
from gradsim.errors import ScenarioError
from gradsim.scenario import build_simulation, load_scenario
from gradsim.scenario import expressions as ex
from gradsim.scenario.overrides import apply_assignments, without_expectations
from gradsim.sweep import parse_grid, sweep

FLOW = "log10(norm(dZ[1]) / norm(dZ[L-1]))"


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


@pytest.mark.parametrize("text, path, values", [
    ("init.gain=0.5:2.0:4", "init.gain", (0.5, 1.0, 1.5, 2.0)),
    ("network.layers[0].repeat=2:20:10", "network.layers[0].repeat", tuple(range(2, 21, 2))),
    ("network.layers[0].repeat=2:5:2", "network.layers[0].repeat", (2, 5)),
    ("network.layers[0].repeat=2:5:3", "network.layers[0].repeat", (2.0, 3.5, 5.0)),
    ("optimizer.learning_rate=0.001:1:4:log", "optimizer.learning_rate", (0.001, 0.01, 0.1, 1.0)),
    ("init.weights=he,xavier,'standard'", "init.weights", ("he", "xavier", "standard")),
    ("optimizer.batch_size=[8, 16]", "optimizer.batch_size", (8, 16)),
    ("seed=3", "seed", (3,)),
])
def test_grid_specs(text, path, values):
    axis = parse_grid(text)
    assert axis.path == path
    np.testing.assert_allclose(axis.values, values, rtol=1e-12) if isinstance(values[0], float) else None
    assert [type(v) for v in axis.values] == [type(v) for v in values]
    if not isinstance(values[0], float):
        assert axis.values == values


@pytest.mark.parametrize("text, message", [
    ("init.gain", "expected PATH=SPEC"),
    ("init.gain=1:2", "expected START:STOP:COUNT"),
    ("init.gain=1:2:0", "expected a COUNT from 1 to 1000"),
    ("init.gain=0:2:3:log", "above 0 for a log range"),
    ("init.gain=a:2:3", "finite numbers for START and STOP"),
    ("init..gain=1", "a field path"),
])
def test_bad_grid_specs(text, message):
    with pytest.raises(ScenarioError, match=message):
        parse_grid(text)


def single_run(name: str, sets: list[str], iterations: int, value: str) -> float:
    sim = build_simulation(apply_assignments(without_expectations(load_scenario(name)), sets))
    sim.run(iterations, stop_on_blowup=False)
    return float(ex.evaluate(ex.parse(value), make_lookup(sim)))


def test_sweep_points_equal_single_runs_whatever_the_jobs():
    base = without_expectations(load_scenario("three-layer-cache"))
    axes = [parse_grid("optimizer.learning_rate=[0.1, 3.0]"), parse_grid("seed=0,5")]
    one = sweep(base, axes, 20, "J", jobs=1)
    two = sweep(base, axes, 20, "J", jobs=2)
    assert one.points == two.points and len(one.points) == 4
    for p in one.points:
        sets = [f"optimizer.learning_rate={axes[0].values[p.index[0]]}", f"seed={axes[1].values[p.index[1]]}"]
        assert p.value == single_run("three-layer-cache", sets, 20, "J") and p.J == p.value
    assert one.grid()[1][0] == one.points[2].value  # rows: the first axis


def test_cli_rows_do_not_depend_on_jobs(tmp_path):
    args = ["sweep", "init-xavier-tanh", "--grid", "network.layers[0].repeat=3:9:3", "--grid", "init.gain=[0.6, 1.6]",
            "-n", 1, "--value", FLOW, "-q"]
    r1 = invoke(*args, "-j", 1, "--out", tmp_path / "one.jsonl")
    r3 = invoke(*args, "-j", 3, "--out", tmp_path / "three.jsonl")
    assert r1.exit_code == 0 and r3.exit_code == 0, r1.output + r3.output
    assert r1.output == "" and (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "three.jsonl").read_bytes()
    rows = [json.loads(line) for line in (tmp_path / "one.jsonl").read_text().splitlines()]
    assert [(r["network.layers[0].repeat"], r["init.gain"]) for r in rows] == [
        (3, 0.6), (3, 1.6), (6, 0.6), (6, 1.6), (9, 0.6), (9, 1.6)]
    for r in rows:
        sets = [f"network.layers[0].repeat={r['network.layers[0].repeat']}", f"init.gain={r['init.gain']}"]
        assert r[FLOW] == single_run("init-xavier-tanh", sets, 1, FLOW)


def test_order_to_chaos_boundary_of_deep_tanh_nets(tmp_path):
    """Poole et al. 2016, Schoenholz et al. 2017: with σ_b = 0 the gradient vanishes with depth below
    σ_w ≈ 1 and explodes above; deeper nets make it more so."""
    r = invoke("sweep", "init-xavier-tanh", "--grid", "network.layers[0].repeat=[10, 30]", "--grid",
               "init.gain=[0.5, 1.0, 2.0]", "-n", 1, "--value", FLOW, "-j", 2, "--out", tmp_path / "g.csv")
    assert r.exit_code == 0, r.output
    with open(tmp_path / "g.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    v = {(int(r["network.layers[0].repeat"]), float(r["init.gain"])): float(r[FLOW]) for r in rows}
    assert v[10, 0.5] < -2 and v[30, 0.5] < v[10, 0.5]  # ordered: vanishing, more with depth
    assert v[10, 2.0] > 0.3 and v[30, 2.0] > v[10, 2.0]  # chaotic: exploding, more with depth
    assert abs(v[30, 1.0]) < abs(v[30, 0.5]) / 5 and abs(v[30, 1.0]) < v[30, 2.0]  # near the edge
    lines = r.output.splitlines()
    heat = lines[lines.index("network.layers[0].repeat ↓   init.gain → 0.5 … 2") + 1:]
    shades = "·░▒▓█"  # each sign's values against that sign's extreme, in fifths

    def cell(x):
        end = max(v.values()) if x > 0 else -min(v.values())
        return ("+" if x > 0 else "−") + shades[min(4, int(abs(x) / end * 5))]

    for line, depth in zip(heat, (10, 30)):
        assert line == f"{depth} " + "".join(cell(v[depth, g]) for g in (0.5, 1.0, 2.0)), r.output
    assert heat[1] == "30 −█−·+█"
    assert f"csv: {tmp_path / 'g.csv'} (6 rows)" in lines[-1]


def test_one_axis_table_has_a_bar_per_point():
    r = invoke("sweep", "three-layer-cache", "--grid", "optimizer.learning_rate=0.5:2.0:4", "-n", 10, "-j", 1)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["optimizer.learning_rate", "J", "J", "iterations"]
    assert len(lines) == 5 and all(line.rstrip().endswith("█") for line in lines[1:])
    js = [single_run("three-layer-cache", [f"optimizer.learning_rate={lr}"], 10, "J") for lr in (0.5, 1.0, 1.5, 2.0)]
    lowest = min(range(4), key=lambda i: js[i])
    assert lines[1 + lowest].rstrip().endswith(" █")  # the shortest bar


@pytest.mark.parametrize("args, message", [
    (["--grid", "init.gain=1:2"], "Invalid value for '--grid' (init.gain=1:2): expected START:STOP:COUNT"),
    (["--grid", "init.gain=abc"], "(--grid init.gain='abc'): init.gain: expected"),
    (["--grid", "init.gian=1,2"], "did you mean 'gain'?"),
    (["--grid", "seed=1", "--grid", "seed=2", "--grid", "seed=3"], "one or two axes, got 3"),
    (["--grid", "seed=1", "--value", "norm("], "--value: expected an expression"),
    (["--grid", "seed=1,2", "--value", "norm(dW[40])"], "Invalid value for '--value': 'norm(dW[40])': dW[40] is out of range"),
    (["--grid", "seed=1", "--set", "optimizer.learning_rate=1e300"], "(--set optimizer.learning_rate=1e300)"),
    (["--grid", "seed=1", "--out", "x.txt"], "must end in .csv or .jsonl"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    r = invoke("sweep", "three-layer-cache", "-n", 1, "-j", 1, *args)
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output


def test_a_point_that_blows_up_is_a_value_not_an_error():
    base = without_expectations(load_scenario("diverging-learning-rate"))
    result = sweep(base, [parse_grid("optimizer.learning_rate=[0.01, 100.0]")], 30, "J", jobs=1)
    assert math.isfinite(result.points[0].value) and not math.isfinite(result.points[1].value)
    assert result.points[1].reason == "halted" and result.points[1].iterations < 30


def test_dask_scheduler_gives_the_same_results(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    base = without_expectations(load_scenario("three-layer-cache"))
    axes = [parse_grid("optimizer.learning_rate=[0.1, 3.0]"), parse_grid("seed=0,5")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_dask = sweep(base, axes, 20, "J", scheduler=cluster.scheduler_address)
        args = ["sweep", "three-layer-cache", "--grid", "seed=0:3:4", "-n", 5, "-q"]
        r = invoke(*args, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "dask.csv")
        assert r.exit_code == 0, r.output
    assert on_dask.points == sweep(base, axes, 20, "J", jobs=1).points
    assert invoke(*args, "-j", 1, "--out", tmp_path / "local.csv").exit_code == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_an_unreachable_scheduler_is_bad_input():
    pytest.importorskip("dask.distributed")
    r = invoke("sweep", "three-layer-cache", "--grid", "seed=1", "-n", 1, "--scheduler", "tcp://127.0.0.1:9")
    assert r.exit_code == 2 and "--scheduler: expected the address of a running Dask scheduler" in r.output, r.output
