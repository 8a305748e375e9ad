"""The NumPy engine: the lecture's equations, stepped phase by phase. Never imports Textual or click.

Each concept is one registry entry that every other part of gradsim asks: ``ACTIVATIONS``, ``LOSSES``,
``INITIALIZERS`` and ``OPTIMIZERS`` (their parameters are ``Param`` declarations with defaults and bounds).
"""

from .activations import ACTIVATIONS, Activation, get_activation, hidden_activations, sigmoid, softmax
from .gradcheck import LayerCheck, gradcheck
from .history import History, HistoryView
from .init import INITIALIZERS, Initializer, InitSpec, get_initializer, init_layer, selectable_initializers
from .losses import LOSSES, Loss, check_compatible, get_loss
from .network import LayerSpec
from .optim import LEARNING_RATE, OPTIMIZERS, Optimizer, OptimizerSpec, get_optimizer
from .params import Param
from .phases import Phase, phase_table
from .schedules import SCHEDULES, Schedule, ScheduleSpec, get_schedule
from .simulation import BlowUp, Record, Simulation
from .stats import ArrayStats, array_stats, norm, std

__all__ = [
    "ACTIVATIONS", "Activation", "get_activation", "hidden_activations", "sigmoid", "softmax",
    "LayerCheck", "gradcheck",
    "History", "HistoryView",
    "INITIALIZERS", "Initializer", "InitSpec", "get_initializer", "init_layer", "selectable_initializers",
    "LOSSES", "Loss", "check_compatible", "get_loss",
    "LayerSpec",
    "LEARNING_RATE", "OPTIMIZERS", "Optimizer", "OptimizerSpec", "get_optimizer",
    "Param",
    "Phase", "phase_table",
    "SCHEDULES", "Schedule", "ScheduleSpec", "get_schedule",
    "BlowUp", "Record", "Simulation",
    "ArrayStats", "array_stats", "norm", "std",
]
