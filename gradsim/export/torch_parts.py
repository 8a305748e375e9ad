"""What the PyTorch script writes beyond a plain net (gradsim export --torch): the learning-rate schedule as a
``LambdaLR`` over the same α(t), the [[transform]] tables after ``J.backward()`` in their order (weight decay's
term in J, so that autograd gives its λ/m·W[l] while nothing comes before it), the skips in the module's
forward, and the one place that decides whether a scenario can be exported to PyTorch at all.

Each piece comes from its registry entry (``Schedule.np_rate`` is plain Python in alpha, t and math;
``Transform.torch_apply`` and ``torch_penalty``), so no name is branched on here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import torch_dropout
from .common import lit

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Simulation
    from ..errors import ScenarioError
    from .common import Plan


# ---------------------------------------------------------------------------------------- what can be exported
# Each check returns None or (what --torch needs, what the scenario has, the field); a feature the PyTorch
# script cannot write yet adds one here, and export() asks before writing anything (none is left today).
TORCH_CHECKS: list[Callable[["Plan"], tuple[str, str, str] | None]] = []


def torch_refusal(plan: "Plan") -> "ScenarioError | None":
    """The first reason the scenario cannot be exported to PyTorch, as the error to raise, or None."""
    from ..errors import ScenarioError

    for check in TORCH_CHECKS:
        found = check(plan)
        if found is not None:
            expected, got, field = found
            return ScenarioError(expected, got, file=plan.scenario.source, field=field)
    return None


# ------------------------------------------------------------------------------------------------- schedules
def schedule_lines(sim: "Simulation") -> list[str]:
    """schedule(alpha, t) = α(t) and a LambdaLR that sets each group's lr to its base times α(t)/α at step
    t = k + 1 (LambdaLR counts k from 0, gradsim t from 1); nothing for a constant α."""
    sch = sim.optimizer.schedule
    if sch.constant:
        return []
    entry = sch.entry
    values = sch.values()
    body = entry.np_rate.format(**{p.name: str(int(values[p.name])) if p.integer else lit(values[p.name])
                                   for p in entry.params})
    return ["", "",
            "def schedule(alpha, t):",
            f'    """{entry.formula}: {entry.rule}; t = 1, 2, ... ({sch.describe()}' + (f", {entry.source}" if entry.source else "") + ')."""',
            f"    return {body}",
            "", "",
            "alpha_0 = alpha  # the base rate α",
            "# lr of iteration t = (the optimiser's lr for α)·α(t)/α; LambdaLR's k = t − 1 counts scheduler.step() calls",
            "scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: schedule(alpha_0, k + 1) / alpha_0)"]


def schedule_step(sim: "Simulation", indent: str) -> list[str]:
    return [] if sim.optimizer.schedule.constant else [f"{indent}scheduler.step()  # α(t + 1) for the next iteration"]


# ------------------------------------------------------------------------------------------------ transforms
def _code(spec, text: str) -> str:
    return text.format(**{k: lit(v) for k, v in spec.values().items()})


def _autograd_prefix(sim: "Simulation") -> int:
    """How many transforms at the chain's head are penalties only (weight decay): their gradient term is
    autograd's, from the penalty in J; a penalty after a clip is added to .grad by hand at its place."""
    k = 0
    for t in sim.transforms.specs:
        if t.entry.penalty is None or not t.entry.torch_penalty:
            break
        k += 1
    return k


def penalty_lines(sim: "Simulation", indent: str) -> list[str]:
    """J := J + each penalty (weight decay's λ/(2m)·Σ‖W[l]‖²), m the batch's size; with autograd for the
    chain's head, detached for a penalty whose gradient term is added by hand later."""
    head = _autograd_prefix(sim)
    out = []
    for i, t in enumerate(sim.transforms.specs):
        if t.entry.penalty is None:
            continue
        expr = _code(t, t.entry.torch_penalty)
        if i < head:
            out.append(f"{indent}J = J + {expr}  # J_reg = {t.entry.penalty_formula} ({t.name}): autograd adds its term to dW[l]")
        else:
            out.append(f"{indent}J = J + ({expr}).detach()  # J_reg = {t.entry.penalty_formula} ({t.name}): "
                       "its dW[l] term is added after the transforms before it")
    return out


def transform_lines(sim: "Simulation", indent: str) -> list[str]:
    """The [[transform]] tables in order on the .grad that backward() filled (the head's penalties are in J)."""
    out = []
    for i, t in enumerate(sim.transforms.specs):
        if i < _autograd_prefix(sim):
            continue
        out.append(f"{indent}# {t.describe()}: {t.entry.rule}")
        out += [indent + line for line in _code(t, t.entry.torch_apply).split("\n")]
    if out:
        out = [f"{indent}with torch.no_grad():  # the gradient transformations, in the scenario's order"] + \
              ["    " + line for line in out]
    return out


# ------------------------------------------------------------------------------------------------------ skips
def forward_lines(sim: "Simulation") -> list[str]:
    """Net.forward: A[l] = g[l](Z[l]) (g[l](gamma[l] ⊙ Zhat[l] + beta[l]) with batch norm: self.bn[l−1]),
    times M[l]/(1 − p) with dropout when masks are given (export/torch_dropout.py), plus A[l−k] for a layer
    with skip = k."""
    has_bn = any(bn is not None for bn in sim.bns)
    bn, pre = (", bn", "bn(Z)") if has_bn else ("", "Z")
    over = f"zip(self.linear, self.g{', self.bn' if has_bn else ''}"
    said = "g[l](gamma[l] ⊙ Zhat[l] + beta[l]) with batch norm, else g[l](Z[l])" if has_bn else "g[l](Z[l])"
    if not any(sim.skips):
        loop = f"for l, (linear, g{bn}) in enumerate({over}), 1):" if torch_dropout.has_dropout(sim) else \
            f"for linear, g{bn} in {over}):"
        return ["        A = X",
                f"        {loop}",
                "            Z = linear(A)  # Z[l] = W[l] A[l-1] + b[l]",
                f"            A = g({pre})  # A[l] = {said}",
                *torch_dropout.drop_line(sim, "            ", "A"),
                "        return Z, A"]
    from .torch_projection import skip_expr

    proj, add = skip_expr(sim)  # a projection skip adds Ws[l]·A[l−k] (export/torch_projection.py)
    each = proj.replace(", self.", ", ")
    if not torch_dropout.has_dropout(sim):
        return ["        As = [X]  # A[0], A[1], ...: the skips read them",
                f"        for linear, g{bn}{each}, k in {over}{proj}, self.skips):",
                "            Z = linear(As[-1])  # Z[l] = W[l] A[l-1] + b[l]",
                f"            As.append(g({pre}) + {add} if k else g({pre}))  # A[l] = {said} (+ A[l−k] through the skip)",
                "        return Z, As[-1]"]
    return ["        As = [X]  # A[0], A[1], ...: the skips read them",
            f"        for l, (linear, g{bn}{each}, k) in enumerate({over}{proj}, self.skips), 1):",
            "            Z = linear(As[-1])  # Z[l] = W[l] A[l-1] + b[l]",
            f"            G = g({pre})  # {said}",
            *torch_dropout.drop_line(sim, "            ", "G"),
            f"            As.append(G + {add} if k else G)  # A[l] = G (+ A[l−k] through the skip, never masked)",
            "        return Z, As[-1]"]


def init_lines(sim: "Simulation") -> list[str]:
    return ([f"        self.skips = {list(sim.skips)}  # skip k of layer l: A[l] = g[l](Z[l]) + A[l−k]; 0: none"]
            if any(sim.skips) else []) + torch_dropout.init_lines(sim)
