"""The expectation expression language: a small whitelisted grammar, parsed by hand, evaluated with NumPy.

Never evaluated as Python. Grammar (lowest precedence first)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "@") unary)*
    unary   := ("-" | "+") unary | power
    power   := postfix ("**" unary)?                 # right-associative; -2**2 = -(2**2)
    postfix := atom ("[" items "]" | ".T")*
    atom    := NUMBER | NAME | NAME "[" expr "]"     # layered names take a layer first: A[3]
             | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    items   := item ("," item)*    item := expr | expr? ":" expr? (":" expr?)?

Layered names (``W b Z A dZ dW db dA n fraction_saturated fraction_dead M``; ``M[l]`` is a dropout layer's mask) take the layer in their first
bracket; any further bracket indexes elements NumPy-style: ``A[3][0, 1]``, ``W[1][0]`` (row 0),
``W[1][:, 0]`` (column 0). Plain names: ``X Y J J_history m L iteration`` and the
metrics beyond the batch ``J_full accuracy J_test accuracy_test`` (``accuracy(A[L], Y)`` is the function). Functions (FUNCTIONS): the
built-ins of ``functions`` and every activation of ``gradsim.engine.activations.ACTIVATIONS``.

In an ``[[expect]]`` with ``layers = [first, last]`` (a claim over layers) the name ``l`` is each layer of the
range in turn, in layer indices and as a number: ``norm(dZ[l]) / norm(dZ[l+1])``, ``1.5**(L-l)``. Everywhere
else ``l`` is refused (``parse(text, layer_var=True)`` allows it).

Modules: ``nodes`` (tree, names, errors), ``tokens`` and ``parser`` (text -> tree), ``functions``, ``evaluate``.
"""

from .evaluate import Lookup, bind_layer, evaluate, format_value, layer_index
from .functions import BUILTINS, FUNCTIONS
from .nodes import (
    LAYER_VAR, LAYERED, MAX_DEPTH, MAX_LENGTH, PLAIN, BinOp, Call, EvalError, ExpressionError, Index, Name, Neg, Node, Num,
    Slice, Transpose, references,
)
from .parser import parse
from .tokens import Token, tokenize

__all__ = [
    "BUILTINS", "FUNCTIONS", "LAYER_VAR", "LAYERED", "MAX_DEPTH", "MAX_LENGTH", "PLAIN", "BinOp", "Call", "EvalError",
    "ExpressionError", "Index", "Lookup", "Name", "Neg", "Node", "Num", "Slice", "Token", "Transpose", "bind_layer", "evaluate",
    "format_value", "layer_index", "parse", "references", "tokenize",
]
