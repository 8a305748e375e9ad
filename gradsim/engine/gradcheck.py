"""Gradient check: backprop's dW[l], db[l] against finite differences of J.

    ∂J/∂θ ≈ (8 (J(θ + ε) − J(θ − ε)) − (J(θ + 2ε) − J(θ − 2ε))) / 12ε      (fourth-order central)
    relative error = ‖g_backprop − g_fd‖ / (‖g_backprop‖ + ‖g_fd‖)

over every parameter, or over a seeded sample of at most ``max_per_layer`` entries of a large layer.

The fourth-order stencil lets ε be large enough (1e-4) that rounding in J stays near 1e-12 while the
truncation error is O(ε⁴); the plain two-point one cannot reach 1e-7 on small gradients in float64.

J is not differentiable where an activation's g' jumps (ReLU, leaky ReLU, ELU at Z = 0: each registry entry
says where, through its ``kink``) or where a loss's residual changes sign (l1). A stencil
that moves any of those signs measures a mixture of two slopes, not the gradient, so such a sample is
retried with ε/10 and ε/100 and, if it still crosses a kink, left out and counted in ``skipped``.

Rounding limits what a difference of J can see: the numerator carries an error of about
18·ulp(J) ≈ 4e-15·|J|, so an entry of size |g| is measured to a relative 3.3e-16·|J| / (ε|g|). Each
W[l] and b[l] therefore gets its own ε, raised from ``eps`` (up to 0.1) until ε·rms(g) ≥ 3.3e-8·|J|;
where even ε = 0.1 cannot reach 1e-6 (a saturated layer's 1e-32 gradients), the layer is reported as
not ``resolved`` — below what finite differences can check — instead of as a mismatch.

Batch norm (engine/batchnorm.py): gamma[l], beta[l] are checked too (``rel_error_gamma``, ``rel_error_beta``);
b[l] of such a layer does not enter J (mu absorbs it), so its FD and backprop gradients are both at rounding
level and count as agreement; and W[l]'s step is scaled by rms(W[l]) when that is below 1, since J depends
only on the direction of W[l]'s rows and its curvature grows as 1/‖W‖².
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import batchnorm, features, projection
from .dropout import masks_of
from .network import forward_pass, gradients

@dataclass(frozen=True)
class LayerCheck:
    layer: int
    rel_error_W: float
    rel_error_b: float
    checked: int  # entries compared (W and b together)
    total: int  # entries in W[l] and b[l]
    skipped: int = 0  # sampled entries whose stencil crossed a kink
    eps_W: float = math.nan  # the steps used for W[l] and b[l]
    eps_b: float = math.nan
    resolved: bool = True  # False: gradients too small to measure, or every sample on a kink
    noise: float = 0.0  # the relative error that rounding in J alone would give (3.3e-16·|J|/ε per entry)
    rel_error_gamma: float | None = None  # batch norm's gamma[l], beta[l] (None: a layer without)
    rel_error_beta: float | None = None
    rel_error_Ws: float | None = None  # a projection skip's Ws[l] (engine/projection.py; None: a layer without)

    @property
    def rel_error(self) -> float:
        extra = [e for e in (self.rel_error_gamma, self.rel_error_beta, self.rel_error_Ws) if e is not None]
        return max(self.rel_error_W, self.rel_error_b, *extra)


def _rel(a: np.ndarray, n: np.ndarray) -> float:
    den = float(np.linalg.norm(a) + np.linalg.norm(n))
    return 0.0 if den == 0.0 else float(np.linalg.norm(a - n)) / den


def _cost_and_pattern(params, X, Y, acts, loss, skips=None, masks=None, bn=None, proj=None) -> tuple[float, bytes]:
    """J, and the patterns that make J non-differentiable (the entries' kinks) as one key.
    ``masks``: a dropout net's masks of the iteration, held fixed; ``bn``: (param_keys, the layers'
    BatchNormSpecs) for a net with batch norm (batch statistics; its dropout masks held fixed too)."""
    if bn is None:
        Zs, _, As = forward_pass(params, X, acts, skips, masks, proj)
    else:
        lay = batchnorm.forward_pass(params, bn[0], X, acts, skips, bn[1], masks=masks)
        Zs, As = [d["pre"] for d in lay], [d["A"] for d in lay]  # kinks are where g's input crosses them
    Z, A = Zs[-1], As[-1]
    key = [np.packbits(g.kink(Zl)).tobytes() for g, Zl in zip(acts, Zs) if g.kink is not None]
    if loss.kink is not None:
        pattern = loss.kink(A, Y)
        key.append(np.packbits(pattern > 0).tobytes() + np.packbits(pattern < 0).tobytes())
    return loss.value(Z, A, Y), b"|".join(key)


def _fd(params, flat, e, eps, X, Y, acts, loss, base, skips=None, masks=None, bn=None, proj=None) -> float | None:
    """Fourth-order difference of J along entry e of ``flat``, or None if the stencil crosses a kink."""
    old = flat[e]
    J = []
    try:
        for h in (2 * eps, eps, -eps, -2 * eps):
            flat[e] = old + h
            j, key = _cost_and_pattern(params, X, Y, acts, loss, skips, masks, bn, proj)
            if key != base:
                return None
            J.append(j)
    finally:
        flat[e] = old
    return (8 * (J[1] - J[2]) - (J[0] - J[3])) / (12 * eps)  # equal J give exactly 0


def gradcheck(sim, eps: float = 1e-4, max_per_layer: int = 400, seed: int = 0,
              X: np.ndarray | None = None, Y: np.ndarray | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[LayerCheck]:
    """Check ``sim``'s current parameters on the batch of its next iteration (or on X, Y if given).

    ``progress(done, total)`` is called after every checked entry (a progress bar for large nets)."""
    t = sim.iteration + 1 if sim.phase_index == sim.P else sim.iteration
    if X is None:
        idx = sim.batches.indices(t)
        X, Y = (sim.X, sim.Y) if idx is None else (sim.X[:, idx], sim.Y[:, idx])
    # dropout: iteration t's masks, held fixed across every evaluation of J (J is a function of W, b given M)
    masks = masks_of(sim, t, X.shape[1]) if any(sim.dropout) else None
    params = [np.array(p, dtype=np.float64) for p in sim.params]
    acts, loss, skips = sim.acts, sim.loss, sim.skips
    proj = projection.indices(sim) if any(getattr(sim, "projs", ())) else None  # Ws[l] of a projection skip
    rng = np.random.default_rng(seed)
    out = []
    with np.errstate(all="ignore"):
        keys = sim.param_keys
        bn = (keys, sim.bns) if any(b is not None for b in sim.bns) else None
        if bn is None:
            grads = gradients(tuple(params), X, Y, acts, loss, skips, masks, proj)
        else:
            grads = batchnorm.gradients(tuple(params), keys, X, Y, acts, loss, skips, sim.bns, masks)
        J0, base = _cost_and_pattern(params, X, Y, acts, loss, skips, masks, bn, proj)
        done = 0
        total_entries = sum(min(p.size, max_per_layer) for p in params)
        for l in range(1, sim.L + 1):
            errs, checked, skipped, step_used, resolved, noise2, scale = [], 0, 0, [], True, 0.0, 0.0
            own = [keys.index(k) for k in features.layer_param_keys(keys, l)]  # W, b (gamma, beta)
            for j in own:
                flat = params[j].reshape(-1)
                n = flat.size
                take = np.arange(n) if n <= max_per_layer else np.sort(rng.choice(n, max_per_layer, replace=False))
                g = grads[j].reshape(-1)[take]
                rms = float(np.sqrt(np.mean(g * g))) if g.size else 0.0
                lo = eps
                if bn is not None and sim.bns[l - 1] is not None and keys[j] == f"W[{l}]":
                    # batch norm makes J invariant to W[l]'s scale, so its curvature grows as 1/‖W‖²: a step
                    # relative to W's entries keeps the stencil's truncation error where it is for W ~ 1
                    lo = eps * min(1.0, float(np.sqrt(np.mean(flat * flat))) or 1.0)
                step = lo if rms == 0.0 else float(np.clip(3.3e-8 * abs(J0) / rms, lo, 0.1))
                # batch norm's mu absorbs b[l]: J does not depend on it, db[l] is 0 up to rounding
                absorbed = bn is not None and sim.bns[l - 1] is not None and keys[j] == f"b[{l}]"
                if rms < 3.3e-10 * abs(J0) / step and not absorbed:  # FD's relative error would exceed 1e-6
                    resolved = False
                kept, fd = [], []
                for e in take:
                    if progress is not None:
                        done += 1
                        progress(done, total_entries)
                    for h in (step, step / 10, step / 100):
                        d = _fd(params, flat, e, h, X, Y, acts, loss, base, skips, masks, bn, proj)
                        if d is not None:
                            noise2 += (3.3e-16 * abs(J0) / h) ** 2
                            break
                    if d is None:
                        skipped += 1
                        continue
                    kept.append(e)
                    fd.append(d)
                fd_a = np.array(fd)
                step_used.append(step)
                if take.size and not kept:
                    resolved = False  # every sampled entry sits within ε/100 of a kink
                ok = len(kept) > 0 and bool(np.all(np.isfinite(fd_a)))
                if absorbed and ok:  # both at rounding level is agreement: 0, else the mismatch is 1
                    floor = 100 * 3.3e-16 * max(abs(J0), 1e-300) / step
                    near0 = float(np.abs(fd_a).max()) <= floor and float(np.abs(g).max()) <= floor
                    errs.append(0.0 if near0 else _rel(grads[j].reshape(-1)[kept], fd_a))
                    checked += len(kept)
                    continue
                errs.append(_rel(grads[j].reshape(-1)[kept], fd_a) if ok else math.nan)
                if ok:
                    scale += float(np.linalg.norm(grads[j].reshape(-1)[kept]) + np.linalg.norm(fd_a))
                checked += len(kept)
            total = sum(sim.params[j].size for j in own)
            noise = math.sqrt(noise2) / scale if scale > 0 else math.inf
            named = dict(zip((keys[j] for j in own), errs))  # W, b, then gamma, beta or Ws of this layer
            out.append(LayerCheck(l, errs[0], errs[1], checked, total, skipped, *step_used[:2], resolved, noise,
                                  named.get(f"gamma[{l}]"), named.get(f"beta[{l}]"), named.get(f"Ws[{l}]")))
    return out
