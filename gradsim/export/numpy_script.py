"""A scenario as one standalone NumPy script in the lecture's notation (no gradsim import).

Every g[l], g'[l], the loss, the initialiser's draw and the optimiser's update are the registry entries' own
NumPy snippets (``np_g``, ``np_dg``, ``np_J``, ``np_dA``, ``np_draw``, ``np_update``), written as the same
operations in the same order as the engine, so the script's J and arrays equal gradsim's to rounding (in
practice bit for bit). The loop is unrolled for this net: forward l = 1..L, the loss, backward l = L..1,
the update, each line with the lecture's equation beside it. X, Y and any explicit W[l], b[l] go in a
.npz beside the script; drawn W[l] are drawn again by the script from the same seeded generator.
"""

from __future__ import annotations

import numpy as np

from ..engine.network import skip_sources
from ..engine.projection import ws_spec
from . import batchnorm_lines, projection_lines
from .common import Plan, batch_lines, define, header, kwargs, lit, params_sig


def _aligned(pairs: list[tuple[str, str]], indent: str) -> list[str]:
    width = max(len(code) for code, _ in pairs)
    return [indent + (f"{code:<{width}}  # {comment}" if comment else code) for code, comment in pairs]


def transform_defs(sim) -> list[str]:
    """The helpers the [[transform]] lines use: gradsim's norm (engine/stats.norm in its normal range)."""
    if not sim.transforms:
        return []
    return ["", "", "import math", "", "",
            define("norm", "a", "‖a‖, the Frobenius norm, summed as gradsim sums it (so clipping matches to the bit).",
                   "f = a.reshape(-1)\nmath.sqrt(float(np.add.reduce(f * f)))")]


def schedule_defs(sim) -> list[str]:
    """alpha_0 = α and the function α(t) of the [optimizer.schedule] table (nothing for a constant α)."""
    sch = sim.optimizer.schedule
    if sch.constant:
        return []
    entry = sch.entry
    head = ["", "", "import math"] if "math." in entry.np_rate else []
    return head + ["", "", f"# ---- the learning-rate schedule: {sch.describe()}" + (f", {entry.source}" if entry.source else ""),
                   define("schedule", "alpha, t", f"{entry.formula}: {entry.rule}; t = 1, 2, ...",
                          entry.np_rate.format(**{p.name: str(int(v)) if p.integer else lit(v)
                                                  for p, v in zip(entry.params, map(sch.values().get, (q.name for q in entry.params)))})),
                   "", "", "alpha_0 = alpha  # the base rate α; alpha is α(t) inside the loop"]


def schedule_line(sim, indent: str) -> list[str]:
    sch = sim.optimizer.schedule
    return [] if sch.constant else [f"{indent}alpha = schedule(alpha_0, t)  # {sch.entry.formula}"]


def _code(spec, text: str) -> str:
    return text.format(**{k: lit(v) for k, v in spec.values().items()})


def penalty_lines(sim) -> list[tuple[str, str]]:
    """J := J + each transform's penalty (weight decay's λ/(2m)·Σ‖W[l]‖²)."""
    return [(f"J = J + {_code(t, t.entry.np_penalty)}", f"J_reg = {t.entry.penalty_formula} ({t.name})")
            for t in sim.transforms.specs if t.entry.penalty is not None]


def transform_lines(sim, indent: str) -> list[str]:
    """The [[transform]] tables in order, each rewriting the gradients before the optimiser's step: on the
    list of every gradient in gradsim's order (engine/transforms.Chain: batch norm's dgamma, dbeta too; a
    ``weights_only`` transform's own lines leave them alone), then back into dW, db (dgamma, dbeta)."""
    if not sim.transforms:
        return []
    keys = sim.param_keys
    params, grads = ", ".join(keys), ", ".join("d" + k for k in keys)
    out = [f"{indent}# the gradient transformations, in the scenario's order, on every gradient in gradsim's order",
           f"{indent}params = [{params}]",
           f"{indent}grads = [{grads}]"]
    for t in sim.transforms.specs:
        out.append(f"{indent}# {t.describe()}: {t.entry.rule}")
        out += [indent + line for line in _code(t, t.entry.np_apply).split("\n")]
    out.append(f"{indent}{grads} = grads")
    return out


def numpy_script(plan: Plan, script_name: str, data_name: str, out_name: str) -> tuple[str, dict[str, np.ndarray]]:
    """(the script's text, the arrays of the .npz beside it)."""
    sim, L, n = plan.sim, plan.L, plan.n
    sc = plan.scenario
    loss, opt = sim.loss, sim.optimizer
    arrays: dict[str, np.ndarray] = {"X": sim.X, "Y": sim.Y}
    out: list[str] = [s.replace("{script}", script_name) for s in header(plan, "a standalone NumPy script",
                                                                          data_name, out_name)]
    out += ["", "import sys", "from pathlib import Path", "", "import numpy as np", "",
            "HERE = Path(__file__).resolve()",
            f'data = np.load(HERE.with_name("{data_name}"))',
            f'X, Y = data["X"], data["Y"]  # examples are columns: X is (n[0], m) = {sim.X.shape}, Y is (n[L], m) = '
            f'{sim.Y.shape}',
            f"n = {n}",
            f"L = {L}",
            "m_all = X.shape[1]",
            f"seed = {sim.seed}",
            f"iterations = {plan.iterations}",
            f"stop_below = {None if sc.run.stop_below is None else lit(sc.run.stop_below)}",
            f"stop_on_blowup = {sc.run.stop_on_blowup}",
            f"alpha = {lit(opt.learning_rate)}  # the learning rate α"]
    hp = opt.values()
    symbols = {p.name: p.symbol or p.name for p in opt.entry.params}
    out += [f"{k} = {lit(v)}  # {symbols[k]}" for k, v in hp.items()]
    out += batch_lines(plan, "X")
    out += transform_defs(sim)
    out += schedule_defs(sim)

    # g[l] and g'[l]: one definition per entry, its parameters as arguments
    out += ["", "", "# ---- the activations g[l] and their derivatives g'[l](Z[l]), given the cached Z[l] and A[l]"]
    seen: set[str] = set()
    fused = loss.fused_with == sim.acts[-1].name
    for l, g in enumerate(sim.acts, 1):
        if g.name in seen:
            continue
        seen.add(g.name)
        sig = params_sig(dict(g.values))
        out += ["", "", define(g.name, "Z" + sig, f"A = {g.forward_formula('Z')}", g.np_g)]
        used_backward = any(h.name == g.name for h in sim.acts[:-1]) or not fused
        if used_backward and not g.identity:
            if g.jvp is not None:
                out += ["", "", define(f"{g.name}_backward", "dA, A" + sig, f"dZ = {g.backward_formula('dA', 'Z', 'A')[0]}",
                                       g.np_dg)]
            else:
                out += ["", "", define(f"{g.name}_prime", "Z, A" + sig, g.derivative, g.np_dg)]

    out += ["", "", f"# ---- the loss: J = (1/m) Σ_i L(ŷ(i), y(i)), L = {loss.formula}", "", "",
            define(f"{loss.name}_cost", "Z, A, Y", f"J for ŷ = A = A[L] (Z = Z[L]): (1/m) Σ_i {loss.formula}",
                   loss.np_J)]
    if not fused:
        out += ["", "", define(f"{loss.name}_dA", "A, Y", "dA[L] = ∂J/∂A[L] = " + loss.dA_formula.format(L="L"),
                               loss.np_dA)]

    # the initial W[l], b[l]: the same draw from the same generator, layer by layer
    out += ["", "", "# ---- the initial W[l] (n[l], n[l-1]) and b[l] (n[l], 1): gradsim's draw, from the same generator"]
    seen = set()
    for l, spec in enumerate(sim.init, 1):
        spec = ws_spec(spec) if sim.projs[l - 1] and spec.W is not None else spec  # Ws[l] is drawn by it too
        if (spec.W is None or sim.projs[l - 1]) and spec.name not in seen:
            seen.add(spec.name)
            from ..engine.init import get_initializer

            entry = get_initializer(spec.name)
            out += ["", "", define(spec.name, "rng, n_out, n_in" + params_sig(spec.values()), entry.formula,
                                   entry.np_draw)]
    out += ["", "", "rng = np.random.default_rng(seed)",
            "W = [None] * (L + 1)  # W[l], b[l] for l = 1..L (index 0 unused, as in the lecture)",
            "b = [None] * (L + 1)"]
    for l, spec in enumerate(sim.init, 1):
        if spec.W is not None:
            arrays[f"W{l}"] = sim.params[2 * (l - 1)]
            out.append(f'W[{l}] = data["W{l}"]  # given in the scenario')
        else:
            out.append(f"W[{l}] = {spec.name}(rng, {n[l]}, {n[l - 1]}{kwargs(spec.values())})")
        if spec.b is not None:
            arrays[f"b{l}"] = sim.params[2 * (l - 1) + 1]
            out.append(f'b[{l}] = data["b{l}"]  # given in the scenario')
        else:
            out.append(f"b[{l}] = np.full(({n[l]}, 1), {lit(spec.bias)})")

    out += batchnorm_lines.setup(sim)
    out += projection_lines.setup(sim, kwargs)
    entry = opt.entry
    out += ["", "", f"# ---- the optimiser: {opt.name}" + (f" ({entry.source})" if entry.source else ""), "", "",
            define("update", "p, dp, state, t", f"{entry.rule}, for p = W[l] or b[l] with gradient dp = dW[l] or "
                   f"db[l] at iteration t;\n    "
                   + (f"state holds p's own {', '.join(entry.slots)}." if entry.slots else f"{opt.name} keeps no state."),
                   entry.np_update),
            "", "",
            f"slots = {tuple(entry.slots)!r}",
            'state = {(k, l): {s: np.zeros_like(P[l]) for s in slots} for k, P in (("W", W), ("b", b))',
            "         for l in range(1, L + 1)}",
            *batchnorm_lines.state_lines(sim),
            *projection_lines.state_lines(sim),
            "", "",
            define("finite", "*arrays", "True when every entry of every array is a finite number.",
                   "all(np.isfinite(a).all() for a in arrays)"),
            "", "",
            'np.seterr(all="ignore")  # inf/NaN is a result (gradsim calls it a blow-up), checked after each iteration',
            "Z, A, dZ, dA, dW, db = ([None] * (L + 1) for _ in range(6))",
            *(["G = [None] * (L + 1)  # g(Z[l]) (g(Ztilde[l])) of the layers with a skip, dropout or batch norm"]
              if any(sim.skips) or any(sim.dropout) or any(bn is not None for bn in sim.bns) else []),
            *(["M = [None] * (L + 1)  # dropout masks: M[l] = 1 keeps a unit of an example, 0 drops it"]
              if any(sim.dropout) else []),
            "J_history = []",
            'stopped = f"{iterations} iterations"',
            "for t in range(1, iterations + 1):"]
    if sim.batches.full:
        out.append("    A[0], Yb = X, Y  # batch gradient descent: every example, every iteration")
    else:
        out += ["    idx = batch(t)", "    A[0], Yb = X[:, idx], Y[:, idx]  # this iteration's mini-batch"]
    out.append("    m = Yb.shape[1]")

    body: list[tuple[str, str]] = [("# forward l = 1..L", "")]
    skips, into = sim.skips, skip_sources(sim.skips)
    for l, g in enumerate(sim.acts, 1):
        kw = kwargs(dict(g.values))
        body.append((f"Z[{l}] = W[{l}] @ A[{l - 1}] + b[{l}]",
                     f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]   ({n[l]}, {n[l - 1]})·({n[l - 1]}, m) + ({n[l]}, 1)"))
        p = sim.dropout[l - 1]
        if sim.bns[l - 1] is not None:  # batch norm (export/batchnorm_lines.py)
            body += batchnorm_lines.forward(sim, l, g, kw, skips[l - 1])
        elif p:  # dropout: the mask is drawn from (seed, t, l) alone, as gradsim draws it (engine/dropout.py)
            body += [(f"G[{l}] = {g.name}(Z[{l}]{kw})", f"G[{l}] = {g.forward_formula(f'Z[{l}]')}"),
                     (f"M[{l}] = (np.random.default_rng([seed, t, {l}]).random(Z[{l}].shape) >= {p!r}).astype(np.float64)",
                      f"M[{l}]: each entry 0 (dropped) with probability p = {p:g}"),
                     (f"A[{l}] = G[{l}] * M[{l}] / (1 - {p!r})" + (f" + {projection_lines.skip_term(sim, l)[0]}" if skips[l - 1] else ""),
                      f"A[{l}] = {g.forward_formula(f'Z[{l}]')} ⊙ M[{l}] / (1 − p)"
                      + (f" + {projection_lines.skip_term(sim, l)[1]}   (the skip, not dropped)" if skips[l - 1] else ""))]
        elif skips[l - 1]:  # a residual connection: g(Z[l]) is kept, since g' reads it, not A[l]
            code, shown = projection_lines.skip_term(sim, l)  # A[l−k], or Ws[l] A[l−k] through a projection
            body += [(f"G[{l}] = {g.name}(Z[{l}]{kw})", f"G[{l}] = {g.forward_formula(f'Z[{l}]')}"),
                     (f"A[{l}] = G[{l}] + {code}", f"A[{l}] = {g.forward_formula(f'Z[{l}]')} + {shown}   (the skip)")]
        else:
            body.append((f"A[{l}] = {g.name}(Z[{l}]{kw})", f"A[{l}] = {g.forward_formula(f'Z[{l}]')}"))
    body += [("# the loss", ""),
             (f"J = {loss.name}_cost(Z[{L}], A[{L}], Yb)", f"J = (1/m) Σ_i L(ŷ(i), y(i)), ŷ = A[{L}]"),
             *penalty_lines(sim),
             ("J_history.append(J)", ""),
             ("# backward l = L..1", "")]
    for l in range(L, 0, -1):
        g = sim.acts[l - 1]
        kw = kwargs(dict(g.values))
        a = f"G[{l}]" if skips[l - 1] or sim.dropout[l - 1] else f"A[{l}]"  # g(Z[l])
        p = sim.dropout[l - 1]
        da = f"(dA[{l}] * M[{l}] / (1 - {p!r}))" if p else f"dA[{l}]"  # dropout: the mask and scale before g'
        if sim.bns[l - 1] is not None:
            body += batchnorm_lines.backward(sim, l, g, kw)
        elif l == L and fused:
            body.append((f"dZ[{L}] = (A[{L}] - Yb) / m", f"dZ[{L}] = (A[{L}] − Y)/m: {g.name} and {loss.name} fuse"))
        else:
            if l == L:
                body.append((f"dA[{L}] = {loss.name}_dA(A[{L}], Yb)",
                             f"dA[{L}] = ∂J/∂A[{L}] = " + loss.dA_formula.format(L=L)))
            if g.jvp is not None:
                code = f"dZ[{l}] = {g.name}_backward({da}, {a}{kw})"
            elif g.identity:
                code = f"dZ[{l}] = {da}"
            else:
                code = f"dZ[{l}] = {da} * {g.name}_prime(Z[{l}], {a}{kw})"
            shown = f"dA[{l}] ⊙ M[{l}] / (1 − p)" if p else f"dA[{l}]"
            body.append((code, f"dZ[{l}] = " + g.backward_formula(shown, f"Z[{l}]", f"A[{l}]")[0]))
        body += [(f"dW[{l}] = dZ[{l}] @ A[{l - 1}].T", f"dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ   (the 1/m is in dZ)"),
                 (f"db[{l}] = dZ[{l}].sum(axis=1, keepdims=True)", f"db[{l}] = Σ_i dZ[{l}]"),
                 *projection_lines.backward(sim, l),
                 (f"dA[{l - 1}] = W[{l}].T @ dZ[{l}]" + "".join(f" + {projection_lines.through(sim, j)[0]}" for j in into[l - 1]),
                  f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]" + "".join(f" + {projection_lines.through(sim, j)[1]} (the skip of layer {j})"
                                                        for j in into[l - 1]))]
    out += _aligned(body, "    ")
    out += transform_lines(sim, "    ")
    out += schedule_line(sim, "    ")
    out += [f"    # the update: {entry.rule}",
            "    for l in range(1, L + 1):",
            '        W[l] = update(W[l], dW[l], state["W", l], t)',
            '        b[l] = update(b[l], db[l], state["b", l], t)',
            *batchnorm_lines.update_lines(sim),
            *projection_lines.update_lines(sim),
            f"    if t == 1 or t % {plan.every} == 0:",
            '        print(f"iteration {t:6d}   J = {J:.12g}")',
            "    # gradsim's stop rules, in its order",
            "    if not finite(*W[1:], *b[1:]):",
            '        stopped = f"halted at iteration {t}: the parameters are no longer finite"',
            "        break",
            "    if stop_on_blowup and not finite(np.float64(J), *Z[1:], *A[1:], *dZ[1:], *dW[1:], *db[1:], "
            + ("*dA[:L]):" if fused else "*dA):"),
            '        stopped = f"blow-up at iteration {t}: a value went to inf/NaN"',
            "        break",
            "    if stop_below is not None and J < stop_below:",
            '        stopped = f"J < {stop_below:g} at iteration {t}"',
            "        break",
            "",
            f'out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.with_name("{out_name}")',
            "np.savez(out, J=np.array(J_history), **{f\"W{l}\": W[l] for l in range(1, L + 1)},",
            "         **{f\"b{l}\": b[l] for l in range(1, L + 1)}" + batchnorm_lines.saved(sim)
            + projection_lines.saved(sim) + ")",
            'print(f"{stopped}; J = {J_history[-1]:.12g}; J and the final W[l], b[l] saved to {out}")',
            ""]
    return "\n".join(_tidy(out)), arrays


def _tidy(lines: list[str]) -> list[str]:
    """No blank lines between a section comment and the definition under it."""
    out: list[str] = []
    for line in "\n".join(lines).split("\n"):
        if line == "" and out and out[-1].startswith("# ----"):
            continue
        out.append(line)
    return out
