"""The equation panel's text: the lecture's equation of each phase, then the numbers worked out.

The first lines are ``gradsim.equations`` — the very lines ``gradsim step`` prints, formula, live shapes
and norms — taken in the snapshot by the thread that owns the simulation. Below them come what a panel
has room for: the first entry computed with its numbers substituted, the chain rule, and which cached
values each gradient reuses.

``phase_lines(info, snap)`` returns lines; each line is a list of ``(text, role)`` pieces, role one of
"" (plain), "eq" (an equation), "name" (an array), "shape", "value", "note", "warn". The panel maps roles
to theme styles; the tests read the plain text (``text_of``).
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import OPTIMIZERS
from ..engine.losses import LOSSES
from ..display import num, shape
from . import equations_bn
from .state import NetInfo, Snapshot

Piece = tuple[str, str]
Line = list[Piece]

TERMS = 3  # terms of a sum written out before the ellipsis


def text_of(lines: list[Line]) -> str:
    """The plain text of some lines."""
    return "\n".join("".join(t for t, _ in line) for line in lines)


def _first(a: np.ndarray | None) -> float | None:
    return None if a is None or a.size == 0 else float(a.flat[0])


def _skip_entry(info, snap, l: int) -> float | None:
    """Entry [0,0] of what layer l's skip adds: A[l−k][0,0], or (Ws[l]·A[l−k])[0,0] through a projection."""
    A = snap.get(f"A[{l - info.skip(l)}]")
    if A is None or not A.size:
        return None
    if not info.proj(l):
        return _first(A)
    Ws = snap.get(f"Ws[{l}]")
    return None if Ws is None or not Ws.size else float(Ws[0] @ A[:, 0])


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _sum_terms(w: np.ndarray, a: np.ndarray, b: float) -> str:
    """w·a + b written out: 0.12·0.5 + (−0.3)·1.2 + … + 0.1."""
    parts = [f"{_paren(num(w[i], 4))}·{_paren(num(a[i], 4))}" for i in range(min(len(w), TERMS))]
    if len(w) > TERMS:
        parts.append(f"… ({len(w) - TERMS} more)")
    parts.append(_paren(num(b, 4)))
    return " + ".join(parts)


def shared_lines(snap: Snapshot) -> list[Line]:
    """``gradsim step``'s lines for this phase, aligned, without the phase label (the panel's title)."""
    eqs = snap.equations
    if not eqs:
        return []
    wf = max(len(e.formula) for e in eqs)
    shapes = [e.shapes for e in eqs]
    ws = max(len(s) for s in shapes)
    out = []
    for e, s in zip(eqs, shapes):
        line: Line = [(e.formula.ljust(wf), "eq"), ("   ", ""), (s.ljust(ws) if e.value else s, "shape")]
        if e.value:
            line += [("   ", ""), (e.value, "value")]
        out.append(line)
    return out


def phase_lines(info: NetInfo, snap: Snapshot) -> list[Line]:
    """What the last phase computed: the shared equations, then the worked numbers and the reuse."""
    phase = snap.phase
    if phase is None:
        return _start_lines(info, snap)
    lines = shared_lines(snap)
    if phase.kind == "forward":
        extra = _forward_lines(info, snap, phase.layer)
    elif phase.kind == "loss":
        extra = _loss_lines(info, snap)
    elif phase.kind == "backward":
        extra = _backward_lines(info, snap, phase.layer)
    else:
        extra = _update_lines(info, snap)
    return lines + extra


def _start_lines(info: NetInfo, snap: Snapshot) -> list[Line]:
    t = snap.iteration if snap.iteration else 1
    what = {"batch": f"all m = {info.m} examples", "stochastic": "one example (stochastic gradient descent)",
            "mini-batch": f"a mini-batch of {info.batch} of the m = {info.m} examples"}[info.batch_kind]
    return [
        [("Iteration ", ""), (str(t), "value"), (" is about to start on ", ""), (what, "value"),
         (": A[0] = X, one column per example.", "")],
        [("next, forward l=1 (space):", "note")],
    ] + shared_lines(snap)


def _forward_lines(info: NetInfo, snap: Snapshot, l: int) -> list[Line]:
    W, b = snap.get(f"W[{l}]"), snap.get(f"b[{l}]")
    A0, Z, A = snap.get(f"A[{l - 1}]"), snap.get(f"Z[{l}]"), snap.get(f"A[{l}]")
    if W is None or A0 is None or Z is None or A is None or b is None:
        return []
    g = info.acts[l - 1]
    lines: list[Line] = []
    z = _first(Z)
    if W.size and A0.size and z is not None and math.isfinite(z):
        lines.append([(f"Z[{l}][0,0] = ", "name"), (_sum_terms(W[0], A0[:, 0], float(b[0, 0])), ""), (" = ", ""),
                      (num(z), "value")])
    else:
        lines.append([(f"Z[{l}][0,0] = ", "name"), (num(z), "warn")])
    a = _first(A)
    if info.bn(l):  # batch norm: Zhat, Ztilde, then g (tui/equations_bn.py)
        return lines + equations_bn.forward_worked(info, snap, l)
    if g.columnwise:  # softmax: every unit of the column enters
        lines.append([(f"A[{l}][0,0] = e^Z[{l}][0,0] / Σ_k e^Z[{l}][k,0] = ", "name"), (num(a), "value")])
    elif info.drop(l) and snap.get(f"M[{l}]") is not None:  # dropout: the mask's entry and the scale
        m0, keep = _first(snap.get(f"M[{l}]")), 1.0 - info.drop(l)
        k = info.skip(l)  # a skip too: A[l−k] (or Ws[l]·A[l−k]) is added after the mask
        skip = _skip_entry(info, snap, l) if k else None
        plus = f" + {_paren(num(skip))}" if skip is not None else ""
        lines.append([(f"A[{l}][0,0] = ", "name"), (f"{g.symbol}({num(z)})·{num(m0)}/{num(keep)}{plus}", ""),
                      (" = ", ""), (num(a), "value"),
                      (f"   (M[{l}][0,0] = {num(m0)}: " + ("kept, scaled by 1/(1 − p))" if m0 else "dropped)"), "note")])
    elif info.skip(l) and _skip_entry(info, snap, l) is not None:  # the skip's term, worked out
        j = l - info.skip(l)
        what = f"(Ws[{l}]·A[{j}])[0,0], through the projection" if info.proj(l) else f"A[{j}]"
        lines.append([(f"A[{l}][0,0] = ", "name"), (f"{g.symbol}({num(z)}) + {_paren(num(_skip_entry(info, snap, l)))}", ""),
                      (" = ", ""), (num(a), "value"), (f"   (the skip adds {what})", "note")])
    else:
        lines.append([(f"A[{l}][0,0] = ", "name"), (f"{g.symbol}({num(z)})", ""), (" = ", ""),
                      (num(a), "value")])
    if Z.shape[1] > 1:
        lines.append([(f"b[{l}] {shape(b)} is added to each of the {Z.shape[1]} columns (broadcasting)", "note")])
    if l == info.L:
        lines.append([(f"ŷ = A[{l}], the network's output; cached for backprop: Z[{l}], A[{l}]", "note")])
    else:
        reused = f"Z[{l}] and {g.symbol}(Z[{l}]), not A[{l}]" if info.skip(l) or info.drop(l) else "them"
        if info.drop(l):
            reused += f"; backprop reuses M[{l}]"
        lines.append([(f"cached for backprop: Z[{l}], A[{l}] (g'[{l}] reuses {reused}, dW[{l + 1}] reuses A[{l}])",
                       "note")])
    return lines


def _column(a: np.ndarray, limit: int = 6) -> str:
    """The first column of ``a``: one number for one output unit, [a, b, c] for several (softmax, multilabel)."""
    col = a[:, 0] if a.ndim == 2 and a.shape[1] else a.reshape(-1)[:1]
    if col.size == 1:
        return num(float(col[0]))
    shown = ", ".join(num(float(v), 4) for v in col[:limit])
    return f"[{shown}{', …' if col.size > limit else ''}]"


def _loss_lines(info: NetInfo, snap: Snapshot) -> list[Line]:
    L = info.L
    Z, A, Y = snap.get(f"Z[{L}]"), snap.get(f"A[{L}]"), snap.get("Y")
    lines: list[Line] = []
    if Z is not None and A is not None and Y is not None:
        cols = Y.shape[1]
        loss = LOSSES[info.loss]
        with np.errstate(all="ignore"):
            terms = [num(loss.value(Z[:, i:i + 1], A[:, i:i + 1], Y[:, i:i + 1]), 4) for i in range(min(cols, TERMS))]
        body = " + ".join(terms) + (f" + … ({cols - TERMS} more)" if cols > TERMS else "")
        J = snap.J
        lines.append([("J = ", "name"), (f"(1/{cols})·({body})" if cols > 1 else body, ""), (" = ", ""),
                      (num(J), "warn" if J is None or not math.isfinite(J) else "value")])
        lines.append([("first example: ŷ(1) = ", "note"), (_column(A), "value"), ("   y(1) = ", "note"),
                      (_column(Y), "value")])
    lines.append([(f"next: backward l={L}, where the chain rule starts from J", "note")])
    return lines


def _backward_lines(info: NetInfo, snap: Snapshot, l: int) -> list[Line]:
    L = info.L
    g = info.acts[l - 1]
    loss = LOSSES[info.loss]
    dZ, dA, A, Y = snap.get(f"dZ[{l}]"), snap.get(f"dA[{l}]"), snap.get(f"A[{l}]"), snap.get("Y")
    if dZ is None:
        return []
    lines: list[Line] = []
    if l == L and loss.fused_with == g.name:
        lines.append([(f"{info.symbols[l - 1]} + {info.loss} fuse: ∂J/∂A[{l}]·∂A[{l}]/∂Z[{l}] = (A[{l}] − Y)/m, "
                       f"reusing the cached A[{l}]", "note")])
        if A is not None and Y is not None:
            lines.append([(f"dZ[{l}][0,0] = ", "name"),
                          (f"({num(_first(A), 4)} − {num(_first(Y), 4)})/{dZ.shape[1]}", ""), (" = ", ""),
                          (num(_first(dZ)), "value")])
    elif info.bn(l):  # batch norm: dZtilde, then dZ with the batch terms (tui/equations_bn.py)
        lines += equations_bn.backward_worked(info, snap, l)
    else:
        # A[l] holds the skip or the mask: g' reads g(Z[l])
        cached = f"{g.symbol}(Z[{l}])" if (info.skip(l) or info.drop(l)) and g.reuses == "A" else f"{g.reuses}[{l}]"
        note = f"g'[{l}]: {g.derivative}" + (f", from the cached {cached} of forward l={l}" if g.reuses else "")
        note += f"; dA[{l}] came from " + ("the loss" if l == L else f"backward l={l + 1}")
        lines.append([(note, "note")])
        da0, dz0 = _first(dA), _first(dZ)
        M = snap.get(f"M[{l}]") if info.drop(l) else None
        if M is not None and da0 is not None and dz0 is not None:  # dropout: the mask and the scale before g'
            m0, keep = _first(M), 1.0 - info.drop(l)
            lines.append([(f"dA[{l}] ⊙ M[{l}] / (1 − p): a dropped unit passes no gradient back, a kept one "
                           f"1/(1 − p) = {num(1 / keep)} of it", "note")])
            s0 = da0 * m0 / keep
            gp = dz0 / s0 if s0 != 0 and math.isfinite(s0) and math.isfinite(dz0) else None
            lines.append([(f"dZ[{l}][0,0] = ", "name"),
                          (f"{_paren(num(da0, 4))}·{num(m0)}/{num(keep)}·" + (_paren(num(gp, 4)) if gp is not None else "g'"), ""),
                          (" = ", ""), (num(dz0), "value")])
        elif not g.columnwise and da0 is not None and dz0 is not None:
            gp = dz0 / da0 if da0 != 0 and math.isfinite(da0) and math.isfinite(dz0) else None
            worked = f"{_paren(num(da0, 4))}·{_paren(num(gp, 4))}" if gp is not None else f"{num(da0, 4)}·g'"
            lines.append([(f"dZ[{l}][0,0] = ", "name"), (worked, ""), (" = ", ""), (num(dz0), "value")])
    src = "the input X" if l == 1 else f"forward l={l - 1}"
    lines.append([(f"chain rule: ∂J/∂W[{l}] = ∂J/∂Z[{l}]·∂Z[{l}]/∂W[{l}] = dZ[{l}]·A[{l - 1}]ᵀ", "eq"),
                  (f"   reuses dZ[{l}] (just computed) and A[{l - 1}] (cached by {src})", "note")])
    if l > 1:
        lines.append([(f"dA[{l - 1}] = W[{l}]ᵀ·dZ[{l}] reuses W[{l}] of this forward pass; "
                       f"backward l={l - 1} starts from it", "note")])
    else:
        lines.append([("dA[0] = W[1]ᵀ·dZ[1] = ∂J/∂X is shown, but no layer below uses it (X is data, not a "
                       "parameter): every gradient of this iteration is known", "note")])
    return lines


def _update_lines(info: NetInfo, snap: Snapshot) -> list[Line]:
    L = info.L
    lr = num(info.rate(snap.iteration))
    lines: list[Line] = []
    if not info.schedule.constant:  # the schedule's α(t) first: the step below uses it
        t = max(snap.iteration, 1)
        lines.append([(f"{info.schedule.entry.formula}", "eq"), (f"   [{info.schedule.describe()}]   ", "note"),
                      (f"α({t}) = ", "name"), (lr, "value")])
    old, dW = snap.get(f"W[{L}]"), snap.get(f"dW[{L}]")
    new = snap.updated.get(f"W[{L}]") if snap.updated else None
    if old is not None and new is not None and dW is not None and old.size:
        entry = OPTIMIZERS[info.optimizer]
        if not entry.slots:  # plain gradient descent: the step is worked out in numbers
            lines.append([(f"W[{L}][0,0] := ", "name"),
                          (f"{num(_first(old), 4)} − {lr}·{_paren(num(_first(dW), 4))}", ""), (" = ", ""),
                          (num(_first(new)), "warn" if not math.isfinite(_first(new)) else "value")])
        else:
            lines.append([(entry.rule, "eq")])
            lines.append([(f"W[{L}][0,0]: ", "name"), (num(_first(old), 4), ""), (" → ", ""),
                          (num(_first(new)), "value")])
    lines.append([("the next iteration's forward pass uses the new W[l], b[l]", "note")])
    if snap.halted:
        lines.append([("the parameters are no longer finite: training has halted", "warn")])
    return lines

