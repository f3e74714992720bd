r"""The article's optimizers, exactly as written, in NumPy.

The formulas, with the gradient :math:`g = \nabla J(\theta)` at the current point, the learning
rate :math:`\eta` and the step number :math:`t` (1 on the first step); every state starts at 0:

===========  ==================================================================================
GD           :math:`\theta := \theta - \eta\, g`
Momentum     :math:`v := \beta v + (1-\beta)\, g`, then :math:`\theta := \theta - \eta\, v`
RMSProp      :math:`s := \beta s + (1-\beta)\, g^2`, then
             :math:`\theta := \theta - \eta\, g / \sqrt{s + \epsilon}`
Adam         :math:`m := \beta_1 m + (1-\beta_1)\, g`, :math:`v := \beta_2 v + (1-\beta_2)\, g^2`,
             :math:`\hat m = m / (1-\beta_1^t)`, :math:`\hat v = v / (1-\beta_2^t)`, then
             :math:`\theta := \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)`
Nesterov     :math:`v := \beta v + (1-\beta)\, g`, then
             :math:`\theta := \theta - \eta\, (\beta v + (1-\beta)\, g)` (momentum that looks ahead)
Adagrad      :math:`s := s + g^2`, then :math:`\theta := \theta - \eta\, g / \sqrt{s + \epsilon}`
AdamW        :math:`\theta := \theta - \eta\lambda\,\theta`, then Adam's update (decoupled weight
             decay, multiplied by the learning rate as in PyTorch and Keras)
===========  ==================================================================================

Every optimizer has the same interface::

    opt = Adam(lr=0.001)
    opt.step(params, grads)   # updates each array of ``params`` in place

- ``params`` is a list of float arrays (float32 or float64); each is updated in place and keeps
  its dtype. ``grads`` is a list of arrays of the same shapes.
- ``opt.state[i]`` is the state of ``params[i]``: a dict keyed by the article's symbols
  (``"v"`` for Momentum and Nesterov, ``"s"`` for RMSProp and Adagrad, ``"m"`` and ``"v"`` for
  Adam and AdamW). It is created on the first step (as zeros; Adagrad's ``s`` as its
  ``initial_accumulator``); a dict assigned before the first step is used as the starting state.
- ``opt.t`` counts the steps taken (Adam's bias correction uses it).
- ``lr`` is a positive number or a schedule: a function of the step ``t`` (1, 2, ...)
  returning the learning rate for that step (see :mod:`lib.schedules`).

Bad input raises ``ValueError`` or ``TypeError`` naming the parameter, before anything is
changed: the caller's arrays, ``opt.state`` and ``opt.t`` are left as they were.

Each ``update`` below is its formula, one line per line of the formula. It computes in place
(``out=``) into scratch arrays, so that a step allocates nothing: that, and feeding large arrays
to ``update`` block by block on several threads, is the job of :mod:`lib.optim_engine`, which
changes no result. ``lib/optim_reference.py`` holds the same formulas as plain NumPy
expressions, and ``tests/test_optim_reference.py`` checks that the results are bit-identical.
"""

from __future__ import annotations

from typing import Callable, Union

import numpy as np

from .optim_engine import (Engine, _all_finite, _check_beta, _check_nonnegative,  # noqa: F401
                           _check_positive, _cpu_count, ema_)

LearningRate = Union[float, Callable[[int], float]]

__all__ = ["Optimizer", "GD", "Momentum", "RMSProp", "Adam", "Nesterov", "Adagrad", "AdamW"]


class Optimizer(Engine):
    """Base class: ``lr``, ``state`` and ``t``; ``step`` is :meth:`lib.optim_engine.Engine.step`.

    A subclass writes ``update`` (and lists ``state_names``, and ``scratch_count``, the number of
    scratch arrays its ``update`` computes into).
    """

    def __init__(self, lr: LearningRate):
        super().__init__()
        self.lr = lr if callable(lr) else _check_positive("lr", lr)
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self.t = 0

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def hyperparameters(self) -> dict:
        """The constructor's arguments, e.g. ``{"lr": 0.1, "beta": 0.9}``."""
        return {"lr": self.lr}

    def update(self, theta: np.ndarray, g: np.ndarray, state: dict, lr: float) -> None:
        """Update one parameter array ``theta`` in place (``self.t`` is already the new step).

        ``step`` may call it once per block of a large parameter, with ``theta``, ``g`` and the
        arrays of ``state`` being views of that block.
        """
        raise NotImplementedError


class GD(Optimizer):
    r"""Gradient descent: step against the gradient.

    .. math:: \theta := \theta - \eta\, g

    Batch GD, SGD and mini-batch SGD are all this update; they differ only in the
    gradient estimate ``g`` fed to it (see :func:`lib.train.train`).
    """

    def update(self, theta, g, state, lr):
        (tmp,) = self._scratch(theta)
        theta -= np.multiply(lr, g, out=tmp)                        # θ := θ − η g


class Momentum(Optimizer):
    r"""Momentum, in the article's exponential-average form.

    .. math::
        v &:= \beta v + (1-\beta)\, g \\
        \theta &:= \theta - \eta\, v

    ``v`` starts at zero. PyTorch and Keras use the heavy-ball form instead; their
    ``SGD(lr=η(1-β), momentum=β)`` performs exactly these updates (:mod:`lib.frameworks`).
    """

    state_names = ("v",)

    def __init__(self, lr: LearningRate, beta: float = 0.9):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta}

    def update(self, theta, g, state, lr):
        v, (tmp,) = state["v"], self._scratch(theta)
        ema_(v, self.beta, g, tmp)                                  # v := β v + (1−β) g
        theta -= np.multiply(lr, v, out=tmp)                        # θ := θ − η v


class RMSProp(Optimizer):
    r"""RMSProp, with :math:`\epsilon` inside the square root as in the article (and Keras).

    .. math::
        s &:= \beta s + (1-\beta)\, g^2 \\
        \theta &:= \theta - \frac{\eta}{\sqrt{s + \epsilon}}\, g
    """

    state_names = ("s",)

    def __init__(self, lr: LearningRate, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta, "eps": self.eps}

    def update(self, theta, g, state, lr):
        s, (tmp,) = state["s"], self._scratch(theta)
        ema_(s, self.beta, np.square(g, out=tmp), tmp)              # s := β s + (1−β) g²
        root = np.sqrt(np.add(s, self.eps, out=tmp), out=tmp)       # √(s + ε)
        rate = np.divide(lr, root, out=tmp)                         # η / √(s + ε)
        theta -= np.multiply(rate, g, out=tmp)                      # θ := θ − η/√(s + ε) · g


class Adam(Optimizer):
    r"""Adam: momentum and RMSProp together, with bias correction.

    .. math::
        m &:= \beta_1 m + (1-\beta_1)\, g \\
        v &:= \beta_2 v + (1-\beta_2)\, g^2 \\
        \hat m &= m / (1-\beta_1^t), \qquad \hat v = v / (1-\beta_2^t) \\
        \theta &:= \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    ``t`` is the step number, 1 on the first step.
    """

    state_names = ("m", "v")
    scratch_count = 2

    def __init__(self, lr: LearningRate = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_beta("beta1", beta1)
        self.beta2 = _check_beta("beta2", beta2)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def update(self, theta, g, state, lr):
        m, v, t, (a, b) = state["m"], state["v"], self.t, self._scratch(theta)
        ema_(m, self.beta1, g, a)                                   # m := β1 m + (1−β1) g
        ema_(v, self.beta2, np.square(g, out=a), a)                 # v := β2 v + (1−β2) g²
        m_hat = np.divide(m, 1 - self.beta1**t, out=a)              # m̂ = m / (1−β1^t)
        v_hat = np.divide(v, 1 - self.beta2**t, out=b)              # v̂ = v / (1−β2^t)
        denominator = np.add(np.sqrt(v_hat, out=b), self.eps, out=b)  # √v̂ + ε
        theta -= np.divide(np.multiply(lr, m_hat, out=a), denominator, out=a)  # η m̂/(√v̂ + ε)


class Nesterov(Optimizer):
    r"""Nesterov momentum ("momentum that looks ahead"), in the article's exponential-average form.

    .. math::
        v &:= \beta v + (1-\beta)\, g \\
        \theta &:= \theta - \eta\, (\beta v + (1-\beta)\, g)

    The step uses the velocity one step ahead, :math:`\beta v + (1-\beta) g`, instead of
    :math:`v`. This is Sutskever's "gradient at the look-ahead point θ − ηβv" rewritten so that
    the gradient is taken at the current point, as PyTorch and Keras do: the iterates of this
    update are the look-ahead points of that one. ``SGD(lr=η(1-β), momentum=β, nesterov=True)``
    performs exactly these updates in both frameworks (:mod:`lib.frameworks`).
    """

    state_names = ("v",)
    scratch_count = 2

    def __init__(self, lr: LearningRate, beta: float = 0.9):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta}

    def update(self, theta, g, state, lr):
        v, (a, b) = state["v"], self._scratch(theta)
        ema_(v, self.beta, g, a)                                    # v := β v + (1−β) g
        ahead = np.add(np.multiply(self.beta, v, out=a),
                       np.multiply(1 - self.beta, g, out=b), out=a)  # β v + (1−β) g
        theta -= np.multiply(lr, ahead, out=a)                      # θ := θ − η (β v + (1−β) g)


class Adagrad(Optimizer):
    r"""Adagrad, RMSProp's ancestor: the sum of all squared gradients, not their moving average.

    .. math::
        s &:= s + g^2 \\
        \theta &:= \theta - \frac{\eta}{\sqrt{s + \epsilon}}\, g

    ``s`` starts at ``initial_accumulator`` (0 here and in PyTorch, 0.1 in Keras). Because ``s``
    only grows, every coordinate's effective rate :math:`\eta/\sqrt{s+\epsilon}` only shrinks:
    after :math:`t` steps of gradients of size :math:`|g|` it is about :math:`\eta/(|g|\sqrt t)`,
    so the steps die out. RMSProp replaced the sum by a moving average to stop that.
    :math:`\epsilon` is inside the square root, as in RMSProp and Keras.
    """

    state_names = ("s",)

    def __init__(self, lr: LearningRate = 0.01, eps: float = 1e-8,
                 initial_accumulator: float = 0.0):
        super().__init__(lr)
        self.eps = _check_positive("eps", eps)
        self.initial_accumulator = _check_nonnegative("initial_accumulator", initial_accumulator)

    def hyperparameters(self):
        return {"lr": self.lr, "eps": self.eps, "initial_accumulator": self.initial_accumulator}

    def _initial_state(self, name, theta):
        return np.full_like(theta, self.initial_accumulator)

    def update(self, theta, g, state, lr):
        s, (tmp,) = state["s"], self._scratch(theta)
        s += np.square(g, out=tmp)                                  # s := s + g²
        root = np.sqrt(np.add(s, self.eps, out=tmp), out=tmp)       # √(s + ε)
        rate = np.divide(lr, root, out=tmp)                         # η / √(s + ε)
        theta -= np.multiply(rate, g, out=tmp)                      # θ := θ − η/√(s + ε) · g


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay.

    .. math::
        \theta &:= \theta - \eta\lambda\, \theta \\
        \theta &:= \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}
        \quad\text{(Adam's update, with } m, v, \hat m, \hat v \text{ as in :class:`Adam`)}

    The decay shrinks θ toward 0 directly, outside Adam's division by :math:`\sqrt{\hat v}`:
    L2 regularization (adding :math:`\lambda\theta` to ``g``) would instead be divided by it,
    so that parameters with large gradients would barely be decayed. As in PyTorch and Keras the
    decay is multiplied by the learning rate :math:`\eta` (a schedule scales both); the AdamW
    paper writes :math:`\eta_t(\alpha\,\hat m/(\sqrt{\hat v}+\epsilon) + \lambda\theta)`, with
    the schedule multiplier :math:`\eta_t` but not the rate :math:`\alpha` on the decay, so the
    paper's λ is the frameworks' ``weight_decay`` times ``lr``. ``weight_decay=0`` is Adam.
    """

    def __init__(self, lr: LearningRate = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = _check_nonnegative("weight_decay", weight_decay)

    def hyperparameters(self):
        return {**super().hyperparameters(), "weight_decay": self.weight_decay}

    def update(self, theta, g, state, lr):
        theta *= 1 - lr * self.weight_decay                         # θ := θ − ηλθ
        super().update(theta, g, state, lr)                         # θ := θ − η m̂/(√v̂ + ε)
