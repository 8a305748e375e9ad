"""What both exports share: the plan of one run (read off a fresh Simulation, so the data, the initial draw
and the batches come from gradsim's own code path), function definitions from registry snippets, the
mini-batch code, the stop rules, and writing files beside the target (a temporary file, then a rename)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np


if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Simulation
    from ..scenario import Scenario


@dataclass(frozen=True)
class Plan:
    """One exported run: the scenario, a fresh Simulation (data, initial W[l], b[l], batches), how long."""

    scenario: "Scenario"
    sim: "Simulation"
    iterations: int

    @property
    def L(self) -> int:
        return self.sim.L

    @property
    def n(self) -> list[int]:
        return list(self.sim.n)

    @property
    def every(self) -> int:
        """Print J every this many iterations (about ten lines)."""
        return max(1, self.iterations // 10)


def make_plan(scenario: "Scenario", seed: int | None = None, iterations: int | None = None) -> Plan:
    from ..scenario import build_simulation

    sim = build_simulation(scenario, seed)
    return Plan(scenario, sim, scenario.run.iterations if iterations is None else iterations)


def lit(v: float) -> str:
    """A float as a Python literal that reads back exactly."""
    return repr(float(v))


def define(name: str, args: str, doc: str, body: str, indent: str = "") -> str:
    """``def name(args):`` with a docstring, the body's lines, and ``return`` its last line."""
    lines = body.strip("\n").split("\n")
    out = [f"def {name}({args}):", f'    """{doc}"""']
    out += [f"    {s}" for s in lines[:-1]]
    out.append(f"    return {lines[-1]}")
    return "\n".join(indent + s for s in out)


def kwargs(values: Mapping[str, float]) -> str:
    """``, slope=0.01`` for a call (empty without parameters)."""
    return "".join(f", {k}={lit(v)}" for k, v in values.items())


def params_sig(values: Mapping[str, float]) -> str:
    return "".join(f", {k}" for k in values)


def header(plan: Plan, what: str, data_file: str, out_file: str) -> list[str]:
    """The docstring of an exported script: what it is, the net, the data, how to run it."""
    sc, sim = plan.scenario, plan.sim
    opt = sim.optimizer
    batch = (f"batch gradient descent (all m = {sim.m} examples per iteration)" if sim.batches.full else
             f"{opt.kind} gradient descent, batches of {sim.batches.size} of m = {sim.m}")
    stops = [f"{plan.iterations} iterations"]
    if sc.run.stop_below is not None:
        stops.append(f"stop when J < {sc.run.stop_below:g}")
    stops.append("stop on a blow-up to inf/NaN" if sc.run.stop_on_blowup else "run on through inf/NaN")
    lines = [
        f'"""{sc.name}: {sc.summary}',
        "",
        f"Exported by gradsim as {what}: run for the same iterations, it gives gradsim's numbers.",
        f"n = {plan.n} (L = {plan.L}); activations {', '.join(g.name for g in sim.acts)}; loss {sim.loss_name}; "
        f"optimiser {opt.name} (α = {opt.learning_rate:g}); {batch}; seed {sim.seed}; {', '.join(stops)}.",
        f"Data: {sc.data.describe()}; X, Y (and the initial arrays it needs) are in {data_file} beside this file.",
        "",
        f"    python {{script}} [OUT.npz]    prints J every {plan.every} iterations, saves J per iteration and",
        f"                                the final arrays to OUT.npz (default {out_file})",
        '"""',
    ]
    return lines


def batch_lines(plan: Plan, take: str) -> list[str]:
    """The mini-batch order of optim.Batches, written out (nothing for batch gradient descent)."""
    b = plan.sim.batches
    if b.full:
        return []
    return [
        f"batch_size = {b.size}",
        f"per_epoch = {b.per_epoch}  # ⌈m / batch_size⌉ iterations make an epoch; the last batch may be smaller",
        "",
        "",
        define("batch", "t", "The examples (columns of the lecture's X) that iteration t (1-based) uses: gradsim's order, a fresh permutation of the\n"
               "    m examples each epoch from a generator seeded with (seed, epoch), cut into batches.",
               "epoch, j = divmod(t - 1, per_epoch)\nperm = np.random.default_rng([seed, epoch]).permutation(m_all)\n"
               "perm[j * batch_size:(j + 1) * batch_size]"),
    ]


def write_text(path: Path, text: str) -> None:
    _atomic(path, lambda f: f.write(text.encode("utf-8")))


def write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    _atomic(path, lambda f: np.savez(f, **{k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}))


def _atomic(path: Path, write) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
