"""lib.checks.adam: every typical Adam mistake is named with its own hint; correct code passes."""

import itertools

import numpy as np
import pytest

import lib.checks.adam as ca
from lib.checks.core import same
from lib.optim import Adam


def student_adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """A correct solution written the way a student would, not the reference itself."""
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    step = lr * (m_new / (1 - beta1**t)) / (np.sqrt(v_new / (1 - beta2**t)) + eps)
    return theta - step, m_new, v_new


class StudentAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        theta, self.m, self.v = student_adam_step(theta, g, self.m, self.v, self.t, self.lr,
                                                  self.beta1, self.beta2, self.eps)
        return theta


def test_reference_step_equals_lib_adam():
    rng = np.random.default_rng(3)
    theta_lib = rng.standard_normal(5)
    opt = Adam(lr=0.1, beta1=0.8, beta2=0.9, eps=0.05)
    theta, m, v = theta_lib.copy(), np.zeros(5), np.zeros(5)
    for t in range(1, 8):
        g = rng.standard_normal(5)
        opt.step([theta_lib], [g])
        theta, m, v = ca.reference_adam_step(theta, g, m, v, t, 0.1, 0.8, 0.9, 0.05)
    assert np.max(np.abs(theta - theta_lib)) < 1e-14


def test_correct_step_passes(capsys):
    result = ca.check_adam_step(student_adam_step)
    assert result.status == "correct"
    assert capsys.readouterr().out.startswith("✓")


def test_stub_is_not_attempted(capsys):
    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        raise NotImplementedError

    result = ca.check_adam_step(adam_step)
    assert result.status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ca.STEP_MISTAKES, ids=lambda m: m.name)
def test_every_step_mistake_is_named_with_its_hint(mistake):
    result = ca.check_adam_step(mistake.impl, verbose=False)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("a, b", list(itertools.combinations(ca.STEP_MISTAKES, 2)),
                         ids=lambda m: m.name)
def test_step_mistakes_are_distinguishable(a, b):
    assert not same(ca._step_scenario(a.impl), ca._step_scenario(b.impl))


@pytest.mark.parametrize("mistake", ca.STEP_MISTAKES, ids=lambda m: m.name)
def test_no_step_mistake_passes_for_correct(mistake):
    assert not same(ca._step_scenario(mistake.impl), ca._step_scenario(ca.reference_adam_step))


def test_in_place_step_is_told_it_changed_its_inputs():
    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g**2
        theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return theta, m, v

    result = ca.check_adam_step(adam_step, verbose=False)
    assert result.mistake == "in-place aliasing"
    assert "changed the arrays it was given" in result.message


def test_unexplained_error_is_wrong_with_the_gap():
    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        theta, m, v = ca.reference_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)
        return theta + 0.01, m, v

    result = ca.check_adam_step(adam_step, verbose=False)
    assert result.status == "wrong"
    assert "is off by" in result.message


def test_crashing_step_reports_the_error():
    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return theta

    result = ca.check_adam_step(adam_step, verbose=False)
    assert result.status in ("error", "wrong")


def test_wrong_default_hyperparameters_are_caught():
    def adam_step(theta, g, m, v, t, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        return ca.reference_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)

    assert not ca.check_adam_step(adam_step, verbose=False).passed


# -- the class check ------------------------------------------------------------------------------

def test_correct_class_passes():
    assert ca.check_adam_class(StudentAdam, verbose=False).status == "correct"


def test_stub_class_is_not_attempted():
    class MyAdam:
        def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            self.t = 0

        def step(self, theta, g):
            raise NotImplementedError

    assert ca.check_adam_class(MyAdam, verbose=False).status == "not attempted"


@pytest.mark.parametrize("mistake", ca.CLASS_MISTAKES, ids=lambda m: m.name)
def test_every_class_mistake_is_named_with_its_hint(mistake):
    result = ca.check_adam_class(mistake.impl, verbose=False)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("a, b", list(itertools.combinations(ca.CLASS_MISTAKES, 2)),
                         ids=lambda m: m.name)
def test_class_mistakes_are_distinguishable(a, b):
    assert not same(ca._class_scenario(a.impl), ca._class_scenario(b.impl))


def test_class_whose_counter_never_advances_is_told_so():
    class MyAdam(StudentAdam):
        def step(self, theta, g):
            if self.m is None:
                self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
            self.t = 1  # the famous bug: t is set, never incremented
            theta, self.m, self.v = student_adam_step(theta, g, self.m, self.v, self.t, self.lr,
                                                      self.beta1, self.beta2, self.eps)
            return theta

    result = ca.check_adam_class(MyAdam, verbose=False)
    assert result.mistake == "t never advances"
    assert "never advances" in result.message


def test_in_place_class_is_told_it_changed_its_inputs():
    class MyAdam(StudentAdam):
        def step(self, theta, g):
            new = super().step(theta, g)
            theta[...] = new
            return theta

    assert ca.check_adam_class(MyAdam, verbose=False).mistake == "in-place aliasing"


def test_not_a_class_is_an_error():
    assert ca.check_adam_class(student_adam_step, verbose=False).status == "error"
