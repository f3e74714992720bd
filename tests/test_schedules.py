"""lib.schedules: values at given steps, bad input, and the framework schedules the docstrings
name as equal."""

import math

import numpy as np
import pytest

from lib.optim import GD
from lib.schedules import (constant, cosine, exponential, inverse_time, linear_warmup, step_decay,
                           warmup_cosine)


def test_constant():
    lr = constant(0.1)
    assert [lr(t) for t in (1, 2, 100)] == [0.1, 0.1, 0.1]


def test_inverse_time_values():
    lr = inverse_time(0.1, decay=0.5)
    # 0.1/(1 + 0.5·1), 0.1/(1 + 0.5·2), 0.1/(1 + 0.5·6)
    assert [lr(1), lr(2), lr(6)] == pytest.approx([0.1 / 1.5, 0.05, 0.025], rel=1e-15)


def test_exponential_values():
    lr = exponential(0.1, gamma=0.5)
    assert [lr(1), lr(2), lr(3)] == pytest.approx([0.05, 0.025, 0.0125], rel=1e-15)
    assert exponential(0.1, gamma=1.0)(50) == 0.1


def test_step_decay_values():
    lr = step_decay(0.1, every=2, factor=0.5)
    # t = 1, 2 → 0.1; t = 3, 4 → 0.05; t = 5 → 0.025
    assert [lr(t) for t in range(1, 6)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-15)


@pytest.mark.parametrize("make,name", [
    (lambda v: constant(v), "lr0"),
    (lambda v: inverse_time(v, 0.1), "lr0"),
    (lambda v: inverse_time(0.1, v), "decay"),
    (lambda v: exponential(v, 0.9), "lr0"),
    (lambda v: exponential(0.1, v), "gamma"),
    (lambda v: step_decay(v, 10), "lr0"),
    (lambda v: step_decay(0.1, 10, v), "factor"),
    (lambda v: cosine(v, 10), "lr0"),
    (lambda v: linear_warmup(v, 10), "lr0"),
    (lambda v: linear_warmup(0.1, 10, v), "start_factor"),
    (lambda v: warmup_cosine(v, 10, 100), "lr0"),
    (lambda v: warmup_cosine(0.1, 10, 100, start_factor=v), "start_factor"),
])
@pytest.mark.parametrize("value", [0.0, -1.0, math.nan, math.inf])
def test_nonpositive_or_nonfinite_arguments_are_refused_by_name(make, name, value):
    with pytest.raises(ValueError, match=name):
        make(value)


def test_gamma_above_one_is_refused():
    with pytest.raises(ValueError, match="gamma"):
        exponential(0.1, gamma=1.5)


@pytest.mark.parametrize("every", [0, -3, 1.5, "10"])
def test_step_decay_needs_a_positive_int_every(every):
    with pytest.raises(ValueError, match="every"):
        step_decay(0.1, every=every)


def test_cosine_values():
    # e = t − 1: η = 0.01 + 0.09·(1 + cos(π e/4))/2; e = 0, 2, 4 (then held)
    lr = cosine(0.1, steps=4, lr_min=0.01)
    assert [lr(1), lr(3), lr(5), lr(9)] == pytest.approx([0.1, 0.055, 0.01, 0.01], rel=1e-14)


def test_linear_warmup_values():
    # η = 0.1·(0.2 + 0.8·e/4): 0.02, 0.04, ..., 0.1 at e = 4, then held
    lr = linear_warmup(0.1, steps=4, start_factor=0.2)
    assert [lr(t) for t in range(1, 8)] == pytest.approx([0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1],
                                                         rel=1e-14)


def test_warmup_cosine_is_warmup_then_cosine():
    lr = warmup_cosine(0.1, warmup_steps=5, total_steps=25, start_factor=0.1, lr_min=0.002)
    warm, cos = linear_warmup(0.1, 5, 0.1), cosine(0.1, 20, lr_min=0.002)
    assert [lr(t) for t in range(1, 6)] == pytest.approx([warm(t) for t in range(1, 6)], rel=1e-15)
    assert [lr(t) for t in range(6, 40)] == pytest.approx([cos(t - 5) for t in range(6, 40)],
                                                          rel=1e-15)
    assert max(lr(t) for t in range(1, 40)) == lr(6) == 0.1   # the peak, right after warm-up


def test_schedules_show_how_they_were_made():
    assert repr(cosine(0.1, 10)) == "cosine(lr0=0.1, steps=10, lr_min=0.0)"


@pytest.mark.parametrize("make,name", [
    (lambda: cosine(0.1, 10, lr_min=0.1), "lr_min"),
    (lambda: cosine(0.1, 10, lr_min=-0.01), "lr_min"),
    (lambda: cosine(0.1, 0), "steps"),
    (lambda: linear_warmup(0.1, 2.5), "steps"),
    (lambda: linear_warmup(0.1, 10, start_factor=1.5), "start_factor"),
    (lambda: warmup_cosine(0.1, 10, 10), "total_steps"),
    (lambda: warmup_cosine(0.1, 0, 10), "warmup_steps"),
    (lambda: warmup_cosine(0.1, 5, 10, lr_min=0.2), "lr_min"),
])
def test_bad_schedule_arguments_are_refused_by_name(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_an_optimizer_refuses_the_zero_rate_past_the_end_of_a_cosine_to_zero():
    opt = GD(lr=cosine(0.1, steps=2))
    theta = np.zeros(1)
    opt.step([theta], [np.ones(1)])
    opt.step([theta], [np.ones(1)])
    with pytest.raises(ValueError, match="step 3"):
        opt.step([theta], [np.ones(1)])


def test_a_schedule_drives_an_optimizer_from_step_one():
    opt = GD(lr=inverse_time(0.1, decay=1.0))
    theta = np.zeros(1)
    for _ in range(2):
        opt.step([theta], [np.ones(1)])
    assert theta[0] == pytest.approx(-(0.1 / 2 + 0.1 / 3), rel=1e-15)


# -- the framework schedules the docstrings name --------------------------------------------------

def test_inverse_time_equals_keras_inverse_time_decay_at_the_same_t():
    keras = pytest.importorskip("keras")
    decay = keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.05)
    lr = inverse_time(0.1, decay=0.05)
    ts = [0, 1, 2, 10, 1000]
    # Keras computes its schedules in float32: equal to float32 precision.
    np.testing.assert_allclose([float(decay(t)) for t in ts], [lr(t) for t in ts], rtol=1e-6)
    # Caution: inside an optimizer Keras calls it with `iterations` (0 on the first step), so
    # Keras's step t uses lr(t - 1): see test_frameworks.test_keras_own_inverse_time_decay_...


def _torch_lrs(scheduler_for, lr0, steps):
    """The learning rate a torch optimizer uses at steps 1..steps, the scheduler stepped after
    every optimizer step as PyTorch's documentation prescribes."""
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr0)
    scheduler = scheduler_for(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        param.grad = torch.ones(1)
        optimizer.step()
        scheduler.step()
    return lrs


def test_inverse_time_equals_torch_lambdalr_as_the_docstring_writes_it():
    torch = pytest.importorskip("torch")
    decay = 0.05
    lrs = _torch_lrs(lambda opt: torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 1 / (1 + decay * (k + 1))), 0.1, 20)
    lr = inverse_time(0.1, decay=decay)
    np.testing.assert_allclose(lrs, [lr(t) for t in range(1, 21)], rtol=1e-15)


def test_exponential_is_torch_exponentiallr_started_one_factor_lower():
    # lib's step t uses lr0·γ^t; ExponentialLR's step t uses (its lr)·γ^(t−1). They match when
    # the torch optimizer starts at lr0·γ; started at lr0, torch is one step behind.
    torch = pytest.importorskip("torch")
    lr0, gamma = 0.1, 0.9
    lr = exponential(lr0, gamma)
    matched = _torch_lrs(lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma), lr0 * gamma, 20)
    np.testing.assert_allclose(matched, [lr(t) for t in range(1, 21)], rtol=1e-14)
    naive = _torch_lrs(lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma), lr0, 3)
    np.testing.assert_allclose(naive, [lr0, lr(1), lr(2)], rtol=1e-14)
