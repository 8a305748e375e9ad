"""Long headless work shows progress on a terminal (stderr), and never changes what scripts read."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest


def _run_with_tty_stderr(*args: str) -> tuple[int, str, str]:
    """Run gradsim with stderr on a pseudo-terminal; (exit code, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", COLUMNS="100")
    proc = subprocess.Popen([sys.executable, "-m", "gradsim", *args], stdout=subprocess.PIPE, stderr=slave,
                            env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_step_far_ahead_shows_progress_on_a_terminal_only():
    code, out, tty = _run_with_tty_stderr("step", "three-layer-cache", "--iteration", "3000", "--phases", "1")
    assert code == 0, tty
    assert "running to iteration 3000" in tty
    assert out.splitlines()[0].startswith("three-layer-cache: iteration 3000")
    piped = subprocess.run([sys.executable, "-m", "gradsim", "step", "three-layer-cache", "--iteration", "3000",
                            "--phases", "1"], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout == out


def test_gradcheck_reports_progress_for_every_entry():
    """The CLI's bar for a large gradcheck is fed by the engine's progress callback: once per checked entry."""
    from gradsim.engine import gradcheck
    from gradsim.scenario import build_simulation, load_scenario

    sim = build_simulation(load_scenario("three-layer-cache"))
    seen = []
    checks = gradcheck(sim, max_per_layer=4, progress=lambda done, total: seen.append((done, total)))
    total = sum(min(p.size, 4) for p in sim.params)
    assert [d for d, _ in seen] == list(range(1, total + 1)) and {t for _, t in seen} == {total}
    assert sum(c.checked + c.skipped for c in checks) == total
