"""Every CLI command over the whole broken corpus under a memory limit (issue 17): exit 2, one line, no
traceback, never "unexpected", and no command allocates what a file asks for before refusing it.

One subprocess (``resource.setrlimit(RLIMIT_AS)`` applies to a whole process) runs the commands through
click's CliRunner and reports each result as JSON; a timeout bounds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

resource = pytest.importorskip("resource")

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
LIMIT = 1536 * 2**20  # address space: NumPy, click and the engine fit; a 3 GB dry run or a 14 TiB one-hot do not
COMMANDS = (["show"], ["step"], ["run", "-q"], ["check"], ["gradcheck"])

RUNNER = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (MEMCAP, MEMCAP))
from click.testing import CliRunner
from gradsim.cli import gradsim
out = []
for path in FILES:
    for cmd in COMMANDS:
        r = CliRunner().invoke(gradsim, [cmd[0], path, *cmd[1:]])
        out.append({"file": path, "cmd": cmd[0], "code": r.exit_code, "output": r.output})
control = CliRunner().invoke(gradsim, ["check", CONTROL])  # a good scenario runs under the same limit
out.append({"file": CONTROL, "cmd": "control", "code": control.exit_code, "output": control.output})
print(json.dumps(out))
"""


def test_every_command_refuses_every_broken_file_within_the_memory_limit():
    files = sorted(str(p) for p in BROKEN.glob("*.toml"))
    code = (RUNNER.replace("MEMCAP", str(LIMIT)).replace("FILES", repr(files))
            .replace("COMMANDS", repr([list(c) for c in COMMANDS]))
            .replace("CONTROL", repr(str(BROKEN.parent / "cli" / "tiny.toml"))))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env.pop("GRADSIM_DEBUG", None)
    env.pop("GRADSIM_DATA_ROOT", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    *results, control = json.loads(proc.stdout)
    assert control["code"] == 0 and "2 passed" in control["output"], control
    assert len(results) == len(files) * len(COMMANDS)
    bad = [r for r in results if r["code"] != 2 or r["output"].count("\n") != 1
           or not r["output"].startswith(f"Error: {r['file']}: ") or "Traceback" in r["output"]
           or "unexpected" in r["output"] or "MemoryError" in r["output"]]
    assert not bad, bad[:3]
