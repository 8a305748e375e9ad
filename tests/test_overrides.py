"""Field-path overrides (scenario/overrides.py) and the command line's --set on every SCENARIO command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.errors import ScenarioError
from gradsim.scenario import BUNDLED_DIR, build_simulation, load_scenario
from gradsim.scenario.overrides import apply_assignments, parse_assignment, parse_value

HE = BUNDLED_DIR / "init-he-relu.toml"


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


def edited_copy(tmp_path: Path, old: str, new: str, src: Path = HE) -> Path:
    text = src.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    out = tmp_path / src.name
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


@pytest.mark.parametrize("text, value", [
    ("0.05", 0.05), ("1e300", 1e300), ("3", 3), ("true", True), ('"he"', "he"), ("he", "he"),
    ("tanh", "tanh"), ("[1, 2]", [1, 2]), ("{ n = 3, activation = 'relu' }", {"n": 3, "activation": "relu"}),
    ("inf", float("inf")), ("he relu", "he relu"),
])
def test_values_parse_as_toml_values_else_bare_strings(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)


def test_assignment_splits_at_the_first_equals_sign():
    assert parse_assignment("network.layers[1].activation=tanh") == ("network.layers[1].activation", "tanh")
    assert parse_assignment(" init.weights = 'a=b' ") == ("init.weights", "a=b")
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        parse_assignment("optimizer.learning_rate")
    with pytest.raises(ScenarioError, match="expected a field path"):
        parse_assignment("optimizer..learning_rate=1")


def test_overrides_equal_an_edited_copy_bit_for_bit(tmp_path):
    sets = ["optimizer.learning_rate=0.05", "init.weights=xavier", "network.layers[0].activation=tanh",
            "optimizer.batch_size=64", "seed=7"]
    changed = apply_assignments(load_scenario(HE), sets)
    path = edited_copy(tmp_path, "learning_rate = 0.001", "learning_rate = 0.05\nbatch_size = 64")
    path = edited_copy(tmp_path, 'weights = "he"', 'weights = "xavier"', path)
    path = edited_copy(tmp_path, 'activation = "relu"', 'activation = "tanh"', path)
    path = edited_copy(tmp_path, "seed = 0", "seed = 7", path)
    a, b = build_simulation(changed), build_simulation(load_scenario(path))
    a.run(3), b.run(3)
    assert a.J_history == b.J_history and len(a.J_history) == 3
    for pa, pb in zip(a.params, b.params, strict=True):
        assert pa.tobytes() == pb.tobytes()
    assert a.acts[0].name == "tanh" and a.batches.size == 64


def test_cli_trace_with_set_equals_the_edited_file(tmp_path):
    edited = edited_copy(tmp_path, 'weights = "he"', 'weights = "xavier"')
    r1 = invoke("run", HE, "-n", 2, "--trace", tmp_path / "a.jsonl", "--set", "init.weights=xavier")
    r2 = invoke("run", edited, "-n", 2, "--trace", tmp_path / "b.jsonl")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    r3 = invoke("run", HE, "-n", 2, "--trace", tmp_path / "c.jsonl")
    assert (tmp_path / "c.jsonl").read_bytes() != (tmp_path / "a.jsonl").read_bytes()


def test_a_learning_rate_of_1e300_gets_the_files_message(tmp_path):
    edited = edited_copy(tmp_path, "learning_rate = 0.001", "learning_rate = 1e300")
    from_file = invoke("run", edited, "-n", 1)
    from_set = invoke("run", HE, "-n", 1, "--set", "optimizer.learning_rate=1e300")
    assert from_file.exit_code == 2 and from_set.exit_code == 2
    file_msg, set_msg = from_file.output.strip(), from_set.output.strip()
    assert len(set_msg.splitlines()) == 1 and "Traceback" not in set_msg
    assert set_msg == f"Error: {HE} (--set optimizer.learning_rate=1e300): " + file_msg.split(f"{edited}: ", 1)[1]
    assert "optimizer.learning_rate: expected a number ≤ 1e+06; got 1e+300" in set_msg


@pytest.mark.parametrize("setting, message", [
    ("optimizer.learnin_rate=0.1", "(--set optimizer.learnin_rate=0.1): optimizer.learnin_rate: expected one of "
     "the keys name, learning_rate, batch_size, schedule; got unknown key 'learnin_rate' (did you mean 'learning_rate'?)"),
    ("optimzer.learning_rate=0.1", "(did you mean 'optimizer'?)"),
    ("network.layer[0].n=3", "(--set network.layer[0].n=3): network.layer: expected an existing array; "
     "got nothing (there is no such key) (did you mean 'layers'?)"),
    ("network.layers[7].n=3", "network.layers[7]: expected an index from 0 to 1; got 7"),
    ("init.weights=hee", "init.weights: expected one of"),
    ("optimizer.learning_rate", "(--set optimizer.learning_rate): expected PATH=VALUE"),
])
def test_bad_paths_and_values_are_one_line_naming_the_override(setting, message):
    for command in (["show"], ["step", "-k", "1"], ["run", "-n", "1"], ["gradcheck"], ["check"]):
        r = invoke(*command, "init-he-relu", "--set", setting)
        assert r.exit_code == 2, (command, r.output)
        assert len(r.output.strip().splitlines()) == 1 and message in r.output, r.output


def test_the_message_names_the_override_it_is_about_or_all_of_them():
    r = invoke("show", HE, "--set", "loss=logistic", "--set", "seed=3")
    assert r.exit_code == 2
    assert f"{HE} (--set loss=logistic): loss: expected a loss for a linear output layer" in r.output
    r = invoke("show", HE, "--set", "network.layers[0].repeat=3", "--set", "seed=3")  # [[expect]] says layer 10
    assert r.exit_code == 2
    assert (f"{HE} (--set network.layers[0].repeat=3, --set seed=3): expect[0].at.layer: expected a layer from "
            "1 to L = 4; got 10") in r.output


def test_every_command_that_takes_a_scenario_takes_set():
    takers = [name for name, cmd in gradsim.commands.items()
              if any(isinstance(p, click.Argument) and p.name in ("scenario", "scenarios", "a") for p in cmd.params)]
    assert {"tui", "show", "step", "run", "check", "gradcheck", "serve"} <= set(takers)
    for name in takers:
        opts = [o for p in gradsim.commands[name].params for o in getattr(p, "opts", [])]
        assert "--set" in opts, name


def test_set_changes_what_show_json_and_check_see():
    r = invoke("show", "init-he-relu", "--json", "--set", "network.layers[0].n=16",
               "--set", "optimizer={ name = 'momentum', learning_rate = 0.01, beta = 0.5 }")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output)
    assert [layer["n"] for layer in shown["layers"]][:2] == [16, 16]
    assert shown["optimizer"]["name"] == "momentum"
    r = invoke("check", "init-he-relu", "--set", "init.weights=xavier")
    assert r.exit_code == 1 and "FAIL  init-he-relu  Var(z[1])" in r.output
