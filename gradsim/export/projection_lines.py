"""The NumPy export's lines for projection skips (engine/projection.py): Ws[l] drawn as gradsim draws it
(the layer's own initialiser, after every W, b), A[l] = G[l] + Ws[l] @ A[l−k], dWs[l] = dA[l] @ A[l−k].T,
the Ws[l].T @ dA[l] term of dA[l−k], and the optimiser's step with its own state slots: the same operations
in the same order as the engine, so the script's J, W[l], b[l], Ws[l] equal gradsim's bit for bit."""

from __future__ import annotations

from ..engine.projection import ws_spec


def layers(sim) -> list[int]:
    return [l for l, p in enumerate(getattr(sim, "projs", ()), 1) if p]


def setup(sim, kwargs) -> list[str]:
    """Ws[l] (n[l], n[l−k]) of every projection layer, from the same generator after every W, b."""
    if not layers(sim):
        return []
    out = ["Ws, dWs = [None] * (L + 1), [None] * (L + 1)  # the projection skips' matrices (index l)"]
    for l in layers(sim):
        spec, j = ws_spec(sim.init[l - 1]), l - sim.skips[l - 1]
        out.append(f"Ws[{l}] = {spec.name}(rng, {sim.n[l]}, {sim.n[j]}{kwargs(spec.values())})  "
                   f"# A[{l}] = g(Z[{l}]) + Ws[{l}] A[{j}]: the layer's own initialiser")
    return out


def state_lines(sim) -> list[str]:
    if not layers(sim):
        return []
    return [f'state.update({{("Ws", l): {{s: np.zeros_like(Ws[l]) for s in slots}} for l in {layers(sim)!r}}})']


def skip_term(sim, l: int) -> tuple[str, str]:
    """(code, shown) of what layer l's skip adds: A[j], or Ws[l] @ A[j]."""
    j = l - sim.skips[l - 1]
    return (f"Ws[{l}] @ A[{j}]", f"Ws[{l}] A[{j}]") if sim.projs[l - 1] else (f"A[{j}]", f"A[{j}]")


def through(sim, src: int) -> tuple[str, str]:
    """(code, shown) of the term dA[src − k] gets from layer src's skip."""
    return (f"Ws[{src}].T @ dA[{src}]", f"Ws[{src}]ᵀ dA[{src}]") if sim.projs[src - 1] else (f"dA[{src}]", f"dA[{src}]")


def backward(sim, l: int) -> list[tuple[str, str]]:
    if not sim.projs[l - 1]:
        return []
    j = l - sim.skips[l - 1]
    return [(f"dWs[{l}] = dA[{l}] @ A[{j}].T", f"dWs[{l}] = dA[{l}] A[{j}]ᵀ   (the 1/m is in dA)")]


def update_lines(sim) -> list[str]:
    return [f'    Ws[{l}] = update(Ws[{l}], dWs[{l}], state["Ws", {l}], t)' for l in layers(sim)]


def saved(sim) -> str:
    return "".join(f", Ws{l}=Ws[{l}]" for l in layers(sim))
