"""Outputs (issue 17): written whole or not at all, never over an input, never interleaved, the JUnit report
before the table; names from files escaped in the terminal and in XML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsim import replay
from gradsim.cli import gradsim
from gradsim.outputs import atomic_open, clashing_input
from gradsim.scenario import build_simulation, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "cli" / "tiny.toml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def invoke(*args):
    return CliRunner().invoke(gradsim, [str(a) for a in args])


def test_atomic_open_replaces_whole_or_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary file left behind
    with atomic_open(target) as f:
        f.write("new\n")
        assert target.read_text() == "old\n"  # not visible until complete
    assert target.read_text() == "new\n"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # an ordinary file, not mkstemp's 0600


def test_an_oserror_names_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / "no-such-dir" / "t.jsonl"
    with pytest.raises(OSError) as info:
        with atomic_open(target) as f:
            f.write("x")
    assert info.value.filename == str(target)


def test_interrupted_run_keeps_the_previous_trace(tmp_path, monkeypatch):
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"previous": true}\n')
    sim = build_simulation(load_scenario(TINY))
    calls = []

    def on_iteration(s):
        calls.append(s.iteration)
        if len(calls) == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        replay.run(sim, 5, trace=trace, on_iteration=on_iteration)
    assert trace.read_text() == '{"previous": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["t.jsonl"]


def _csv_scenario(tmp_path: Path) -> Path:
    (tmp_path / "table.csv").write_text("x,y\n1,2\n2,4\n3,6\n")
    scenario = tmp_path / "s.toml"
    scenario.write_text('loss = "l2"\n[network]\nlayers = [{ n = 1, activation = "linear" }]\n'
                        '[data]\nkind = "csv"\npath = "table.csv"\ntargets = ["y"]\n')
    return scenario


@pytest.mark.parametrize("how", ["data file", "data file by symlink", "npz over trace"])
def test_an_output_may_not_overwrite_an_input(tmp_path, how):
    scenario = _csv_scenario(tmp_path)
    before = (tmp_path / "table.csv").read_text()
    if how == "data file":
        r = invoke("run", scenario, "-n", "1", "--trace", tmp_path / "table.csv")
    elif how == "data file by symlink":
        (tmp_path / "sub").mkdir()
        os.symlink(tmp_path / "table.csv", tmp_path / "link.csv")
        r = invoke("run", scenario, "-n", "1", "--trace", tmp_path / "sub" / ".." / "link.csv")
    else:
        os.symlink(tmp_path / "t.csv", tmp_path / "t.npz")  # --npz names --trace's file through a link
        r = invoke("run", scenario, "-n", "1", "--trace", tmp_path / "t.csv", "--npz", tmp_path / "t.npz")
    assert r.exit_code == 2, r.output
    assert "an input of this run; choose another file" in r.output and r.output.count("\n") == 1
    assert (tmp_path / "table.csv").read_text() == before


def test_junit_may_not_overwrite_a_checked_scenario(tmp_path):
    sc = tmp_path / "x.xml"  # a scenario file given by path may have any suffix
    sc.write_text(TINY.read_text())
    before = sc.read_text()
    r = invoke("check", sc, "--junit", sc)
    assert r.exit_code == 2 and "'--junit'" in r.output and "an input of this run" in r.output
    assert sc.read_text() == before
    assert clashing_input(tmp_path / "y.xml", [sc]) is None


def test_concurrent_traces_do_not_interleave(tmp_path):
    """Two runs on one trace path: the file holds one run's rows, whole, and both exit 0."""
    trace = tmp_path / "t.jsonl"
    cmd = [sys.executable, "-m", "gradsim", "run", str(DATA / "cli" / "mini.toml"), "-n", "300", "-q",
           "--trace", str(trace)]
    procs = [subprocess.Popen(cmd + ["--seed", str(s)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for s in (1, 2)]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0], [p.stderr.read() for p in procs]
    rows = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [r["iteration"] for r in rows] == list(range(1, len(rows) + 1))
    assert [p.name for p in tmp_path.iterdir()] == ["t.jsonl"]


def test_junit_survives_a_closed_pipe(tmp_path):
    """`gradsim check --junit r.xml | head -1`: the report is written before the table is printed."""
    for attempt in range(3):
        report = tmp_path / f"r{attempt}.xml"
        shell = (f"{sys.executable} -m gradsim check {DATA / 'cli' / 'tiny.toml'} {DATA / 'cli' / 'mini.toml'} "
                 f"--junit {report} | head -c 1 > /dev/null")
        subprocess.run(shell, shell=True, env=ENV, timeout=120, check=False)
        assert ET.parse(report).getroot().get("tests") not in (None, "0")


def test_names_with_control_and_bidi_characters_are_escaped(tmp_path):
    hostile = "\x1b[2K\x1b[1Aok\x00\x07\u202egnp.exe"
    sc = tmp_path / "evil\x1b[31m.toml"
    sc.write_text("# summary \u202e\u2066 here\n" + TINY.read_text().replace('name = "J is finite"',
                  'name = "' + hostile.replace("\x1b", "\\u001b").replace("\x00", "\\u0000")
                  .replace("\x07", "\\u0007") + '"'))
    report = tmp_path / "r.xml"
    r = invoke("check", sc, "--junit", report)
    assert r.exit_code == 0, r.output
    for ch in "\x1b\x00\x07\u202e":
        assert ch not in r.output
    assert "\\x1b[2K\\x1b[1Aok\\x00\\x07\\u202egnp.exe" in r.output
    root = ET.parse(report).getroot()  # well-formed XML
    names = [c.get("name") for c in root.iter("testcase")]
    assert "\\x1b[2K\\x1b[1Aok\\x00\\x07\\u202egnp.exe" in names
    assert load_scenario(sc).summary == "summary \\u202e\\u2066 here"
    bad = tmp_path / "bad\u202e.toml"
    bad.write_text("loss = 1\n")
    r = invoke("show", bad)
    assert r.exit_code == 2 and "\u202e" not in r.output and "bad\\u202e.toml" in r.output


def test_junit_is_written_before_the_first_line_is_printed(tmp_path, monkeypatch):
    """Deterministic form of the closed pipe: the very first echo raises BrokenPipeError."""
    import click

    report = tmp_path / "r.xml"

    def closed_pipe(*a, **k):
        raise BrokenPipeError
    monkeypatch.setattr(click, "echo", closed_pipe)
    monkeypatch.setattr(sys, "stdout", sys.stdout)  # the group swaps in /dev/null; restore it afterwards
    r = CliRunner().invoke(gradsim, ["check", str(TINY), "--junit", str(report)])
    assert r.exit_code == 1  # the pipe closed
    assert ET.parse(report).getroot().get("tests") == "2"
