"""One run against another, headless: what ``gradsim compare`` prints.

Two simulations step in lockstep over the same iterations. After iteration ``layers_at`` (1: the
gradients of the initial parameters) a per-layer table holds ‖A[l]‖, ‖dZ[l]‖, ‖dW[l]‖ and the saturated
and dead unit fractions of both runs, with the ratio B/A; at each iteration of ``at`` J (and the held-out
metrics where a run's trace has them); then one verdict line. Each run goes on after a blow-up until
its parameters are non-finite (a blow-up is a result to compare, not an error).

NumPy only: no Textual, no click (the CLI adds the options and the exit codes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .display import fmt, norm, percent
from .replay import table
from .trace import trace_row

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation
    from .scenario import Scenario

__all__ = ["LAYER_KEYS", "METRICS", "Side", "Comparison", "compare", "default_at"]

LAYER_KEYS = ("norm(A[l])", "norm(dZ[l])", "norm(dW[l])", "fraction_saturated[l]", "fraction_dead[l]")
METRICS = ("J", "J_data", "J_full", "J_full_data", "J_test", "J_test_data", "accuracy", "accuracy_test")  # trace
# row names, in this order; the *_data ones exist under weight decay, and then on both sides (``_data_losses``)
DATA = {"J_data": "J", "J_full_data": "J_full", "J_test_data": "J_test"}  # a data loss → its run's J without one


@dataclass
class Side:
    """One of the two runs: its label, and what was taken from it on the way."""

    label: str
    L: int
    layers: list[dict[str, float]] = field(default_factory=list)  # one dict of LAYER_KEYS per l = 1..L
    metrics: dict[int, dict[str, float]] = field(default_factory=dict)  # iteration → METRICS it has
    iterations: int = 0
    blowup: str | None = None
    halted: bool = False

    def layer(self, l: int, key: str) -> float | None:
        return self.layers[l - 1][key] if 1 <= l <= len(self.layers) else None

    def flow(self, kind: str = "dW") -> float | None:
        """‖dW[1]‖ / ‖dW[L]‖ (``kind`` "dZ": ‖dZ[1]‖ / ‖dZ[L]‖) at the table's iteration: how much of the
        gradient reaches layer 1. dW[l] = dZ[l]·A[l−1]ᵀ also carries the forward signal A[l−1], so where
        that vanishes too (deep-tanh-plain) dW[L] is as small as dW[1] and only the dZ ratio shows it."""
        if not self.layers:
            return None
        key = f"norm({kind}[l])"
        return _ratio(self.layers[-1][key], self.layers[0][key])


def _ratio(a: float | None, b: float | None) -> float | None:
    """b / a, or None when it means nothing (a missing, zero or non-finite side)."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or a == 0:
        return None
    return b / a


def _layer_row(sim: "Simulation", l: int) -> dict[str, float]:
    arrays = sim.arrays
    row = {}
    for kind in ("A", "dZ", "dW"):
        a = arrays.get(f"{kind}[{l}]")
        row[f"norm({kind}[l])"] = norm(a) if a is not None else math.nan
    stats = sim.layer_stats(l)
    row["fraction_saturated[l]"] = float(stats["fraction_saturated"])
    row["fraction_dead[l]"] = float(stats["fraction_dead"])
    return row


def default_at(iterations: int) -> tuple[int, ...]:
    """1, 10, 100, … below ``iterations``, and ``iterations`` itself."""
    out, t = [], 1
    while t < iterations:
        out.append(t)
        t *= 10
    return tuple(out + [iterations])


@dataclass
class Comparison:
    a: Side
    b: Side
    iterations: int
    layers_at: int
    at: tuple[int, ...]

    def metric_names(self) -> list[str]:
        have = {k for side in (self.a, self.b) for m in side.metrics.values() for k in m}
        return [k for k in METRICS if k in have]

    def verdict(self) -> str:
        """One line: which run ends lower, by how much, and how much gradient reaches layer 1. Under weight
        decay (on either run) the data losses are compared — J_data, and J_test_data with a held-out split —
        since a J with the penalty on one side only says nothing of the fit."""
        a, b = self.a, self.b
        last = max(self.at)
        names = self.metric_names()
        parts = [f"{x} blew up ({s.blowup})" for x, s in (("A", a), ("B", b)) if s.blowup]
        keys = ["J_data"] + (["J_test_data"] if "J_test_data" in names else []) if "J_data" in names else ["J"]
        for key in keys:
            parts += self._lower(key, last, "" if key == keys[0] else "on the held-out set: ")
        if a.layers or b.layers:
            parts.append(f"‖dW[1]‖/‖dW[L]‖ at iteration {self.layers_at}: A {fmt(a.flow())}, B {fmt(b.flow())}; "
                         f"‖dZ[1]‖/‖dZ[L]‖: A {fmt(a.flow('dZ'))}, B {fmt(b.flow('dZ'))}")
        return "verdict: " + ("; ".join(parts) if parts else "nothing to compare (neither run finished an iteration)")

    def _lower(self, key: str, last: int, lead: str) -> list[str]:
        """Which run ends with the lower ``key`` at iteration ``last`` (nothing when neither is finite)."""
        a, b = self.a, self.b
        ja, jb = (s.metrics.get(last, {}).get(key) for s in (a, b))
        fin_a, fin_b = (j is not None and math.isfinite(j) for j in (ja, jb))
        if fin_a and fin_b:
            if ja == jb:
                return [f"{lead}the same {key} = {fmt(ja)} after {last} iterations"]
            x, low = ("B", b) if jb < ja else ("A", a)
            jl, jh = min(ja, jb), max(ja, jb)
            factor = f" (×{fmt(jl / jh)})" if jh > 0 else ""
            return [f"{lead}{x} ({low.label}) ends lower: {key} = {fmt(jl)} vs {fmt(jh)}{factor} after {last} iterations"]
        if fin_a or fin_b:
            x, side, j = ("A", a, ja) if fin_a else ("B", b, jb)
            return [f"{lead}only {x} ({side.label}) ends with a finite {key} = {fmt(j)} after {last} iterations"]
        return []

    def lines(self) -> list[str]:
        a, b = self.a, self.b
        out = [f"A: {a.label}", f"B: {b.label}",
               f"per layer after iteration {self.layers_at} (B/A: the ratio of B's value to A's)"]
        head = ["l"]
        for key in ("‖A[l]‖", "‖dZ[l]‖", "‖dW[l]‖"):
            head += [f"{key} A", "B", "B/A"]
        head += ["saturated A", "B", "dead A", "B"]
        rows = [tuple(head)]
        for l in range(1, max(a.L, b.L) + 1):
            row = [str(l)]
            for key in LAYER_KEYS[:3]:
                va, vb = a.layer(l, key), b.layer(l, key)
                row += [fmt(va) if va is not None else "—", fmt(vb) if vb is not None else "—", fmt(_ratio(va, vb))]
            for key in LAYER_KEYS[3:]:
                row += [percent(v) if (v := side.layer(l, key)) is not None else "—" for side in (a, b)]
            rows.append(tuple(row))
        out += table(rows)
        names = self.metric_names()
        rows = [tuple(["iteration"] + [f"{k} {s}" for k in names for s in ("A", "B")] + ["B/A (J)"])]
        for t in self.at:
            ma, mb = a.metrics.get(t), b.metrics.get(t)
            row = [str(t)]
            for k in names:
                row += [fmt(m[k]) if m is not None and k in m else "—" for m in (ma, mb)]
            row.append(fmt(_ratio(ma and ma.get("J"), mb and mb.get("J"))))
            rows.append(tuple(row))
        out += [""] + table(rows) + ["", self.verdict()]
        return out

    def to_json(self) -> dict[str, Any]:
        def clean(v):
            return v if v is None or math.isfinite(v) else None

        a, b = self.a, self.b
        layers = []
        for l in range(1, max(a.L, b.L) + 1):
            entry: dict[str, Any] = {"l": l}
            for key in LAYER_KEYS:
                va, vb = a.layer(l, key), b.layer(l, key)
                entry[key] = {"a": clean(va), "b": clean(vb), "ratio": _ratio(va, vb)}
            layers.append(entry)
        metrics = [{"iteration": t, **{s: ({k: clean(v) for k, v in side.metrics[t].items()}
                                           if t in side.metrics else None) for s, side in (("a", a), ("b", b))}}
                   for t in self.at]
        sides = {s: {"label": side.label, "L": side.L, "iterations": side.iterations, "blowup": side.blowup,
                     "halted": side.halted, "flow": side.flow(), "flow_dZ": side.flow("dZ")}
                 for s, side in (("a", a), ("b", b))}
        return {**sides, "iterations": self.iterations, "layers_at": self.layers_at, "layers": layers,
                "metrics": metrics, "verdict": self.verdict()}


def compare(sim_a: "Simulation", sim_b: "Simulation", iterations: int, *, labels: tuple[str, str] = ("A", "B"),
            at: tuple[int, ...] | None = None, layers_at: int = 1) -> Comparison:
    """Step both simulations in lockstep for ``iterations`` iterations and collect the comparison."""
    at = tuple(sorted(set(at))) if at else default_at(iterations)
    if iterations < 1 or not 1 <= layers_at <= iterations or not all(1 <= t <= iterations for t in at):
        raise ValueError(f"the iterations compared must lie in 1..{iterations}")
    sides = [Side(labels[0], sim_a.L), Side(labels[1], sim_b.L)]
    for t in range(1, iterations + 1):
        for sim, side in zip((sim_a, sim_b), sides):
            if sim.halted:
                continue
            sim.run(1, stop_on_blowup=False)
            if sim.iteration != t or sim.phase_index != sim.P:
                continue
            side.iterations = t
            if t == layers_at:
                side.layers = [_layer_row(sim, l) for l in range(1, sim.L + 1)]
            if t in at:
                row = trace_row(sim)
                side.metrics[t] = {k: float(row[k]) for k in METRICS if k in row}
    _data_losses(sides)
    for sim, side in zip((sim_a, sim_b), sides):
        side.halted = bool(sim.halted)
        if sim.blowup is not None:
            side.blowup = sim.blowup.describe()
    return Comparison(sides[0], sides[1], iterations, layers_at, at)


def _data_losses(sides: list[Side]) -> None:
    """When one run has weight decay (J_data in its rows), the other's data losses are its J, J_full, J_test."""
    if not any("J_data" in m for side in sides for m in side.metrics.values()):
        return
    for side in sides:
        for m in side.metrics.values():
            for data, plain in DATA.items():
                if data not in m and plain in m:
                    m[data] = m[plain]


def compare_scenarios(a: "Scenario", b: "Scenario", iterations: int | None = None, **kw) -> Comparison:
    """``compare`` of two scenarios built fresh (their own seeds); ``iterations`` defaults to A's run."""
    from .scenario import build_simulation

    n = iterations if iterations is not None else a.run.iterations
    return compare(build_simulation(a), build_simulation(b), n, **kw)
