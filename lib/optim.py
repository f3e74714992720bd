r"""The article's optimizers, exactly as written, in NumPy.

Every optimizer has the same interface::

    opt = Adam(lr=0.001)
    opt.step(params, grads)   # updates each array of ``params`` in place

- ``params`` is a list of float arrays (float32 or float64); each is updated in place and keeps
  its dtype. ``grads`` is a list of arrays of the same shapes.
- ``opt.state[i]`` is the state of ``params[i]``: a dict keyed by the article's symbols
  (``"v"`` for Momentum, ``"s"`` for RMSProp, ``"m"`` and ``"v"`` for Adam). It is created, as
  zeros, on the first step; a dict assigned before the first step is used as the starting state.
- ``opt.t`` counts the steps taken (Adam's bias correction uses it).
- ``lr`` is a positive number or a schedule: a function of the step ``t`` (1, 2, ...)
  returning the learning rate for that step (see :mod:`lib.schedules`).

Bad input raises ``ValueError`` or ``TypeError`` naming the parameter, before anything is
changed: the caller's arrays, ``opt.state`` and ``opt.t`` are left as they were.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable, Sequence, Union

import numpy as np

LearningRate = Union[float, Callable[[int], float]]

__all__ = ["Optimizer", "GD", "Momentum", "RMSProp", "Adam"]


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def _check_beta(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Optimizer:
    """Base class: validation, state and step counting. Subclasses write only ``update``."""

    #: names of the per-parameter state arrays, in the article's symbols
    state_names: tuple[str, ...] = ()

    def __init__(self, lr: LearningRate):
        if callable(lr):
            self.lr = lr
        else:
            self.lr = _check_positive("lr", lr)
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self.t = 0

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def hyperparameters(self) -> dict:
        """The constructor's arguments, e.g. ``{"lr": 0.1, "beta": 0.9}``."""
        return {"lr": self.lr}

    # -- the one public method ------------------------------------------------------------------
    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Take one step: update every array of ``params`` in place from ``grads``."""
        grads = self._validated(params, grads)
        t = self.t + 1
        lr = self._lr_at(t)
        states = [self._state_for(i, p) for i, p in enumerate(params)]
        # Nothing has been changed up to here; from here on nothing can fail.
        self.t = t
        for i, (theta, g, state) in enumerate(zip(params, grads, states)):
            self.state[i] = state
            self.update(theta, g, state, lr)

    def update(self, theta: np.ndarray, g: np.ndarray, state: dict, lr: float) -> None:
        """Update one parameter array ``theta`` in place (``self.t`` is already the new step)."""
        raise NotImplementedError

    # -- validation -----------------------------------------------------------------------------
    def _lr_at(self, t: int) -> float:
        if callable(self.lr):
            return _check_positive(f"lr (the schedule's value at step {t})", self.lr(t))
        return self.lr

    @staticmethod
    def _validated(params, grads) -> list[np.ndarray]:
        if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
            raise TypeError("params must be a list of arrays, got " + type(params).__name__)
        if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
            raise TypeError("grads must be a list of arrays, got " + type(grads).__name__)
        if len(params) != len(grads):
            raise ValueError(f"grads has {len(grads)} arrays but params has {len(params)}")
        checked = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{i}] must be a NumPy array, got {type(p).__name__}")
            if not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"params[{i}] must be a float array (updated in place), got {p.dtype}")
            if not p.flags.writeable:
                raise ValueError(f"params[{i}] is read-only; it is updated in place")
            g = np.asarray(g)
            if g.dtype == bool or not (np.issubdtype(g.dtype, np.floating)
                                       or np.issubdtype(g.dtype, np.integer)):
                raise TypeError(f"grads[{i}] must be a real-valued array, got {g.dtype}")
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape} but params[{i}] has {p.shape}")
            if not np.all(np.isfinite(g)):
                raise ValueError(f"grads[{i}] contains NaN or inf")
            checked.append(g.astype(p.dtype, copy=False))
        return checked

    def _state_for(self, i: int, theta: np.ndarray) -> dict:
        """The state of ``params[i]``: given by the caller, kept from the last step, or new zeros."""
        given = self.state.get(i)
        if given is None:
            return {name: np.zeros_like(theta) for name in self.state_names}
        if not isinstance(given, dict):
            raise TypeError(f"state[{i}] must be a dict, got {type(given).__name__}")
        state = {}
        for name in self.state_names:
            if name not in given:
                raise ValueError(f"state[{i}] has no {name!r} (expected keys {self.state_names})")
            arr = np.asarray(given[name])
            if arr.shape != theta.shape:
                raise ValueError(
                    f"state[{i}][{name!r}] has shape {arr.shape} but params[{i}] has {theta.shape}")
            if arr is given[name] and arr.dtype == theta.dtype and arr.flags.writeable:
                state[name] = arr
            else:
                state[name] = arr.astype(theta.dtype)  # a private, writable copy
        return state


class GD(Optimizer):
    r"""Gradient descent: step against the gradient.

    .. math:: \theta \leftarrow \theta - \eta\, g

    Batch GD, SGD and mini-batch SGD are all this update; they differ only in the
    gradient estimate ``g`` fed to it (see :func:`lib.train.train`).
    """

    def update(self, theta, g, state, lr):
        theta -= lr * g


class Momentum(Optimizer):
    r"""Momentum, in the article's exponential-average form.

    .. math::
        v &\leftarrow \beta v + (1-\beta)\, g \\
        \theta &\leftarrow \theta - \eta\, v

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
        v = state["v"]
        v *= self.beta
        v += (1 - self.beta) * g
        theta -= lr * v


class RMSProp(Optimizer):
    r"""RMSProp, with :math:`\epsilon` inside the square root as in the article (and Keras).

    .. math::
        s &\leftarrow \beta s + (1-\beta)\, g^2 \\
        \theta &\leftarrow \theta - \frac{\eta}{\sqrt{s + \epsilon}}\, g
    """

    state_names = ("s",)

    def __init__(self, lr: LearningRate, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta, "eps": self.eps}

    def update(self, theta, g, state, lr):
        s = state["s"]
        s *= self.beta
        s += (1 - self.beta) * g**2
        theta -= lr / np.sqrt(s + self.eps) * g


class Adam(Optimizer):
    r"""Adam: momentum and RMSProp together, with bias correction.

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1)\, g \\
        v &\leftarrow \beta_2 v + (1-\beta_2)\, g^2 \\
        \hat m &= m / (1-\beta_1^t), \qquad \hat v = v / (1-\beta_2^t) \\
        \theta &\leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    ``t`` is the step number, 1 on the first step.
    """

    state_names = ("m", "v")

    def __init__(self, lr: LearningRate = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_beta("beta1", beta1)
        self.beta2 = _check_beta("beta2", beta2)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def update(self, theta, g, state, lr):
        m, v, t = state["m"], state["v"], self.t
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g**2
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        theta -= lr * m_hat / (np.sqrt(v_hat) + self.eps)
