"""Synthetic and file data: shapes (examples as columns), float64, determinism, labels, normalisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradsim import datasets as ds


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("kind, n0, nL", [
    ("needles", 75, 1), ("needles3", 75, 3), ("needles_softmax", 75, 3), ("xor", 2, 1), ("circles", 2, 1),
    ("moons", 2, 1), ("spirals", 2, 1), ("linear", 2, 1), ("teacher", 2, 1),
])
def test_generators_shape_dtype_determinism(kind, n0, nL):
    X, Y = ds.GENERATORS[kind](rng(), 40)
    assert X.shape == (n0, 40) and Y.shape == (nL, 40)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(Y))
    X2, Y2 = ds.GENERATORS[kind](rng(), 40)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    X3, _ = ds.GENERATORS[kind](rng(1), 40)
    assert not np.array_equal(X, X3)


def test_needle_images_flatten_w_l_b():
    X, Y = ds.needles(rng(), 200, width=6, height=4, channels=2, size=3, p=0.5, noise=0.3)
    assert X.shape == (6 * 4 * 2, 200)
    assert set(np.unique(Y)) == {0.0, 1.0}
    # a needle paints `size` pixels of value 1 over a haystack in [0, 0.3)
    ones = (X == 1.0).sum(axis=0)
    np.testing.assert_array_equal(ones[Y[0] == 1], 3)
    np.testing.assert_array_equal(ones[Y[0] == 0], 0)
    assert X[X < 1].max() < 0.3


def test_three_needle_kinds_multilabel_and_softmax():
    X, Y = ds.needles3(rng(), 300, p=0.5)
    assert set(np.unique(Y)) <= {0.0, 1.0}
    counts = Y.sum(axis=0)
    assert counts.min() == 0 and counts.max() == 3  # any subset, including none and all three
    # kind k lives in channel k: its channel holds bright pixels exactly when the label says so
    imgs = X.T.reshape(300, 3, 5, 5)
    for k in range(3):
        bright = (imgs[:, k] == 1.0).any(axis=(1, 2))
        np.testing.assert_array_equal(bright, Y[k] == 1)
    X, Y = ds.needles_softmax(rng(), 300)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    assert set(np.unique(Y.argmax(axis=0))) == {0, 1, 2}


def test_needle_patterns_differ():
    pats = [ds.needle_pattern(k, 3) for k in range(3)]
    assert all(p.sum() == 3 for p in pats)
    assert not np.array_equal(pats[0], pats[1]) and not np.array_equal(pats[1], pats[2])


def test_needle_errors():
    with pytest.raises(ValueError, match="does not fit"):
        ds.needles(rng(), 5, width=2, height=2, size=3)


def test_toy_labels():
    X, Y = ds.xor(rng(), 500, noise=0.0)
    np.testing.assert_array_equal(Y[0], (X[0] * X[1] > 0).astype(float))
    X, Y = ds.circles(rng(), 400, noise=0.0, factor=0.5)
    r = np.hypot(X[0], X[1])
    np.testing.assert_allclose(r[Y[0] == 1], 0.5)
    np.testing.assert_allclose(r[Y[0] == 0], 1.0)
    X, Y = ds.moons(rng(), 100, one_hot=True)
    assert Y.shape == (2, 100)
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    assert Y[1].sum() == 50
    X, Y = ds.linear(rng(), 300)
    # separable by a line through the origin: a perceptron-style check via least squares sign agreement
    w = np.linalg.lstsq(X.T, 2 * Y[0] - 1, rcond=None)[0]
    assert np.mean(np.sign(w @ X) == (2 * Y[0] - 1)) > 0.95


def test_spirals_classes():
    X, Y = ds.spirals(rng(), 90, classes=3)
    assert Y.shape == (3, 90)
    np.testing.assert_array_equal(Y.sum(axis=1), 30)
    with pytest.raises(ValueError):
        ds.spirals(rng(), 90, classes=3, one_hot=False)
    X, Y = ds.spirals(rng(), 90, classes=2)
    assert Y.shape == (1, 90)


def test_teacher():
    X, Y = ds.teacher(rng(), 200, inputs=3, outputs=2, hidden=0, noise=0.0)
    assert X.shape == (3, 200) and Y.shape == (2, 200)
    # a linear teacher without noise is fit exactly by least squares with a bias row
    Xa = np.vstack([X, np.ones((1, 200))])
    coef = np.linalg.lstsq(Xa.T, Y.T, rcond=None)[0]
    np.testing.assert_allclose(Xa.T @ coef, Y.T, atol=1e-10)
    X, Y = ds.teacher(rng(), 200, inputs=3, hidden=16, relu_output=True)
    assert Y.min() >= 0
    Xs, Ys = ds.teacher(rng(), 200, inputs=2, scales=[1.0, 0.01])
    Xu, Yu = ds.teacher(rng(), 200, inputs=2)
    np.testing.assert_array_equal(Ys, Yu)  # scaling the observed inputs leaves the targets alone
    np.testing.assert_allclose(Xs[1], 0.01 * Xu[1])
    with pytest.raises(ValueError, match="one per input"):
        ds.teacher(rng(), 10, inputs=2, scales=[1.0])


def test_explicit():
    X, Y = ds.explicit([[1, 2, 3]], [[0, 1, 0]])
    assert X.dtype == np.float64 and X.shape == (1, 3) and Y.shape == (1, 3)
    with pytest.raises(ValueError, match="columns"):
        ds.explicit([[1, 2, 3]], [[0, 1]])
    with pytest.raises(ValueError, match="2-D"):
        ds.explicit([1, 2, 3], [[0, 1, 0]])


def test_normalize_per_feature_with_constant_guard():
    X = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], [100.0, -100.0, 100.0, -100.0]])
    Xn, mean, std = ds.normalize(X)
    np.testing.assert_allclose(Xn.mean(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(Xn.std(axis=1), [1.0, 0.0, 1.0])
    assert np.all(np.isfinite(Xn))
    assert std[1, 0] == 1.0 and mean[1, 0] == 5.0


def test_csv(tmp_path: Path):
    p = tmp_path / "t.csv"
    p.write_text("x1,x2,label\n1,2,0\n3,4,1\n5,6,2\n")
    X, Y = ds.load_csv(p, ["label"])
    np.testing.assert_array_equal(X, [[1, 3, 5], [2, 4, 6]])
    np.testing.assert_array_equal(Y, [[0, 1, 2]])
    X, Y = ds.load_csv(p, [-1], as_one_hot=True)
    np.testing.assert_array_equal(Y, np.eye(3))
    X, Y = ds.load_csv(p, [0, "x2"])
    assert X.shape == (1, 3) and Y.shape == (2, 3)
    q = tmp_path / "noheader.csv"
    q.write_text("1;2;3\n4;5;6\n")
    X, Y = ds.load_csv(q, [2], delimiter=";")
    np.testing.assert_array_equal(Y, [[3, 6]])
    with pytest.raises(ValueError, match="no column named 'y'"):
        ds.load_csv(p, ["y"])
    with pytest.raises(ValueError, match="out of range"):
        ds.load_csv(p, [7])
    with pytest.raises(ValueError, match="no input columns"):
        ds.load_csv(p, [0, 1, 2])
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    with pytest.raises(ValueError, match="line 3 has 1 fields"):
        ds.load_csv(bad, [-1])
    with pytest.raises(FileNotFoundError):
        ds.load_csv(tmp_path / "none.csv", [-1])


def test_npy(tmp_path: Path):
    T = np.arange(12.0).reshape(4, 3)  # 4 examples, 3 columns
    p = tmp_path / "t.npy"
    np.save(p, T)
    X, Y = ds.load_npy(p, [-1])
    np.testing.assert_array_equal(X, T[:, :2].T)
    np.testing.assert_array_equal(Y, T[:, 2:].T)
    X, Y = ds.load_npy(p, [0], examples="columns")  # 3 examples of 4 numbers; row 0 is the target
    assert X.shape == (3, 3) and Y.shape == (1, 3)
    np.save(tmp_path / "v.npy", np.arange(3.0))
    with pytest.raises(ValueError, match="1-D"):
        ds.load_npy(tmp_path / "v.npy", [-1])
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="cannot read"):
        ds.load_npy(tmp_path / "junk.npy", [-1])
