"""The NumPy export's lines for a batch-norm layer (engine/batchnorm.py): the same operations in the same
order as the engine, so the script's J, W[l], b[l], gamma[l], beta[l] equal gradsim's bit for bit."""

from __future__ import annotations

from .common import lit


def setup(sim) -> list[str]:
    """gamma[l] = 1, beta[l] = 0 and the running statistics (0, 1) of every batch-norm layer, after W, b."""
    if not any(bn is not None for bn in sim.bns):
        return []
    out = ["gamma, beta = [None] * (L + 1), [None] * (L + 1)  # batch norm's scale and shift (index l)",
           "running_mu, running_var = [None] * (L + 1), [None] * (L + 1)  # its running statistics",
           "mu, sigma2, Zhat, Ztilde, dZtilde, dZhat, dgamma, dbeta = ([None] * (L + 1) for _ in range(8))"]
    for l, bn in enumerate(sim.bns, 1):
        if bn is not None:
            n = sim.n[l]
            out += [f"gamma[{l}], beta[{l}] = np.ones(({n}, 1)), np.zeros(({n}, 1))",
                    f"running_mu[{l}], running_var[{l}] = np.zeros(({n}, 1)), np.ones(({n}, 1))"]
    return out


def state_lines(sim) -> list[str]:
    """The optimiser's state slots for gamma[l], beta[l]."""
    layers = [l for l, bn in enumerate(sim.bns, 1) if bn is not None]
    if not layers:
        return []
    return [f'state.update({{(k, l): {{s: np.zeros_like(P[l]) for s in slots}} for k, P in (("gamma", gamma), '
            f'("beta", beta)) for l in {layers!r}}})']


def forward(sim, l: int, g, kw: str, skip: int) -> list[tuple[str, str]]:
    """After Z[l]: mu, sigma2, Zhat, Ztilde, the running statistics, then A[l] = g(Ztilde[l]) (+ A[l−k]; or
    ⊙ M[l] / (1 − p) with dropout)."""
    bn = sim.bns[l - 1]
    eps, rho = lit(bn.eps), lit(bn.momentum)
    out = [(f"mu[{l}] = Z[{l}].mean(axis=1, keepdims=True)", f"mu[{l}] = (1/m) Σ_i Z[{l}]"),
           (f"sigma2[{l}] = ((Z[{l}] - mu[{l}]) ** 2).mean(axis=1, keepdims=True)",
            f"sigma2[{l}] = (1/m) Σ_i (Z[{l}] − mu[{l}])²"),
           (f"Zhat[{l}] = (Z[{l}] - mu[{l}]) / np.sqrt(sigma2[{l}] + {eps})", f"Zhat[{l}] = (Z[{l}] − mu[{l}]) / √(sigma2[{l}] + ε)"),
           (f"Ztilde[{l}] = gamma[{l}] * Zhat[{l}] + beta[{l}]", f"Ztilde[{l}] = gamma[{l}] ⊙ Zhat[{l}] + beta[{l}]"),
           (f"running_mu[{l}] = {rho} * running_mu[{l}] + (1.0 - {rho}) * mu[{l}]", "running statistics, ρ = momentum"),
           (f"running_var[{l}] = {rho} * running_var[{l}] + (1.0 - {rho}) * sigma2[{l}]", "")]
    formula = g.forward_formula(f"Ztilde[{l}]")
    out.append((f"G[{l}] = {g.name}(Ztilde[{l}]{kw})", f"G[{l}] = {formula}"))
    p = sim.dropout[l - 1]
    if p:  # dropout after batch norm: the mask from (seed, t, l), as gradsim draws it (engine/dropout.py)
        out += [(f"M[{l}] = (np.random.default_rng([seed, t, {l}]).random(Z[{l}].shape) >= {p!r}).astype(np.float64)",
                 f"M[{l}]: each entry 0 (dropped) with probability p = {p:g}"),
                (f"A[{l}] = G[{l}] * M[{l}] / (1 - {p!r})", f"A[{l}] = {formula} ⊙ M[{l}] / (1 − p)")]
    elif skip:
        out.append((f"A[{l}] = G[{l}] + A[{l - skip}]", f"A[{l}] = {formula} + A[{l - skip}]   (the skip)"))
    else:
        out.append((f"A[{l}] = G[{l}]", f"A[{l}] = {formula}"))
    return out


def backward(sim, l: int, g, kw: str) -> list[tuple[str, str]]:
    """dZtilde, dgamma, dbeta, dZhat, then dZ[l] with the batch terms."""
    eps = lit(sim.bns[l - 1].eps)
    p = sim.dropout[l - 1]
    da, shown = (f"(dA[{l}] * M[{l}] / (1 - {p!r}))", f"dA[{l}] ⊙ M[{l}] / (1 − p)") if p else (f"dA[{l}]", f"dA[{l}]")
    if g.identity:
        code = f"dZtilde[{l}] = {da}"
    else:
        code = f"dZtilde[{l}] = {da} * {g.name}_prime(Ztilde[{l}], G[{l}]{kw})"
    return [(code, f"dZtilde[{l}] = " + g.backward_formula(shown, f"Ztilde[{l}]", f"A[{l}]")[0]),
            (f"dgamma[{l}] = (dZtilde[{l}] * Zhat[{l}]).sum(axis=1, keepdims=True)", f"dgamma[{l}] = Σ_i dZtilde[{l}] ⊙ Zhat[{l}]"),
            (f"dbeta[{l}] = dZtilde[{l}].sum(axis=1, keepdims=True)", f"dbeta[{l}] = Σ_i dZtilde[{l}]"),
            (f"dZhat[{l}] = gamma[{l}] * dZtilde[{l}]", f"dZhat[{l}] = gamma[{l}] ⊙ dZtilde[{l}]"),
            (f"dZ[{l}] = (dZhat[{l}] - dZhat[{l}].mean(axis=1, keepdims=True) - Zhat[{l}] * (dZhat[{l}] * Zhat[{l}])"
             f".mean(axis=1, keepdims=True)) / np.sqrt(sigma2[{l}] + {eps})", "dZ: the full backward, with the batch terms")]


def update_lines(sim) -> list[str]:
    return [f'    gamma[{l}] = update(gamma[{l}], dgamma[{l}], state["gamma", {l}], t)\n'
            f'    beta[{l}] = update(beta[{l}], dbeta[{l}], state["beta", {l}], t)'
            for l, bn in enumerate(sim.bns, 1) if bn is not None]


def saved(sim) -> str:
    """The extra arrays of the script's output .npz: gamma<l>, beta<l>."""
    return "".join(f", gamma{l}=gamma[{l}], beta{l}=beta[{l}]" for l, bn in enumerate(sim.bns, 1) if bn is not None)
