"""gradsim compare (gradsim/compare.py): two runs in lockstep, per-layer ratios, J at chosen iterations."""

from __future__ import annotations

import json
import re
import math

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.compare import compare_scenarios, default_at
from gradsim.scenario import build_simulation, load_scenario
from gradsim.scenario.overrides import apply_assignments


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


def compare_json(*args) -> dict:
    r = invoke("compare", *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_he_against_xavier_on_relu_loses_a_factor_sqrt2_per_layer():
    out = compare_json("init-he-relu", "init-xavier-relu", "-n", 2)
    ratios = [entry["norm(A[l])"]["ratio"] for entry in out["layers"]]
    assert len(ratios) == 11
    # He keeps the variance (Var(W) = 2/n), Xavier halves it per ReLU layer: ‖A[l]‖ falls by √2 per layer
    per_layer = [ratios[0]] + [ratios[l] / ratios[l - 1] for l in range(1, 10)]
    np.testing.assert_allclose(per_layer, 1 / math.sqrt(2), rtol=1e-6)
    # and the numbers are the runs' own, from NumPy directly
    for name, side in (("init-he-relu", "a"), ("init-xavier-relu", "b")):
        sim = build_simulation(load_scenario(name))
        sim.run(1)
        for entry in out["layers"]:
            l = entry["l"]
            for kind in ("A", "dZ", "dW"):
                want = float(np.sqrt(np.sum(sim.arrays[f"{kind}[{l}]"] ** 2)))
                assert entry[f"norm({kind}[l])"][side] == pytest.approx(want, rel=1e-12)


def test_j_at_the_chosen_iterations_equals_single_runs():
    out = compare_json("three-layer-cache", "--set-b", "optimizer.learning_rate=0.5", "-n", 30, "--at", 1,
                       "--at", 7, "--at", 30)
    assert [m["iteration"] for m in out["metrics"]] == [1, 7, 30]
    for side, sets in (("a", []), ("b", ["optimizer.learning_rate=0.5"])):
        sim = build_simulation(apply_assignments(load_scenario("three-layer-cache"), sets))
        sim.run(30, stop_on_blowup=False)
        assert [m[side]["J"] for m in out["metrics"]] == [sim.J_history[t - 1] for t in (1, 7, 30)]
    ja, jb = out["metrics"][-1]["a"]["J"], out["metrics"][-1]["b"]["J"]
    low = "B" if jb < ja else "A"
    assert out["verdict"].startswith(f"verdict: {low} (")


def test_set_b_equals_a_second_file_and_a_copy_compares_equal(tmp_path):
    text = load_scenario("init-he-relu").source.read_text(encoding="utf-8")
    (tmp_path / "xav.toml").write_text(text.replace('weights = "he"', 'weights = "xavier"'), encoding="utf-8")
    via_set = compare_json("init-he-relu", "--set-b", "init.weights=xavier", "-n", 1)
    via_file = compare_json("init-he-relu", tmp_path / "xav.toml", "-n", 1)
    assert via_set["layers"] == via_file["layers"] and via_set["metrics"] == via_file["metrics"]
    same = compare_json("init-he-relu", "init-he-relu", "-n", 3)
    assert all(e[k]["ratio"] == 1.0 for e in same["layers"] for k in ("norm(A[l])", "norm(dW[l])"))
    assert "the same J = " in same["verdict"]


def test_text_output_table_and_verdict():
    r = invoke("compare", "init-he-relu", "init-xavier-relu", "-n", 1)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[:2] == ["A: init-he-relu", "B: init-xavier-relu"]
    row1 = next(line for line in lines if line.startswith("1 "))
    assert "0.7071" in row1 and "0.5" in next(line for line in lines if line.startswith("2 "))
    assert lines[-1].startswith("verdict: ") and "‖dW[1]‖/‖dW[L]‖ at iteration 1: A " in lines[-1]


def test_a_blow_up_is_a_result_named_in_the_verdict():
    out = compare_json("diverging-learning-rate", "--set-b", "optimizer.learning_rate=0.01", "-n", 40)
    assert out["a"]["blowup"] and out["b"]["blowup"] is None
    assert "A blew up (" in out["verdict"] and "only B (" in out["verdict"]
    assert out["metrics"][-1]["a"] is None or out["metrics"][-1]["a"]["J"] is None


def test_different_depths_compare_where_both_have_the_layer():
    result = compare_scenarios(apply_assignments(load_scenario("three-layer-cache"), []),
                               apply_assignments(load_scenario("exploding-linear"), []), 1)
    assert result.a.L == 3 and result.b.L == 10
    rows = result.to_json()["layers"]
    assert len(rows) == 10 and rows[5]["norm(A[l])"]["a"] is None and rows[5]["norm(A[l])"]["ratio"] is None


@pytest.mark.parametrize("args, message", [
    (["init-he-relu", "--set-b", "init.weights=hee"], "(--set-b init.weights=hee): init.weights: expected"),
    (["init-he-relu", "init-xavier-relu", "--set", "optimizer.lr=1"], "(--set optimizer.lr=1): optimizer.lr"),
    (["init-he-relu", "init-xavier-relu", "-n", 3, "--at", 4], "iteration 4 is after the last one (N = 3)"),
    (["init-he-rel", "init-xavier-relu"], "did you mean 'init-he-relu'?"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    r = invoke("compare", *args)
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output


def test_default_iterations():
    assert default_at(1) == (1,) and default_at(400) == (1, 10, 100, 400) and default_at(100) == (1, 10, 100)


# ------------------------------------------------------------------------------ the [compare] table
from gradsim.scenario import BUNDLED_DIR, list_bundled, loads_scenario  # noqa: E402
from gradsim.errors import ScenarioError  # noqa: E402

TINY = (BUNDLED_DIR.parent / "tests" / "data" / "cli" / "tiny.toml")
BUNDLED_COMPARING = [name for name, _ in list_bundled() if load_scenario(name).compare is not None]


def test_bundled_comparisons_say_so_and_run():
    assert {"init-he-relu", "init-xavier-relu", "saturation-unnormalised", "batch-gd", "symmetry-equal-weights",
            "diverging-learning-rate", "relu-dead-bias"} <= set(BUNDLED_COMPARING)
    for name in BUNDLED_COMPARING:
        spec = load_scenario(name).compare
        assert spec.why, name
        out = compare_json(name, "-n", 2)
        assert out["a"]["label"] == name
        if spec.other is not None:
            assert out["b"]["label"] == spec.other  # a bundled name
        r = invoke("show", name)
        assert f"(gradsim compare {name})" in r.output.splitlines()[-1]


def test_compare_with_no_b_runs_the_named_one():
    named = compare_json("init-he-relu", "-n", 2)
    explicit = compare_json("init-he-relu", "init-xavier-relu", "-n", 2)
    assert named == explicit
    itself = compare_json("diverging-learning-rate", "-n", 20)
    by_hand = compare_json("diverging-learning-rate", "--set-b", "optimizer.learning_rate=0.05", "-n", 20)
    assert itself["metrics"] == by_hand["metrics"] and itself["b"]["blowup"] is None
    assert invoke("show", "init-he-relu", "--json").exit_code == 0
    shown = json.loads(invoke("show", "init-he-relu", "--json").output)["compare"]
    assert shown["with"] == "init-xavier-relu" and "halves" in shown["why"]


def test_a_compare_table_beside_its_file(tmp_path):
    text = TINY.read_text(encoding="utf-8")
    (tmp_path / "other.toml").write_text(text.replace("seed = 0", "seed = 1"), encoding="utf-8")
    (tmp_path / "a.toml").write_text(text + '\n[compare]\nwith = "other.toml"\nwhy = "another draw"\n', encoding="utf-8")
    sc = load_scenario(tmp_path / "a.toml")
    assert sc.compare.other == str((tmp_path / "other.toml").resolve())
    assert compare_json(tmp_path / "a.toml", "-n", 3) == compare_json(tmp_path / "a.toml", tmp_path / "other.toml", "-n", 3)


@pytest.mark.parametrize("table, message", [
    ('with = "init-he-rellu"', "compare.with: expected a bundled scenario name or a .toml file; got 'init-he-rellu' "
                               "(did you mean 'init-he-relu'?)"),
    ('with = "missing.toml"', "compare.with: expected an existing scenario file (relative to this one)"),
    ('why = "x"', "compare: expected 'with' (the other scenario) or 'set' (overrides that make it); got neither"),
    ('set = 3', "compare.set: expected a table of field paths"),
    ('set = { "a..b" = 1 }', "compare.set: expected field paths such as optimizer.learning_rate as keys"),
    ('wiht = "init-he-relu"', "compare.wiht: expected one of the keys with, set, why; got unknown key 'wiht' "
                              "(did you mean 'with'?)"),
])
def test_bad_compare_tables(table, message, tmp_path):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        loads_scenario(TINY.read_text(encoding="utf-8") + f"\n[compare]\n{table}\n", source=tmp_path / "x.toml")


def test_without_b_or_a_compare_table_is_bad_input():
    r = invoke("compare", TINY)
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert "compare needs a second scenario B, or --set-b PATH=VALUE to make B from A (tiny has no [compare]" in r.output


def test_the_flow_ratios_of_deep_tanh_plain_are_its_norms_and_the_dz_one_shows_the_vanishing():
    """The reported "‖dW[1]‖/‖dW[L]‖ … A 0.2959 although ‖dW[1]‖ is ~2e-10": the ratio is right, since
    dW[L] = dZ[L]·A[L−1]ᵀ is ~8e-10 too (A[L−1] has vanished in the forward pass); ‖dZ[1]‖/‖dZ[L]‖ shows
    the vanishing gradient (~5e-10), and batch norm's twin keeps both near 1."""
    from gradsim.display import fmt

    r = CliRunner().invoke(gradsim, ["compare", "deep-tanh-plain", "-n", "1"])
    assert r.exit_code == 0, r.output
    verdict = r.stdout.strip().splitlines()[-1]
    found = re.search(r"‖dW\[1\]‖/‖dW\[L\]‖ at iteration 1: A (\S+), B (\S+); ‖dZ\[1\]‖/‖dZ\[L\]‖: A (\S+), B (\S+)$",
                      verdict)
    assert found, verdict
    sim = build_simulation(load_scenario("deep-tanh-plain"))
    sim.run(1)
    a, L = sim.arrays, sim.L
    n = np.linalg.norm
    np.testing.assert_allclose(a[f"dW[{L}]"], a[f"dZ[{L}]"] @ a[f"A[{L - 1}]"].T, rtol=1e-15)
    assert n(a["dW[1]"]) < 1e-9 and n(a[f"dW[{L}]"]) < 1e-8 and n(a[f"A[{L - 1}]"]) < 1e-6
    assert found[1] == fmt(float(n(a["dW[1]"]) / n(a[f"dW[{L}]"])))
    dz = float(n(a["dZ[1]"]) / n(a[f"dZ[{L}]"]))
    assert found[3] == fmt(dz) and dz < 1e-8
    assert 0.1 < float(found[4]) < 100  # the batch-norm twin: the gradient reaches layer 1
