r"""The article's update rules as plain NumPy, one line per formula line: the readable reference.

:mod:`lib.optim` performs these same operations, in the same order, in place and block by block
for speed; ``tests/test_optim_reference.py`` checks that its results are bit-identical to these.
Each function updates ``theta`` and the state arrays in place, like the chapters' from-scratch
code, and allocates its intermediate results freely.
"""

from __future__ import annotations

import numpy as np

__all__ = ["gd_update", "momentum_update", "rmsprop_update", "adam_update", "nesterov_update",
           "adagrad_update", "adamw_update"]


def gd_update(theta: np.ndarray, g: np.ndarray, lr: float) -> None:
    r""":math:`\theta := \theta - \eta g`"""
    theta -= lr * g


def momentum_update(theta: np.ndarray, g: np.ndarray, v: np.ndarray, lr: float, beta: float) -> None:
    r""":math:`v := \beta v + (1-\beta) g,\ \theta := \theta - \eta v`"""
    v *= beta
    v += (1 - beta) * g
    theta -= lr * v


def rmsprop_update(theta: np.ndarray, g: np.ndarray, s: np.ndarray, lr: float, beta: float,
                   eps: float) -> None:
    r""":math:`s := \beta s + (1-\beta) g^2,\ \theta := \theta - \frac{\eta}{\sqrt{s+\epsilon}} g`"""
    s *= beta
    s += (1 - beta) * g**2
    theta -= lr / np.sqrt(s + eps) * g


def adam_update(theta: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float,
                beta1: float, beta2: float, eps: float) -> None:
    r""":math:`m := \beta_1 m + (1-\beta_1) g,\ v := \beta_2 v + (1-\beta_2) g^2,\
    \hat m = m/(1-\beta_1^t),\ \hat v = v/(1-\beta_2^t),\
    \theta := \theta - \eta \hat m/(\sqrt{\hat v}+\epsilon)`"""
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    theta -= lr * m_hat / (np.sqrt(v_hat) + eps)


def nesterov_update(theta: np.ndarray, g: np.ndarray, v: np.ndarray, lr: float, beta: float) -> None:
    r""":math:`v := \beta v + (1-\beta) g,\ \theta := \theta - \eta\,(\beta v + (1-\beta) g)`"""
    v *= beta
    v += (1 - beta) * g
    theta -= lr * (beta * v + (1 - beta) * g)


def adagrad_update(theta: np.ndarray, g: np.ndarray, s: np.ndarray, lr: float, eps: float) -> None:
    r""":math:`s := s + g^2,\ \theta := \theta - \frac{\eta}{\sqrt{s+\epsilon}} g`"""
    s += g**2
    theta -= lr / np.sqrt(s + eps) * g


def adamw_update(theta: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float,
                 beta1: float, beta2: float, eps: float, weight_decay: float) -> None:
    r""":math:`\theta := \theta - \eta\lambda\theta`, then Adam's update (:func:`adam_update`)."""
    theta *= 1 - lr * weight_decay
    adam_update(theta, g, m, v, t, lr, beta1, beta2, eps)
