r"""Loss landscapes ("valleys") with exact gradients and known minima, for two-parameter pictures.

Each valley is a small object with ``value(theta)``, ``grad(theta)``, ``minimum`` and a default
plotting window ``bounds``. The quadratic bowls and Rosenbrock's valley have one flat point, the
minimum; :class:`DoubleWell` has three (two minima and a saddle point), to show where "no slope
left, so this is the floor" goes wrong. ``theta`` may be a single point of shape ``(2,)`` or a grid of points
of shape ``(2, ...)`` (``value`` then evaluates every point, which is what contour plots need).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Valley", "Quadratic", "Rosenbrock", "DoubleWell", "bowl", "narrow_valley",
           "rosenbrock", "double_well"]


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


@dataclass
class DoubleWell(Valley):
    r"""Two valleys and a pass between them: :math:`J = \theta_1^4 - 3\theta_1^2 + t\,\theta_1
    + (\theta_2 - c\,\theta_1)^2` with tilt :math:`t` and coupling :math:`c`.

    Along the line :math:`\theta_2 = c\,\theta_1` the landscape is the curve
    :math:`\theta^4 - 3\theta^2 + t\,\theta` (:meth:`section`); across that line it is a
    parabola. The gradient vanishes exactly at the points :math:`(s, c\,s)` where
    :math:`4s^3 - 6s + t = 0`, which for :math:`|t| < 2\sqrt2` has three real roots:

    - ``minimum``: the lower of the two minima (the global one);
    - ``local_minimum``: the other minimum, a higher valley floor (for ``tilt = 0`` the two are
      equally low and ``minimum`` is the left one);
    - ``saddle``: the flat point between them, a pass: downhill towards either minimum, uphill
      across (its Hessian has one negative and one positive eigenvalue).

    ``minima`` holds both minima, the lower first. :meth:`hessian` gives the second derivatives.
    """

    tilt: float = 1.0
    coupling: float = 0.5
    bounds: tuple = ((-2.2, 2.2), (-2.0, 2.0))
    name: str = "double well"

    def __post_init__(self):
        for label in ("tilt", "coupling"):
            value = getattr(self, label)
            if isinstance(value, bool) or not np.isfinite(value):
                raise ValueError(f"{label} must be a finite number, got {value!r}")
        self.tilt, self.coupling = float(self.tilt), float(self.coupling)
        if not abs(self.tilt) < 2 * np.sqrt(2):
            raise ValueError(f"tilt must satisfy |tilt| < 2*sqrt(2) (two minima), got {self.tilt}")
        roots = np.sort(np.roots([4.0, 0.0, -6.0, self.tilt]).real)
        for _ in range(3):  # polish with Newton's method, so the gradient there is ~1e-16
            roots = roots - (4 * roots**3 - 6 * roots + self.tilt) / (12 * roots**2 - 6)
        points = np.stack([roots, self.coupling * roots], axis=1)
        low, high = sorted([points[0], points[2]], key=lambda p: float(self.value(p)))
        self.minima = np.stack([low, high])
        self.minimum = self.minima[0]
        self.local_minimum = self.minima[1]
        self.saddle = points[1]

    def section(self, s):
        r"""The 1-D curve :math:`s^4 - 3s^2 + t\,s` that the valley follows along
        :math:`\theta_2 = c\,\theta_1`."""
        s = np.asarray(s, dtype=float)
        return s**4 - 3 * s**2 + self.tilt * s

    def value(self, theta):
        x, y = self._point(theta)
        return self.section(x) + (y - self.coupling * x) ** 2

    def grad(self, theta):
        x, y = self._point(theta)
        across = 2 * (y - self.coupling * x)
        return np.stack([4 * x**3 - 6 * x + self.tilt - self.coupling * across, across])

    def hessian(self, theta) -> np.ndarray:
        """The 2×2 matrix of second derivatives at one point ``theta`` of shape ``(2,)``."""
        x, _ = self._point(theta)
        if np.ndim(x) != 0:
            raise ValueError(f"hessian takes one point of shape (2,), got {np.shape(theta)}")
        c = self.coupling
        return np.array([[12 * x**2 - 6 + 2 * c**2, -2 * c], [-2 * c, 2.0]])


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


def double_well(tilt: float = 1.0, coupling: float = 0.5) -> DoubleWell:
    """Two minima, one lower than the other, and a saddle point between them."""
    return DoubleWell(tilt=tilt, coupling=coupling)
