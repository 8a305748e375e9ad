"""The engine's floating-point watch, entered in a fraction of ``np.errstate``'s time.

``Simulation`` runs every step under ``np.errstate(call=on_fp, over="call", divide="call", invalid="call",
under="ignore")``: the first overflow, division by zero or invalid operation calls ``on_fp``, which flags
the phase for a scan (blow-up detection). ``step()`` enters it once per phase, and building the error state
(``_make_extobj``) is most of the ~1 µs that costs. ``FPGuard`` builds that state once per surrounding
error state and then only sets and resets NumPy's context variable, which is all ``np.errstate.__enter__``
and ``__exit__`` do after building it — the same state, so the same calls of ``on_fp``. Where NumPy lacks
those internals (another version), it falls back to ``np.errstate`` itself.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

try:  # NumPy ≥ 2.0: what np.errstate.__enter__ / __exit__ use
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - other NumPy layouts
    _extobj_contextvar = _make_extobj = None

_MODES = {"over": "call", "divide": "call", "invalid": "call", "under": "ignore"}

if _make_extobj is not None:  # the private signature checked once, so another NumPy falls back, never fails
    try:
        _make_extobj(call=lambda kind, flag: None, **_MODES)
    except Exception:  # pragma: no cover
        _extobj_contextvar = _make_extobj = None


class FPGuard:
    """``token = guard.enter()`` … ``guard.exit(token)``: ``np.errstate(call=on_fp, **_MODES)`` around it."""

    __slots__ = ("_on_fp", "_pair")

    def __init__(self, on_fp: Callable[[str, int], None]):
        self._on_fp = on_fp
        self._pair: tuple[Any, Any] = (None, None)  # (surrounding state, ours built on it), swapped whole

    def errstate(self) -> np.errstate:
        """The same watch as a context manager (for the calls that enter it once per run)."""
        return np.errstate(call=self._on_fp, **_MODES)

    def enter(self) -> Any:
        if _extobj_contextvar is None:  # pragma: no cover
            es = self.errstate()
            es.__enter__()
            return es
        outer = _extobj_contextvar.get()
        pair = self._pair
        if pair[0] is not outer:  # built relative to the state around it (bufsize, an outer errcall)
            pair = (outer, _make_extobj(call=self._on_fp, **_MODES))
            self._pair = pair
        return _extobj_contextvar.set(pair[1])

    @staticmethod
    def exit(token: Any) -> None:
        if _extobj_contextvar is None:  # pragma: no cover
            token.__exit__(None, None, None)
        else:
            _extobj_contextvar.reset(token)
