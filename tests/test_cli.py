"""The command line (gradsim/cli/) and headless replay: commands, output, files, exit codes 0/1/2."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim import cli
from gradsim.cli import gradsim
from gradsim.scenario import build_simulation, list_bundled, load_scenario, make_data
from gradsim.trace import FLAGS, trace_columns

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "cli"
TINY, FAILING, BLOWUP, MINI = (str(DATA / f"{n}.toml") for n in ("tiny", "failing", "blowup", "mini"))
BROKEN, BAD_FIELD = str(DATA / "broken.toml"), str(DATA / "bad_field.toml")
BUNDLED = [name for name, _ in list_bundled()]


def invoke(*args: str, **kw):
    return CliRunner().invoke(gradsim, [str(a) for a in args], **kw)


def gradsim_subprocess(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "gradsim", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=120)


def assert_one_line_error(stderr: str, *words: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    for w in words:
        assert w in lines[0], (w, stderr)


def assert_show_refuses(path, *words: str) -> None:
    """`gradsim show PATH` exits 2 with one line naming the file and every one of ``words`` (the field, what
    was expected)."""
    r = CliRunner().invoke(gradsim, ["show", str(path)])
    assert r.exit_code == 2, r.output
    assert_one_line_error(r.stderr, Path(path).name, *words)


# ------------------------------------------------------------------------------------------ --help
COMMANDS = sorted(gradsim.commands)


def test_every_command_is_there():
    assert set(COMMANDS) >= {"tui", "list", "show", "step", "run", "check", "gradcheck", "serve", "completion"}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_each_command_has_an_example(command):
    r = invoke(command, "--help")
    assert r.exit_code == 0, r.output
    assert "Example:" in r.stdout
    example = r.stdout.split("Example:", 1)[1].strip().splitlines()[0]
    assert example.startswith(f"gradsim {command}"), example
    assert gradsim.commands[command].short_help


def test_root_help_documents_commands_exit_codes_and_completion():
    r = invoke("--help")
    assert r.exit_code == 0
    for command in COMMANDS:
        assert command in r.stdout
    assert "Example:" in r.stdout
    assert "_GRADSIM_COMPLETE=bash_source gradsim" in r.stdout
    assert "Exit codes: 0 ok, 1 a check failed, 2 bad input" in r.stdout
    assert invoke("-h").stdout == r.stdout


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and "gradsim" in r.stdout and "0." in r.stdout


# -------------------------------------------------------------------------------------------- list
def test_list_prints_one_line_per_bundled_scenario_and_nothing_else():
    r = invoke("list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    bundled = list_bundled()
    assert len(lines) == len(bundled) >= 1
    for line, (name, summary) in zip(lines, bundled):
        got_name, _, got_summary = line.partition("  ")
        assert got_name == name and got_summary == summary
    assert r.stderr == ""


def test_list_as_a_subprocess():
    p = gradsim_subprocess("list")
    assert p.returncode == 0, p.stderr
    assert [line.split("  ", 1)[0] for line in p.stdout.splitlines()] == [n for n, _ in list_bundled()]
    assert p.stderr == ""


# -------------------------------------------------------------------------------------------- show
def test_show_table():
    r = invoke("show", TINY)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("tiny  A tiny 2-4-1")
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:2] in ("0 ", "1 ", "2 ")}
    assert rows["1"][:6] == ["1", "4", "tanh", "(4,2)", "(4,1)", "(4,16)"] and rows["1"][6] == "12"
    assert rows["2"][:7] == ["2", "1", "sigmoid", "(1,4)", "(1,1)", "(1,16)", "5"]
    assert "parameters  17" in out
    assert "loss        logistic" in out
    assert "optimizer   gd, α = 0.5" in out
    assert "seed        3" in out


def test_show_json_keys():
    r = invoke("show", MINI, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["layers"] == [{"n": 5, "activation": "leaky_relu", "slope": 0.1}, {"n": 1, "activation": "sigmoid"}]
    assert (d["n0"], d["m"], d["loss"], d["seed"]) == (2, 10, "logistic", 7)
    assert d["optimizer"] == {"name": "adam", "learning_rate": 0.01, "batch_size": 4, "kind": "mini-batch",
                              "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                              "schedule": {"name": "constant", "formula": "α(t) = α"}}
    assert [i["weights"] for i in d["init"]] == ["xavier", "xavier"]
    assert d["parameters"] == 5 * 2 + 5 + 5 + 1
    assert d["run"]["iterations"] == 3 and d["name"] == "mini"


@pytest.mark.parametrize("name", BUNDLED)
def test_show_json_of_every_bundled_scenario_matches_its_simulation(name):
    r = invoke("show", name, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    sim = build_simulation(load_scenario(name))
    assert [layer["n"] for layer in d["layers"]] == sim.n[1:]
    assert d["n0"] == sim.n[0] and d["m"] == sim.m and d["loss"] == sim.loss_name and d["seed"] == sim.seed
    for layer in d["layers"]:
        assert ("slope" in layer) == (layer["activation"] == "leaky_relu")


# -------------------------------------------------------------------------------------------- step
def test_step_prints_every_phase_with_shapes_and_values():
    r = invoke("step", TINY)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("tiny: iteration 1, n = [2, 4, 1], m = 16")
    body = lines[1:]
    labels = [line.split("  ")[0].strip() for line in body]
    assert labels[0] == "forward l=1" and labels[-1] == "update"
    assert {"forward l=1", "forward l=2", "loss", "backward l=2", "backward l=1", "update"} == set(labels)
    text = r.stdout
    assert "Z[1] = W[1]·A[0] + b[1]" in text and "(4,2)·(2,16) + (4,1)→broadcast (4,16)" in text
    assert "J = (1/m) Σ L(ŷ, y)" in text
    dz = next(line for line in body if "dZ[1] = dA[1] ⊙ tanh'(Z[1])" in line)
    assert "(4,16) ⊙ (4,16) → (4,16)" in dz and "‖dZ[1]‖ = " in dz
    assert "W[2] := W[2] − α·dW[2]" in text


def test_step_values_are_the_runs_values(tmp_path):
    npz = tmp_path / "one.npz"
    assert invoke("run", TINY, "-n", "1", "--npz", npz, "-q").exit_code == 0
    arrays = np.load(npz)
    from gradsim.display import fmt, norm

    text = invoke("step", TINY).stdout
    for name in ("Z[1]", "A[2]", "dZ[2]", "dW[1]", "db[1]", "dA[1]"):
        assert f"‖{name}‖ = {fmt(norm(arrays[name]))}" in text, name
    assert f"J = {fmt(float(arrays['J']))}" in text


def test_step_phases_and_iteration():
    r = invoke("step", TINY, "--phases", "1")
    assert r.exit_code == 0
    assert {line.split("  ")[0] for line in r.stdout.splitlines()[1:]} == {"forward l=1"}
    r3 = invoke("step", TINY, "-k", "3", "--iteration", "2")
    assert r3.exit_code == 0
    assert "iteration 2" in r3.stdout.splitlines()[0]
    assert [line.split("  ")[0].strip() for line in r3.stdout.splitlines()[1:]] == \
        ["forward l=1"] * 2 + ["forward l=2"] * 2 + ["loss"] * 2
    assert r3.stdout != invoke("step", TINY, "-k", "3").stdout  # iteration 2 has other weights


def test_step_phases_out_of_range_is_bad_input():
    r = invoke("step", TINY, "--phases", "7")  # P = 2L + 2 = 6
    assert r.exit_code == 2
    assert_one_line_error(r.stderr, "--phases", "P = 2L + 2 = 6", "7")
    r0 = invoke("step", TINY, "--phases", "0")
    assert r0.exit_code == 2
    assert_one_line_error(r0.stderr, "--phases")


def test_step_reports_a_blowup_and_exit_1_past_the_halt():
    r = invoke("step", BLOWUP, "--iteration", "5")
    assert r.exit_code == 0, r.output
    assert "! J went non-finite first, in loss of iteration 5" in r.stdout
    late = invoke("step", BLOWUP, "--iteration", "50")
    assert late.exit_code == 1
    assert_one_line_error(late.stderr, "halted after iteration 5", "iteration 50 never runs")


# --------------------------------------------------------------------------------------------- run
def test_run_summary():
    r = invoke("run", TINY)
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    sim = build_simulation(load_scenario(TINY))
    sim.run(5)
    from gradsim.display import fmt, norm

    assert out[0] == "tiny: ran 5 iterations"
    assert out[1].startswith(f"J = {sim.J:.6g}   (iteration 1: {sim.J_history[0]:.6g}")
    header = out[2].split()
    assert header[:3] == ["l", "n[l]", "g[l]"] and "‖dW[l]‖" in header
    row1 = out[3].split()
    assert row1[header.index("‖dW[l]‖")] == fmt(norm(sim.arrays["dW[1]"]))
    assert "[" not in r.stdout.split("\n", 1)[0]  # no progress bar when stdout is not a terminal


def test_run_quiet_prints_nothing(tmp_path):
    r = invoke("run", TINY, "--quiet", "--trace", tmp_path / "t.csv")
    assert r.exit_code == 0 and r.output == ""
    assert (tmp_path / "t.csv").exists()


def test_run_csv_trace(tmp_path):
    path = tmp_path / "trace.csv"
    r = invoke("run", TINY, "--trace", path)
    assert r.exit_code == 0, r.output
    assert f"trace: {path} (5 rows)" in r.stdout
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        assert reader.fieldnames == trace_columns(2)
    assert [int(row["iteration"]) for row in rows] == [1, 2, 3, 4, 5]
    sim = build_simulation(load_scenario(TINY))
    sim.run(5)
    assert [float(row["J"]) for row in rows] == sim.J_history  # bit for bit: the same Simulation
    for key in ("norm(dW[1])", "norm(db[2])", "norm(A[1])", "fraction_saturated[1]", "fraction_dead[2]"):
        assert all(math.isfinite(float(row[key])) for row in rows)
    assert all(row[flag] == "false" for row in rows for flag in FLAGS)
    assert set(trace_columns(2)) >= {"norm(dW[2])", "norm(A[2])", "fraction_saturated[2]", "blowup"}


def test_run_jsonl_trace_with_a_blowup(tmp_path):
    path = tmp_path / "trace.jsonl"
    r = invoke("run", BLOWUP, "--trace", path)
    assert r.exit_code == 0, r.output  # a blow-up is a result, not an error
    assert "halted after 5 iterations" in r.stdout
    assert "blow-up: J went non-finite first, in loss of iteration 5" in r.stdout
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["iteration"] for row in rows] == [1, 2, 3, 4, 5]
    assert list(rows[0]) == trace_columns(2)
    assert rows[0]["blowup"] is False and rows[0]["nonfinite"] is False and isinstance(rows[0]["J"], float)
    last = rows[-1]
    assert last["blowup"] is True and last["nonfinite"] is True and last["halted"] is True
    assert last["J"] is None  # JSON has no inf: non-finite numbers are null


def test_run_npz_keys_shapes_and_dtype(tmp_path):
    path = tmp_path / "last.npz"
    r = invoke("run", TINY, "--iterations", "2", "--npz", path)
    assert r.exit_code == 0, r.output
    assert "npz: " in r.stdout
    z = np.load(path)
    L, n, m = 2, [2, 4, 1], 16
    expected = {"X", "Y", "A[0]", "dA[0]", "J"} | {f"{k}[{l}]" for l in (1, 2) for k in
                                                   ("W", "b", "Z", "A", "dZ", "dW", "db", "dA")}
    assert set(z.files) == expected
    for key in z.files:
        assert z[key].dtype == np.float64, key
    for l in range(1, L + 1):
        assert z[f"W[{l}]"].shape == z[f"dW[{l}]"].shape == (n[l], n[l - 1])
        assert z[f"b[{l}]"].shape == z[f"db[{l}]"].shape == (n[l], 1)
        for k in ("Z", "A", "dZ", "dA"):
            assert z[f"{k}[{l}]"].shape == (n[l], m)
    assert z["X"].shape == z["dA[0]"].shape == (2, m) and z["Y"].shape == (1, m) and z["J"].shape == ()
    np.testing.assert_array_equal(z["A[0]"], z["X"])
    # W[l], b[l] are what iteration 2's forward pass used: the parameters after iteration 1's update
    sim = build_simulation(load_scenario(TINY))
    sim.run(1)
    for l in (1, 2):
        np.testing.assert_array_equal(z[f"W[{l}]"], sim.param(f"W[{l}]"))
        np.testing.assert_array_equal(z[f"b[{l}]"], sim.param(f"b[{l}]"))
    sim.run(1)
    assert float(z["J"]) == sim.J
    np.testing.assert_array_equal(z["dW[1]"], sim.arrays["dW[1]"])


def test_run_npz_holds_the_minibatch_after_normalisation(tmp_path):
    path = tmp_path / "mb.npz"
    assert invoke("run", MINI, "-n", "3", "--npz", path, "-q").exit_code == 0
    z = np.load(path)
    sc = load_scenario(MINI)
    X, Y = make_data(sc.data, sc.seed)  # normalised, as the scenario asks
    sim = build_simulation(sc)
    idx = sim.batches.indices(3)  # iteration 3: the last mini-batch of the first epoch (10 = 4 + 4 + 2)
    assert len(idx) == 2
    np.testing.assert_array_equal(z["X"], X[:, idx])
    np.testing.assert_array_equal(z["Y"], Y[:, idx])
    np.testing.assert_array_equal(z["A[0]"], X[:, idx])
    assert z["A[1]"].shape == (5, 2)
    assert abs(float(np.mean(X))) < 1e-12  # the normalisation really happened


def test_run_seed_changes_the_run(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    assert invoke("run", TINY, "-n", "1", "--npz", a, "-q").exit_code == 0
    assert invoke("run", TINY, "-n", "1", "--npz", b, "-q", "--seed", "99").exit_code == 0
    assert not np.array_equal(np.load(a)["W[1]"], np.load(b)["W[1]"])
    c = tmp_path / "c.npz"
    assert invoke("run", TINY, "-n", "1", "--npz", c, "-q", "--seed", "3").exit_code == 0  # the file's seed
    np.testing.assert_array_equal(np.load(a)["W[1]"], np.load(c)["W[1]"])


@pytest.mark.parametrize("args, words", [
    (["--trace", "out.txt"], ["--trace", ".jsonl or .csv", "out.txt"]),
    (["--npz", "out.csv"], ["--npz", ".npz"]),
    (["--trace", "no/such/dir/t.csv"], ["--trace", "does not exist"]),
    (["--iterations", "0"], ["--iterations"]),
    (["--iterations", "many"], ["--iterations", "many"]),
    (["--frobnicate"], ["--frobnicate"]),
])
def test_run_bad_options_exit_2_with_one_line(args, words):
    r = invoke("run", TINY, *args)
    assert r.exit_code == 2, r.output
    assert_one_line_error(r.stderr, *words)
    assert r.stdout == ""


# ------------------------------------------------------------------------------------------- check
def test_check_passing_scenario_exit_0(tmp_path):
    junit = tmp_path / "report.xml"
    r = invoke("check", TINY, "--junit", junit)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["scenario", "expectation", "at"]
    assert sum(line.startswith("PASS") for line in lines) == 2
    assert "1 scenario, 2 expectations: 2 passed, 0 failed" in r.stdout
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "0"
    assert [s.get("name") for s in root.iter("testsuite")] == ["tiny"]
    assert len(list(root.iter("testcase"))) == 2


def test_check_failing_expectation_exit_1_and_junit_counts(tmp_path):
    junit = tmp_path / "report.xml"
    r = invoke("check", TINY, FAILING, "--junit", junit)
    assert r.exit_code == 1, r.output
    assert_one_line_error(r.stderr, "1 expectation failed")
    fail = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "J is zero (it is not)" in fail[0] and "expected < " in fail[0] and "got 0.5456" in fail[0]
    assert "2 scenarios, 4 expectations: 3 passed, 1 failed" in r.stdout
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["failing"].get("tests") == "2" and suites["failing"].get("failures") == "1"
    assert suites["tiny"].get("failures") == "0"
    failures = list(root.iter("failure"))
    assert len(failures) == 1 and "got 0.545625" in failures[0].get("message")
    cases = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert cases[0].get("name") == "J is zero (it is not)" and cases[0].get("classname") == "gradsim.failing"


def test_check_a_scenario_that_cannot_run_is_an_error(monkeypatch, tmp_path):
    import gradsim.checks as checks

    def broken(sc, seed=None):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(checks, "run_expectations", broken)
    junit = tmp_path / "r.xml"
    r = invoke("check", TINY, "--junit", junit)
    assert r.exit_code == 1
    assert "ERROR" in r.stdout and "RuntimeError: engine exploded" in r.stdout
    assert_one_line_error(r.stderr, "1 scenario did not run")
    root = ET.parse(junit).getroot()
    assert root.get("errors") == "1" and len(list(root.iter("error"))) == 1


def test_check_runs_every_bundled_scenario_by_default(monkeypatch, tmp_path):
    import gradsim.scenario as scenario_pkg

    bundled = list_bundled()
    few = [b for b in bundled if b[0] in ("exploding-linear", "vanishing-linear")] or bundled[:2]
    monkeypatch.setattr(scenario_pkg, "list_bundled", lambda: few)  # the bundled tests run them all
    junit = tmp_path / "all.xml"
    r = invoke("check", "--junit", junit)
    root = ET.parse(junit).getroot()
    assert [s.get("name") for s in root.iter("testsuite")] == [n for n, _ in few]
    assert r.exit_code == (0 if root.get("failures") == "0" and root.get("errors") == "0" else 1)


def test_check_unknown_scenario_exit_2_before_running_anything():
    r = invoke("check", TINY, "exploding-linaer")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert_one_line_error(r.stderr, "exploding-linaer")


# --------------------------------------------------------------------------------------- gradcheck
def test_gradcheck_passes():
    r = invoke("gradcheck", TINY)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("tiny: gradient check after 0 iterations")
    assert lines[1].split()[:2] == ["l", "W[l]"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2"]
    assert all(line.split()[-1] == "ok" for line in lines[2:])
    assert lines[2].split()[3] == "12/12"


def test_gradcheck_after_iterations_and_failing_tolerance(monkeypatch):
    r = invoke("gradcheck", MINI, "--after", "2")
    assert r.exit_code == 0, r.output
    assert "after 2 iterations" in r.stdout
    # a backprop that is off by 1e-4 must fail the check
    module = sys.modules["gradsim.engine.gradcheck"]
    right = module.gradients
    monkeypatch.setattr(module, "gradients", lambda *a: tuple(g * (1 + 1e-4) for g in right(*a)))
    strict = invoke("gradcheck", TINY)
    assert strict.exit_code == 1
    assert "FAIL" in strict.stdout
    assert_one_line_error(strict.stderr, "gradient check failed for layers 1, 2")


# ------------------------------------------------------------------------------------ bad input: 2
def test_unknown_scenario_suggests_a_name():
    if "exploding-linear" not in BUNDLED:
        pytest.skip("needs the bundled exploding-linear")
    for command in ("show", "run", "step", "gradcheck", "tui"):
        r = invoke(command, "exploding-linea")
        assert r.exit_code == 2, (command, r.output)
        assert_one_line_error(r.stderr, "exploding-linea", "did you mean 'exploding-linear'?")


def test_broken_and_invalid_files_exit_2_naming_the_file():
    r = invoke("run", BROKEN)
    assert r.exit_code == 2
    assert_one_line_error(r.stderr, "broken.toml", "line 2", "TOML")
    r = invoke("show", BAD_FIELD)
    assert r.exit_code == 2
    assert_one_line_error(r.stderr, "bad_field.toml", "network.layers[0].activation", "did you mean 'linear'?")
    r = invoke("check", "no/such/file.toml")
    assert r.exit_code == 2
    assert_one_line_error(r.stderr, "no/such/file.toml")


def test_usage_errors_are_one_line():
    for args, words in ((["show"], ["Missing argument", "SCENARIO"]), (["frobnicate"], ["frobnicate"]),
                        (["list", "--json"], ["--json"]), (["completion", "powershell"], ["powershell"])):
        r = invoke(*args)
        assert r.exit_code == 2, (args, r.output)
        assert_one_line_error(r.stderr, *words)


def test_subprocess_errors_have_no_traceback():
    p = gradsim_subprocess("run", BROKEN)
    assert p.returncode == 2 and p.stdout == ""
    assert_one_line_error(p.stderr, "broken.toml")
    p = gradsim_subprocess("show", "no-such-scenario")
    assert p.returncode == 2
    assert_one_line_error(p.stderr, "no-such-scenario")
    p = gradsim_subprocess("run", TINY, "--trace", "x.parquet")
    assert p.returncode == 2
    assert_one_line_error(p.stderr, "--trace")


def test_unexpected_exception_is_one_line_exit_1_unless_debugging(monkeypatch):
    from gradsim import replay

    def boom(*a, **k):
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(replay, "run", boom)
    r = invoke("run", TINY)
    assert r.exit_code == 1
    assert_one_line_error(r.stderr, "unexpected RuntimeError: something broke", "GRADSIM_DEBUG=1")
    monkeypatch.setenv("GRADSIM_DEBUG", "1")
    r = invoke("run", TINY)
    assert r.exit_code == 1 and isinstance(r.exception, RuntimeError)


# ------------------------------------------------------------------------------ subprocess: run, files
def test_subprocess_run_writes_files(tmp_path):
    p = gradsim_subprocess("run", TINY, "-n", "3", "--trace", tmp_path / "t.jsonl", "--npz", tmp_path / "t.npz")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("tiny: ran 3 iterations")
    assert "[" not in p.stdout.splitlines()[0]  # stdout is a pipe: no progress bar
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == 3
    assert np.load(tmp_path / "t.npz")["W[1]"].shape == (4, 2)


def test_subprocess_check_exit_codes(tmp_path):
    assert gradsim_subprocess("check", TINY).returncode == 0
    p = gradsim_subprocess("check", FAILING, "--junit", tmp_path / "j.xml")
    assert p.returncode == 1
    assert_one_line_error(p.stderr, "1 expectation failed")
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "1"


# ------------------------------------------------------------------------------------ tui and serve
@pytest.fixture
def fake_app(monkeypatch):
    opened = []

    class GradsimApp:
        def __init__(self, scenario):
            self.scenario = scenario

        def run(self):
            opened.append(self.scenario)

    module = types.ModuleType("gradsim.tui.app")
    module.GradsimApp = GradsimApp
    monkeypatch.setitem(sys.modules, "gradsim.tui.app", module)
    return opened


def test_no_command_opens_the_app_on_the_default_scenario(fake_app):
    from gradsim.scenario import DEFAULT_SCENARIO

    if DEFAULT_SCENARIO not in BUNDLED:
        pytest.skip(f"the default scenario {DEFAULT_SCENARIO!r} is not bundled yet")
    r = invoke()
    assert r.exit_code == 0, r.output
    assert [s.name for s in fake_app] == [DEFAULT_SCENARIO]
    r = invoke("tui")
    assert r.exit_code == 0 and [s.name for s in fake_app] == [DEFAULT_SCENARIO] * 2


def test_tui_opens_a_given_scenario(fake_app):
    r = invoke("tui", TINY)
    assert r.exit_code == 0, r.output
    assert len(fake_app) == 1 and fake_app[0].name == "tiny" and fake_app[0].source == Path(TINY)


def test_tui_exit_code_follows_the_app(monkeypatch, fake_app):
    app_module = sys.modules["gradsim.tui.app"]
    monkeypatch.setattr(app_module.GradsimApp, "return_code", 1, raising=False)
    r = invoke("tui", TINY)
    assert r.exit_code == 1 and len(fake_app) == 1


def test_tui_bad_scenario_does_not_open_the_app(fake_app):
    r = invoke("tui", BROKEN)
    assert r.exit_code == 2 and fake_app == []


def test_serve_runs_textual_serve_with_the_tui_command(monkeypatch):
    served = []

    class Server:
        def __init__(self, command, host="localhost", port=8000, title=None, **kw):
            served.append((command, host, port))

        def serve(self, debug=False):
            served.append("served")

    module = types.ModuleType("textual_serve.server")
    module.Server = Server
    monkeypatch.setitem(sys.modules, "textual_serve.server", module)
    r = invoke("serve", TINY, "--port", "8123", "--host", "0.0.0.0")
    assert r.exit_code == 0, r.output
    (command, host, port), done = served
    assert done == "served" and (host, port) == ("0.0.0.0", 8123)
    assert command.endswith(f"-m gradsim tui {Path(TINY).resolve()}")
    assert invoke("serve", TINY, "--port", "0").exit_code == 2


# -------------------------------------------------------------------------------------- completion
def test_completion_script_and_scenario_names():
    r = invoke("completion", "bash")
    assert r.exit_code == 0 and "_GRADSIM_COMPLETE" in r.stdout
    from click.shell_completion import ShellComplete

    comp = ShellComplete(gradsim, {}, "gradsim", "_GRADSIM_COMPLETE")
    commands = [c.value for c in comp.get_completions([], "s")]
    assert {"show", "step", "serve"} <= set(commands)
    if BUNDLED:
        prefix = BUNDLED[0][:3]
        names = [c.value for c in comp.get_completions(["show"], prefix)]
        assert BUNDLED[0] in names
    files = comp.get_completions(["run"], "tests/da")
    assert [c.type for c in files] == ["file"]


def test_main_entry_point_exits_with_the_code(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["gradsim", "list"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 0
    assert capsys.readouterr().out.count("\n") == len(list_bundled())


def test_readme_lists_every_bundled_scenario_as_gradsim_list_does():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    r = invoke("list")
    for line in r.stdout.splitlines():
        name, summary = line.split("  ", 1)
        assert f"| `{name}` | {summary} |" in readme, name


# ------------------------------------------------------------------------------------- --ignore-stop
def _stopping(tmp_path: Path) -> Path:
    """tiny.toml with a stop condition it meets early, and an expectation past that point."""
    text = Path(TINY).read_text(encoding="utf-8").replace("iterations = 5", "iterations = 200\nstop_below = 0.6")
    text += '\n[[expect]]\nat = { iteration = 150, phase = "update" }\nvalue = "iteration"\nop = "=="\nrhs = 150\n'
    path = tmp_path / "stopping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_run_ignore_stop_runs_every_iteration(tmp_path):
    path = _stopping(tmp_path)
    stopped = invoke("run", path)
    assert stopped.exit_code == 0 and "J fell below 0.6" in stopped.stdout.splitlines()[0], stopped.output
    r = invoke("run", path, "--ignore-stop")
    assert r.exit_code == 0, r.output
    sim = build_simulation(load_scenario(path))
    assert sim.run(200) == "iterations"  # no stop conditions: the plain engine, independently
    out = r.stdout.splitlines()
    assert out[0] == "stopping: ran 200 iterations"
    assert out[1].startswith(f"J = {sim.J:.6g}")


def test_check_ignore_stop_reaches_points_past_the_stop_condition(tmp_path):
    path = _stopping(tmp_path)
    stopped = invoke("check", path)
    assert stopped.exit_code == 1 and "not reached: the run stopped" in stopped.stdout
    r = invoke("check", path, "--ignore-stop")
    assert r.exit_code == 0, r.output
    assert "1 scenario, 3 expectations: 3 passed, 0 failed" in r.stdout
