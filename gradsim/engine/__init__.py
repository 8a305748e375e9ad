"""The NumPy engine: the lecture's equations, stepped phase by phase. Never imports Textual or click."""

from .activations import ACTIVATIONS, Activation, get_activation, sigmoid, softmax
from .gradcheck import LayerCheck, gradcheck
from .init import INITIALIZERS, InitSpec, init_layer
from .losses import LOSSES, Loss, check_compatible
from .network import LayerSpec
from .optim import OPTIMIZERS, OptimizerSpec
from .phases import Phase, phase_table
from .simulation import BlowUp, Record, Simulation
from .stats import ArrayStats, array_stats, norm

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "sigmoid", "softmax",
    "LayerCheck", "gradcheck",
    "INITIALIZERS", "InitSpec", "init_layer",
    "LOSSES", "Loss", "check_compatible",
    "LayerSpec",
    "OPTIMIZERS", "OptimizerSpec",
    "Phase", "phase_table",
    "BlowUp", "Record", "Simulation",
    "ArrayStats", "array_stats", "norm",
]
