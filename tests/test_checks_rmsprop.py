"""The RMSProp homework check names each typical mistake and accepts the article's update."""

import warnings

import numpy as np
import pytest

from lib.checks.core import same
from lib.checks.rmsprop import (MISTAKES, _scenario, check_rmsprop_step,
                                reference_rmsprop_step)
from lib.optim import RMSProp


def test_reference_matches_lib_rmsprop_over_several_steps():
    rng = np.random.default_rng(0)
    theta_lib = rng.normal(size=5)
    opt = RMSProp(lr=0.01, beta=0.9, eps=1e-4)
    theta, s = theta_lib.copy(), np.zeros(5)
    for _ in range(10):
        g = 1e-2 * rng.normal(size=5)
        opt.step([theta_lib], [g])
        theta, s = reference_rmsprop_step(theta, g, s, 0.01, 0.9, 1e-4)
    np.testing.assert_allclose(theta, theta_lib, rtol=0, atol=1e-15)
    np.testing.assert_allclose(s, opt.state[0]["s"], rtol=0, atol=1e-18)


def test_reference_passes():
    result = check_rmsprop_step(reference_rmsprop_step)
    assert result.status == "correct"
    assert result.passed
    assert str(result).startswith("✓")


def test_a_differently_written_correct_step_passes():
    def rmsprop_step(theta, g, s, lr, beta, eps):
        s = s * beta + g * g * (1 - beta)
        return theta - lr * g * (s + eps) ** -0.5, s

    assert check_rmsprop_step(rmsprop_step).status == "correct"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_mistake_is_named_with_its_hint(mistake):
    result = check_rmsprop_step(mistake.impl)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_each_mistake_differs_from_the_reference_and_from_every_other_mistake(mistake):
    ours = _scenario(mistake.impl)
    assert not same(ours, _scenario(reference_rmsprop_step))
    for other in MISTAKES:
        if other is not mistake:
            assert not same(ours, _scenario(other.impl)), other.name


def test_eps_placement_makes_a_large_difference_on_the_test_inputs():
    """PyTorch's ε-outside form must be caught by a wide margin, not by rounding."""
    ours = _scenario(MISTAKES[0].impl)
    ref = _scenario(reference_rmsprop_step)
    # measured against the change the step should make, the gap is far from rounding
    relative = max(float(np.max(np.abs(a["theta_new"] - b["theta_new"])))
                   / float(np.max(np.abs(b["theta_new"] - b.before["theta_new"])))
                   for a, b in zip(ours, ref))
    assert relative > 0.1


def test_changing_the_callers_arrays_is_reported():
    def rmsprop_step(theta, g, s, lr, beta, eps):
        s *= beta
        s += (1 - beta) * g**2
        theta -= lr / np.sqrt(s + eps) * g
        return theta, s

    result = check_rmsprop_step(rmsprop_step)
    assert result.status == "mistake"
    assert result.mistake == "in-place aliasing"


def test_stub_is_not_attempted():
    def rmsprop_step(theta, g, s, lr, beta, eps):
        raise NotImplementedError

    result = check_rmsprop_step(rmsprop_step)
    assert result.status == "not attempted"
    assert str(result).startswith("…")


def test_an_unknown_error_is_reported_as_wrong_with_the_gap():
    def rmsprop_step(theta, g, s, lr, beta, eps):
        s_new = beta * s + (1 - beta) * g**2
        return theta - lr / np.sqrt(s_new + eps / 2) * g, s_new

    result = check_rmsprop_step(rmsprop_step)
    assert result.status == "wrong"
    assert "theta_new for gradients of size" in result.message
    assert "of the change it should make" in result.message


def test_a_crashing_function_is_reported_not_raised():
    def rmsprop_step(theta, g, s, lr, beta, eps):
        return theta[10], s

    result = check_rmsprop_step(rmsprop_step)
    assert result.status == "error"
    assert "IndexError" in result.message


def test_checking_wrong_implementations_prints_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mistake in MISTAKES:
            check_rmsprop_step(mistake.impl)
