r"""Homework check for the RMSProp chapter: one step of the article's RMSProp.

The student writes ``rmsprop_step(theta, g, s, lr, beta, eps) -> (theta_new, s_new)``:

.. math::
    s &:= \beta s + (1-\beta)\, g^2 \\
    \theta &:= \theta - \frac{\eta}{\sqrt{s + \epsilon}}\, g

with :math:`\epsilon` inside the square root, returning new arrays and leaving its inputs as
they were. The test cases use small gradients and an :math:`\epsilon` that is not tiny, so that
putting :math:`\epsilon` outside the root (PyTorch's form) or forgetting it changes the result.
"""

from __future__ import annotations

import numpy as np

from .core import Case, CheckResult, Mistake, Signature, finish, run_check, unpack

__all__ = ["check_rmsprop_step", "reference_rmsprop_step", "MISTAKES"]


def reference_rmsprop_step(theta, g, s, lr, beta, eps):
    """The article's RMSProp step; returns ``(theta_new, s_new)`` as new arrays."""
    s_new = beta * s + (1 - beta) * g**2
    theta_new = theta - lr / np.sqrt(s_new + eps) * g
    return theta_new, s_new


def _eps_outside_root(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g**2
    return theta - lr * g / (np.sqrt(s_new) + eps), s_new


def _no_eps(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g**2
    return theta - lr * g / np.sqrt(s_new), s_new


def _g_not_squared(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g
    return theta - lr / np.sqrt(s_new + eps) * g, s_new


def _abs_g_not_squared(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * np.abs(g)
    return theta - lr / np.sqrt(s_new + eps) * g, s_new


def _missing_one_minus_beta(theta, g, s, lr, beta, eps):
    s_new = beta * s + g**2
    return theta - lr / np.sqrt(s_new + eps) * g, s_new


def _divides_by_s(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g**2
    return theta - lr / (s_new + eps) * g, s_new


def _uses_old_s(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g**2
    return theta - lr / np.sqrt(s + eps) * g, s_new


def _wrong_sign(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1 - beta) * g**2
    return theta + lr / np.sqrt(s_new + eps) * g, s_new


def _beta_swapped(theta, g, s, lr, beta, eps):
    s_new = (1 - beta) * s + beta * g**2
    return theta - lr / np.sqrt(s_new + eps) * g, s_new


MISTAKES = [
    Mistake("eps outside the root",
            "ε belongs inside the square root: θ − η·g/√(s + ε). Writing η·g/(√s + ε) is "
            "PyTorch's form, a different update when gradients are small.", _eps_outside_root),
    Mistake("no eps",
            "ε is missing: divide by √(s + ε), not √s (without it a zero gradient divides "
            "zero by zero).", _no_eps),
    Mistake("g not squared",
            "s averages the SQUARED gradient: s = β·s + (1 − β)·g², not (1 − β)·g.",
            _g_not_squared),
    Mistake("|g| not squared",
            "s averages the squared gradient g², not its absolute value |g|.", _abs_g_not_squared),
    Mistake("missing (1 - beta)",
            "the new squared gradient is weighted by (1 − β): s = β·s + (1 − β)·g², not β·s + g².",
            _missing_one_minus_beta),
    Mistake("beta swapped",
            "β weights the OLD average and (1 − β) the new g²: s = β·s + (1 − β)·g².",
            _beta_swapped),
    Mistake("divides by s",
            "divide by the square ROOT √(s + ε): s is a mean of squares, its root has the "
            "gradient's units.", _divides_by_s),
    Mistake("uses the old s",
            "update s first, then use the NEW s in the step (the step must already see this "
            "gradient's g²).", _uses_old_s),
    Mistake("wrong sign",
            "descend: θ − η·g/√(s + ε). Adding the step climbs the slope.", _wrong_sign),
]


def _cases():
    """Seeded inputs: small gradients with ε not tiny (ε placement matters), and ordinary ones."""
    rng = np.random.default_rng(2024)
    cases = []
    for scale, eps in [(1e-3, 1e-4), (1e-2, 1e-4), (1.0, 1e-8), (3.0, 1e-2)]:
        theta = rng.normal(size=4)
        g = scale * rng.normal(size=4)
        s = (scale * rng.uniform(0.5, 1.5, size=4)) ** 2
        cases.append((theta, g, s, 0.01, 0.9, eps))
    # a 2-D parameter with beta = 0.99 (PyTorch's default) and a zero gradient entry
    theta = rng.normal(size=(2, 3))
    g = 1e-2 * rng.normal(size=(2, 3))
    g[0, 1] = 0.0
    s = np.full((2, 3), 1e-4)
    cases.append((theta, g, s, 0.05, 0.99, 1e-3))
    return cases


_OUTPUTS = ("theta_new", "s_new")


def _scenario(impl):
    # Wrong implementations may take the root of a negative number: that is the mistake being
    # identified, not something to print a RuntimeWarning about.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        results = []
        for theta, g, s, lr, beta, eps in _cases():
            out = unpack(impl(theta.copy(), g.copy(), s.copy(), lr, beta, eps), _OUTPUTS)
            results.append(Case(f"for gradients of size {np.max(np.abs(g)):.2g} with "
                                f"lr = {lr}, beta = {beta}, eps = {eps:g}", out,
                                before={"theta_new": theta, "s_new": s}))
        # three chained steps from s = 0: the returned s must be the state the next step uses
        theta = np.array([1.0, -2.0, 0.5])
        s = np.zeros(3)
        for k, g in enumerate((np.array([0.02, -0.01, 0.004]), np.array([0.01, 0.03, -0.002]),
                               np.array([-0.02, 0.0, 0.001])), start=1):
            out = unpack(impl(theta.copy(), g, s.copy(), 0.01, 0.9, 1e-4), _OUTPUTS)
            results.append(Case(f"after step {k} of three chained steps from s = 0", out,
                                before={"theta_new": theta, "s_new": s}))
            theta, s = out["theta_new"], out["s_new"]
        return results


def _probes():
    """Gradients of size ~1 with s of the same size and eps = 0.1: every term of the update
    moves the result by far more than rounding."""
    rng = np.random.default_rng(31)
    probes = []
    for lr, beta, eps in ((0.05, 0.8, 0.1), (0.2, 0.6, 0.3), (0.1, 0.7, 0.05)):
        g = rng.normal(size=4)
        probes.append((rng.normal(size=4), g, rng.uniform(0.5, 1.5, size=4), lr, beta, eps))
    return probes


SIGNATURE = Signature(args=("theta", "g", "s", "lr", "beta", "eps"), outputs=_OUTPUTS,
                      probes=_probes, updates={"theta_new": "theta", "s_new": "s"},
                      defaults={"lr": 0.01, "beta": 0.9, "eps": 1e-8}, state=("s",))


def _aliasing_args():
    theta = np.array([1.0, -2.0, 0.5])
    g = np.array([0.3, -0.1, 0.02])
    s = np.array([0.01, 0.02, 0.03])
    return (theta, g, s, 0.01, 0.9, 1e-8), {}


def check_rmsprop_step(fn, verbose: bool = False) -> CheckResult:
    """Check a student's ``rmsprop_step(theta, g, s, lr, beta, eps) -> (theta_new, s_new)``.

    Returns a :class:`~lib.checks.core.CheckResult` whose one-line text is the verdict
    (shown as the cell's output in a notebook).
    """
    name = getattr(fn, "__name__", "rmsprop_step")
    result = run_check(fn, reference_rmsprop_step, _scenario, MISTAKES, name=name,
                       aliasing_args=_aliasing_args, signature=SIGNATURE,
                       returns="(theta_new, s_new), two new arrays")
    return finish(result, verbose, graded=name == "rmsprop_step")
