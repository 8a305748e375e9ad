"""Claims over layers: an [[expect]] with ``layers = [first, last]`` is checked once per l, all must pass, and
the worst layer is reported; ``l`` is refused anywhere else."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.checks import run_expectations
from gradsim.cli import gradsim
from gradsim.errors import ScenarioError
from gradsim.scenario import build_simulation, load_scenario, loads_scenario

DEEP = """
seed = 3
loss = "l2"
[network]
layers = [{{ n = 5, activation = "tanh", repeat = 6 }}, {{ n = 1, activation = "linear" }}]
[data]
kind = "teacher"
m = 20
[optimizer]
name = "gd"
learning_rate = 0.1
[run]
iterations = 2
{expect}
"""
AT = '{ iteration = 1, phase = "backward", layer = 1 }'


def claim(value, op, rhs, layers='"1..L-1"', extra=""):
    return DEEP.format(expect=f"[[expect]]\nat = {AT}\nlayers = {layers}\nvalue = \"{value}\"\nop = \"{op}\"\n"
                              f"rhs = {rhs}\n{extra}")


def norms_after_backward(sc, name, layers):
    """‖name[l]‖ at iteration 1 after backward l=1, from the simulation's arrays with NumPy's own norm."""
    sim = build_simulation(sc)
    sim.run_to(1, sim.P - 1)
    return {l: float(np.linalg.norm(sim.arrays[f"{name}[{l}]"])) for l in layers}


def test_a_claim_over_layers_fails_at_exactly_the_layers_numpy_says_and_names_the_worst():
    layers = range(1, 7)
    probe = loads_scenario(claim("norm(A[l])", "<", 0.0, layers="[1, 6]"))
    norms = norms_after_backward(probe, "A", layers)
    bound = float(np.median(list(norms.values())))
    sc = loads_scenario(claim("norm(A[l])", "<", bound, layers="[1, 6]"))
    (r,) = run_expectations(sc)
    failing = [l for l in layers if norms[l] >= bound]
    worst = max(norms, key=norms.get)
    assert failing and len(failing) < 6  # the median splits the layers
    assert not r.passed
    assert f"fails at l = {', '.join(map(str, failing))} ({len(failing)} of 1..6)" in r.got
    assert f"worst at l = {worst}: {norms[worst]:.10g}" in r.got
    assert r.name == "norm(A[l]) for l = 1..6"


def test_a_claim_that_holds_at_every_layer_passes_and_reports_the_closest_call():
    layers = range(1, 7)
    norms = norms_after_backward(loads_scenario(claim("norm(dZ[l])", ">", 0.0, layers="[1, 6]")), "dZ", layers)
    bound = min(norms.values()) * 0.5
    (r,) = run_expectations(loads_scenario(claim("norm(dZ[l])", ">", bound, layers="[1, 6]")))
    weakest = min(norms, key=norms.get)  # the smallest margin above the bound
    assert r.passed, r.line()
    assert r.got.startswith(f"every l = 1..6; worst at l = {weakest}: ")


def test_l_is_a_number_too_and_the_rhs_may_use_it():
    # ‖dZ[l]‖ / ‖dZ[10]‖ = 1.5^(10-l) in exploding-linear, at every l
    sc = load_scenario("exploding-linear")
    text = sc.source.read_text().replace("[compare]", f"""[[expect]]
at = {AT}
layers = [1, 10]
value = "norm(dZ[l]) / norm(dZ[L])"
op = "=="
rhs = "1.5**(L-l)"
rtol = 1e-14

[compare]""")
    r = run_expectations(loads_scenario(text, sc.source))[-1]
    assert r.passed, r.line()
    assert r.name.endswith("for l = 1..10")


@pytest.mark.parametrize("name, factor", [("exploding-linear", "1.5"), ("vanishing-linear", "0.5")])
def test_the_linear_scenarios_claim_their_factor_at_every_layer(name, factor):
    results = run_expectations(load_scenario(name))
    per_layer = [r for r in results if " for l = " in r.name]
    assert [r.name for r in per_layer] == ["norm(dZ[l]) / norm(dZ[l+1]) for l = 1..9", "dA[l] / dA[l+1] for l = 0..9"]
    assert all(r.passed for r in results), [r.line() for r in results]
    assert all(r.expected.startswith(f"== {factor}") for r in per_layer)


def test_the_per_layer_claim_fails_at_every_layer_when_the_factor_changes():
    res = CliRunner().invoke(gradsim, ["check", "exploding-linear", "--set", "init.scale=1.4"])
    assert res.exit_code == 1
    lines = [line for line in res.output.splitlines() if "for l = 1..9" in line]
    assert len(lines) == 1 and lines[0].startswith("FAIL")
    assert "got fails at every l = 1..9; worst at l = " in lines[0]
    got = float(lines[0].split(": ")[-1].split(" (")[0])
    assert got == pytest.approx(1.4, rel=1e-12)  # W[l] = 1.4·I: the factor found is the new one


@pytest.mark.parametrize("body, field, fragment", [
    ('value = "norm(dZ[l])"\nop = ">"\nrhs = 0', "expect[0].value, column 9",
     "l, the layer of a claim over layers, which only an [[expect]] with layers = [first, last] may use"),
    ('layers = [0, 8]\nvalue = "norm(A[l])"\nop = ">"\nrhs = 0', "expect[0].layers", "0 ≤ first ≤ last ≤ L = 7"),
    ('layers = [3, 2]\nvalue = "norm(A[l])"\nop = ">"\nrhs = 0', "expect[0].layers", "got 3..2"),
    ('layers = "1..L"\nvalue = "norm(dZ[l+1])"\nop = ">"\nrhs = 0', "expect[0].value, column 6",
     "a layer index from 1 to L = 7 for dZ; got dZ[8] (with l = 7)"),
    ('layers = "1 to L"\nvalue = "norm(A[l])"\nop = ">"\nrhs = 0', "expect[0].layers", "\"1..L-1\""),
    ('layers = [1, 2, 3]\nvalue = "norm(A[l])"\nop = ">"\nrhs = 0', "expect[0].layers", "layers = [first, last]"),
    ('layers = [1, 3]\nvalue = "norm(A[1])"\nop = ">"\nrhs = 0', "expect[0].value", "an expression that uses l"),
    ('layers = [1, 3]\nvalue = "norm(A[l])"\nop = ">"\nrhs = "l("', "expect[0].rhs, column 2", "not a function"),
])
def test_bad_claims_over_layers_are_one_line_naming_the_field(body, field, fragment):
    with pytest.raises(ScenarioError) as err:
        loads_scenario(DEEP.format(expect=f"[[expect]]\nat = {AT}\n{body}\n"))
    message = str(err.value)
    assert field in message and fragment in message, message
    assert "\n" not in message


def test_a_claim_over_layers_is_checked_against_the_point_for_every_l():
    # at backward l=3, dZ[2] is not computed yet: l = 2 is refused, naming the phase that computes it
    text = DEEP.format(expect='[[expect]]\nat = { iteration = 1, phase = "backward", layer = 3 }\nlayers = [2, 7]\n'
                              'value = "norm(dZ[l])"\nop = ">"\nrhs = 0\n')
    with pytest.raises(ScenarioError, match=r"got dZ\[2\] \(with l = 2\), which backward l=2 computes"):
        loads_scenario(text)


def test_l_outside_a_claim_over_layers_is_bad_input_on_the_command_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(DEEP.format(expect='[[expect]]\nvalue = "A[l]"\nop = "is_finite"\n'))
    res = CliRunner().invoke(gradsim, ["check", str(path)])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "bad.toml" in res.stderr and "expect[0].value" in res.stderr
    assert "Traceback" not in res.output + res.stderr
    res = CliRunner().invoke(gradsim, ["sweep", "exploding-linear", "--grid", "init.scale=1,2", "--value", "l"])
    assert res.exit_code == 2 and "Traceback" not in res.output + res.stderr
