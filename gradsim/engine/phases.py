"""The order of the phases of one training iteration, in one place (no NumPy).

An iteration of an L-layer network runs P = 2L + 2 phases::

    forward l = 1..L, loss, backward l = L..1, update

``phase_table(L)`` is that order; everything else here is read off the table: the 1-based position of a
phase (how many phases of the iteration have run once it has), the names each phase computes, and which
phase computes a given name. The engine builds its steps from the table, the expectation checks and the
network panel look positions up in it; nobody else writes the order down.

Names are (kind, layer) pairs in the lecture's notation, layer None for J:

- forward l:  Z[l], A[l] (and the unit fractions fraction_saturated[l], fraction_dead[l] of that layer);
              on a batch-norm layer also mu[l], sigma2[l], Zhat[l], Ztilde[l] between them
- loss:       J (and its terms J_data, J_reg: J_reg is weight decay's penalty, 0 without one)
- backward l: dA[L] (only when l = L: the loss's gradient), dZ[l], dW[l], db[l], dA[l-1]; on a batch-norm
              layer dZtilde[l], dgamma[l], dbeta[l], dZhat[l] before dZ[l]
              (backward 1 also completes ‖g‖: norm_g, norm_g_transformed)
- update:     the new W[l], b[l] of every layer (and gamma[l], beta[l] of a batch-norm layer)

X, Y, A[0] and the W[l], b[l] (gamma[l], beta[l]) the forward pass uses are there from the iteration's start.
``batch_norm=True`` lists the batch-norm names (and a projection skip's Ws[l], dWs[l]: backward l computes
dWs[l] after db[l]) as on a layer with them; which layers have it is the network's
(engine/batchnorm.py), and ``computed_by`` answers for the names as if every layer had it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

KINDS = ("forward", "loss", "backward", "update")

PARAMS = ("W", "b", "gamma", "beta")  # gamma, beta: a batch-norm layer's (engine/batchnorm.py)
BN_FORWARD = ("mu", "sigma2", "Zhat", "Ztilde")  # the same as engine/batchnorm.py's (tests check)
BN_BACKWARD = ("dZtilde", "dgamma", "dbeta", "dZhat")
BN_NAMES = frozenset(PARAMS[2:] + BN_FORWARD + BN_BACKWARD)
PROJ, PROJ_BACKWARD = "Ws", "dWs"  # a projection skip's matrix and its gradient (engine/projection.py)

Name = tuple[str, "int | None"]  # ("Z", 2) is Z[2]; ("J", None) is J


@dataclass(frozen=True)
class Phase:
    kind: str  # forward | loss | backward | update
    layer: int | None = None

    @property
    def label(self) -> str:
        return self.kind if self.layer is None else f"{self.kind} l={self.layer}"


@lru_cache(maxsize=64)
def phase_table(L: int) -> tuple[Phase, ...]:
    """The phases of one iteration of an L-layer network, in the order they run (P = 2L + 2)."""
    if L < 1:
        raise ValueError(f"a network needs at least one layer, got L = {L}")
    return (
        tuple(Phase("forward", l) for l in range(1, L + 1))
        + (Phase("loss"),)
        + tuple(Phase("backward", l) for l in range(L, 0, -1))
        + (Phase("update"),)
    )


def at_start(L: int, batch_norm: bool = False) -> tuple[Name, ...]:
    """What an iteration has before its first phase: X, Y, A[0] and the parameters W[l], b[l]
    (and gamma[l], beta[l] with ``batch_norm``)."""
    keys = PARAMS + (PROJ,) if batch_norm else PARAMS[:2]
    return (("X", None), ("Y", None), ("A", 0)) + tuple((k, l) for l in range(1, L + 1) for k in keys)


def computes(phase: Phase, L: int, batch_norm: bool = False) -> tuple[Name, ...]:
    """The names ``phase`` computes, in the order it computes them (``batch_norm``: as on a layer with it)."""
    l = phase.layer
    fwd, bwd, keys = (BN_FORWARD, BN_BACKWARD, PARAMS + (PROJ,)) if batch_norm else ((), (), PARAMS[:2])
    if phase.kind == "forward":
        return (("Z", l),) + tuple((k, l) for k in fwd) + (("A", l), ("fraction_saturated", l),
                                                                ("fraction_dead", l))
    if phase.kind == "loss":
        return (("J", None), ("J_data", None), ("J_reg", None))
    if phase.kind == "backward":
        return (((("dA", L),) if l == L else ()) + tuple((k, l) for k in bwd)
                + (("dZ", l), ("dW", l), ("db", l)) + ((PROJ_BACKWARD, l),) * batch_norm + (("dA", l - 1),)
                + ((("norm_g", None), ("norm_g_transformed", None)) if l == 1 else ()))  # ‖g‖ once every dW, db is
    if phase.kind == "update":
        return tuple((k, j) for j in range(1, L + 1) for k in keys)
    raise ValueError(f"no phase kind {phase.kind!r}; the kinds are {', '.join(KINDS)}")


@lru_cache(maxsize=64)
def _positions(L: int) -> dict[Phase, int]:
    return {phase: k for k, phase in enumerate(phase_table(L), start=1)}


@lru_cache(maxsize=64)
def _first_computed(L: int) -> dict[Name, Phase]:
    start = set(at_start(L, True))  # batch norm's names too (which layers have them is the network's)
    out: dict[Name, Phase] = {}
    for phase in phase_table(L):
        for name in computes(phase, L, True):
            if name not in start:
                out.setdefault(name, phase)
    return out


def position(phase: Phase, L: int) -> int:
    """The 1-based position of ``phase`` in the table: how many phases of the iteration have run once it has."""
    try:
        return _positions(L)[phase]
    except KeyError:
        raise ValueError(f"{phase.label} is no phase of a network with L = {L}") from None


def computed_by(name: str, layer: int | None, L: int) -> Phase | None:
    """The phase of an iteration that computes ``name[layer]`` (``name`` alone when layer is None).

    None for what is there from the iteration's start (X, Y, A[0], W[l], b[l]: the update computes new
    W[l], b[l], but the old ones exist before it) and for names no phase computes (n[l], m, L, ...).
    """
    return _first_computed(L).get((name, layer))


def needed(name: str, layer: int | None, L: int) -> int:
    """How many phases of an iteration must have run before ``name[layer]`` exists in it (0: from the start)."""
    phase = computed_by(name, layer, L)
    return 0 if phase is None else position(phase, L)
