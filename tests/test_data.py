import numpy as np
import pytest

from lib.data import make_regression


def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    a = make_regression(n=30, seed=5)
    b = make_regression(n=30, seed=5)
    c = make_regression(n=30, seed=6)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_shapes_dtypes_and_noise_free_targets():
    x, y = make_regression(n=40, n_features=3, noise=0.0, w=[1.0, 2.0, 3.0], b=-1.0,
                           dtype=np.float32)
    assert x.shape == (40, 3) and y.shape == (40,)
    assert x.dtype == y.dtype == np.float32
    assert np.allclose(y, x @ np.array([1.0, 2.0, 3.0]) - 1.0, atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n"), ({"n_features": 0}, "n_features"), ({"noise": -1.0}, "noise"),
    ({"n_features": 2, "w": [1.0]}, "w"),
])
def test_bad_arguments_are_rejected_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_regression(**kwargs)
