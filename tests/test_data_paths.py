"""The data path policy (issue 17): data files only inside the scenario's folder tree, after symlinks;
GRADSIM_DATA_ROOT and gradsim --data-root widen it; a refusal shows nothing of the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim
from gradsim.errors import ScenarioError
from gradsim.scenario import load_scenario

HEAD = 'loss = "l2"\n[network]\nlayers = [{ n = 1, activation = "linear" }]\n[data]\nkind = "csv"\ntargets = ["y"]\n'
SECRET = "x,y\n4711,9876\n1234,5678\n"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADSIM_DATA_ROOT", raising=False)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.csv").write_text(SECRET)
    (tmp_path / "repo" / "sub").mkdir(parents=True)
    (tmp_path / "repo" / "sub" / "ok.csv").write_text("x,y\n1,2\n2,4\n")
    os.symlink(tmp_path / "outside" / "secret.csv", tmp_path / "repo" / "link.csv")
    os.symlink(tmp_path / "outside", tmp_path / "repo" / "dirlink")
    return tmp_path


def scenario(tree: Path, data_path: str) -> Path:
    p = tree / "repo" / "s.toml"
    p.write_text(HEAD + f"path = {data_path!r}\n".replace("'", '"'))
    return p


@pytest.mark.parametrize("data_path", ["../outside/secret.csv", "link.csv", "dirlink/secret.csv", "/etc/passwd",
                                       "/proc/self/environ", "sub/../../outside/secret.csv", "../outside/none.csv"])
def test_outside_the_tree_is_refused_before_it_is_opened(tree, data_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario(tree, data_path))
    text = str(info.value)
    assert ": data.path: expected a file inside the scenario's folder" in text
    assert "GRADSIM_DATA_ROOT" in text and "4711" not in text and "'y'" not in text
    assert "an existing" not in text  # not even whether it exists is said


def test_inside_the_tree_is_read(tree):
    assert load_scenario(scenario(tree, "sub/ok.csv")).data.m == 2
    assert load_scenario(scenario(tree, "./sub/../sub/ok.csv")).data.m == 2


def test_env_and_option_widen_to_a_named_root(tree, monkeypatch):
    p = scenario(tree, "link.csv")
    monkeypatch.setenv("GRADSIM_DATA_ROOT", str(tree / "outside"))
    assert load_scenario(p).data.m == 2
    monkeypatch.delenv("GRADSIM_DATA_ROOT")
    r = CliRunner().invoke(gradsim, ["show", str(p)])
    assert r.exit_code == 2 and "inside the scenario's folder" in r.output
    r = CliRunner().invoke(gradsim, ["--data-root", str(tree / "outside"), "show", str(p)])
    assert r.exit_code == 0, r.output
    assert "GRADSIM_DATA_ROOT" not in os.environ  # the option lasts one command
    r = CliRunner().invoke(gradsim, ["--data-root", str(tree / "nowhere"), "show", str(p)])
    assert r.exit_code == 2 and "'--data-root'" in r.output
