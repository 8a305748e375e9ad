"""The app's screens: main (all panels), help, scenario picker, hyper-parameter editor.

Imported on first use (PEP 562): the app's first screen needs only ``main``; the dialogs are imported by
the actions that open them, so they do not delay the first paint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .editor import HyperParameterEditor
    from .help import HelpScreen
    from .main import MainScreen
    from .picker import ScenarioPicker

_WHERE = {"MainScreen": "main", "HelpScreen": "help", "ScenarioPicker": "picker", "HyperParameterEditor": "editor"}

__all__ = ["MainScreen", "HelpScreen", "ScenarioPicker", "HyperParameterEditor"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
