"""Every file in tests/data/broken/ is one mistake; each must give its own one-line message naming the file
and the field, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradsim.errors import ScenarioError
from gradsim.scenario import load_scenario

BROKEN = Path(__file__).parent / "data" / "broken"

# file stem -> (field path the message must name, fragment of what was expected / got)
EXPECTED: dict[str, tuple[str, str]] = {
    "toml-syntax": ("line 3, column 8", "expected valid TOML"),
    "unknown-top-key": ("lose", "did you mean 'loss'?"),
    "unknown-activation": ("network.layers[2].activation",
                           "expected one of linear, sigmoid, tanh, relu, leaky_relu, elu, softplus, softmax; got 'sigmod' "
                           "(did you mean 'sigmoid'?)"),
    "unknown-layer-key": ("network.layers[1].activaton", "did you mean 'activation'?"),
    "bool-as-int": ("network.layers[0].n", "a boolean is not an integer"),
    "float-as-int": ("run.iterations", "write 10 without the decimal point"),
    "softmax-hidden": ("network.layers[1].activation", "softmax only on the output layer"),
    "logistic-needs-sigmoid": ("loss", "logistic needs a sigmoid output"),
    "softmax-ce-needs-softmax": ("loss", "softmax_ce needs a softmax output"),
    "l2-softmax-unreachable": ("loss", "cannot reach Y"),
    "relu-output-negative-targets": ("network.layers[1].activation", "set data.relu_output = true"),
    "logistic-targets-out-of-range": ("data", "targets Y in [0, 1] for logistic loss; got Y with values in [0, 2]"),
    "negative-learning-rate": ("optimizer.learning_rate", "expected a number > 0; got -0.1"),
    "zero-learning-rate": ("optimizer.learning_rate", "expected a number > 0; got 0"),
    "unknown-loss": ("loss", "got 'cross_entropy'"),
    "missing-loss": ("loss", "got nothing (it is missing)"),
    "slope-not-leaky": ("network.layers[0].slope", "slope only with activation = \"leaky_relu\""),
    "unknown-data-kind": ("data.kind", "did you mean 'moons'?"),
    "key-of-other-kind": ("data.classes", "classes is for kind = 'spirals'"),
    "n0-mismatch": ("network.n0", "expected n[0] = 2"),
    "y-rows-mismatch": ("network.layers[2].n", "n[L] = 3 output units, one per row of Y"),
    "batch-larger-than-m": ("optimizer.batch_size", "from 1 to m = 64"),
    "too-many-layers": ("network.layers[0].repeat", "from 1 to 64"),
    "too-wide": ("network.layers[0].n", "from 1 to 4,096; got 100000"),
    "too-many-parameters": ("network.layers", "at most 5,000,000 parameters"),
    "m-too-large": ("data.m", "from 1 to 100,000"),
    "iterations-too-many": ("run.iterations", "from 1 to 1,000,000"),
    "missing-network": ("network", "expected a [network] table"),
    "network-not-table": ("network", "expected a table; got an integer 5"),
    "explicit-w-shape": ("init.layers.3.W", "expected shape (n[3], n[2]) = (2, 4); got (4, 2)"),
    "nonfinite-data": ("data.X[0][1]", "expected a finite number; got nan"),
    "explicit-columns-mismatch": ("data.Y", "expected 3 columns, one per example"),
    "ragged-matrix": ("data.X[1]", "rows must have equal length"),
    "missing-csv": ("data.path", "an existing .csv file"),
    "missing-npy": ("data.path", "an existing .npy file"),
    "csv-unknown-column": ("data.targets", "no column named 'price'"),
    "init-param-unused": ("init.std", "std only with weights = 'normal'"),
    "init-layer-out-of-range": ("init.layers.7", "a layer number from 1 to L = 3"),
    "expect-single-table": ("expect", "write [[expect]], with two brackets"),
    "expr-syntax": ("expect[0].value, column 14", "expected a number, a name or '('; got the end"),
    "expr-unknown-name": ("expect[0].value, column 1", "did you mean 'norm'?"),
    "expr-power-caret": ("expect[0].value, column 2", "use ** for powers"),
    "expr-layer-out-of-range": ("expect[0].value, column 1", "a layer index from 0 to L = 3 for A; got A[5]"),
    "expr-not-computed-yet": ("expect[0].value, column 6", "got dW[3], which backward l=3 computes"),
    "expr-shape-mismatch": ("expect[0].value", "shapes (4, 2) and (1, 4) do not fit together"),
    "expect-iteration-beyond-run": ("expect[0].at.iteration", "from 1 to run.iterations = 10"),
    "expect-unknown-op": ("expect[0].op", "got '='"),
    "expect-between-missing-hi": ("expect[0].hi", "between needs lo and hi"),
    "expect-rhs-with-is-finite": ("expect[0].rhs", "no rhs with op = 'is_finite'"),
    "expect-bad-phase": ("expect[0].at.phase", "did you mean 'backward'?"),
    "momentum-key-on-gd": ("optimizer.beta", "beta is for name = 'momentum'"),
    "nan-stop-below": ("run.stop_below", "expected a finite number; got nan"),
    "needle-too-big": ("data.size", "a needle size that fits the 3×3 image"),
    # hostile input (issue 17): bounded before the work, never an "unexpected" error
    "nested-500-deep": ("line 11, column 37", "nested at most 32 deep"),
    "dotted-key-too-deep": ("optimizer." + ".".join(["a"] * 31), "nested at most 32 deep"),
    "huge-int-learning-rate": ("optimizer.learning_rate", "an integer from -2^63 to 2^63 - 1"),
    "huge-int-explicit-x": ("data.X[0][1]", "got an integer of 1329 bits"),
    "huge-int-rhs": ("expect[0].rhs", "TOML's 64-bit integers"),
    "npz-as-npy": ("data.path", "is an .npz archive of several arrays; expected one .npy array"),
    "one-hot-huge-label": ("data.targets", "class labels from 0 to 4095"),
    "expr-too-large": ("expect[0].value", "'@' (column 10) would make an array of shape (20000, 20000)"),
    "expr-broadcast-too-large": ("expect[0].value", "'+' (column 25) would make an array of shape (30000, 30000)"),
}


def _stems() -> list[str]:
    return sorted(p.stem for p in BROKEN.glob("*.toml"))


def test_corpus_and_table_agree():
    assert set(_stems()) == set(EXPECTED), "every broken file needs its expected message, and vice versa"
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_broken_file_gives_its_message(stem: str):
    path = BROKEN / f"{stem}.toml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    text = str(err)
    field, fragment = EXPECTED[stem]
    assert "\n" not in text and "Traceback" not in text
    assert text.startswith(f"{path}: "), text  # names the file
    assert err.file == str(path)
    assert f": {field}: " in text, text  # names the field
    assert fragment in text, text
    assert err.expected  # the parts are there for the CLI


def test_unknown_bundled_name_suggests():
    with pytest.raises(ScenarioError) as info:
        load_scenario("exploding-lineer")
    assert "did you mean 'exploding-linear'?" in str(info.value)


def test_missing_path():
    with pytest.raises(ScenarioError) as info:
        load_scenario("nowhere/at-all.toml")
    assert str(info.value).startswith("nowhere/at-all.toml: expected an existing scenario file")


def test_not_utf8(tmp_path: Path):
    p = tmp_path / "bin.toml"
    p.write_bytes(b"loss = \"l2\"\n\xff\xfe")
    with pytest.raises(ScenarioError, match="UTF-8"):
        load_scenario(p)


def test_integer_beyond_python_str_limit(tmp_path: Path):
    """tomllib raises a plain ValueError for more than 4,300 digits; it is still the one-line error."""
    p = tmp_path / "digits.toml"
    p.write_text('loss = "l2"\nseed = ' + "7" * 5000 + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert str(info.value) == (f"{p}: expected an integer from -2^63 to 2^63 - 1 (TOML's 64-bit integers); "
                               "got an integer of more than 4,300 digits")


def test_brackets_in_strings_and_comments_do_not_count(tmp_path: Path):
    """The nesting scan skips strings and comments: 40 brackets in them are not nesting."""
    p = tmp_path / "ok.toml"
    p.write_text("# " + "[" * 40 + '\nloss = "l2"\n[network]\nlayers = [{ n = 1, activation = "linear" }]\n'
                 '[data]\nkind = "linear"\n[[expect]]\nname = "' + "[" * 40 + '"\nvalue = "J"\nop = "is_finite"\n'
                 "[[expect]]\nname = '''" + "{" * 40 + "'''\nvalue = 'J'\nop = 'is_finite'\n")
    assert len(load_scenario(p).expectations) == 2


def test_nesting_at_the_limit_is_accepted_by_the_scan():
    from gradsim.scenario.guard import check_text_nesting

    check_text_nesting("x = " + "[" * 32 + "]" * 32)
    with pytest.raises(ScenarioError, match="nested at most 32 deep"):
        check_text_nesting("x = " + "[" * 33 + "]" * 33)


def test_any_other_error_becomes_a_scenario_error(monkeypatch):
    """The loader's boundary: a bug or a MemoryError deep in validation is still one ScenarioError."""
    from gradsim.scenario import schema

    def boom(*a, **k):
        raise MemoryError()
    monkeypatch.setattr(schema, "read_data", boom)
    monkeypatch.delenv("GRADSIM_DEBUG", raising=False)
    with pytest.raises(ScenarioError) as info:
        load_scenario(BROKEN.parent / "cli" / "tiny.toml")
    assert str(info.value).endswith("tiny.toml: expected a scenario gradsim can load; got MemoryError")
