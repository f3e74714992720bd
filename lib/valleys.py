r"""Loss landscapes ("valleys") with exact gradients and known minima, for two-parameter pictures.

Each valley is a small object with ``value(theta)``, ``grad(theta)``, ``minimum`` and a default
plotting window ``bounds``. ``theta`` may be a single point of shape ``(2,)`` or a grid of points
of shape ``(2, ...)`` (``value`` then evaluates every point, which is what contour plots need).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Valley", "Quadratic", "Rosenbrock", "bowl", "narrow_valley",
           "rosenbrock"]


class Valley:
    """Interface shared by every landscape."""

    name: str = "valley"
    minimum: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]

    def value(self, theta) -> np.ndarray:
        raise NotImplementedError

    def grad(self, theta) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, theta):
        return self.value(theta)

    @staticmethod
    def _point(theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        if theta.shape[:1] != (2,):
            raise ValueError(f"theta must have shape (2, ...), got {theta.shape}")
        return theta


@dataclass
class Quadratic(Valley):
    r"""The quadratic bowl :math:`J(\theta) = \tfrac12 (\theta-\theta^*)^\top A (\theta-\theta^*)`.

    With ``A = diag(L, μ)`` the gradient's Lipschitz constant is ``L``, the strong convexity is
    ``μ``, and the condition number is ``κ = L/μ``: the larger ``κ``, the longer and narrower the
    valley. ``A`` may be any symmetric positive-definite 2×2 matrix.
    """

    A: np.ndarray
    center: np.ndarray = field(default_factory=lambda: np.zeros(2))
    bounds: tuple = ((-3.0, 3.0), (-3.0, 3.0))
    name: str = "quadratic bowl"

    def __post_init__(self):
        self.A = np.asarray(self.A, dtype=float)
        self.center = np.asarray(self.center, dtype=float)
        if self.A.shape != (2, 2) or not np.allclose(self.A, self.A.T):
            raise ValueError(f"A must be a symmetric 2x2 matrix, got {self.A!r}")
        eig = np.linalg.eigvalsh(self.A)
        if eig.min() <= 0:
            raise ValueError(f"A must be positive definite; its eigenvalues are {eig}")
        if self.center.shape != (2,):
            raise ValueError(f"center must have shape (2,), got {self.center.shape}")
        self.minimum = self.center

    @property
    def L(self) -> float:
        """Largest curvature (Lipschitz constant of the gradient)."""
        return float(np.linalg.eigvalsh(self.A).max())

    @property
    def mu(self) -> float:
        """Smallest curvature (strong convexity)."""
        return float(np.linalg.eigvalsh(self.A).min())

    @property
    def condition_number(self) -> float:
        return self.L / self.mu

    def value(self, theta):
        d = self._point(theta) - self.center.reshape((2,) + (1,) * (np.ndim(theta) - 1))
        return 0.5 * np.einsum("i...,ij,j...->...", d, self.A, d)

    def grad(self, theta):
        d = self._point(theta) - self.center.reshape((2,) + (1,) * (np.ndim(theta) - 1))
        return np.einsum("ij,j...->i...", self.A, d)


@dataclass
class Rosenbrock(Valley):
    r"""Rosenbrock's banana valley :math:`J = (a-x)^2 + b\,(y-x^2)^2`, minimum at :math:`(a, a^2)`.

    The floor is a long curved valley: easy to fall into, slow to follow.
    """

    a: float = 1.0
    b: float = 100.0
    bounds: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    name: str = "Rosenbrock"

    def __post_init__(self):
        self.minimum = np.array([self.a, self.a**2])

    def value(self, theta):
        x, y = self._point(theta)
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, theta):
        x, y = self._point(theta)
        return np.stack([-2 * (self.a - x) - 4 * self.b * x * (y - x**2),
                         2 * self.b * (y - x**2)])


def bowl(condition_number: float = 10.0, L: float = 1.0) -> Quadratic:
    """An axis-aligned bowl ``diag(L, L/κ)``: steep across ``θ1``, gentle along ``θ2``."""
    if not condition_number >= 1:
        raise ValueError(f"condition_number must be >= 1, got {condition_number}")
    if not L > 0:
        raise ValueError(f"L must be > 0, got {L}")
    return Quadratic(np.diag([L, L / condition_number]), name=f"bowl (κ = {condition_number:g})")


def narrow_valley() -> Quadratic:
    r"""A long narrow valley, rotated 30° so neither axis runs along it (κ = 50).

    Plain gradient descent zig-zags across it; momentum runs along it.
    """
    angle = np.deg2rad(30)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = R @ np.diag([5.0, 0.1]) @ R.T
    return Quadratic(A, bounds=((-4.0, 4.0), (-3.0, 3.0)), name="narrow valley")


def rosenbrock() -> Rosenbrock:
    return Rosenbrock()
