"""The expectation expression language: tokenizer, parser, evaluation, errors with columns, no eval."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradsim.scenario.expressions import (
    EvalError, ExpressionError, Name, evaluate, format_value, layer_index, parse, references, tokenize,
)

W1 = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]])
A = {0: np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 1: np.arange(9.0).reshape(3, 3)}


def lookup(name, layer):
    if layer is None:
        return {"m": 3.0, "L": 2.0, "J": 0.25, "J_history": np.array([3.0, 2.0, 2.5, 1.0]),
                "X": A[0], "Y": np.ones((1, 3))}[name]
    return {"W": {1: W1}, "A": A, "n": {0: 2.0, 1: 3.0, 2: 1.0}}[name][layer]


def ev(text):
    return evaluate(parse(text), lookup)


@pytest.mark.parametrize("text, value", [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("1 - 2 - 3", -4.0), ("8 / 2 / 2", 2.0),
    ("-2**2", -4.0), ("2**3**2", 512.0), ("2**-1", 0.5), ("+3", 3.0), ("--3", 3.0),
    ("1.5**10", 57.6650390625), (".5e-3 * 2", 0.001), ("1e3", 1000.0), ("1E+2", 100.0),
    ("J", 0.25), ("m", 3.0), ("L", 2.0), ("n[1]", 3.0), ("n[L]", 1.0),
    ("norm(W[1])", float(np.sqrt(35.0))), ("max(abs(W[1][0] - W[1][1]))", 0.0),
    ("sum(A[0])", 21.0), ("mean(A[0])", 3.5), ("std(X)", float(np.std(A[0]))), ("var(X)", float(np.var(A[0]))),
    ("min(A[1])", 0.0), ("max(A[1])", 8.0), ("log10(1000)", 3.0), ("exp(0)", 1.0), ("sqrt(16)", 4.0),
    ("rms(A[0])", float(np.sqrt(np.mean(A[0] ** 2)))), ("A[1][2, 1]", 7.0), ("A[1][-1, -1]", 8.0),
    ("rows(W[1])", 3.0), ("cols(W[1])", 2.0), ("size(W[1])", 6.0), ("J_history[-1]", 1.0),
    ("max(diff(J_history))", 0.5), ("sigmoid(0)", 0.5), ("relu(-2)", 0.0), ("tanh(0)", 0.0),
    ("sign(-3)", -1.0), ("log(exp(2))", 2.0), ("max(2, 3)", 3.0), ("min(2, 3)", 2.0),
])
def test_numbers(text, value):
    assert ev(text) == pytest.approx(value, rel=1e-15)


def test_arrays_and_matrix_algebra():
    np.testing.assert_array_equal(ev("W[1] @ X"), W1 @ A[0])
    np.testing.assert_array_equal(ev("W[1].T"), W1.T)
    np.testing.assert_array_equal(ev("T(W[1])"), W1.T)
    np.testing.assert_array_equal(ev("X @ X.T"), A[0] @ A[0].T)
    np.testing.assert_array_equal(ev("-(1/m) * (Y - X[0]) @ X.T"), -(1 / 3) * (np.ones((1, 3)) - A[0][0]) @ A[0].T)
    np.testing.assert_array_equal(ev("W[1][0]"), W1[0])
    np.testing.assert_array_equal(ev("W[1][:, 0]"), W1[:, 0])
    np.testing.assert_array_equal(ev("W[1][1:]"), W1[1:])
    np.testing.assert_array_equal(ev("W[1][::-1]"), W1[::-1])
    np.testing.assert_array_equal(ev("row(W[1], 2)"), W1[2:3])
    np.testing.assert_array_equal(ev("col(W[1], 1)"), W1[:, 1:2])
    np.testing.assert_allclose(ev("softmax(X)"), np.exp(A[0]) / np.exp(A[0]).sum(axis=0), rtol=1e-15)
    np.testing.assert_array_equal(ev("max(X, 3)"), np.maximum(A[0], 3))
    assert ev("A[L-1][0, 0]") == 0.0


def test_results_are_plain_floats_or_float64_arrays():
    assert type(ev("norm(X)")) is float
    assert type(ev("1 + 1")) is float
    assert ev("X + 1").dtype == np.float64


@pytest.mark.parametrize("text, column, fragment", [
    ("A[3", 4, "']' after the layer index"),
    ("A", 2, "a layer index after A"),
    ("foo(1)", 1, "unknown name 'foo'"),
    ("nrom(X)", 1, "did you mean 'norm'?"),
    ("1 +", 4, "got the end"),
    ("J^2", 2, "use ** for powers"),
    ("3x", 2, "an operator after the number 3"),
    ("W[1]](", 5, "got ']'"),
    ("norm()", 6, "got ')'"),
    ("max(1, 2, 3)", 1, "1 or 2 argument(s) to max; got 3"),
    ("X(1)", 2, "X (it is not a function)"),
    ("", 1, "got nothing"),
    ("norm(X", 7, "',' or ')'"),
    ("X[1,]", 5, "got ']'"),
    ("1..2", 1, "a number; got '1..2'"),
    ("__import__(os)", 1, "unknown name '__import__'"), ("eval('1')", 6, "got \"'\""),
    ("X.__class__", 2, "got '.'"),
    ("J # comment", 3, "got '#'"),
    ("A[1] $ 2", 6, "got '$'"),
])
def test_syntax_errors_have_columns(text, column, fragment):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.column == column
    assert fragment in str(info.value)
    assert str(info.value).endswith(f"at column {column}")


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(ExpressionError):
        parse("(" * 3000 + "1" + ")" * 3000)
    with pytest.raises(ExpressionError):
        parse("-" * 1999 + "1")


@pytest.mark.parametrize("text, fragment", [
    ("W[1] @ W[1]", "do not fit together for '@'"),
    ("X @ 2", "@ multiplies matrices"),
    ("A[1][5, 0]", "out of range for shape (3, 3)"),
    ("A[1][0, 0, 0]", "too many indices"),
    ("J[0]", "cannot index a number"),
    ("A[1][0.5]", "whole number"),
    ("A[1][::0]", "slice step cannot be 0"),
    ("row(X, 1.5)", "whole number"),
])
def test_evaluation_errors(text, fragment):
    with pytest.raises(EvalError, match=None) as info:
        ev(text)
    assert fragment in str(info.value)


def test_nonfinite_results_do_not_raise():
    assert ev("1 / 0") == float("inf")
    assert np.isnan(ev("0 / 0"))
    assert ev("log10(0)") == float("-inf")


def test_layer_index_is_static():
    assert layer_index(parse("3"), 5) == 3
    assert layer_index(parse("L - 1"), 5) == 4
    with pytest.raises(EvalError):
        layer_index(parse("m"), 5)
    with pytest.raises(EvalError):
        layer_index(parse("1.5"), 5)


def test_references_lists_every_name():
    refs = references(parse("norm(dW[1]) / norm(dW[L]) + A[2][0, n[1]] + J"))
    names = [r.name for r in refs]
    assert names == ["dW", "dW", "L", "A", "n", "J"]
    assert all(isinstance(r, Name) for r in refs)


def test_tokenizer_columns():
    toks = tokenize("A[10] ** 2")
    assert [(t.kind, t.text, t.col) for t in toks] == [
        ("name", "A", 1), ("op", "[", 2), ("num", "10", 3), ("op", "]", 5), ("op", "**", 7), ("num", "2", 10),
        ("end", "", 11)]


def test_format_value():
    assert format_value(57.6650390625) == "57.66503906"
    assert format_value(57.6650390625, 17) == "57.6650390625"
    assert format_value(np.zeros((2, 3))) == "array(2, 3) [0, 0, 0, 0, …]"
    assert format_value(float("nan")) == "nan"


def test_column_and_row_helpers():
    np.testing.assert_array_equal(ev("rowsum(X)"), [[6.0], [15.0]])
    np.testing.assert_array_equal(ev("colsum(X)"), [[5.0, 7.0, 9.0]])
    np.testing.assert_array_equal(ev("argmax(X)"), [[1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(ev("round(X / 4)"), np.round(A[0] / 4))
    assert ev("accuracy(X / 10, X / 10)") == 1.0
    assert ev("accuracy(colsum(X) / 10, colsum(X) * 0 + 1)") == 2 / 3  # 0.5, 0.7, 0.9 > 0.5 → 2 of 3
    with pytest.raises(EvalError, match="one shape"):
        ev("accuracy(X, Y)")


def test_long_flat_chains_are_limited_not_crashing():
    with pytest.raises(ExpressionError, match="deep"):
        parse("+".join(["1"] * 600))
    assert evaluate(parse("+".join(["1"] * 150)), lookup) == 150.0


def test_huge_indices_are_evaluation_errors():
    with pytest.raises(EvalError):
        ev("row(X, 1e30)")
    with pytest.raises(EvalError):
        ev("X[0, 100000000000000000000]")


def test_every_function_is_documented():
    from pathlib import Path

    from gradsim.scenario.expressions import FUNCTIONS, LAYERED, PLAIN

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    missing = [f for f in FUNCTIONS if not re.search(rf"`[^`]*\b{f}\b[^`]*`", doc)]
    assert not missing, missing
    assert all(f"`{n}" in doc for n in list(PLAIN) + list(LAYERED)), "every name is documented"
