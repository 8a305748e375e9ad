"""A scenario as one PyTorch script: the same net as a float64 ``torch.nn.Module``, the same initial weights
(gradsim's draw, loaded from the .npz beside it), the same data and mini-batch order, the matching loss and
``torch.optim`` optimiser — each from its registry entry's ``torch`` snippet. Autograd does the backward
pass, so its gradients check gradsim's backprop (to 1e-9 after one iteration) and its J gradsim's run.

PyTorch keeps one example per row: the script's X, Z, A are the lecture's transposed, while
``nn.Linear(n[l-1], n[l]).weight`` has exactly W[l]'s shape (n[l], n[l-1]).
"""

from __future__ import annotations

import numpy as np

from . import torch_dropout
from .common import Plan, batch_lines, define, header, lit
from . import torch_projection
from .torch_parts import forward_lines, init_lines, penalty_lines, schedule_lines, schedule_step, transform_lines


def torch_script(plan: Plan, script_name: str, data_name: str, out_name: str) -> tuple[str, dict[str, np.ndarray]]:
    """(the script's text, the arrays of the .npz beside it: X, Y and the initial W[l], b[l])."""
    from ..engine.init import get_initializer

    sim, L, n = plan.sim, plan.L, plan.n
    sc = plan.scenario
    loss, opt = sim.loss, sim.optimizer
    entry = opt.entry
    fused = loss.fused_with == sim.acts[-1].name
    arrays: dict[str, np.ndarray] = {"X": sim.X, "Y": sim.Y}
    for l in range(1, L + 1):
        arrays[f"W{l}"], arrays[f"b{l}"] = sim.params[2 * (l - 1)], sim.params[2 * (l - 1) + 1]
    arrays.update(torch_projection.arrays(sim))  # Ws<l> of the projection skips
    out = [s.replace("{script}", script_name).replace("[OUT.npz]", "[OUT.npz] [--torch-init]")
           for s in header(plan, "a PyTorch script (float64, autograd, torch.optim)", data_name, out_name)]
    out.insert(-1, "    --torch-init draws W[l], b[l] with torch.nn.init instead (the same distributions, other numbers)")
    out += ["", "import math", "import sys", "from pathlib import Path", "", "import numpy as np", "import torch",
            "import torch.nn.functional as F", "from torch import nn", "",
            "torch.set_default_dtype(torch.float64)",
            "torch.set_num_threads(1)  # the nets are small: more threads only wait for each other (as in gradsim)",
            "HERE = Path(__file__).resolve()",
            f'data = np.load(HERE.with_name("{data_name}"))',
            "# PyTorch keeps one example per row: X and Y here are the lecture's Xᵀ (m, n[0]) and Yᵀ (m, n[L])",
            'X = torch.tensor(data["X"].T)',
            'Y = torch.tensor(data["Y"].T)',
            f"n = {n}",
            f"L = {L}",
            "m_all = X.shape[0]",
            f"seed = {sim.seed}",
            f"iterations = {plan.iterations}",
            f"stop_below = {None if sc.run.stop_below is None else lit(sc.run.stop_below)}",
            f"stop_on_blowup = {sc.run.stop_on_blowup}",
            f"alpha = {lit(opt.learning_rate)}  # the learning rate α"]
    symbols = {p.name: p.symbol or p.name for p in entry.params}
    out += [f"{k} = {lit(v)}  # {symbols[k]}" for k, v in opt.values().items()]

    linears = ", ".join(f"nn.Linear({n[l - 1]}, {n[l]})" for l in range(1, L + 1))
    # batch norm: nn.BatchNorm1d normalises with the batch's biased variance, as gradsim does; its momentum
    # is the weight of the new batch (1 − gradsim's ρ), and its running variance (unbiased) is not used here
    bns = ", ".join("nn.Identity()" if bn is None else
                    f"nn.BatchNorm1d({n[l]}, eps={lit(bn.eps)}, momentum={lit(1.0 - bn.momentum)})"
                    for l, bn in enumerate(sim.bns, 1))
    has_bn = any(bn is not None for bn in sim.bns)
    gs = ", ".join(g.torch.format(**{k: lit(v) for k, v in g.values}) for g in sim.acts)
    out += ["", "", "class Net(nn.Module):",
            f'    """n = {n}: linear[l - 1] holds W[l] (n[l], n[l-1]) as .weight and b[l] as .bias (n[l],);',
            '    g[l - 1] is g[l]."""', "",
            "    def __init__(self):",
            "        super().__init__()",
            f"        self.linear = nn.ModuleList([{linears}])",
            f"        self.g = nn.ModuleList([{gs}])",
            *init_lines(sim),
            *torch_projection.init_lines(sim),
            *([f"        self.bn = nn.ModuleList([{bns}])  # gamma[l] = .weight, beta[l] = .bias"] if has_bn else []),
            "",
            f"    def forward(self, X{', M=None' if any(sim.dropout) else ''}):",
            '        """(Z[L], A[L]) for a batch X (m, n[0]), layer by layer (rows: the lecture transposed)'
            + ('; M: the dropout masks of the iteration (none: evaluation, nothing dropped)."""' if any(sim.dropout) else '."""'),
            *forward_lines(sim),
            "", "",
            define("cost", "Z, A, Y", f"J = (1/m) Σ_i L(ŷ(i), y(i)), L = {loss.formula}"
                   + (f"; from Z[L]: the {sim.acts[-1].name} is inside (fused)" if fused else ""),
                   f"m = Y.shape[0]\n{loss.torch}")]

    draws = []
    for l, spec in enumerate(sim.init, 1):
        w, bias = f"net.linear[{l - 1}].weight", f"net.linear[{l - 1}].bias"
        if spec.W is not None:
            draws.append(f'{w}.copy_(torch.tensor(data["W{l}"]))  # W[{l}]: given in the scenario')
        else:
            init = get_initializer(spec.name)
            fields = {"W": w, "n_in": str(n[l - 1]), "n_out": str(n[l]), **{k: lit(v) for k, v in spec.values().items()}}
            draws.append(f"{init.torch.format(**fields)}  # W[{l}]: {spec.name}, {init.formula}")
        if spec.b is not None:
            draws.append(f'{bias}.copy_(torch.tensor(data["b{l}"]).reshape(-1))  # b[{l}]: given in the scenario')
        else:
            draws.append(f"nn.init.constant_({bias}, {lit(spec.bias)})")
    draws += torch_projection.draw_lines(sim, get_initializer)
    out += ["", "", "def torch_draw(net):",
            '    """The scenario\'s initialisation drawn by torch.nn.init: the same distributions, other numbers."""',
            "    with torch.no_grad():"] + [f"        {d}" for d in draws]
    out += ["", "", "net = Net()",
            'if "--torch-init" in sys.argv:',
            "    torch.manual_seed(seed)",
            "    torch_draw(net)",
            "else:  # gradsim's own draw, so the numbers are gradsim's",
            "    with torch.no_grad():",
            "        for l, linear in enumerate(net.linear, 1):",
            '            linear.weight.copy_(torch.tensor(data[f"W{l}"]))',
            '            linear.bias.copy_(torch.tensor(data[f"b{l}"]).reshape(-1))',
            *torch_projection.load_lines(sim),
            "params = net.parameters()"]
    out += torch_dropout.mask_defs(sim)
    lines = entry.torch.split("\n")
    out += lines[:-1] + [f"opt = {lines[-1]}  # {opt.name}: {entry.rule}"]
    out += schedule_lines(sim)
    out += batch_lines(plan, "X")
    out += ["", "", "J_history = []", "grads = {}  # iteration 1's dW[l], db[l], in the lecture's shapes",
            'stopped = f"{iterations} iterations"',
            "for t in range(1, iterations + 1):"]
    if sim.batches.full:
        out.append("    Xb, Yb = X, Y  # batch gradient descent: every example, every iteration")
    else:
        out += ["    idx = torch.as_tensor(batch(t))", "    Xb, Yb = X[idx], Y[idx]  # this iteration's mini-batch"]
    out += ["    opt.zero_grad()",
            f"    Z, A = net({torch_dropout.call_args(sim)})  # forward l = 1..L",
            "    J = cost(Z, A, Yb)  # the loss",
            *(["    m = Yb.shape[0]"] if sim.transforms else []),
            *penalty_lines(sim, "    "),
            "    J.backward()  # backward l = L..1: autograd fills .grad with dW[l], db[l]",
            "    J_history.append(J.item())",
            "    if t == 1:",
            "        for l, linear in enumerate(net.linear, 1):",
            '            grads[f"dW{l}"] = linear.weight.grad.detach().numpy().copy()',
            '            grads[f"db{l}"] = linear.bias.grad.detach().numpy().reshape(-1, 1).copy()',
            *([f"        for l in {[l for l, bn in enumerate(sim.bns, 1) if bn is not None]!r}:",
               '            grads[f"dgamma{l}"] = net.bn[l - 1].weight.grad.detach().numpy().reshape(-1, 1).copy()',
               '            grads[f"dbeta{l}"] = net.bn[l - 1].bias.grad.detach().numpy().reshape(-1, 1).copy()']
              if has_bn else []),
            *torch_projection.grad_lines(sim),
            "    gradients_finite = all(torch.isfinite(p.grad).all() for p in net.parameters())",
            *transform_lines(sim, "    "),
            "    opt.step()  # the update",
            *schedule_step(sim, "    "),
            f"    if t == 1 or t % {plan.every} == 0:",
            '        print(f"iteration {t:6d}   J = {J.item():.12g}")',
            "    # gradsim's stop rules, in its order",
            "    if not all(torch.isfinite(p).all() for p in net.parameters()):",
            '        stopped = f"halted at iteration {t}: the parameters are no longer finite"',
            "        break",
            "    if stop_on_blowup and not (math.isfinite(J_history[-1]) and gradients_finite):",
            '        stopped = f"blow-up at iteration {t}: a value went to inf/NaN"',
            "        break",
            "    if stop_below is not None and J_history[-1] < stop_below:",
            '        stopped = f"J < {stop_below:g} at iteration {t}"',
            "        break",
            "",
            f'out = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("--") '
            f'else HERE.with_name("{out_name}")',
            "final = {}",
            "for l, linear in enumerate(net.linear, 1):",
            '    final[f"W{l}"] = linear.weight.detach().numpy()',
            '    final[f"b{l}"] = linear.bias.detach().numpy().reshape(-1, 1)',
            *([f"for l in {[l for l, bn in enumerate(sim.bns, 1) if bn is not None]!r}:",
               '    final[f"gamma{l}"] = net.bn[l - 1].weight.detach().numpy().reshape(-1, 1)',
               '    final[f"beta{l}"] = net.bn[l - 1].bias.detach().numpy().reshape(-1, 1)'] if has_bn else []),
            *torch_projection.final_lines(sim),
            "np.savez(out, J=np.array(J_history), **final, **grads)",
            'print(f"{stopped}; J = {J_history[-1]:.12g}; J, the final W[l], b[l] and iteration 1\'s dW[l], db[l] '
            'saved to {out}")',
            ""]
    return "\n".join(out), arrays
