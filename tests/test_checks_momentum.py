"""lib.checks.momentum: every typical momentum-step mistake is named with its hint; correct code passes."""

import itertools

import numpy as np
import pytest

import lib.checks.momentum as cm
from lib.checks.core import same
from lib.optim import Momentum


def student_momentum_step(theta, g, v, lr, beta):
    """A correct solution written the way a student would, not the reference itself."""
    v_new = v * beta + g * (1 - beta)
    return theta - v_new * lr, v_new


def test_reference_step_equals_lib_momentum():
    rng = np.random.default_rng(3)
    theta_lib = rng.standard_normal(4)
    opt = Momentum(lr=0.3, beta=0.8)
    theta, v = theta_lib.copy(), np.zeros(4)
    for _ in range(10):
        g = rng.standard_normal(4)
        opt.step([theta_lib], [g])
        theta, v = cm.reference_momentum_step(theta, g, v, 0.3, 0.8)
    assert np.max(np.abs(theta - theta_lib)) < 1e-14
    assert np.max(np.abs(v - opt.state[0]["v"])) < 1e-14


def test_correct_step_passes(capsys):
    result = cm.check_momentum_step(student_momentum_step)
    assert result.status == "correct"
    assert capsys.readouterr().out.startswith("✓")


def test_stub_is_not_attempted(capsys):
    def momentum_step(theta, g, v, lr, beta):
        raise NotImplementedError

    result = cm.check_momentum_step(momentum_step)
    assert result.status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", cm.MISTAKES, ids=lambda m: m.name)
def test_every_mistake_is_named_with_its_hint(mistake):
    result = cm.check_momentum_step(mistake.impl, verbose=False)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("a, b", list(itertools.combinations(cm.MISTAKES, 2)),
                         ids=lambda m: m.name)
def test_mistakes_are_distinguishable(a, b):
    assert not same(cm._step_scenario(a.impl), cm._step_scenario(b.impl))


@pytest.mark.parametrize("mistake", cm.MISTAKES, ids=lambda m: m.name)
def test_no_mistake_agrees_with_the_reference(mistake):
    assert not same(cm._step_scenario(mistake.impl),
                    cm._step_scenario(cm.reference_momentum_step))


def test_in_place_step_is_told_it_changed_its_inputs():
    def momentum_step(theta, g, v, lr, beta):
        v *= beta
        v += (1 - beta) * g
        theta -= lr * v
        return theta, v

    result = cm.check_momentum_step(momentum_step, verbose=False)
    assert result.mistake == "in-place aliasing"
    assert "changed the arrays it was given" in result.message


def test_unexplained_error_is_wrong_with_the_gap():
    def momentum_step(theta, g, v, lr, beta):
        theta_new, v_new = cm.reference_momentum_step(theta, g, v, lr, beta)
        return theta_new + 0.01, v_new

    result = cm.check_momentum_step(momentum_step, verbose=False)
    assert result.status == "wrong"
    assert "is off by" in result.message


def test_crashing_step_reports_the_error():
    def momentum_step(theta, g, v, lr, beta):
        raise KeyError("v")

    result = cm.check_momentum_step(momentum_step, verbose=False)
    assert result.status == "error"
    assert "KeyError" in result.message


def test_returning_only_theta_is_not_correct():
    def momentum_step(theta, g, v, lr, beta):
        return cm.reference_momentum_step(theta, g, v, lr, beta)[0]

    assert not cm.check_momentum_step(momentum_step, verbose=False).passed


def test_lists_instead_of_arrays_are_accepted_if_the_numbers_are_right():
    def momentum_step(theta, g, v, lr, beta):
        theta_new, v_new = cm.reference_momentum_step(theta, g, v, lr, beta)
        return theta_new.tolist(), v_new.tolist()

    assert cm.check_momentum_step(momentum_step, verbose=False).status == "correct"
