"""docs/cli.md: the compare and sweep examples print what the commands print."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradsim.cli import gradsim

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def console_examples(*commands: str) -> list[tuple[str, str]]:
    """(command line, output) of every ```console block of docs/cli.md that runs one of ``commands``."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S):
        first, _, rest = block.partition("\n")
        if any(first.startswith(f"$ gradsim {c} ") for c in commands) and "\n$ " not in rest:
            out.append((first[2:], rest))
    return out


EXAMPLES = console_examples("compare", "sweep")


def test_the_examples_are_there():
    assert {line.split()[1] for line, _ in EXAMPLES} == {"compare", "sweep"}


@pytest.mark.parametrize("line, output", EXAMPLES, ids=[line.split()[1] for line, _ in EXAMPLES])
def test_docs_example_prints_what_the_command_prints(line, output, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(gradsim, shlex.split(line)[1:])
    assert r.exit_code == 0, r.output
    assert r.output == output
    if "--out" in line:
        assert (tmp_path / shlex.split(line)[-1]).is_file()
