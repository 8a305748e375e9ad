"""Small scenarios for the app's tests, written inline with explicit data so the pictures never drift when
the bundled library or the data generators change."""

from __future__ import annotations

from gradsim.scenario import Scenario, loads_scenario

THREE_LAYER = """\
# The lecture's 3-layer network and its cache: z[1], a[1], ..., a[3], all sigmoid
seed = 7
loss = "logistic"

[network]
layers = [{ n = 3, activation = "sigmoid" }, { n = 2, activation = "sigmoid" }, { n = 1, activation = "sigmoid" }]

[data]
kind = "explicit"
X = [[0.1, 0.9, 0.3, 0.7, 0.2, 0.8],
     [0.5, 0.4, 0.6, 0.1, 0.9, 0.3],
     [0.2, 0.2, 0.8, 0.6, 0.4, 0.1],
     [0.7, 0.3, 0.1, 0.5, 0.6, 0.9]]
Y = [[0, 1, 0, 1, 0, 1]]

[init]
weights = "xavier"

[optimizer]
learning_rate = 0.5

[run]
iterations = 50
"""

DIVERGING = """\
# Too large a learning rate: gradient descent overshoots further every step until it overflows
seed = 5
loss = "l2"

[network]
layers = [{ n = 3, activation = "linear" }, { n = 1, activation = "linear" }]

[data]
kind = "explicit"
X = [[1.0, 2.0, -1.0, 0.5], [0.5, -1.5, 2.0, 1.0]]
Y = [[1.0, -2.0, 3.0, 0.5]]

[init]
weights = "xavier"

[optimizer]
learning_rate = 0.5

[run]
iterations = 400
"""

WIDE = """\
# A wide first layer: W[1] is 18 × 20, larger than the panel shows at once
seed = 2
loss = "l2"

[network]
layers = [{ n = 18, activation = "relu" }, { n = 1, activation = "linear" }]

[data]
kind = "explicit"
X = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0],
     [0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0],
     [0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0],
     [0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8], [0.9, 1.0]]
Y = [[1.0, 2.0]]

[init]
weights = "he"

[optimizer]
learning_rate = 0.01
batch_size = 1

[run]
iterations = 20
"""


def three_layer() -> Scenario:
    return loads_scenario(THREE_LAYER, name="three-layer")


def diverging() -> Scenario:
    return loads_scenario(DIVERGING, name="diverging")


def wide() -> Scenario:
    return loads_scenario(WIDE, name="wide")
