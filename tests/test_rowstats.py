"""engine.rowstats: many norms / stds in one pass, bit-identical to stats.norm_quiet / std_quiet."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradsim.engine.rowstats import norms_quiet, norms_stds_quiet, stds_quiet
from gradsim.engine.stats import norm_quiet, std_quiet


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def _edge_cases(rng) -> list:
    return [
        None,
        np.zeros((0, 3)),
        np.zeros((3, 2)),
        np.array([[5.0]]),
        np.full((4, 1), 1e200),
        rng.standard_normal((3, 5)) * 1e160,
        rng.standard_normal((2, 7)) * 1e-160,
        np.array([1e-300, 0.0]),
        np.array([[1.0, np.inf], [np.nan, 2.0]]),
        np.array([np.nan, 1.0]),
        np.array([-np.inf, 3.0]),
        np.array([1, 2, 3]),  # not float64: goes through the one-array path
        rng.standard_normal((6, 4)).T,  # not contiguous
        np.full((3, 3), 7.25),  # constant: std 0
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_arrays_match_one_array_functions_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((int(rng.integers(1, 70)), int(rng.integers(1, 300 if seed % 2 else 20))))
              * 10.0 ** int(rng.integers(-8, 8)) for _ in range(int(rng.integers(1, 40)))]
    got_n, got_s = norms_quiet(arrays), stds_quiet(arrays)
    with np.errstate(all="ignore"):
        want_n = [norm_quiet(a) for a in arrays]
        want_s = [std_quiet(a) for a in arrays]
    assert got_n == want_n
    assert got_s == want_s


def test_edge_cases_match_one_array_functions():
    rng = np.random.default_rng(7)
    arrays = _edge_cases(rng)
    with np.errstate(all="ignore"):
        got_n, got_s = norms_quiet(arrays), stds_quiet(arrays)
        want_n = [norm_quiet(a) for a in arrays]
        want_s = [std_quiet(a) for a in arrays]
    assert all(_same(g, w) for g, w in zip(got_n, want_n)), (got_n, want_n)
    assert all(_same(g, w) for g, w in zip(got_s, want_s)), (got_s, want_s)
    assert got_n[4] == pytest.approx(2e200) and got_n[8] == math.inf and math.isnan(got_n[9])
    assert got_s[13] == 0.0 and got_n[2] == 0.0 and math.isnan(got_n[0])


def test_a_plain_sum_order_would_differ_so_the_padding_matters():
    # Guard that the test above can fail: summing a segment without the leading 0.0 changes bits.
    rng = np.random.default_rng(3)
    diffs = 0
    for _ in range(50):
        x = rng.standard_normal(int(rng.integers(20, 400)))
        diffs += np.add.reduceat(x * x, [0])[0] != np.add.reduce(x * x)
    assert diffs > 0


def test_empty_list():
    assert norms_quiet([]) == [] and stds_quiet([]) == []


def test_norms_and_stds_from_one_layout_match():
    rng = np.random.default_rng(11)
    first = [rng.standard_normal((3, int(rng.integers(1, 900)))) for _ in range(8)] + [np.full((2, 2), 4.0)]
    rest = [rng.standard_normal((2, int(rng.integers(1, 2000)))) for _ in range(12)] + [None, np.zeros((0,))]
    norms, stds = norms_stds_quiet(first, rest)
    with np.errstate(all="ignore"):
        assert norms[:-2] == [norm_quiet(a) for a in first + rest[:-2]]
        assert stds == [std_quiet(a) for a in first]
    assert math.isnan(norms[-2]) and norms[-1] == 0.0


def test_other_dtypes_give_the_one_array_numbers():
    arrays = [np.array([1, 2, 3]), np.array([True, False]), np.array([1.5, 2.5], dtype=np.float32),
              np.array([3.0]), np.array([1 + 2j])]
    with np.errstate(all="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        assert norms_quiet(arrays[:4]) == [norm_quiet(a) for a in arrays[:4]]
        assert stds_quiet(arrays[:4]) == [std_quiet(a) for a in arrays[:4]]
        assert norms_quiet(arrays) == [norm_quiet(a) for a in arrays]


@pytest.mark.parametrize("name", ["three-layer-cache", "deep-sigmoid-residual", "minibatch-gd", "exploding-linear",
                                  "diverging-learning-rate"])  # the last two: 1e297 entries, inf, NaN
def test_trace_row_numbers_are_display_norm_and_std_of_the_arrays(name):
    from gradsim.display import norm
    from gradsim.engine.stats import std
    from gradsim.scenario.build import build_simulation
    from gradsim.scenario.loader import load_scenario
    from gradsim.trace import trace_row

    sim = build_simulation(load_scenario(name).without_stops())
    checked = 0
    for _ in range(25):
        sim.run(1, stop_on_blowup=False)
        row, arrays = trace_row(sim), sim.arrays
        for column, value in row.items():
            if column.startswith("norm("):
                want = norm(arrays[column[5:-1]])
            elif column.startswith("std("):
                want = std(arrays[column[4:-1]])
            else:
                continue
            assert _same(value, want), (column, value, want)
            checked += 1
    assert checked >= 25 * 6
