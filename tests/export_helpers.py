"""Shared by the export tests: export a scenario, run the script in a subprocess, and gradsim's own run."""

from __future__ import annotations

import os
import runpy
import subprocess as _subprocess
import sys
from pathlib import Path

import numpy as np

from gradsim.export import export, files_for
from gradsim.scenario import build_simulation, loads_scenario

BASE = """\
# an export test
seed = 3
loss = "{loss}"

[network]
layers = [{hidden}, {output}]

[data]
{data}

[init]
weights = "{init}"

[optimizer]
name = "{optimizer}"
learning_rate = 0.05
{batch}

[run]
iterations = {iterations}
{run}
"""


def scenario(loss="logistic", hidden='{ n = 4, activation = "tanh" }', output='{ n = 1, activation = "sigmoid" }',
             data='kind = "moons"\nm = 40\nnormalize = true', init="xavier", optimizer="gd", batch="batch_size = 16",
             iterations=6, run="", extra="", source=None):
    text = BASE.format(loss=loss, hidden=hidden, output=output, data=data, init=init, optimizer=optimizer,
                       batch=batch, iterations=iterations, run=run) + extra
    return loads_scenario(text, source=source, name="export-test")


def run_script(script: Path, *args: str, timeout: float = 300) -> _subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return _subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=script.parent)


def run_in_process(script: Path, *args: str) -> None:
    """Run a script as ``python script args`` would, but in this process (PyTorch is imported once)."""
    saved = sys.argv
    sys.argv = [str(script), *args]
    try:
        with np.errstate():  # the NumPy script's np.seterr stays inside
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = saved


def exported_run(sc, tmp_path: Path, kind: str, iterations: int | None = None,
                 subprocess: bool = True) -> dict[str, np.ndarray]:
    """Export ``sc`` as ``kind`` ("numpy" or "torch") into tmp_path, run it (in a subprocess, or in this
    process), return its saved arrays."""
    target = tmp_path / f"{kind}_export.py"
    export(sc, **{kind: target}, iterations=iterations)
    if subprocess:
        p = run_script(target)
        assert p.returncode == 0, p.stderr
    else:
        run_in_process(target)
    with np.load(files_for(target)[2]) as z:
        return {k: z[k] for k in z.files}


def gradsim_run(sc, iterations: int | None = None):
    sim = build_simulation(sc)
    n = sc.run.iterations if iterations is None else iterations
    sim.run(n, stop_below=sc.run.stop_below, stop_on_blowup=sc.run.stop_on_blowup)
    return sim


def first_gradients(sc) -> dict[str, np.ndarray]:
    sim = build_simulation(sc)
    sim.run(1)
    return {f"{k}{l}": sim.arrays[f"{k}[{l}]"] for l in range(1, sim.L + 1) for k in ("dW", "db")}


def assert_same(got: dict[str, np.ndarray], sim, rtol: float) -> None:
    """J per iteration and the final W[l], b[l] equal gradsim's to ``rtol`` (relative to each array's scale)."""
    J = np.array(sim.J_history)
    assert got["J"].shape == J.shape, (got["J"].shape, J.shape)
    finite = np.isfinite(J)
    assert np.array_equal(np.isfinite(got["J"]), finite)
    np.testing.assert_allclose(got["J"][finite], J[finite], rtol=rtol, atol=0)
    params = [np.asarray(p) for p in sim.params]
    scale = max(float(np.abs(p[np.isfinite(p)]).max(initial=0.0)) for p in params) or 1.0
    for l in range(1, sim.L + 1):
        for k, P in (("W", params[2 * (l - 1)]), ("b", params[2 * (l - 1) + 1])):
            np.testing.assert_allclose(got[f"{k}{l}"], P, rtol=rtol, atol=rtol * scale, equal_nan=True,
                                       err_msg=f"{k}[{l}]")
