"""A resolved scenario as `gradsim show` prints it: a table per layer, and the same as JSON.

Every parameter shown (an activation's slope, an initialiser's std, an optimiser's β) is the one its
registry entry declares, so a new entry is described without a change here. NumPy only; no click.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .display import fmt, shape as fmt_shape
from .replay import table

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation
    from .scenario import Scenario


def _init_json(spec) -> dict[str, Any]:
    """An InitSpec as JSON: the initialiser and every parameter its registry entry declares."""
    out: dict[str, Any] = {"weights": spec.name}
    if spec.W is not None:
        out["W"] = [[float(x) for x in row] for row in spec.W]
    else:
        out.update(spec.values())
    if spec.b is not None:
        out["b"] = [[float(x) for x in row] for row in spec.b]
    else:
        out["bias"] = float(spec.bias)
    return out


def _init_text(spec) -> str:
    """'xavier gain=1 bias=0', 'explicit W, explicit b', ... for the show table."""
    d = _init_json(spec)
    weights = "explicit W" if "W" in d else " ".join(
        [d["weights"]] + [f"{k}={v:g}" for k, v in d.items() if k not in ("weights", "bias", "b")])
    return f"{weights}, " + ("explicit b" if "b" in d else f"bias={d['bias']:g}")


def _optimizer_json(opt) -> dict[str, Any]:
    out: dict[str, Any] = {"name": opt.name, "learning_rate": opt.learning_rate, "batch_size": opt.batch_size,
                           "kind": opt.kind}
    out.update(opt.values())
    out["schedule"] = opt.schedule.json()
    return out


def _ws_shape(sim, l: int) -> tuple[int, int] | None:
    """The shape (n[l], n[l−k]) of layer l's projection Ws[l] (engine/projection.py), or None."""
    return (sim.n[l], sim.n[l - sim.skips[l - 1]]) if getattr(sim, "projs", ()) and sim.projs[l - 1] else None


def _layer_json(spec, ws: tuple[int, int] | None = None) -> dict[str, Any]:
    """A layer as JSON: n, the activation, and every parameter the activation declares (slope, alpha)."""
    d: dict[str, Any] = {"n": int(spec.n), "activation": spec.activation}
    d.update(spec.resolve().values)
    if spec.skip:
        d["skip"] = spec.skip  # A[l] = g(Z[l]) + A[l−skip]
    if ws is not None:
        d["projection"] = list(ws)  # the shape of Ws[l]: A[l] = g(Z[l]) + Ws[l]·A[l−skip]
    if spec.dropout:
        d["dropout"] = spec.dropout  # p: A[l] = g(Z[l]) ⊙ M[l] / (1 − p) in training
    if spec.batch_norm is not None:  # A[l] = g(gamma ⊙ Zhat + beta)
        d["batch_norm"] = {"eps": spec.batch_norm.eps, "momentum": spec.batch_norm.momentum}
    return d


def _layer_text(spec, ws: tuple[int, int] | None = None) -> str:
    """'leaky_relu (slope 0.01)', 'tanh', 'tanh (skip 1 through Ws (6,2))'."""
    skip = [f"skip {spec.skip}" + (f" through Ws {fmt_shape(ws)}" if ws else "")] if spec.skip else []
    values = [f"{k} {v:g}" for k, v in spec.resolve().values] + skip
    values += [f"dropout {spec.dropout:g}"] if spec.dropout else []
    if spec.batch_norm is not None:
        values.append(f"batch norm ε {spec.batch_norm.eps:g}, momentum {spec.batch_norm.momentum:g}")
    return spec.activation + (" (" + ", ".join(values) + ")" if values else "")


def scenario_json(scenario: "Scenario", sim: "Simulation") -> dict[str, Any]:
    """The resolved scenario as `gradsim show --json` prints it."""
    run = scenario.run
    return {
        "name": scenario.name,
        "summary": scenario.summary,
        "source": str(scenario.source) if scenario.source is not None else None,
        "seed": int(sim.seed),
        "n0": int(sim.n[0]),
        "m": int(sim.m),
        "L": int(sim.L),
        "layers": [_layer_json(s, _ws_shape(sim, l)) for l, s in enumerate(sim.layers, start=1)],
        "loss": sim.loss_name,
        "optimizer": _optimizer_json(sim.optimizer),
        "transforms": [{"name": t.name, **t.values()} for t in sim.transforms.specs],
        "init": [_init_json(s) for s in sim.init],
        "parameters": int(sum(p.size for p in sim.params)),
        "run": {"iterations": run.iterations, "stop_below": run.stop_below, "stop_on_blowup": run.stop_on_blowup},
        "expectations": len(scenario.expectations),
        "compare": None if scenario.compare is None else {
            "with": scenario.compare.other, "set": dict(scenario.compare.set), "why": scenario.compare.why},
    }


def show_lines(scenario: "Scenario", sim: "Simulation") -> list[str]:
    """The text of `gradsim show`: the layer table, then the loss, optimiser, seed, run and expectations."""
    m = sim.m
    rows = [("l", "n[l]", "activation", "W[l]", "b[l]", "Z[l], A[l]", "parameters", "init")]
    rows.append(("0", str(sim.n[0]), "(input X = A[0])", "", "", fmt_shape((sim.n[0], m)), "", ""))
    for l in range(1, sim.L + 1):
        spec = sim.layers[l - 1]
        ws = _ws_shape(sim, l)
        act = _layer_text(spec, ws)
        n, n_prev = sim.n[l], sim.n[l - 1]
        rows.append((str(l), str(n), act, fmt_shape((n, n_prev)), fmt_shape((n, 1)), fmt_shape((n, m)),
                     str(n * n_prev + n + (2 * n if spec.batch_norm is not None else 0) + (ws[0] * ws[1] if ws else 0)),
                     _init_text(sim.init[l - 1])))
    opt = sim.optimizer
    batch = f"{opt.kind} gradient descent" + (f", batch size {opt.batch_size}" if opt.batch_size else f", m = {m}")
    values = opt.values()
    extra = "".join(f", {p.symbol or p.name} = {values[p.name]:g}" for p in opt.entry.params
                    if not (p.quiet and values[p.name] == p.default))
    lines = [f"{scenario.name}  {scenario.summary}".rstrip()]
    if scenario.source is not None:
        lines.append(f"file        {scenario.source}")
    lines += [""] + table(rows) + [""]
    lines += [
        f"parameters  {sum(p.size for p in sim.params)}",
        f"loss        {sim.loss_name}: L(ŷ, y) = {sim.loss.formula}",
        f"optimizer   {opt.name}, α = {opt.learning_rate:g}{extra} ({batch})",
    ]
    if not opt.schedule.constant:
        lines.append(f"schedule    {opt.schedule.describe()}: {opt.schedule.entry.formula}")
    if sim.transforms:
        lines.append("transforms  " + ", then ".join(t.describe() for t in sim.transforms.specs)
                     + " (on the gradients, before the optimiser)")
    lines += [
        f"seed        {sim.seed}",
        f"run         {scenario.run.iterations} iterations"
        + (f", stop when J < {scenario.run.stop_below:g}" if scenario.run.stop_below is not None else "")
        + (", stop on a blow-up" if scenario.run.stop_on_blowup else ""),
        f"expect      {len(scenario.expectations)} expectation(s) (gradsim check {scenario.name})",
    ]
    if scenario.compare is not None:
        lines.append(f"compare     {scenario.compare.describe()} (gradsim compare {scenario.name})")
    return lines


def gradcheck_rows(checks, tolerance: float) -> tuple[list[tuple[str, ...]], list[int]]:
    """The table of `gradsim gradcheck` and the layers that fail: a layer passes within ``tolerance``, or
    within 3× what rounding in J alone gives ("ok (rounding)"); one too small to measure is "unresolved"."""
    bn = any(c.rel_error_gamma is not None for c in checks)  # batch norm: gamma[l], beta[l] too
    ws = any(c.rel_error_Ws is not None for c in checks)  # a projection skip: Ws[l] too
    rows = [("l", "W[l] rel. error", "b[l] rel. error") + (("gamma, beta",) if bn else ()) + (("Ws[l]",) if ws else ())
            + ("checked", "kinks", "ε(W)", "rounding", "")]
    bad = []
    for c in checks:
        ok = math.isfinite(c.rel_error) and c.rel_error <= tolerance
        at_noise = math.isfinite(c.rel_error) and c.rel_error <= 3 * c.noise
        verdict = "ok" if ok else "ok (rounding)" if at_noise else "FAIL" if c.resolved else "unresolved"
        if verdict == "FAIL":
            bad.append(c.layer)
        extra = () if not bn else ("—",) if c.rel_error_gamma is None else \
            (f"{fmt(c.rel_error_gamma)}, {fmt(c.rel_error_beta)}",)
        if ws:
            extra += ("—",) if c.rel_error_Ws is None else (fmt(c.rel_error_Ws),)
        rows.append((str(c.layer), fmt(c.rel_error_W), fmt(c.rel_error_b)) + extra
                    + (f"{c.checked}/{c.total}", str(c.skipped), f"{c.eps_W:.0e}", fmt(c.noise), verdict))
    return rows, bad
