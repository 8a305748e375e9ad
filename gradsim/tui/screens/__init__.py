"""The app's screens: main (all panels), help, scenario picker, hyper-parameter editor."""

from .editor import HyperParameterEditor
from .help import HelpScreen
from .main import MainScreen
from .picker import ScenarioPicker

__all__ = ["MainScreen", "HelpScreen", "ScenarioPicker", "HyperParameterEditor"]
