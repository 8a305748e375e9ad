"""gradsim export on the command line: what it writes and says, --set before the export, exit 2 on bad input."""

from __future__ import annotations

import numpy as np

from gradsim.scenario import load_scenario, with_overrides
from test_cli import assert_one_line_error, gradsim_subprocess, invoke
from test_import_hygiene import CLI_RUN, run_python

from export_helpers import assert_same, gradsim_run, run_script


def test_export_writes_both_scripts_and_says_where(tmp_path):
    r = invoke("export", "three-layer-cache", "--numpy", tmp_path / "tlc.py", "--torch", tmp_path / "tlc_torch.py",
               "-n", "30")
    assert r.exit_code == 0, r.output
    for name in ("tlc.py", "tlc.npz", "tlc_torch.py", "tlc_torch.npz"):
        assert (tmp_path / name).is_file(), name
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"numpy: {tmp_path / 'tlc.py'} (data: {tmp_path / 'tlc.npz'})")
    assert str(tmp_path / "tlc-final.npz") in lines[0] and lines[1].startswith("torch: ")
    p = run_script(tmp_path / "tlc.py")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].startswith("iteration      1   J = ")
    with np.load(tmp_path / "tlc-final.npz") as z:
        assert_same({k: z[k] for k in z.files}, gradsim_run(load_scenario("three-layer-cache"), 30), 1e-12)


def test_set_applies_before_the_export(tmp_path):
    r = invoke("export", "three-layer-cache", "--numpy", tmp_path / "s.py", "-n", "5",
               "--set", "optimizer.learning_rate=0.5", "--set", "network.layers[0].activation=tanh")
    assert r.exit_code == 0, r.output
    text = (tmp_path / "s.py").read_text()
    assert "alpha = 0.5  # the learning rate α" in text and "A[1] = tanh(Z[1])" in text
    assert run_script(tmp_path / "s.py").returncode == 0
    sc = with_overrides(load_scenario("three-layer-cache"),
                        [("optimizer.learning_rate", 0.5), ("network.layers[0].activation", "tanh")])
    with np.load(tmp_path / "s-final.npz") as z:
        assert_same({k: z[k] for k in z.files}, gradsim_run(sc, 5), 1e-12)


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    cases = [
        ((), ("--numpy FILE.py", "--torch FILE.py")),
        (("--numpy", tmp_path / "x.txt"), ("--numpy", "must end in .py")),
        (("--numpy", tmp_path / "no-dir" / "x.py"), ("does not exist",)),
        (("--numpy", tmp_path / "a.py", "--torch", tmp_path / "a.py"), ("--torch", "--numpy file too")),
        (("--numpy", tmp_path / "a.py", "--set", "optimizer.learning_rate=-1"), ("optimizer.learning_rate", "> 0")),
        (("--numpy", tmp_path / "a.py", "--set", "learning_rate"), ("--set", "PATH=VALUE")),
    ]
    for args, words in cases:
        p = gradsim_subprocess("export", "three-layer-cache", *map(str, args))
        assert p.returncode == 2, (args, p.stderr)
        assert_one_line_error(p.stderr, *words)
    assert not (tmp_path / "a.py").exists()


def test_export_does_not_import_textual(tmp_path):
    p = run_python(CLI_RUN.format(args=["export", "tests/data/cli/tiny.toml", "--numpy", str(tmp_path / "t.py")]))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "LEAKED []" in p.stderr


def test_docs_show_the_exported_three_layer_cache_script_in_full(tmp_path):
    from pathlib import Path

    r = invoke("export", "three-layer-cache", "--numpy", tmp_path / "three-layer-cache.py")
    assert r.exit_code == 0, r.output
    script = (tmp_path / "three-layer-cache.py").read_text(encoding="utf-8")
    doc = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "```python\n" + script + "```" in doc
