"""Traces do not depend on the BLAS thread count (issue 17, item 6): the same run under
OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = 1 and = 2 writes byte-identical traces and NPZ arrays. Norms are
pairwise sums in NumPy (engine/stats.norm), not BLAS dot products."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

WIDE = """# wide enough that a threaded BLAS splits the work
seed = 5
loss = "l2"

[network]
layers = [{ n = 256, activation = "tanh" }, { n = 256, activation = "tanh" }, { n = 3, activation = "linear" }]

[data]
kind = "teacher"
m = 768
inputs = 64
outputs = 3
hidden = 32

[optimizer]
name = "adam"
learning_rate = 0.01

[run]
iterations = 4
"""


def _run(tmp_path: Path, threads: int) -> tuple[bytes, dict[str, np.ndarray]]:
    sc = tmp_path / "wide.toml"
    sc.write_text(WIDE)
    trace, npz = tmp_path / f"t{threads}.jsonl", tmp_path / f"a{threads}.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads),
           "OPENBLAS_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    proc = subprocess.run([sys.executable, "-m", "gradsim", "run", str(sc), "-q", "--trace", str(trace),
                           "--npz", str(npz)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with np.load(npz) as z:
        return trace.read_bytes(), {k: z[k] for k in z.files}


def test_trace_and_npz_are_the_same_with_one_and_two_threads(tmp_path):
    trace1, arrays1 = _run(tmp_path, 1)
    trace2, arrays2 = _run(tmp_path, 2)
    assert trace1.count(b"\n") == 4
    assert trace1 == trace2
    assert arrays1.keys() == arrays2.keys()
    for k in arrays1:
        assert np.array_equal(arrays1[k], arrays2[k]), k
