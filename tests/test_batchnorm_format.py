"""Batch norm in the scenario format: `batch_norm = true` or a table of ε and momentum on a hidden layer;
bad input (the output layer, m = 1, a batch of one, out-of-bounds values) is one line naming the file and
the field, exit 2; `gradsim show --json` carries it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.scenario import build_simulation, load_scenario
from test_cli import assert_show_refuses

BASE = """\
loss = "logistic"
[network]
layers = [{{ n = 3, activation = "tanh"{s1} }}, {{ n = 1, activation = "sigmoid"{s2} }}]
[data]
kind = "linear"
m = {m}
{opt}
"""


def toml(s1=", batch_norm = true", s2="", m=8, opt="") -> str:
    return BASE.format(s1=s1, s2=s2, m=m, opt=opt)


@pytest.mark.parametrize("text, field, words", [
    (toml(s2=", batch_norm = true"), "network.layers[1].batch_norm", "hidden layer only"),
    (toml(m=1), "network.layers[0].batch_norm", "m ≥ 2"),
    (toml(opt="[optimizer]\nbatch_size = 1"), "optimizer.batch_size", "m ≥ 2"),
    (toml(m=7, opt="[optimizer]\nbatch_size = 3"), "optimizer.batch_size", "the last of 1"),
    (toml(s1=", batch_norm = { eps = 0 }"), "network.layers[0].batch_norm.eps", "a number > 0"),
    (toml(s1=", batch_norm = { momentum = 1 }"), "network.layers[0].batch_norm.momentum", "would never move"),
    (toml(s1=", batch_norm = { rho = 0.5 }"), "network.layers[0].batch_norm", "rho"),
    (toml(s1=", batch_norm = 1"), "network.layers[0].batch_norm", "true, false or a table"),
])
def test_bad_batch_norm_is_one_line_naming_file_and_field(tmp_path, text, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert_show_refuses(path, field, words)


def test_a_good_batch_norm_loads_and_show_json_carries_it(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(toml(s1=", batch_norm = { eps = 1e-3, momentum = 0.5 }", opt="[optimizer]\nbatch_size = 4"))
    sim = build_simulation(load_scenario(str(path)))
    assert sim.bns[0].eps == 1e-3 and sim.bns[0].momentum == 0.5 and sim.bns[1] is None
    assert sim.param_keys == ("W[1]", "b[1]", "W[2]", "b[2]", "gamma[1]", "beta[1]")
    r = CliRunner().invoke(gradsim, ["show", str(path), "--json"])
    assert r.exit_code == 0, r.output
    layers = json.loads(r.stdout)["layers"]
    assert layers[0]["batch_norm"] == {"eps": 1e-3, "momentum": 0.5} and "batch_norm" not in layers[1]
    r = CliRunner().invoke(gradsim, ["show", str(path)])
    assert r.exit_code == 0 and "batch norm ε 0.001, momentum 0.5" in r.stdout, r.output
    # batch_norm = true takes the declared defaults; false is no batch norm
    path.write_text(toml())
    assert build_simulation(load_scenario(str(path))).bns[0].eps == 1e-5
    path.write_text(toml(s1=", batch_norm = false", m=1))
    assert build_simulation(load_scenario(str(path))).bns == (None, None)


def test_an_override_turns_batch_norm_on_and_is_validated(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(toml(s1=""))
    r = CliRunner().invoke(gradsim, ["show", str(path), "--json", "--set", "network.layers[0].batch_norm=true"])
    assert r.exit_code == 0, r.output
    assert "batch_norm" in json.loads(r.stdout)["layers"][0]
    r = CliRunner().invoke(gradsim, ["show", str(path), "--set", "network.layers[0].batch_norm=true",
                                     "--set", "optimizer.batch_size=1"])
    assert r.exit_code == 2 and "optimizer.batch_size" in r.stderr and "m ≥ 2" in r.stderr, r.output


def test_expectations_read_the_batch_norm_names(tmp_path):
    path = tmp_path / "ok.toml"
    claims = """
[[expect]]
value = "max(abs(mean(Zhat[1])))"
op = "<"
rhs = 1e-12
at = { iteration = 1, phase = "forward", layer = 1 }
[[expect]]
value = "norm(db[1]) / norm(dbeta[1])"
op = "<"
rhs = 1e-12
at = { iteration = 1, phase = "backward", layer = 1 }
[[expect]]
value = "norm(dZhat[1] - gamma[1] * dZtilde[1]) + norm(dgamma[1] - rowsum(dZtilde[1] * Zhat[1]))"
op = "<"
rhs = 1e-15
at = { iteration = 1, phase = "backward", layer = 1 }
"""
    path.write_text(toml() + claims)
    r = CliRunner().invoke(gradsim, ["check", str(path)])
    assert r.exit_code == 0, r.output
    assert r.output.count("PASS") == 3, r.output
    path.write_text(toml() + claims.replace("Zhat[1])))", "Zhat[2])))", 1))
    r = CliRunner().invoke(gradsim, ["check", str(path)])
    assert r.exit_code == 2 and "Zhat only on a layer with batch_norm" in r.stderr, r.output
