r"""Learning-rate schedules: functions of the step ``t`` (1, 2, ...) that an optimizer accepts as ``lr``.

    >>> from lib.optim import GD
    >>> opt = GD(lr=inverse_time(0.1, decay=0.01))   # η_t = 0.1 / (1 + 0.01 t)

Step ``t`` is the update being taken, 1 on the first. The frameworks count differently, and
:mod:`lib.frameworks` builds their equivalents (:func:`lib.frameworks.torch_scheduler`,
:func:`lib.frameworks.keras_learning_rate`):

- a ``torch.optim.lr_scheduler`` counts the calls of ``scheduler.step()`` from 0 (its
  ``last_epoch``), and ``scheduler.step()`` is called after ``optimizer.step()``: so update ``t``
  uses the scheduler's value at ``k = t - 1``;
- a ``keras.optimizers.schedules`` schedule is evaluated at ``optimizer.iterations``, the number of
  updates already taken, 0 on the first: also ``k = t - 1``.

The schedules with an ``e`` in their formula below (``e = t - 1``, the number of steps already
taken) are written in that count, so that they equal the frameworks' own classes value by value.
"""

from __future__ import annotations

import math

from .optim_engine import _check_nonnegative, _check_positive

__all__ = ["constant", "inverse_time", "exponential", "step_decay", "cosine", "linear_warmup",
           "warmup_cosine", "Schedule"]


class Schedule:
    """A learning-rate schedule: ``schedule(t)`` is η for step ``t``.

    ``kind`` and ``params`` say which schedule it is (``lib.frameworks`` reads them to build the
    PyTorch and Keras equivalents); ``repr`` shows the call that made it.
    """

    def __init__(self, kind: str, formula, **params):
        self.kind, self.params, self._formula = kind, params, formula

    def __call__(self, t: int) -> float:
        return self._formula(t)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.kind}({args})"


def _check_steps(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _check_fraction(name: str, value) -> float:
    value = _check_positive(name, value)
    if value > 1:
        raise ValueError(f"{name} must be in (0, 1], got {value}")
    return value


def constant(lr0: float):
    r""":math:`\eta_t = \eta_0`."""
    lr0 = _check_positive("lr0", lr0)
    return Schedule("constant", lambda t: lr0, lr0=lr0)


def inverse_time(lr0: float, decay: float):
    r""":math:`\eta_t = \eta_0 / (1 + \text{decay}\cdot t)`: the classic Robbins–Monro schedule
    (:math:`\sum\eta_t = \infty`, :math:`\sum\eta_t^2 < \infty`) under which SGD converges.

    Equals ``keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps=1, decay_rate=decay)``
    evaluated at ``t`` (to float32 precision: Keras computes it in float32; inside a Keras
    optimizer it is evaluated at ``iterations``, which starts at 0, so pass ``t - 1`` there or use
    :func:`lib.frameworks.keras_schedule`), and
    ``torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 / (1 + decay * (k + 1)))``."""
    lr0 = _check_positive("lr0", lr0)
    decay = _check_positive("decay", decay)
    return Schedule("inverse_time", lambda t: lr0 / (1 + decay * t), lr0=lr0, decay=decay)


def exponential(lr0: float, gamma: float):
    r""":math:`\eta_t = \eta_0\,\gamma^{t}`.

    ``torch.optim.lr_scheduler.ExponentialLR(opt, gamma)`` uses ``lr·γ^(t-1)`` at step ``t``, so it
    gives this sequence when the torch optimizer is created with ``lr = η0·γ``."""
    lr0 = _check_positive("lr0", lr0)
    gamma = _check_positive("gamma", gamma)
    if gamma > 1:
        raise ValueError(f"gamma must be in (0, 1], got {gamma}")
    return Schedule("exponential", lambda t: lr0 * gamma**t, lr0=lr0, gamma=gamma)


def step_decay(lr0: float, every: int, factor: float = 0.5):
    r"""Step decay: :math:`\eta_t = \eta_0 \cdot \text{factor}^{\lfloor e/\text{every} \rfloor}`,
    :math:`e = t - 1`: the rate is multiplied by ``factor`` after every ``every`` steps.

    Equals ``torch.optim.lr_scheduler.StepLR(opt, step_size=every, gamma=factor)`` and
    ``keras.optimizers.schedules.ExponentialDecay(lr0, every, factor, staircase=True)``."""
    lr0 = _check_positive("lr0", lr0)
    factor = _check_positive("factor", factor)
    every = _check_steps("every", every)
    return Schedule("step_decay", lambda t: lr0 * factor ** math.floor((t - 1) / every),
                    lr0=lr0, every=every, factor=factor)


def cosine(lr0: float, steps: int, lr_min: float = 0.0):
    r"""Cosine decay from :math:`\eta_0` to :math:`\eta_\min` over ``steps`` steps, :math:`e = t - 1`:

    .. math:: \eta_t = \eta_\min + (\eta_0 - \eta_\min)\,\tfrac12\bigl(1 + \cos(\pi\,\min(e, S)/S)\bigr)

    with :math:`S` = ``steps``. Step 1 uses :math:`\eta_0`; step :math:`S` uses a rate just above
    :math:`\eta_\min`, which it keeps from step :math:`S + 1` on (with ``lr_min = 0`` an
    optimizer then refuses the zero rate: train for at most ``steps`` steps, or set ``lr_min``).

    Equals ``torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr_min)`` for
    the first ``steps + 1`` steps (afterwards PyTorch's cosine rises again) and
    ``keras.optimizers.schedules.CosineDecay(lr0, steps, alpha=lr_min / lr0)``."""
    lr0 = _check_positive("lr0", lr0)
    steps = _check_steps("steps", steps)
    lr_min = _check_nonnegative("lr_min", lr_min)
    if lr_min >= lr0:
        raise ValueError(f"lr_min must be below lr0 = {lr0}, got {lr_min}")

    def lr(t):
        e = min(t - 1, steps)
        return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * e / steps)) / 2

    return Schedule("cosine", lr, lr0=lr0, steps=steps, lr_min=lr_min)


def linear_warmup(lr0: float, steps: int, start_factor: float = 0.1):
    r"""Linear warm-up from :math:`s\,\eta_0` to :math:`\eta_0` over ``steps`` steps, then
    :math:`\eta_0`, with :math:`s` = ``start_factor`` and :math:`e = t - 1`:

    .. math:: \eta_t = \eta_0\,\bigl(s + (1 - s)\,\min(e, W)/W\bigr)

    Equals ``torch.optim.lr_scheduler.LinearLR(opt, start_factor=s, total_iters=steps)`` and
    ``keras.optimizers.schedules.PolynomialDecay(s * lr0, steps, end_learning_rate=lr0,
    power=1.0)`` (a "decay" that rises)."""
    lr0 = _check_positive("lr0", lr0)
    steps = _check_steps("steps", steps)
    start_factor = _check_fraction("start_factor", start_factor)

    def lr(t):
        e = min(t - 1, steps)
        return lr0 * (start_factor + (1 - start_factor) * e / steps)

    return Schedule("linear_warmup", lr, lr0=lr0, steps=steps, start_factor=start_factor)


def warmup_cosine(lr0: float, warmup_steps: int, total_steps: int, start_factor: float = 0.1,
                  lr_min: float = 0.0):
    r"""Linear warm-up for ``warmup_steps`` steps (:func:`linear_warmup`), then cosine decay
    (:func:`cosine`) to ``lr_min`` over the remaining ``total_steps - warmup_steps`` steps:
    the schedule of most transformer training scripts. With :math:`e = t - 1`, :math:`W` =
    ``warmup_steps``, :math:`S = T - W`:

    .. math::
        \eta_t = \begin{cases}
        \eta_0\,\bigl(s + (1 - s)\,e/W\bigr) & e < W \\
        \eta_\min + (\eta_0 - \eta_\min)\,\tfrac12\bigl(1 + \cos(\pi \min(e - W, S)/S)\bigr)
        & e \ge W
        \end{cases}

    Equals ``keras.optimizers.schedules.CosineDecay(s * lr0, total_steps - warmup_steps,
    alpha=lr_min / lr0, warmup_target=lr0, warmup_steps=warmup_steps)`` and PyTorch's
    ``SequentialLR(opt, [LinearLR(opt, s, total_iters=W), CosineAnnealingLR(opt, T_max=S,
    eta_min=lr_min)], milestones=[W])``."""
    lr0 = _check_positive("lr0", lr0)
    warmup_steps = _check_steps("warmup_steps", warmup_steps)
    total_steps = _check_steps("total_steps", total_steps)
    if total_steps <= warmup_steps:
        raise ValueError(f"total_steps must exceed warmup_steps = {warmup_steps}, got {total_steps}")
    start_factor = _check_fraction("start_factor", start_factor)
    lr_min = _check_nonnegative("lr_min", lr_min)
    if lr_min >= lr0:
        raise ValueError(f"lr_min must be below lr0 = {lr0}, got {lr_min}")
    decay_steps = total_steps - warmup_steps

    def lr(t):
        e = t - 1
        if e < warmup_steps:
            return lr0 * (start_factor + (1 - start_factor) * e / warmup_steps)
        e = min(e - warmup_steps, decay_steps)
        return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * e / decay_steps)) / 2

    return Schedule("warmup_cosine", lr, lr0=lr0, warmup_steps=warmup_steps,
                    total_steps=total_steps, start_factor=start_factor, lr_min=lr_min)
