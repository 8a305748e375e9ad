"""Trace columns of the fixes (gradsim run --trace): alpha = α(t) with a schedule, norm_g and
norm_g_transformed = ‖g‖ before and after the [[transform]] tables with transforms, against closed forms and
independent NumPy over the stepped simulation's gradients; the same names in [[expect]]; absent otherwise."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.scenario import build_simulation, load_scenario


def trace(tmp_path, name, n, suffix=".jsonl", *extra):
    out = tmp_path / f"t{suffix}"
    r = CliRunner().invoke(gradsim, ["run", name, "-n", str(n), "--trace", str(out), "-q", *extra])
    assert r.exit_code == 0, r.output
    if suffix == ".csv":
        with out.open() as f:
            return [{k: float(v) if k not in ("nonfinite", "blowup", "halted") else v for k, v in row.items()}
                    for row in csv.DictReader(f)]
    return [json.loads(line) for line in out.read_text().splitlines()]


def own_norms(name, n, lam=None):
    """‖g‖ of backprop's dW[l], db[l] per iteration, and of the gradients after weight decay (λ/m·W[l] added)."""
    sim = build_simulation(load_scenario(name))
    out = []
    for _ in range(n):
        sim.step_iteration()
        a = sim.arrays
        dW = [a[f"dW[{l}]"] for l in range(1, sim.L + 1)]
        db = [a[f"db[{l}]"] for l in range(1, sim.L + 1)]
        before = np.sqrt(sum((g * g).sum() for g in dW + db))
        after = None
        if lam is not None:
            m = a["X"].shape[1]
            dWd = [g + lam / m * a[f"W[{l}]"] for l, g in enumerate(dW, 1)]
            after = np.sqrt(sum((g * g).sum() for g in dWd + db))
        out.append((before, after))
    return out


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_warmup_alpha_column_is_the_closed_form(tmp_path, suffix):
    rows = trace(tmp_path, "warmup-adam", 5, suffix)
    assert [r["alpha"] for r in rows] == pytest.approx([3.0 * t / 200 for t in range(1, 6)], rel=1e-15)
    assert "norm_g" not in rows[0]  # no transforms


def test_step_schedule_alpha_at_its_boundaries(tmp_path):
    rows = trace(tmp_path, "warmup-adam", 7, ".jsonl", "--set", 'optimizer.schedule={name = "step", gamma = 0.5, '
                 'step_size = 3}')
    assert [r["alpha"] for r in rows] == [3.0, 3.0, 3.0, 1.5, 1.5, 1.5, 0.75]


def test_clip_norm_columns(tmp_path):
    rows = trace(tmp_path, "diverging-clipped", 6)
    own = own_norms("diverging-clipped", 6)
    for row, (before, _) in zip(rows, own):
        assert row["norm_g"] == pytest.approx(before, rel=1e-12)
        assert row["norm_g_transformed"] == pytest.approx(min(before, 0.5), rel=1e-12)
    assert rows[0]["norm_g"] > 0.5 and "alpha" not in rows[0]


def test_weight_decay_columns(tmp_path):
    rows = trace(tmp_path, "weight-decay-overfit", 3)
    for row, (before, after) in zip(rows, own_norms("weight-decay-overfit", 3, lam=3.0)):
        assert row["norm_g"] == pytest.approx(before, rel=1e-12)
        assert row["norm_g_transformed"] == pytest.approx(after, rel=1e-12)
        assert after != pytest.approx(before, rel=1e-6)


def test_a_plain_scenario_has_none_of_them(tmp_path):
    row = trace(tmp_path, "three-layer-cache", 1)[0]
    assert not {"alpha", "norm_g", "norm_g_transformed"} & set(row)


def test_the_names_in_expect(tmp_path):
    f = tmp_path / "e.toml"
    text = load_scenario("diverging-clipped").source.read_text()
    f.write_text(text + '''
[[expect]]
name = "the clip brings the norm to c"
at = { iteration = 1 }
value = "norm_g_transformed"
op = "=="
rtol = 1e-12
rhs = 0.5

[[expect]]
name = "the first norm is above c"
at = { iteration = 1 }
value = "norm_g"
op = ">"
rhs = "norm_g_transformed"

[[expect]]
name = "alpha without a schedule is the base rate"
at = { iteration = 3 }
value = "alpha"
op = "=="
rhs = 0.5
''')
    r = CliRunner().invoke(gradsim, ["check", str(f)])
    assert r.exit_code == 0, r.output
    bad = tmp_path / "b.toml"
    bad.write_text(text + '[[expect]]\nname = "too early"\nat = { iteration = 1, phase = "loss" }\n'
                   'value = "norm_g"\nop = ">"\nrhs = 0\n')
    r = CliRunner().invoke(gradsim, ["check", str(bad)])
    assert r.exit_code == 2 and "norm_g" in r.stderr and "backward" in r.stderr, r.output
