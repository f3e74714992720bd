r"""Homework checks for the gradient-descent chapter (``chapters/01_gradient_descent``).

- :func:`check_gd_step` checks ``gd_step(theta, grad, lr)``, one update
  :math:`\theta := \theta - \eta\, g` that returns a NEW array;
- :func:`check_gradient_descent` checks ``gradient_descent(grad_fn, theta0, lr, steps)``, the
  whole walk, returning the path of ``steps + 1`` points (the start first).

Each names the typical mistake a wrong answer matches (see :data:`GD_STEP_MISTAKES` and
:data:`GRADIENT_DESCENT_MISTAKES`); a function that changes its inputs in place is told so first.
"""

from __future__ import annotations

import numpy as np

from ..optim import GD
from ..train import descend
from .core import Case, CheckResult, Mistake, Signature, finish, run_check, unpack

__all__ = ["check_gd_step", "check_gradient_descent", "reference_gd_step",
           "reference_gradient_descent", "GD_STEP_MISTAKES", "GRADIENT_DESCENT_MISTAKES"]


# -- gd_step -------------------------------------------------------------------------------------
def reference_gd_step(theta, grad, lr):
    """One gradient-descent step with :class:`lib.optim.GD`, on a copy of ``theta``."""
    theta_new = np.array(theta, dtype=float)
    GD(lr).step([theta_new], [np.asarray(grad, dtype=float)])
    return theta_new


def _gd_step_cases():
    """Fresh seeded inputs: several shapes, learning rates that are not 1, gradients of any sign."""
    rng = np.random.default_rng(2024)
    cases = []
    for shape, lr in [((2,), 0.1), ((3,), 0.35), ((2, 2), 0.02), ((5,), 1.5)]:
        theta = rng.normal(size=shape)
        grad = 3.0 * rng.normal(size=shape)
        cases.append((theta, grad, lr))
    return cases


def _gd_step_scenario(impl):
    cases = []
    for theta, grad, lr in _gd_step_cases():
        out = unpack(impl(theta.copy(), grad.copy(), lr), ("theta_new",))
        cases.append(Case(f"for theta of shape {theta.shape} with lr = {lr}", out,
                          before={"theta_new": theta}))
    return cases


GD_STEP_SIGNATURE = Signature(args=("theta", "grad", "lr"), outputs=("theta_new",),
                              probes=_gd_step_cases, updates={"theta_new": "theta"})


def _gd_step_aliasing_args():
    theta, grad, lr = _gd_step_cases()[0]
    return (theta, grad, lr), {}


def _returns_nothing(theta, grad, lr):
    theta - lr * grad


GD_STEP_MISTAKES = [
    Mistake("wrong sign", "the step goes UP the slope: the gradient points uphill, so subtract "
            "it (theta - lr * grad), do not add it.", lambda theta, grad, lr: theta + lr * grad),
    Mistake("forgot the learning rate", "the learning rate is missing: the step is "
            "lr * grad, not grad.", lambda theta, grad, lr: theta - grad),
    Mistake("divides by the learning rate", "the gradient is divided by lr; multiply it: "
            "theta - lr * grad.", lambda theta, grad, lr: theta - grad / lr),
    Mistake("squared gradient", "the gradient is squared: gradient descent uses the gradient "
            "itself (squares appear only in RMSProp and Adam's second moment).",
            lambda theta, grad, lr: theta - lr * grad**2),
    Mistake("only the sign of the gradient", "only the gradient's sign is used: the step "
            "must be proportional to the gradient (steep slope, long step).",
            lambda theta, grad, lr: theta - lr * np.sign(grad)),
    Mistake("returns the step", "it returns the step -lr * grad, not the new position "
            "theta - lr * grad.", lambda theta, grad, lr: -lr * grad),
    Mistake("returns the uphill step", "it returns lr * grad, not the new position "
            "theta - lr * grad.", lambda theta, grad, lr: lr * grad),
    Mistake("returns nothing", "it returns None: end the function with `return` and the new "
            "array.", _returns_nothing),
]


def check_gd_step(gd_step, verbose: bool = False) -> CheckResult:
    """Check a student's ``gd_step(theta, grad, lr)``: returns ``theta - lr * grad`` as a new
    array and leaves ``theta`` and ``grad`` unchanged."""
    name = getattr(gd_step, "__name__", "gd_step")
    result = run_check(gd_step, reference_gd_step, _gd_step_scenario, GD_STEP_MISTAKES,
                       name=name, aliasing_args=_gd_step_aliasing_args,
                       signature=GD_STEP_SIGNATURE, returns="one new array, theta - lr * grad")
    return finish(result, verbose, graded=name == "gd_step")


# -- gradient_descent ----------------------------------------------------------------------------
class _GradOnly:
    """Adapts a gradient function to the ``valley.grad`` interface :func:`lib.train.descend` uses."""

    def __init__(self, grad_fn):
        self.grad = grad_fn


def reference_gradient_descent(grad_fn, theta0, lr, steps):
    """``steps`` GD steps from ``theta0``: the path ``(steps + 1, d)``, start first."""
    return descend(_GradOnly(grad_fn), GD(lr), theta0, steps)


def _quadratic_grad(A, center):
    return lambda theta: A @ (np.asarray(theta, dtype=float) - center)


def _gradient_descent_cases():
    """Fresh seeded problems: random positive-definite quadratics in 2 and 3 dimensions."""
    rng = np.random.default_rng(7)
    cases = []
    for d, lr, steps in [(2, 0.1, 6), (3, 0.05, 5), (2, 0.3, 4)]:
        M = rng.normal(size=(d, d))
        A = M @ M.T + d * np.eye(d)
        center = rng.normal(size=d)
        theta0 = 3.0 * rng.normal(size=d)
        cases.append((_quadratic_grad(A, center), theta0, lr, steps))
    return cases


def _gradient_descent_scenario(impl):
    # a list of points and a 2-D array are the same path
    cases = []
    for grad_fn, theta0, lr, steps in _gradient_descent_cases():
        path = unpack(impl(grad_fn, theta0.copy(), lr, steps), ("path",))["path"]
        cases.append(Case(f"for a {theta0.size}-d valley with lr = {lr} and {steps} steps",
                          {"path": path}, rows="theta"))
    return cases


def _other_grad(theta):
    return 2.0 * (np.asarray(theta, dtype=float) - 0.5)


GRADIENT_DESCENT_SIGNATURE = Signature(
    args=("grad_fn", "theta0", "lr", "steps"), outputs=("path",),
    probes=lambda: [c[:2] + (c[2], c[3]) for c in _gradient_descent_cases()],
    perturb={"grad_fn": lambda f: _other_grad})


def _gradient_descent_aliasing_args():
    grad_fn, theta0, lr, steps = _gradient_descent_cases()[0]
    return (grad_fn, theta0, lr, steps), {}


def _without_start(grad_fn, theta0, lr, steps):
    return reference_gradient_descent(grad_fn, theta0, lr, steps)[1:]


def _one_step_too_many(grad_fn, theta0, lr, steps):
    return reference_gradient_descent(grad_fn, theta0, lr, steps + 1)


def _final_point_only(grad_fn, theta0, lr, steps):
    return reference_gradient_descent(grad_fn, theta0, lr, steps)[-1]


def _stale_gradient(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    g = grad_fn(theta)  # measured once, at the start, and never again
    path = [theta]
    for _ in range(steps):
        theta = theta - lr * g
        path.append(theta)
    return np.array(path)


def _same_array_appended(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta -= lr * grad_fn(theta)  # moves the one array every row of path refers to
        path.append(theta)
    return np.array(path)


def _wrong_sign_walk(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta + lr * grad_fn(theta)
        path.append(theta)
    return np.array(path)


def _no_learning_rate_walk(grad_fn, theta0, lr, steps):
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta - grad_fn(theta)
        path.append(theta)
    return np.array(path)


GRADIENT_DESCENT_MISTAKES = [
    Mistake("missing start point", "the path must start with theta0: steps + 1 points in all.",
            _without_start),
    Mistake("one step too many", "it takes steps + 1 steps: the path has steps + 1 points, the "
            "start included, so the loop runs `steps` times.", _one_step_too_many),
    Mistake("final point only", "it returns only the last point; return the whole path "
            "(np.array of the steps + 1 points).", _final_point_only),
    Mistake("same array appended", "every row of the path is the final point: the loop updates "
            "one array in place (theta -= ...) and appends that same array each time. Write "
            "theta = theta - lr * g (a new array) or append theta.copy().", _same_array_appended),
    Mistake("stale gradient", "the gradient is measured only once, at theta0: feel the slope "
            "again at every new point, g = grad_fn(theta) inside the loop.", _stale_gradient),
    Mistake("wrong sign", "the walk climbs: subtract the gradient, do not add it.",
            _wrong_sign_walk),
    Mistake("forgot the learning rate", "the learning rate is missing: each step is "
            "lr * grad_fn(theta).", _no_learning_rate_walk),
]


def check_gradient_descent(gradient_descent, verbose: bool = False) -> CheckResult:
    """Check a student's ``gradient_descent(grad_fn, theta0, lr, steps)``: the path of
    ``steps + 1`` points, start first, with ``theta0`` left unchanged."""
    name = getattr(gradient_descent, "__name__", "gradient_descent")
    result = run_check(gradient_descent, reference_gradient_descent, _gradient_descent_scenario,
                       GRADIENT_DESCENT_MISTAKES, name=name,
                       aliasing_args=_gradient_descent_aliasing_args,
                       signature=GRADIENT_DESCENT_SIGNATURE,
                       returns="the path, an array of steps + 1 points (theta0 first)")
    return finish(result, verbose, graded=name == "gradient_descent")
