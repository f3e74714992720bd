"""lib.checks.after_adam: each typical warm-up/cosine and AdamW mistake is named with its own
hint; correct code passes; the references equal lib."""

import math

import numpy as np
import pytest

import lib.checks.after_adam as caa
from lib.optim import AdamW
from lib.schedules import warmup_cosine


def student_warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
    """A correct solution written the way a student would."""
    done = t - 1
    if done < warmup_steps:
        return lr0 * start_factor + (lr0 - lr0 * start_factor) * done / warmup_steps
    progress = min(1.0, (done - warmup_steps) / (total_steps - warmup_steps))
    return lr_min + 0.5 * (lr0 - lr_min) * (1 + np.cos(np.pi * progress))


def student_adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=0.01):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def test_reference_schedule_equals_lib():
    lr = warmup_cosine(0.1, 4, 20, start_factor=0.25, lr_min=0.01)
    assert [caa.reference_warmup_cosine(t, 0.1, 4, 20, 0.25, 0.01) for t in range(1, 30)] == \
        pytest.approx([lr(t) for t in range(1, 30)], rel=1e-15)


def test_reference_adamw_step_equals_lib():
    rng = np.random.default_rng(3)
    theta_lib = rng.standard_normal(5)
    opt = AdamW(lr=0.1, beta1=0.8, beta2=0.9, eps=0.05, weight_decay=0.5)
    theta, m, v = theta_lib.copy(), np.zeros(5), np.zeros(5)
    for t in range(1, 8):
        g = rng.standard_normal(5)
        opt.step([theta_lib], [g])
        theta, m, v = caa.reference_adamw_step(theta, g, m, v, t, 0.1, 0.8, 0.9, 0.05, 0.5)
    assert np.max(np.abs(theta - theta_lib)) < 1e-14


def test_correct_solutions_pass(capsys):
    assert caa.check_warmup_cosine(student_warmup_cosine_lr).status == "correct"
    assert caa.check_adamw_step(student_adamw_step).status == "correct"
    assert capsys.readouterr().out.count("✓") == 2


def test_stubs_are_not_attempted():
    def warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
        raise NotImplementedError

    def adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                   weight_decay=0.01):
        raise NotImplementedError

    assert caa.check_warmup_cosine(warmup_cosine_lr, verbose=False).status == "not attempted"
    assert caa.check_adamw_step(adamw_step, verbose=False).status == "not attempted"


@pytest.mark.parametrize("mistake", caa.SCHEDULE_MISTAKES, ids=lambda m: m.name)
def test_every_schedule_mistake_is_named_by_its_own_hint(mistake):
    result = caa.check_warmup_cosine(mistake.impl, verbose=False)
    assert result.status == "mistake" and result.mistake == mistake.name


@pytest.mark.parametrize("mistake", caa.ADAMW_MISTAKES, ids=lambda m: m.name)
def test_every_adamw_mistake_is_named_by_its_own_hint(mistake):
    result = caa.check_adamw_step(mistake.impl, verbose=False)
    assert result.status == "mistake" and result.mistake == mistake.name


def test_the_mistakes_differ_from_the_reference_and_from_each_other():
    for mistakes, scenario, reference in [
            (caa.SCHEDULE_MISTAKES, caa._schedule_scenario, caa.reference_warmup_cosine),
            (caa.ADAMW_MISTAKES, caa._adamw_scenario, caa.reference_adamw_step)]:
        from lib.checks.core import same
        results = [scenario(reference)] + [scenario(m.impl) for m in mistakes]
        for i, a in enumerate(results):
            for b in results[i + 1:]:
                assert not same(a, b)


def test_an_unexplained_schedule_error_names_the_update_where_it_differs():
    def warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
        rate = caa.reference_warmup_cosine(t, lr0, warmup_steps, total_steps, start_factor, lr_min)
        return rate * (1.5 if t == 7 else 1.0)

    result = caa.check_warmup_cosine(warmup_cosine_lr, verbose=False)
    assert result.status == "wrong"
    assert "update t = 7" in result.message


def test_an_adamw_that_changes_its_inputs_is_told_so():
    def adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                   weight_decay=0.01):
        theta *= 1 - lr * weight_decay
        return caa.reference_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)

    result = caa.check_adamw_step(adamw_step, verbose=False)
    assert result.mistake == "in-place aliasing"


def test_a_schedule_returning_none_is_an_error_not_a_crash():
    def warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
        lr0 * math.cos(0.0)

    result = caa.check_warmup_cosine(warmup_cosine_lr, verbose=False)
    assert result.status == "error"
