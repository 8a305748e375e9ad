"""The J history: exact while short, bounded and downsampled (real Js of real iterations) past its bound."""

from __future__ import annotations

import numpy as np
import pytest

from gradsim.engine import History
from gradsim.tui.widgets.loss import downsample


def filled(n: int, **kw) -> History:
    h = History(**kw)
    for t in range(1, n + 1):
        h.append(1.0 / t)  # J of iteration t is 1/t: every sample names its own iteration
    return h


def test_short_history_is_every_J_in_order_and_behaves_like_a_list():
    h = filled(300, capacity=16, recent=200)
    ref = [1.0 / t for t in range(1, 301)]
    assert h == ref and list(h) == ref and len(h) == 300 and h.total == 300
    assert h[0] == 1.0 and h[-1] == 1 / 300 and h[10:13] == ref[10:13] and h.stride == 1
    assert np.array_equal(np.asarray(h), np.array(ref)) and np.array_equal(h.iterations(), np.arange(1, 301))
    with pytest.raises(IndexError):
        h[300]


@pytest.mark.parametrize("n", [1000, 4097, 123_457])
def test_long_history_is_bounded_and_keeps_iteration_one_and_the_recent_window_exactly(n):
    cap, R = 64, 100
    h = filled(n, capacity=cap, recent=R)
    its, vals = h.iterations(), h.values()
    assert h.total == n and len(h) <= cap + 2 * R
    assert np.array_equal(vals, 1.0 / its)  # each value is the J of the iteration it is filed under
    assert its[0] == 1 and np.all(np.diff(its) > 0)
    assert np.array_equal(its[-R:], np.arange(n - R + 1, n + 1))  # the last R iterations, exact
    coarse = its[1:len(its) - h._nr]
    assert np.all(coarse % h.stride == 0)  # the rest: multiples of the stride
    assert h.stride >= (n - 2 * R) / cap  # and it doubled as often as needed to fit


def test_truncate_inside_the_recent_window_is_exact_and_appending_goes_on():
    h = filled(5000, capacity=32, recent=300)
    h.truncate(4800)
    assert h.total == 4800 and h[-1] == 1 / 4800
    h.append(7.0)
    assert h.total == 4801 and h[-1] == 7.0 and h[-2] == 1 / 4800
    h.truncate(10)  # far behind the window: the kept samples up to 10
    assert h.total == 10 and all(it <= 10 for it in h.iterations())
    h.append(3.0)
    assert h.total == 11 and h.iterations()[-1] == 11 and h[-1] == 3.0
    h.truncate(0)
    assert h == [] and h.total == 0


def test_the_view_is_a_frozen_copy():
    h = filled(50, recent=10)
    v = h.view()
    h.append(9.0)
    assert v.total == 50 and v.last == 1 / 50 and len(v) == 50
    with pytest.raises(ValueError):
        v.values[0] = 2.0


def test_downsample_buckets_by_iteration_not_by_index():
    # 1000 sparse iterations (stride 10) then 1000 dense ones: the dense tail is 1/11 of the x range
    xs = np.concatenate((np.arange(10, 10_001, 10), np.arange(10_001, 11_001)))
    ys = np.ones(len(xs))
    dx, _ = downsample(xs, ys, 110)
    tail = sum(1 for x in dx if x > 10_000)
    assert tail <= 2 * 11  # ~10 buckets of 110 cover the tail, at most two points each
