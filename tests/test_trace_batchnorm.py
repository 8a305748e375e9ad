"""Trace columns of a net with batch norm: norm(dgamma[l]), norm(dbeta[l]) for each batch-norm layer, after
the per-layer columns and before the flags, the numbers of display.norm (and of the expression language)."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.display import norm
from gradsim.scenario import build_simulation, load_scenario
from gradsim.scenario.expressions import evaluate, parse
from gradsim.trace import FLAGS, batch_norm_layers, trace_columns, trace_metrics, trace_row


def test_the_columns_follow_the_layers_and_precede_the_flags():
    cols = trace_columns(3, ["alpha"], (1, 2))
    i = cols.index("norm(dgamma[1])")
    assert cols[i:i + 4 + len(FLAGS)] == ["norm(dgamma[1])", "norm(dgamma[2])", "norm(dbeta[1])", "norm(dbeta[2])",
                                          *FLAGS]
    assert cols[i - 1] == "fraction_dead[3]" and cols[-1] == "alpha"
    assert not any("gamma" in c for c in trace_columns(3))


def test_a_row_holds_the_norms_of_display_and_of_the_expression_language():
    sim = build_simulation(load_scenario("deep-tanh-batchnorm"))
    sim.run(3)
    layers = batch_norm_layers(sim)
    assert layers and all(sim.bns[l - 1] is not None for l in layers)
    row = trace_row(sim)
    arrays = sim.arrays

    def lookup(name, layer):
        return arrays[name if layer is None else f"{name}[{layer}]"]

    for l in layers:
        for kind in ("dgamma", "dbeta"):
            col = f"norm({kind}[{l}])"
            assert row[col] == norm(arrays[f"{kind}[{l}]"]) == evaluate(parse(col), lookup), col
            assert row[col] > 0
    assert row["norm(dW[1])"] == norm(arrays["dW[1]"])  # the other norms are untouched by the extra arrays


def test_gradsim_run_writes_them_to_jsonl_and_csv(tmp_path):
    for suffix in (".jsonl", ".csv"):
        trace = tmp_path / f"t{suffix}"
        r = CliRunner().invoke(gradsim, ["run", "deep-tanh-batchnorm", "-n", "2", "--trace", str(trace), "-q"])
        assert r.exit_code == 0, r.output
        if suffix == ".jsonl":
            rows = [json.loads(line) for line in trace.read_text().splitlines()]
        else:
            with open(trace, newline="") as f:
                rows = list(csv.DictReader(f))
        sim = build_simulation(load_scenario("deep-tanh-batchnorm"))
        sim.run(2)
        assert float(rows[-1]["norm(dgamma[1])"]) == norm(sim.arrays["dgamma[1]"])
        assert float(rows[-1]["norm(dbeta[2])"]) == norm(sim.arrays["dbeta[2]"])
        assert list(rows[0]) == trace_columns(sim.L, trace_metrics(sim), batch_norm_layers(sim))
    # a net without batch norm has none of them
    r = CliRunner().invoke(gradsim, ["run", "deep-tanh-plain", "-n", "1", "--trace", str(tmp_path / "p.jsonl"), "-q"])
    assert r.exit_code == 0 and "gamma" not in (tmp_path / "p.jsonl").read_text()
