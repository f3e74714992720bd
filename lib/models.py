r"""Small NumPy models with hand-written gradients, in the interface :func:`lib.train.train` uses.

A model has ``params`` (the list of arrays an optimizer's ``step`` updates in place),
``loss(x, y)`` and ``loss_and_grads(x, y) -> (loss, grads)`` with ``grads`` in the order of
``params``.
"""

from __future__ import annotations

import numpy as np

from .valleys import Quadratic

__all__ = ["LinearRegression"]


class LinearRegression:
    r"""Linear regression :math:`\hat y = x w + b` with the mean squared error

    .. math:: J(w, b) = \frac1N \sum_{i=1}^N (x^{(i)} w + b - y^{(i)})^2,
              \qquad \nabla_w J = \frac2N X^\top r,\quad \nabla_b J = \frac2N \textstyle\sum_i r_i

    where :math:`r = Xw + b - y`. This is Keras's ``"mse"`` and PyTorch's ``MSELoss()``, with no
    factor 1/2, so all three compute the same gradients.
    """

    def __init__(self, n_features: int = 1, w=None, b: float = 0.0, dtype=np.float64):
        if not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"n_features must be a positive int, got {n_features!r}")
        w = np.zeros(n_features) if w is None else np.asarray(w, dtype=float).reshape(-1)
        if w.shape != (n_features,):
            raise ValueError(f"w must have {n_features} entries, got shape {w.shape}")
        self.w = w.astype(dtype)  # always a private copy
        self.b = np.array([b], dtype=dtype)
        self.params = [self.w, self.b]

    def _checked(self, x, y):
        x = np.asarray(x)
        y = np.asarray(y)
        if x.ndim != 2 or x.shape[1] != self.w.shape[0]:
            raise ValueError(f"x must have shape (n, {self.w.shape[0]}), got {x.shape}")
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},), got {y.shape}")
        return x, y

    def predict(self, x) -> np.ndarray:
        return np.asarray(x) @ self.w + self.b[0]

    def loss(self, x, y) -> float:
        x, y = self._checked(x, y)
        r = x @ self.w + self.b[0] - y
        return float(np.mean(r**2))

    def loss_and_grads(self, x, y):
        x, y = self._checked(x, y)
        r = x @ self.w + self.b[0] - y
        n = x.shape[0]
        grad_w = (2 / n) * (x.T @ r)
        grad_b = np.array([(2 / n) * r.sum()])
        return float(np.mean(r**2)), [grad_w.astype(self.w.dtype), grad_b.astype(self.b.dtype)]

    @staticmethod
    def closed_form(x, y) -> tuple[np.ndarray, float]:
        """The least-squares optimum ``(w*, b*)``, by ``numpy.linalg.lstsq``."""
        x = np.asarray(x, dtype=float)
        X1 = np.column_stack([x, np.ones(len(x))])
        sol, *_ = np.linalg.lstsq(X1, np.asarray(y, dtype=float), rcond=None)
        return sol[:-1], float(sol[-1])

    @staticmethod
    def as_valley(x, y, bounds=None) -> Quadratic:
        r"""For one feature, the loss surface over :math:`\theta = (w, b)` as a :class:`Quadratic`.

        :math:`J(\theta) = J^* + \tfrac12(\theta-\theta^*)^\top A(\theta-\theta^*)` with Hessian
        :math:`A = \tfrac2N\begin{pmatrix}\sum x_i^2 & \sum x_i\\ \sum x_i & N\end{pmatrix}`,
        so ``valley.L`` gives the largest stable learning rate ``2 / L``. (The valley's value omits
        the constant :math:`J^*`, the loss at the optimum.)
        """
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != 1:
            raise ValueError(f"as_valley needs one feature: x of shape (n, 1), got {x.shape}")
        n = len(x)
        xs = x[:, 0]
        A = (2 / n) * np.array([[xs @ xs, xs.sum()], [xs.sum(), n]])
        w, b = LinearRegression.closed_form(x, y)
        center = np.array([w[0], b])
        span = max(3.0, 2 * float(np.abs(center).max()))
        bounds = bounds or ((center[0] - span, center[0] + span), (center[1] - span, center[1] + span))
        return Quadratic(A, center=center, bounds=bounds, name="least-squares valley")
