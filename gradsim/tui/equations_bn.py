"""The equation panel's worked numbers for a batch-norm layer (engine/batchnorm.py): the first entry of
Zhat, Ztilde and A = g(Ztilde) forward, of dZtilde and dZ backward, and which cached values each reuses.
``tui/equations`` calls these for a layer with batch norm; plain layers keep their own lines."""

from __future__ import annotations

import math

from ..display import num
from .state import NetInfo, Snapshot

Line = list[tuple[str, str]]


def _f(snap: Snapshot, name: str) -> float | None:
    a = snap.get(name)
    return None if a is None or a.size == 0 else float(a.flat[0])


def _p(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def forward_worked(info: NetInfo, snap: Snapshot, l: int) -> list[Line]:
    """After Z[l][0,0]: its normalisation over the batch, the scale and shift, and g."""
    z, mu, s2, zh, zt, a = (_f(snap, f"{n}[{l}]") for n in ("Z", "mu", "sigma2", "Zhat", "Ztilde", "A"))
    gamma, beta = _f(snap, f"gamma[{l}]"), _f(snap, f"beta[{l}]")
    if None in (z, mu, s2, zh, zt, a, gamma, beta):
        return []
    g = info.acts[l - 1]
    m = snap.get(f"Z[{l}]").shape[1]
    lines: list[Line] = [
        [(f"mu[{l}][0] = ", "name"), (f"the mean of Z[{l}]'s row 0 over the batch's {m} columns = ", ""), (num(mu), "value"),
         ("   sigma2[" + str(l) + "][0] = ", "name"), (num(s2), "value")],
        [(f"Zhat[{l}][0,0] = ", "name"), (f"({num(z, 4)} − {_p(num(mu, 4))}) / √({num(s2, 4)} + ε)", ""), (" = ", ""),
         (num(zh), "value")],
        [(f"Ztilde[{l}][0,0] = ", "name"), (f"{num(gamma, 4)}·{_p(num(zh, 4))} + {_p(num(beta, 4))}", ""), (" = ", ""),
         (num(zt), "value")],
    ]
    k, p = info.skip(l), info.drop(l)
    skip = _f(snap, f"A[{l - k}]") if k else None
    m0 = _f(snap, f"M[{l}]") if p else None
    worked = f"{g.symbol}({num(zt)})" + (f" + {_p(num(skip))}" if skip is not None else "") \
        + (f"·{num(m0)}/{num(1.0 - p)}" if m0 is not None else "")
    lines.append([(f"A[{l}][0,0] = ", "name"), (worked, ""), (" = ", ""),
                  (num(a), "value" if math.isfinite(a) else "warn")]
                 + ([(f"   (M[{l}][0,0] = {num(m0)}: " + ("kept, scaled by 1/(1 − p))" if m0 else "dropped)"), "note")]
                    if m0 is not None else []))
    lines.append([(f"every column is normalised with the batch's mu[{l}], sigma2[{l}]: b[{l}] cancels out, and "
                   f"the running statistics (for J_full, J_test) move towards them", "note")])
    lines.append([(f"cached for backprop: Zhat[{l}], sigma2[{l}], Ztilde[{l}] (g'[{l}] reuses Ztilde[{l}], "
                   f"dgamma[{l}] and dZ[{l}] reuse Zhat[{l}])", "note")])
    return lines


def backward_worked(info: NetInfo, snap: Snapshot, l: int) -> list[Line]:
    """dZtilde[l][0,0] from dA, then the batch terms that turn dZhat into dZ."""
    g = info.acts[l - 1]
    da, dzt, dzh, dz = (_f(snap, f"{n}[{l}]") for n in ("dA", "dZtilde", "dZhat", "dZ"))
    dgamma, dbeta, db = (_f(snap, f"{n}[{l}]") for n in ("dgamma", "dbeta", "db"))
    lines: list[Line] = [[(f"g'[{l}]: {g.derivative}, at the cached Ztilde[{l}] (not Z[{l}]); dA[{l}] came from "
                           f"backward l={l + 1}", "note")]]
    if None in (da, dzt, dzh, dz):
        return lines
    m0, p = (_f(snap, f"M[{l}]"), info.drop(l)) if info.drop(l) else (None, 0.0)
    mask = f"·{num(m0)}/{num(1.0 - p)}" if m0 is not None else ""  # dropout: the mask and the scale before g'
    lines.append([(f"dZtilde[{l}][0,0] = ", "name"), (f"{_p(num(da, 4))}{mask}·g'", ""), (" = ", ""), (num(dzt), "value"),
                  (f"   dZhat[{l}][0,0] = gamma·dZtilde = ", "name"), (num(dzh), "value")])
    lines.append([(f"dZ[{l}][0,0] = ", "name"), (num(dz), "value"),
                  (f"   differs from dZhat/√(sigma2 + ε): the batch terms − mean(dZhat) − Zhat ⊙ mean(dZhat ⊙ Zhat) "
                   f"carry how every column moves mu[{l}] and sigma2[{l}]", "note")])
    if dgamma is not None and dbeta is not None and db is not None:
        lines.append([(f"dgamma[{l}][0] = ", "name"), (num(dgamma), "value"), (f"   dbeta[{l}][0] = ", "name"),
                      (num(dbeta), "value"), (f"   db[{l}][0] = ", "name"), (num(db), "value"),
                      ("  (0 up to rounding: mu absorbs b)", "note")])
    return lines
