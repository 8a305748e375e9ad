"""The PyTorch script's projection skips (engine/projection.py): ``self.proj[l − 1]`` is an
``nn.Linear(n[l−k], n[l], bias=False)`` whose ``.weight`` is Ws[l] (n[l], n[l−k]) — ``nn.Identity()`` on a
layer without one — loaded from gradsim's draw, added in ``forward`` as A[l] = g(Z[l]) + Ws[l]·A[l−k]. It is
in ``net.parameters()``, so the optimiser and clipping see it; weight decay's penalty sums ``net.linear``'s
weights only, as gradsim's J_reg does."""

from __future__ import annotations

from ..engine.projection import ws_spec
from .common import lit


def layers(sim) -> list[int]:
    return [l for l, p in enumerate(getattr(sim, "projs", ()), 1) if p]


def arrays(sim) -> dict:
    return {f"Ws{l}": sim.param(f"Ws[{l}]") for l in layers(sim)}


def init_lines(sim) -> list[str]:
    if not layers(sim):
        return []
    mods = ", ".join(f"nn.Linear({sim.n[l - sim.skips[l - 1]]}, {sim.n[l]}, bias=False)" if sim.projs[l - 1]
                     else "nn.Identity()" for l in range(1, sim.L + 1))
    return [f"        self.proj = nn.ModuleList([{mods}])  # Ws[l] = proj[l - 1].weight: A[l] = g(Z[l]) + Ws[l] A[l−k]"]


def skip_expr(sim) -> tuple[str, str]:
    """(the zip's extra iterable, what the skip adds) in forward's loop."""
    return (", self.proj", "proj(As[-k])") if layers(sim) else ("", "As[-k]")


def draw_lines(sim, get_initializer) -> list[str]:
    out = []
    for l in layers(sim):
        spec = ws_spec(sim.init[l - 1])
        init = get_initializer(spec.name)
        fields = {"W": f"net.proj[{l - 1}].weight", "n_in": str(sim.n[l - sim.skips[l - 1]]), "n_out": str(sim.n[l]),
                  **{k: lit(v) for k, v in spec.values().items()}}
        out.append(f"{init.torch.format(**fields)}  # Ws[{l}]: {spec.name}, the layer's own initialiser")
    return out


def load_lines(sim) -> list[str]:
    return [f'        net.proj[{l - 1}].weight.copy_(torch.tensor(data["Ws{l}"]))  # Ws[{l}]' for l in layers(sim)]


def grad_lines(sim) -> list[str]:
    return [f'        grads["dWs{l}"] = net.proj[{l - 1}].weight.grad.detach().numpy().copy()' for l in layers(sim)]


def final_lines(sim) -> list[str]:
    return [f'final["Ws{l}"] = net.proj[{l - 1}].weight.detach().numpy()' for l in layers(sim)]
