"""lib.checks.gd: the correct answers pass, every typical mistake is named, stubs are 'not attempted'."""

import numpy as np
import pytest

from lib.checks.gd import (GD_STEP_MISTAKES, GRADIENT_DESCENT_MISTAKES, check_gd_step,
                           check_gradient_descent, reference_gd_step,
                           reference_gradient_descent)


# -- gd_step -------------------------------------------------------------------------------------
def correct_gd_step(theta, grad, lr):
    return theta - lr * grad


def test_gd_step_reference_is_theta_minus_lr_times_grad():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    assert np.array_equal(reference_gd_step(theta, grad, 0.25), [0.875, -3.0])
    assert np.array_equal(theta, [1.0, -2.0])  # the caller's array did not move


def test_gd_step_correct_answer_passes():
    result = check_gd_step(correct_gd_step)
    assert result.status == "correct" and result.passed
    assert str(result).startswith("✓")


def test_gd_step_copying_then_updating_in_place_also_passes():
    def gd_step(theta, grad, lr):
        theta = theta.copy()
        theta -= lr * grad
        return theta

    assert check_gd_step(gd_step).passed


@pytest.mark.parametrize("mistake", GD_STEP_MISTAKES, ids=lambda m: m.name)
def test_gd_step_each_mistake_is_named_with_its_hint(mistake):
    def gd_step(theta, grad, lr):
        return mistake.impl(theta, grad, lr)

    result = check_gd_step(gd_step)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


def test_gd_step_mistakes_are_told_apart():
    """No mistake shadows a later one: each differs from the reference and from the others."""
    names = [check_gd_step(m.impl).mistake for m in GD_STEP_MISTAKES]
    assert names == [m.name for m in GD_STEP_MISTAKES]


def test_gd_step_updating_the_callers_array_in_place_is_reported_as_aliasing():
    def gd_step(theta, grad, lr):
        theta -= lr * grad
        return theta

    result = check_gd_step(gd_step)
    assert result.status == "mistake"
    assert result.mistake == "in-place aliasing"
    assert "changed the arrays it was given" in result.message


def test_gd_step_changing_the_gradient_in_place_is_reported_as_aliasing():
    def gd_step(theta, grad, lr):
        grad *= lr
        return theta - grad

    assert check_gd_step(gd_step).mistake == "in-place aliasing"


def test_gd_step_stub_is_not_attempted():
    def gd_step(theta, grad, lr):
        raise NotImplementedError

    result = check_gd_step(gd_step)
    assert result.status == "not attempted"
    assert not result.passed
    assert "not attempted" in str(result)


def test_gd_step_unknown_error_is_wrong_with_the_gap():
    def gd_step(theta, grad, lr):
        return theta - lr * grad + 0.01

    result = check_gd_step(gd_step)
    assert result.status == "wrong"
    assert "theta_new for theta of shape (2,) with lr = 0.1 is off by 0.01" in result.message


def test_gd_step_that_raises_reports_the_exception():
    def gd_step(theta, grad, lr):
        return theta - lr * undefined_name  # noqa: F821

    result = check_gd_step(gd_step)
    assert result.status == "error"
    assert "NameError" in result.message


def test_gd_step_not_a_function_is_an_error():
    assert check_gd_step(3.0).status == "error"


# -- gradient_descent ----------------------------------------------------------------------------
def correct_gradient_descent(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta - lr * grad_fn(theta)
        path.append(theta)
    return np.array(path)


def test_gradient_descent_reference_walks_a_1d_parabola_by_hand():
    # J = (θ - 3)², J' = 2(θ - 3), η = 0.1: θ_k - 3 = 0.8^k (θ_0 - 3)
    path = reference_gradient_descent(lambda th: 2 * (th - 3), np.array([0.0]), 0.1, 3)
    assert path.shape == (4, 1)
    np.testing.assert_allclose(path[:, 0], [0.0, 0.6, 1.08, 1.464], rtol=0, atol=1e-14)


def test_gradient_descent_correct_answer_passes():
    assert check_gradient_descent(correct_gradient_descent).passed


def test_gradient_descent_list_of_points_also_passes():
    def gradient_descent(grad_fn, theta0, lr, steps):
        return list(correct_gradient_descent(grad_fn, theta0, lr, steps))

    assert check_gradient_descent(gradient_descent).passed


@pytest.mark.parametrize("mistake", GRADIENT_DESCENT_MISTAKES, ids=lambda m: m.name)
def test_gradient_descent_each_mistake_is_named_with_its_hint(mistake):
    result = check_gradient_descent(mistake.impl)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


def test_gradient_descent_moving_theta0_in_place_is_reported_as_aliasing():
    def gradient_descent(grad_fn, theta0, lr, steps):
        path = [theta0.copy()]
        for _ in range(steps):
            theta0 -= lr * grad_fn(theta0)
            path.append(theta0.copy())
        return np.array(path)

    assert check_gradient_descent(gradient_descent).mistake == "in-place aliasing"


def test_gradient_descent_stub_is_not_attempted():
    def gradient_descent(grad_fn, theta0, lr, steps):
        raise NotImplementedError

    assert check_gradient_descent(gradient_descent).status == "not attempted"
