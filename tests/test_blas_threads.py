"""BLAS is single-threaded from start-up: importing gradsim before NumPy sets the thread counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import ctypes, glob, os, sys
{first}
import numpy
libs = glob.glob(os.path.join(os.path.dirname(numpy.__path__[0]), "numpy.libs", "*openblas*"))
if not libs:
    print("NOLIB"); sys.exit(0)
lib = ctypes.CDLL(libs[0])
for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads"):
    fn = getattr(lib, name, None)
    if fn is not None:
        print("THREADS", fn(), os.environ.get("OPENBLAS_NUM_THREADS")); break
else:
    print("NOLIB")
"""


def probe(first: str, env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("NUM_THREADS", "MAXIMUM_THREADS"))}
    env.update(env_extra, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    if "NOLIB" in p.stdout:
        pytest.skip("NumPy's OpenBLAS library was not found to ask for its thread count")
    return p.stdout.split("THREADS", 1)[1].split()


def test_the_cli_entry_point_makes_blas_single_threaded():
    # gradsim.cli is what the `gradsim` script imports; OPENBLAS would otherwise take every core
    n, var = probe("import gradsim.cli", {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "")})
    assert (n, var) == ("1", "1")


def test_without_gradsim_first_blas_is_free_to_use_the_cores_so_the_probe_can_fail():
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: OpenBLAS uses one thread anyway")
    n, var = probe("", {})
    assert var == "None" and int(n) >= 2


def test_a_thread_count_in_the_environment_wins():
    n, var = probe("import gradsim", {"OPENBLAS_NUM_THREADS": "2"})
    assert (n, var) == ("2", "2")
