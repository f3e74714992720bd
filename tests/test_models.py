import numpy as np
import pytest

from lib.data import make_regression
from lib.models import LinearRegression


def test_gradients_match_central_differences():
    x, y = make_regression(n=50, n_features=3, seed=2)
    model = LinearRegression(3, w=[0.3, -0.2, 0.1], b=0.5)
    _, (gw, gb) = model.loss_and_grads(x, y)
    h = 1e-6
    for k in range(3):
        plus, minus = model.w.copy(), model.w.copy()
        plus[k] += h
        minus[k] -= h
        num = (LinearRegression(3, w=plus, b=0.5).loss(x, y)
               - LinearRegression(3, w=minus, b=0.5).loss(x, y)) / (2 * h)
        assert gw[k] == pytest.approx(num, rel=1e-6)
    num_b = (LinearRegression(3, w=model.w, b=0.5 + h).loss(x, y)
             - LinearRegression(3, w=model.w, b=0.5 - h).loss(x, y)) / (2 * h)
    assert gb[0] == pytest.approx(num_b, rel=1e-6)


def test_loss_is_the_mean_squared_error_without_a_half():
    x = np.array([[1.0], [2.0]])
    y = np.array([1.0, 1.0])
    model = LinearRegression(1, w=[1.0], b=0.0)
    assert model.loss(x, y) == pytest.approx((0**2 + 1**2) / 2)


def test_closed_form_is_a_stationary_point_of_the_loss():
    x, y = make_regression(n=100, n_features=2, seed=3)
    w, b = LinearRegression.closed_form(x, y)
    _, grads = LinearRegression(2, w=w, b=b).loss_and_grads(x, y)
    assert np.allclose(np.concatenate(grads), 0, atol=1e-12)


def test_as_valley_reproduces_the_loss_surface_up_to_its_minimum_value():
    x, y = make_regression(n=80, seed=4)
    valley = LinearRegression.as_valley(x, y)
    w_star, b_star = LinearRegression.closed_form(x, y)
    j_star = LinearRegression(1, w=w_star, b=b_star).loss(x, y)
    for w, b in [(0.0, 0.0), (3.0, -1.0), (1.5, 2.0)]:
        loss, grads = LinearRegression(1, w=[w], b=b).loss_and_grads(x, y)
        assert valley.value(np.array([w, b])) + j_star == pytest.approx(loss, rel=1e-10)
        assert np.allclose(valley.grad(np.array([w, b])), np.concatenate(grads))


def test_parameters_are_private_copies_of_what_was_passed():
    w = np.array([1.0, 2.0])
    model = LinearRegression(2, w=w)
    model.w += 1
    assert np.array_equal(w, [1.0, 2.0])


@pytest.mark.parametrize("x_shape, y_shape, match", [((5, 2), (5,), "x"), ((5, 1), (4,), "y")])
def test_mismatched_data_is_rejected_naming_the_argument(x_shape, y_shape, match):
    with pytest.raises(ValueError, match=match):
        LinearRegression(1).loss(np.zeros(x_shape), np.zeros(y_shape))


def test_bad_n_features_and_w_are_rejected():
    with pytest.raises(ValueError, match="n_features"):
        LinearRegression(0)
    with pytest.raises(ValueError, match="w"):
        LinearRegression(2, w=[1.0])
