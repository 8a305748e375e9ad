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


# --------------------------------------------------------------------- functions from the engine's registries
def test_every_registered_activation_is_a_function():
    from gradsim.engine.activations import ACTIVATIONS

    for name, entry in ACTIVATIONS.items():
        want = entry.g(np.atleast_2d(A[0]) if name == "softmax" else A[0])
        np.testing.assert_array_equal(ev(f"{name}(X)"), want, err_msg=name)
    assert ev("leaky_relu(-2)") == pytest.approx(-0.02, rel=1e-15)
    assert ev("sigmoid(-1000)") == 0.0 and ev("sigmoid(1000)") == 1.0  # the engine's overflow-free σ
    np.testing.assert_array_equal(ev("softmax(3)"), [[1.0]])  # column-wise: a number is a 1×1 column


def test_an_activation_registered_later_is_usable_at_once(monkeypatch):
    from dataclasses import replace

    from gradsim.engine.activations import ACTIVATIONS
    from gradsim.scenario.expressions import FUNCTIONS

    with pytest.raises(ExpressionError, match="unknown name 'mytanh'"):
        parse("mytanh(X)")
    monkeypatch.setitem(ACTIVATIONS, "mytanh", replace(ACTIVATIONS["tanh"], name="mytanh"))
    assert "mytanh" in FUNCTIONS and "mytanh" in list(FUNCTIONS)
    tree = parse("mytanh(X) - tanh(X)")
    np.testing.assert_array_equal(evaluate(tree, lookup), np.zeros((2, 3)))
    monkeypatch.delitem(ACTIVATIONS, "mytanh")
    with pytest.raises(EvalError, match="no longer a known function"):
        evaluate(tree, lookup)  # looked up at evaluation time too
    with pytest.raises(ExpressionError, match="unknown name 'mytanh'"):
        parse("mytanh(X)")


def test_builtins_win_a_name_clash_with_the_registry(monkeypatch):
    from dataclasses import replace

    from gradsim.engine.activations import ACTIVATIONS

    monkeypatch.setitem(ACTIVATIONS, "abs", replace(ACTIVATIONS["relu"], name="abs"))
    assert ev("abs(-2)") == 2.0
    assert list(__import__("gradsim.scenario.expressions", fromlist=["FUNCTIONS"]).FUNCTIONS).count("abs") == 1


def test_norm_is_the_engines_overflow_safe_norm():
    assert ev("norm(X * 1e200)") == pytest.approx(1e200 * np.sqrt(91.0), rel=1e-15)
    assert ev("norm(X * 0 + 1e-200)") == pytest.approx(1e-200 * np.sqrt(6.0), rel=1e-15)
    with pytest.raises(EvalError, match="cannot reduce an empty array"):
        ev("norm(J_history[0:0])")


# ------------------------------------------------------------------------------------------ hostile input
@pytest.mark.parametrize("text, column, fragment", [
    ("__import__('os')", 12, "got \"'\""),  # the tokenizer reads the whole text first
    ("__import__(os)", 1, "unknown name '__import__'"),
    ("().__class__", 3, "got '.'"),
    ("()", 2, "a number, a name or '('; got ')'"),
    ("lambda: 1", 1, "unknown name 'lambda'"),
    ("[x for x in X]", 1, "a number, a name or '('; got '['"),
    ("X if J else Y", 3, "an operator or the end; got 'if'"),
    ("A[1] < 2", 6, "got '<'"),
    ('"abc"', 1, "got '\"'"),
    ("X.shape", 2, "got '.'"),
    ("f(x=1)", 4, "got '='"),
    ("f(x)", 1, "unknown name 'f'"),
    ("norm(X=1)", 7, "got '='"),
    ("norm(*X)", 6, "got '*'"),
    ("norm(**X)", 6, "got '**'"),
    ("X[1,]", 5, "got ']'"),
    ("max(1, 2,)", 10, "got ')'"),
    ("(norm)(X)", 6, "'(' after the function norm; got ')'"),
    ("(1, 2)", 3, "')'; got ','"),
    ("X // 2", 4, "got '/'"),
    ("not J", 1, "unknown name 'not'"),
    ("True", 1, "unknown name 'True'"),
    ("0x10", 2, "an operator after the number 0"),
    ("1_000", 2, "an operator after the number 1"),
    ("2j", 2, "an operator after the number 2"),
    ("J\n+ 1", 2, "got '\\n'"),
    ("٣", 1, "got '٣'"),
    ("X @ Y ^ 2", 7, "use ** for powers"),
    ("X[1:2:3:4]", 8, "got ':'"),
])
def test_hostile_input_is_a_clean_error_with_a_column(text, column, fragment):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert (info.value.column, fragment in info.value.message) == (column, True), str(info.value)
    assert "\n" not in str(info.value).replace("\\n", "")


@pytest.mark.parametrize("text", [
    "(" * 10_000 + "1" + ")" * 10_000,  # over the length limit
    "(" * 999 + "1" + ")" * 999,  # 1,999 characters, 999 deep
    "+".join(["1"] * 1000),  # a 1,999-character sum
    "-" * 1999,
    "A[" * 666 + "1" + "]" * 666,
    "norm(" * 399 + "X" + ")" * 399,
])
def test_huge_or_deep_input_is_a_clean_error(text):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert "characters" in info.value.message or "deep" in info.value.message or "got the end" in info.value.message


def test_non_strings_are_refused():
    for value in (None, 3, b"J", ["J"]):
        with pytest.raises(ExpressionError, match="a string"):
            parse(value)


def test_nothing_is_ever_run_as_python():
    import builtins

    calls = []
    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}
    for name in saved:
        setattr(builtins, name, lambda *args, _name=name, **kwargs: calls.append(_name))
    try:  # restored before any assertion: pytest itself compiles to report a failure
        value = ev("norm(W[1] @ X) + sigmoid(J) - A[1][0, 1:].T @ A[1][0, 1:]")
    finally:
        for name, fn in saved.items():
            setattr(builtins, name, fn)
    assert calls == []
    assert value == pytest.approx(float(np.linalg.norm(W1 @ A[0])) + 1 / (1 + np.exp(-0.25)) - 5.0, rel=1e-12)


def test_budget_refuses_before_the_array_is_made():
    """The result shape of @ and of broadcasting is computed first: zero-strided inputs of any size cost
    nothing, and a result over the cap is an EvalError naming the operator (no MemoryError, no wait)."""
    import numpy as np

    from gradsim.scenario.caps import MAX_EXPR_FLOPS, MAX_EXPR_NUMBERS
    from gradsim.scenario.expressions import EvalError, evaluate, parse

    big = {"X": np.broadcast_to(0.0, (2, 10**6)), "Y": np.broadcast_to(0.0, (4096, 4096))}

    def lookup(name, layer):
        return big[name]
    with pytest.raises(EvalError, match=r"'@' \(column 5\) would make an array of shape \(1000000, 1000000\)"):
        evaluate(parse("X.T @ X"), lookup)
    with pytest.raises(EvalError, match=r"would make an array of shape \(1000000, 1000000\)"):
        evaluate(parse("max(row(X, 0).T, row(X, 1))"), lookup)
    assert 4096**3 > MAX_EXPR_FLOPS and 4096**2 <= MAX_EXPR_NUMBERS
    with pytest.raises(EvalError, match="multiply-adds"):
        evaluate(parse("Y @ Y"), lookup)
    assert evaluate(parse("norm(X @ X.T)"), lookup) == 0.0  # a (2, 2) result of 2e6 multiply-adds each
