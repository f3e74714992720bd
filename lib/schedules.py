r"""Learning-rate schedules: functions of the step ``t`` (1, 2, ...) that an optimizer accepts as ``lr``.

    >>> from lib.optim import GD
    >>> opt = GD(lr=inverse_time(0.1, decay=0.01))   # η_t = 0.1 / (1 + 0.01 t)
"""

from __future__ import annotations

import math

from .optim import _check_positive

__all__ = ["constant", "inverse_time", "exponential", "step_decay"]


def constant(lr0: float):
    r""":math:`\eta_t = \eta_0`."""
    lr0 = _check_positive("lr0", lr0)
    return lambda t: lr0


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
    return lambda t: lr0 / (1 + decay * t)


def exponential(lr0: float, gamma: float):
    r""":math:`\eta_t = \eta_0\,\gamma^{t}`.

    ``torch.optim.lr_scheduler.ExponentialLR(opt, gamma)`` uses ``lr·γ^(t-1)`` at step ``t``, so it
    gives this sequence when the torch optimizer is created with ``lr = η0·γ``."""
    lr0 = _check_positive("lr0", lr0)
    gamma = _check_positive("gamma", gamma)
    if gamma > 1:
        raise ValueError(f"gamma must be in (0, 1], got {gamma}")
    return lambda t: lr0 * gamma**t


def step_decay(lr0: float, every: int, factor: float = 0.5):
    r""":math:`\eta_t = \eta_0 \cdot \text{factor}^{\lfloor (t-1)/\text{every} \rfloor}`."""
    lr0 = _check_positive("lr0", lr0)
    factor = _check_positive("factor", factor)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive int, got {every!r}")
    return lambda t: lr0 * factor ** math.floor((t - 1) / every)
