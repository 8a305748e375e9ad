"""The lecture's equation of each phase, with live shapes and values substituted: pure strings.

Shared by ``gradsim step`` and the app's equation panel, so both say exactly the same thing. Nothing here
imports Textual or click, and nothing changes the simulation: it only reads ``sim.arrays``, ``sim.n`` and
the phase counter.

    >>> for line in phase_equation(sim, Phase("backward", 2)):
    ...     print(line)
    backward l=2  dZ[2] = dA[2] ⊙ σ'(Z[2])   (3,8) ⊙ (3,8) → (3,8)   ‖dZ[2]‖ = 4.1e-3
    backward l=2  dW[2] = dZ[2]·A[1]ᵀ         (3,8)·(8,4) → (3,4)     ‖dW[2]‖ = 2.2e-3
    ...

A phase that has not run yet in the current iteration gets its equations with shapes (from n[l] and the
batch size) but no values, so the app can show what comes next. Numbers, norms and shapes print through
``gradsim.display``, like everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np

from . import equations_bn
from .diagnosis import unit_word
from .display import fmt, norm, percent, shape

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Phase, Simulation

__all__ = ["Equation", "equations", "phase_equation", "format_equations"]


@dataclass(frozen=True)
class Equation:
    """One line of a phase: ``label  formula   shapes   value`` (``value`` is "" before the phase ran)."""

    label: str  # "backward l=2"
    target: str  # the array it defines: "dZ[2]" (or "J")
    formula: str  # "dZ[2] = dA[2] ⊙ σ'(Z[2])"
    shapes: str  # "(3,8) ⊙ (3,8) → (3,8)"
    value: str = ""  # "‖dZ[2]‖ = 4.1e-3"

    @property
    def text(self) -> str:
        return "   ".join(p for p in (f"{self.label}  {self.formula}", self.shapes, self.value) if p)

    def __str__(self) -> str:
        return self.text


def format_equations(eqs: Iterable[Equation], label_width: int = 0) -> list[str]:
    """Lines with the label, formula and shape columns aligned across the given equations.

    ``label_width`` pads the label column to at least that width (to line up several phases).
    """
    eqs = list(eqs)
    if not eqs:
        return []
    wl = max([label_width] + [len(e.label) for e in eqs])
    wf = max(len(e.formula) for e in eqs)
    ws = max(len(e.shapes) for e in eqs)
    lines = []
    for e in eqs:
        line = f"{e.label:<{wl}}  {e.formula:<{wf}}   {e.shapes:<{ws}}   {e.value}"
        lines.append(line.rstrip())
    return lines


# ------------------------------------------------------------------------------------------ the maths
# Every formula comes from the registry entry of its activation, loss or optimiser; nothing here knows
# a concept by name.


class _View:
    """Shapes and values of one simulation's current iteration, as the equations need them."""

    def __init__(self, sim: "Simulation"):
        self.sim = sim
        self.arrays = sim.arrays
        X = self.arrays.get("X")
        self.mb = int(X.shape[1]) if X is not None else int(sim.batches.size)

    def shape(self, name: str) -> str:
        a = self.arrays.get(name)
        if a is not None:
            return shape(a.shape)
        kind, l = name.split("[")
        l = int(l[:-1])
        n = self.sim.n
        if kind in ("W", "dW"):
            return shape((n[l], n[l - 1]))
        if kind in ("b", "db", "gamma", "beta", "dgamma", "dbeta", "mu", "sigma2"):
            return shape((n[l], 1))
        return shape((n[l], self.mb))  # Z, A, dZ, dA (Zhat, Ztilde and theirs)

    def transposed(self, name: str) -> str:
        inner = self.shape(name)[1:-1].split(",")
        return "(" + ",".join(reversed(inner)) + ")"

    def value(self, name: str) -> str:
        a = self.arrays.get(name)
        return "" if a is None else f"‖{name}‖ = {fmt(norm(a))}"


def _ran(sim: "Simulation", phase: "Phase") -> bool:
    """Has ``phase`` run in the simulation's current iteration?"""
    return sim.iteration > 0 and sim.phases.index(phase) < sim.phase_index


def _forward(sim: "Simulation", v: _View, l: int, ran: bool) -> list[Equation]:
    label = f"forward l={l}"
    g = sim.acts[l - 1]
    z, a = f"Z[{l}]", f"A[{l}]"
    # b[l] (n[l], 1) is broadcast over the m columns, as the lecture says: name it when m > 1
    arrow = "→broadcast " if v.shape(z) != v.shape(f"b[{l}]") else " → "
    out = [Equation(label, z, f"{z} = W[{l}]·A[{l - 1}] + b[{l}]",
                    f"{v.shape(f'W[{l}]')}·{v.shape(f'A[{l - 1}]')} + {v.shape(f'b[{l}]')}{arrow}{v.shape(z)}",
                    v.value(z) if ran else "")]
    value = v.value(a) if ran else ""
    if value and (g.saturated is not None or g.dead is not None):
        stats = sim.layer_stats(l)
        if g.saturated is not None:
            value += f"   {unit_word(l, sim.L)} {percent(stats['fraction_saturated'])}"
        if g.dead is not None:
            value += f"   dead {percent(stats['fraction_dead'])}"
    k, p = sim.skips[l - 1], sim.dropout[l - 1]
    if sim.bns[l - 1] is not None:  # batch norm: mu, sigma2, Zhat, Ztilde between Z[l] and A[l]
        return out + equations_bn.forward_lines(sim, v, l, ran, value)
    if p:  # dropout: this iteration's mask M[l] (1 keeps a unit, 0 drops it) and the inverted scaling
        mk = f"M[{l}]"
        M = v.arrays.get(mk) if ran else None
        out.append(Equation(label, mk, f"{mk} = [u ≥ p], u ~ U(0,1), p = {p:g}",
                            f"→ {v.shape(mk)}", "" if M is None else f"dropped {percent(1.0 - float(M.mean()))}"))
        src = f" + {_skip_term(sim, l)}" if k else ""  # a skip too: added after the mask, A[l−k] is not dropped
        out.append(Equation(label, a, f"{a} = {g.forward_formula(z)} ⊙ {mk} / (1 − p){src}",
                            f"{v.shape(z)} ⊙ {v.shape(mk)}{src and ' + ' + v.shape(f'A[{l - k}]')} → {v.shape(a)}",
                            value))
    elif k:  # a residual connection: the skip's A[l−k] (through Ws[l] when it projects) is its own term
        src = _skip_term(sim, l)
        shp = f"{v.shape(f'Ws[{l}]')}·{v.shape(f'A[{l - k}]')}" if sim.projs[l - 1] else v.shape(f"A[{l - k}]")
        out.append(Equation(label, a, f"{a} = {g.forward_formula(z)} + {src}",
                            f"{v.shape(z)} + {shp} → {v.shape(a)}", value))
    else:
        out.append(Equation(label, a, f"{a} = {g.forward_formula(z)}", f"{v.shape(z)} → {v.shape(a)}", value))
    return out


def _skip_term(sim: "Simulation", l: int) -> str:
    """What layer l's skip adds: A[l−k], or Ws[l]·A[l−k] through a projection (engine/projection.py)."""
    src = f"A[{l - sim.skips[l - 1]}]"
    return f"Ws[{l}]·{src}" if sim.projs[l - 1] else src


def _loss(sim: "Simulation", v: _View, ran: bool) -> list[Equation]:
    L = sim.L
    value = f"J = {fmt(sim.J)}" if ran and sim.J is not None else ""
    a = v.shape(f"A[{L}]")
    terms = [t.entry.penalty_formula for t in sim.transforms.specs if t.entry.penalty is not None]
    if not terms:
        return [
            Equation("loss", "J", "J = (1/m) Σ L(ŷ, y)", f"ŷ = A[{L}] {a}, y {a} → scalar", value),
            Equation("loss", "L", f"L(ŷ, y) = {sim.loss.formula}", f"m = {v.mb}"),
        ]
    # a penalty (weight decay) is its own term of J, shown apart from the data loss
    parts = sim.J_parts if ran else None
    data = f"J_data = {fmt(parts[0])}" if parts else ""
    reg = f"J_reg = {fmt(parts[1])}" if parts else ""
    return [
        Equation("loss", "J", "J = J_data + J_reg", "scalar + scalar → scalar", value),
        Equation("loss", "J_data", "J_data = (1/m) Σ L(ŷ, y)", f"ŷ = A[{L}] {a}, y {a} → scalar", data),
        Equation("loss", "L", f"L(ŷ, y) = {sim.loss.formula}", f"m = {v.mb}"),
        Equation("loss", "J_reg", "J_reg = " + " + ".join(terms), f"W[1..{L}] → scalar", reg),
    ]


def _backward(sim: "Simulation", v: _View, l: int, ran: bool) -> list[Equation]:
    label = f"backward l={l}"
    g = sim.acts[l - 1]
    L = sim.L
    val = v.value if ran else (lambda name: "")
    dz, da, z, a = f"dZ[{l}]", f"dA[{l}]", f"Z[{l}]", f"A[{l}]"
    out: list[Equation] = []
    if l == L and sim.loss.fused_with == g.name:
        out.append(Equation(label, dz, f"{dz} = (A[{L}] − Y)/m",
                            f"{v.shape(a)} − {v.shape(a)} → {v.shape(dz)}", val(dz)))
    elif sim.bns[l - 1] is not None:  # batch norm: dZtilde, dgamma, dbeta, dZhat, then dZ[l]
        out += equations_bn.backward_lines(sim, v, l, ran)
    else:
        if l == L:
            rhs = sim.loss.dA_formula.format(L=L)
            out.append(Equation(label, da, f"{da} = {rhs}", f"{v.shape(a)} → {v.shape(da)}", val(da)))
        p = sim.dropout[l - 1]  # dropout: dA[l] goes through the mask and the scale before g'
        rhs, operands = g.backward_formula(f"{da} ⊙ M[{l}] / (1 − p)" if p else da, z, a)
        names = {"dA": da, "Z": z, "A": a}
        shapes = " ⊙ ".join(v.shape(names[o]) for o in operands.split()) + (f" ⊙ {v.shape(f'M[{l}]')}" if p else "")
        out.append(Equation(label, dz, f"{dz} = {rhs}", f"{shapes} → {v.shape(dz)}", val(dz)))
    dw, db = f"dW[{l}]", f"db[{l}]"
    out.append(Equation(label, dw, f"{dw} = {dz}·A[{l - 1}]ᵀ",
                        f"{v.shape(dz)}·{v.transposed(f'A[{l - 1}]')} → {v.shape(dw)}", val(dw)))
    out.append(Equation(label, db, f"{db} = Σ_i {dz}", f"{v.shape(dz)} → {v.shape(db)}",
                        val(db) + (equations_bn.db_note(sim, l) if val(db) else "")))
    if sim.projs[l - 1]:  # the projection's gradient: dA[l] already carries the 1/m
        dws, src = f"dWs[{l}]", f"A[{l - sim.skips[l - 1]}]"
        out.append(Equation(label, dws, f"{dws} = {da}·{src}ᵀ",
                            f"{v.shape(da)}·{v.transposed(src)} → {v.shape(f'Ws[{l}]')}", val(dws)))
    if l > 1:
        dp = f"dA[{l - 1}]"
        skips = [f"Ws[{j}]ᵀ·dA[{j}]" if sim.projs[j - 1] else f"dA[{j}]" for j in sim.skip_sources[l - 1]]
        plus = "".join(f" + {d}" for d in skips)
        shapes = "".join(f" + {v.transposed(f'Ws[{j}]')}·{v.shape(f'dA[{j}]')}" if sim.projs[j - 1]
                         else f" + {v.shape(f'dA[{j}]')}" for j in sim.skip_sources[l - 1])
        out.append(Equation(label, dp, f"{dp} = W[{l}]ᵀ·{dz}{plus}",
                            f"{v.transposed(f'W[{l}]')}·{v.shape(dz)}{shapes} → {v.shape(dp)}", val(dp)))
    k = sim.skips[l - 1]
    if k and (k > 1 or l == 1):  # where this layer's dA[l] goes through its skip (k = 1: the line above)
        j = l - k
        term = f"Ws[{l}]ᵀ·{da}" if sim.projs[l - 1] else da
        out.append(Equation(label, f"dA[{j}]", f"dA[{j}] gets W[{j + 1}]ᵀ·dZ[{j + 1}] + {term} through the skip",
                            f"{v.shape(da)} → {v.shape(f'A[{j}]')}",
                            "" if j == 0 else f"added in backward l={j + 1}"))
    return out


def _update(sim: "Simulation", v: _View, ran: bool) -> list[Equation]:
    opt = sim.optimizer
    formula, shapes = opt.entry.formula, "{s} − {lr}·{s} → {s}"
    t = max(sim.iteration, 1)
    lr = fmt(opt.rate(t))
    out = _transform_lines(sim, v, ran)
    if not opt.schedule.constant:  # α(t) under the schedule, then the optimiser's step with it
        out.append(Equation("update", "α(t)", f"{opt.schedule.entry.formula}   [{opt.schedule.describe()}]",
                            f"t = {t}, α = {fmt(opt.learning_rate)}", f"α({t}) = {lr}"))
    for name in sim.param_keys:  # W[l], b[l] of every layer, then batch norm's gamma[l], beta[l]
        p, l = name[:-1].split("[")
        s = v.shape(name)
        value = ""
        if ran:
            old, new = sim.arrays.get(name), sim.param(name)
            if old is not None:
                with np.errstate(all="ignore"):
                    step = norm(new - old)
                value = f"‖Δ{name}‖ = {fmt(step)}   ‖{name}‖ = {fmt(norm(new))}"
        text = formula.format(p=p, l=l)
        if not opt.schedule.constant:
            text = text.replace("α·", "α(t)·")
        out.append(Equation("update", name, text, shapes.format(s=s, lr=lr), value))
    return out


def _transform_lines(sim: "Simulation", v: _View, ran: bool) -> list[Equation]:
    """One line per gradient transformation (clipping, weight decay), with the global gradient norm ‖g‖
    before and after it: the transforms are pure, so they are replayed here on the cached gradients."""
    chain = sim.transforms
    if not chain:
        return []
    from .engine.transforms import global_norm

    L = sim.L
    keys = sim.param_keys
    arrays = sim.arrays
    grads = tuple(arrays.get("d" + k) for k in keys)
    have = ran and all(g is not None for g in grads)
    steps = []
    if have:
        params = tuple(arrays[k] for k in keys)
        with np.errstate(all="ignore"):
            steps = [global_norm(g) for _, g in chain.steps(params, grads, v.mb)]
            before = global_norm(grads)
    out = []
    for i, spec in enumerate(chain.specs):
        value = ""
        if have:
            value = f"‖g‖ = {fmt(before if i == 0 else steps[i - 1])} → {fmt(steps[i])}"
        entry = spec.entry
        formula = entry.formula.format(l="l")
        extra = "".join(dict.fromkeys(", d" + k.split("[")[0] for k in keys[2 * L:]))  # dgamma, dbeta; dWs
        out.append(Equation("update", "g", f"{formula}   [{spec.describe()}]", f"g = dW[1..{L}], db[1..{L}]" + extra, value))
    return out


def equations(sim: "Simulation", phase: "Phase") -> list[Equation]:
    """The equations ``phase`` computes, in order; values filled in when it has run in this iteration.

    forward l: Z[l] and A[l]; loss: J; backward l: (dA[L]) dZ[l], dW[l], db[l], dA[l-1] (not dA[0]);
    update: W[l] and b[l] for every layer, in the optimiser's form.
    """
    v = _View(sim)
    ran = _ran(sim, phase)
    if phase.kind == "forward":
        return _forward(sim, v, phase.layer, ran)
    if phase.kind == "loss":
        return _loss(sim, v, ran)
    if phase.kind == "backward":
        return _backward(sim, v, phase.layer, ran)
    if phase.kind == "update":
        return _update(sim, v, ran)
    raise ValueError(f"unknown phase kind {phase.kind!r}")


def phase_equation(sim: "Simulation", phase: "Phase") -> list[str]:
    """``equations`` of one phase as aligned text lines, each starting with the phase label."""
    return format_equations(equations(sim, phase))
