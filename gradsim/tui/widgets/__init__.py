"""The panels of the main screen."""

from .equation import EquationPanel
from .gradflow import GradientFlow
from .layer import LayerPanel, MatrixBlock
from .loss import LossCurve
from .matrix import MatrixTable
from .network import NetworkPanel
from .status import BlowUpBanner, StatusBar

__all__ = ["EquationPanel", "GradientFlow", "LayerPanel", "MatrixBlock", "LossCurve", "MatrixTable",
           "NetworkPanel", "BlowUpBanner", "StatusBar"]
