"""The equation lines of a batch-norm layer's forward and backward phases (engine/batchnorm.py), in the
form of ``equations.Equation``: mu, sigma2, Zhat, Ztilde, A = g(Ztilde) forward, and dZtilde, dgamma, dbeta,
dZhat and dZ with the batch terms backward. ``equations`` calls these for a layer with batch norm and
keeps its own lines for Z[l] = W·A + b and for dW, db, dA[l−1]; plain layers never come here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .display import fmt, norm, percent

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Simulation
    from .equations import Equation, _View


def forward_lines(sim: "Simulation", v: "_View", l: int, ran: bool, a_value: str) -> list["Equation"]:
    """After Z[l]: mu, sigma2, Zhat, Ztilde, the running statistics, A[l] = g(Ztilde[l]) (+ the skip)."""
    from .equations import Equation

    label, g, bn, k = f"forward l={l}", sim.acts[l - 1], sim.bns[l - 1], sim.skips[l - 1]
    z, mu, s2, zh, zt, a = (f"{n}[{l}]" for n in ("Z", "mu", "sigma2", "Zhat", "Ztilde", "A"))
    val: Callable[[str], str] = v.value if ran else (lambda name: "")
    col, full = v.shape(mu), v.shape(z)
    out = [
        Equation(label, mu, f"{mu} = (1/m) Σ_i {z}", f"{full} → {col}", val(mu)),
        Equation(label, s2, f"{s2} = (1/m) Σ_i ({z} − {mu})²", f"{full} → {col}", val(s2)),
        Equation(label, zh, f"{zh} = ({z} − {mu}) / √({s2} + ε)   [ε = {bn.eps:g}]",
                 f"({full} − {col}) / {col} → {full}", val(zh)),
        Equation(label, zt, f"{zt} = gamma[{l}] ⊙ {zh} + beta[{l}]", f"{col} ⊙ {full} + {col} → {full}", val(zt)),
    ]
    running = ""
    if ran and l in sim.running:
        r_mu, r_var = sim.running[l]
        running = f"‖running_mu‖ = {fmt(norm(r_mu))}   ‖running_var‖ = {fmt(norm(r_var))}"
    out.append(Equation(label, f"running[{l}]", f"running_mu, running_var := ρ·old + (1 − ρ)·({mu}, {s2})   "
                        f"[ρ = {bn.momentum:g}]", f"{col} → {col}", running))
    p = sim.dropout[l - 1]
    if p:  # dropout after batch norm: this iteration's mask and the inverted scaling (as equations.py shows it)
        mk = f"M[{l}]"
        M = v.arrays.get(mk) if ran else None
        out.append(Equation(label, mk, f"{mk} = [u ≥ p], u ~ U(0,1), p = {p:g}",
                            f"→ {v.shape(mk)}", "" if M is None else f"dropped {percent(1.0 - float(M.mean()))}"))
        out.append(Equation(label, a, f"{a} = {g.forward_formula(zt)} ⊙ {mk} / (1 − p)",
                            f"{full} ⊙ {v.shape(mk)} → {v.shape(a)}", a_value))
    elif k:
        src = f"A[{l - k}]"
        out.append(Equation(label, a, f"{a} = {g.forward_formula(zt)} + {src}",
                            f"{full} + {v.shape(src)} → {v.shape(a)}", a_value))
    else:
        out.append(Equation(label, a, f"{a} = {g.forward_formula(zt)}", f"{full} → {v.shape(a)}", a_value))
    return out


def backward_lines(sim: "Simulation", v: "_View", l: int, ran: bool) -> list["Equation"]:
    """dZtilde, dgamma, dbeta, dZhat and dZ[l] with the batch terms (the lines before dW[l])."""
    from .equations import Equation

    label, g = f"backward l={l}", sim.acts[l - 1]
    da, dzt, dg, dbt, dzh, dz, zt, zh, s2, a = (
        f"{n}[{l}]" for n in ("dA", "dZtilde", "dgamma", "dbeta", "dZhat", "dZ", "Ztilde", "Zhat", "sigma2", "A"))
    val: Callable[[str], str] = v.value if ran else (lambda name: "")
    full, col = v.shape(dz), v.shape(f"mu[{l}]")
    p = sim.dropout[l - 1]  # dropout: dA[l] goes through the mask and the scale before g'
    rhs, operands = g.backward_formula(f"{da} ⊙ M[{l}] / (1 − p)" if p else da, zt, a)
    names = {"dA": da, "Z": zt, "A": a}
    shapes = " ⊙ ".join(v.shape(names[o]) for o in operands.split()) + (f" ⊙ {v.shape(f'M[{l}]')}" if p else "")
    return [
        Equation(label, dzt, f"{dzt} = {rhs}", f"{shapes} → {full}", val(dzt)),
        Equation(label, dg, f"{dg} = Σ_i {dzt} ⊙ {zh}", f"{full} ⊙ {full} → {col}", val(dg)),
        Equation(label, dbt, f"{dbt} = Σ_i {dzt}", f"{full} → {col}", val(dbt)),
        Equation(label, dzh, f"{dzh} = gamma[{l}] ⊙ {dzt}", f"{col} ⊙ {full} → {full}", val(dzh)),
        Equation(label, dz, f"{dz} = ({dzh} − mean_i {dzh} − {zh} ⊙ mean_i({dzh} ⊙ {zh})) / √({s2} + ε)",
                 f"{full} → {full}", val(dz)),
    ]


def db_note(sim: "Simulation", l: int) -> str:
    """What the db[l] line adds on a batch-norm layer: why it is 0 (shown, not hidden)."""
    return "   (0 up to rounding: mu absorbs b)" if sim.bns[l - 1] is not None else ""
