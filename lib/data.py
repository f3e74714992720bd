"""Data sets: seeded synthetic regression data, and MNIST (see :mod:`lib.mnist`)."""

from __future__ import annotations

import numpy as np

__all__ = ["make_regression", "load_mnist"]


def make_regression(n: int = 200, n_features: int = 1, noise: float = 0.5, seed: int = 0,
                    w=None, b: float = 1.0, dtype=np.float64):
    r"""Seeded linear-regression data :math:`y = x w + b + \varepsilon`.

    ``x`` has shape ``(n, n_features)`` with standard-normal entries shifted by 1 (so the
    intercept and the slope are correlated, like real data); ``ε`` is Gaussian with standard
    deviation ``noise``. ``w`` defaults to ``2, -1, 0.5, ...``. Returns ``(x, y)``; the same
    seed gives the same data on every machine.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive int, got {n_features!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    if w is None:
        w = np.array([2.0 * (-0.5) ** k for k in range(n_features)])
    w = np.asarray(w, dtype=float).reshape(-1)
    if w.shape != (n_features,):
        raise ValueError(f"w must have {n_features} entries, got shape {w.shape}")
    x = rng.standard_normal((n, n_features)) + 1.0
    y = x @ w + b + noise * rng.standard_normal(n)
    return x.astype(dtype), y.astype(dtype)


def load_mnist(*args, **kwargs):
    """MNIST as ``(x_train, y_train), (x_test, y_test)``: see :func:`lib.mnist.load_mnist`."""
    from .mnist import load_mnist as _load

    return _load(*args, **kwargs)
