r"""Homework checks for the Adam chapter: a student's Adam step, and a student's Adam class.

The article's update, with ``t`` the step number (1 on the first step)::

    m := β1 m + (1 − β1) g             m̂ = m / (1 − β1^t)
    v := β2 v + (1 − β2) g²            v̂ = v / (1 − β2^t)
    θ := θ − lr · m̂ / (√v̂ + ε)

- :func:`check_adam_step` checks a function
  ``adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8) -> (theta, m, v)``
  that returns new arrays and leaves its arguments alone. The scenario calls it with
  ``t = 1, 2, 3, ...``, feeding back the returned ``theta``, ``m`` and ``v``.
- :func:`check_adam_class` checks a class ``MyAdam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)``
  whose ``step(theta, g)`` returns the new ``theta`` and keeps ``m``, ``v`` and ``t`` itself.

The scenarios use a large ``eps`` (0.05) next to gradients of size ~0.3, so that putting ε inside
the square root changes the result visibly, and ``beta1 != beta2`` so that every β is told apart.
"""

from __future__ import annotations

import numpy as np

from .core import CheckResult, Mistake, inputs_modified, run_check

__all__ = ["check_adam_step", "check_adam_class", "STEP_MISTAKES", "CLASS_MISTAKES",
           "reference_adam_step", "ReferenceAdam"]

# Hyperparameters of the checked scenarios: ε comparable to √v̂ and β1 ≠ β2 on purpose.
HYPER = {"lr": 0.1, "beta1": 0.8, "beta2": 0.9, "eps": 0.05}
STEPS = 6


def reference_adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """The article's Adam step, returning new arrays ``(theta, m, v)``."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def _variant(*, t_used=lambda t: t, correct_m=True, correct_v=True, eps_inside=False,
             factor_m=True, factor_v=True, square=True, sign=-1.0, return_hats=False):
    """An Adam step with one deliberate deviation from the article (for the mistakes list)."""

    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        tt = t_used(t)
        m = beta1 * m + ((1 - beta1) if factor_m else 1.0) * g
        v = beta2 * v + ((1 - beta2) if factor_v else 1.0) * (g**2 if square else g)
        m_hat = m / (1 - beta1**tt) if correct_m else m
        v_hat = v / (1 - beta2**tt) if correct_v else v
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        theta = theta + sign * lr * m_hat / denom
        if return_hats:
            return theta, m_hat, v_hat
        return theta, m, v

    return adam_step


STEP_MISTAKES = [
    Mistake("no bias correction",
            "you skipped the bias correction: divide m by (1 − beta1**t) and v by (1 − beta2**t) "
            "before the update (m and v start at zero, so early on they are far too small).",
            _variant(correct_m=False, correct_v=False)),
    Mistake("t stuck at 1",
            "your bias correction always uses t = 1: use the step number t you are given "
            "(1, 2, 3, ...) in beta1**t and beta2**t.",
            _variant(t_used=lambda t: 1)),
    Mistake("off by one: t + 1",
            "your bias correction is one step ahead: it uses beta**(t + 1); the first step is "
            "t = 1, so the first correction divides by (1 − beta).",
            _variant(t_used=lambda t: t + 1)),
    Mistake("off by one: t - 1",
            "your bias correction is one step behind (it counts from t = 0): at t = 1 it "
            "divides by 1 − beta**0 = 0. The first step is t = 1.",
            _variant(t_used=lambda t: t - 1)),
    Mistake("eps inside the root",
            "ε is inside the square root: the article divides by (sqrt(v_hat) + eps), "
            "not sqrt(v_hat + eps) (that is RMSProp's form in the article).",
            _variant(eps_inside=True)),
    Mistake("v from g instead of g²",
            "v must average the squared gradient: v = beta2*v + (1 − beta2)*g**2, not g.",
            _variant(square=False)),
    Mistake("missing (1 − beta) factors",
            "the running averages lack their (1 − beta) factors: m = beta1*m + (1 − beta1)*g "
            "and v = beta2*v + (1 − beta2)*g**2.",
            _variant(factor_m=False, factor_v=False)),
    Mistake("missing (1 − beta1) factor",
            "m lacks its (1 − beta1) factor: m = beta1*m + (1 − beta1)*g.",
            _variant(factor_m=False)),
    Mistake("missing (1 − beta2) factor",
            "v lacks its (1 − beta2) factor: v = beta2*v + (1 − beta2)*g**2.",
            _variant(factor_v=False)),
    Mistake("only m bias-corrected",
            "you bias-corrected m but not v: v_hat = v / (1 − beta2**t) too.",
            _variant(correct_v=False)),
    Mistake("only v bias-corrected",
            "you bias-corrected v but not m: m_hat = m / (1 − beta1**t) too.",
            _variant(correct_m=False)),
    Mistake("returns m_hat and v_hat",
            "return the running averages m and v, not the bias-corrected m_hat and v_hat: the "
            "corrected values are recomputed from m and v at every step.",
            _variant(return_hats=True)),
    Mistake("wrong sign",
            "the step goes uphill: subtract lr * m_hat / (sqrt(v_hat) + eps) from theta.",
            _variant(sign=+1.0)),
]


def _gradients(seed, shape, steps):
    rng = np.random.default_rng(seed)
    return [0.3 * rng.standard_normal(shape) for _ in range(steps)]


def _step_scenario(adam_step):
    results = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # the checked hyperparameters, passed by keyword, t = 1, 2, ...
        theta = np.array([1.0, -2.0, 0.5, 3.0])
        m, v = np.zeros(4), np.zeros(4)
        for t, g in enumerate(_gradients(0, 4, STEPS), start=1):
            theta, m, v = adam_step(theta.copy(), g.copy(), m.copy(), v.copy(), t, **HYPER)
            results.append([np.asarray(theta, float), np.asarray(m, float), np.asarray(v, float)])
        # the default hyperparameters of the signature, on a 2-d parameter
        theta = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        m, v = np.zeros((2, 3)), np.zeros((2, 3))
        for t, g in enumerate(_gradients(1, (2, 3), 3), start=1):
            theta, m, v = adam_step(theta.copy(), g.copy(), m.copy(), v.copy(), t)
            results.append([np.asarray(theta, float), np.asarray(m, float), np.asarray(v, float)])
    return results


def _step_aliasing_args():
    g = np.abs(_gradients(2, 3, 1)[0])  # positive, so no mistake takes a root of a negative
    return (np.array([0.5, -1.0, 2.0]), g, 0.1 * g, 0.01 * g**2, 2), dict(HYPER)


def check_adam_step(adam_step, verbose: bool = True) -> CheckResult:
    """Check ``adam_step(theta, g, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    result = run_check(adam_step, reference_adam_step, _step_scenario, STEP_MISTAKES,
                       name=getattr(adam_step, "__name__", "adam_step"),
                       aliasing_args=_step_aliasing_args)
    if verbose:
        print(result)
    return result


# -- the stateful version -------------------------------------------------------------------------

class ReferenceAdam:
    """The article's Adam as a class: ``step(theta, g)`` returns the new ``theta``."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        theta, self.m, self.v = reference_adam_step(theta, g, self.m, self.v, self.t, self.lr,
                                                    self.beta1, self.beta2, self.eps)
        return theta


def _class_variant(*, t_rule="advance", keep_state=True, step_fn=reference_adam_step):
    """A stateful Adam with one deliberate bug in how it keeps its step counter or state."""

    class WrongAdam(ReferenceAdam):
        def step(self, theta, g):
            if self.m is None or not keep_state:
                self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
            if t_rule == "stuck":  # the counter is never advanced
                t = 1
            elif t_rule == "after":  # advanced after use, from 0
                t = self.t
                self.t += 1
            elif t_rule == "twice":
                self.t += 2
                t = self.t - 1
            else:
                self.t += 1
                t = self.t
            theta, self.m, self.v = step_fn(theta, g, self.m, self.v, t, self.lr, self.beta1,
                                            self.beta2, self.eps)
            return theta

    return WrongAdam


def _hint(mistake_name):
    return next(m.hint for m in STEP_MISTAKES if m.name == mistake_name)


CLASS_MISTAKES = [
    Mistake("t never advances",
            "your step counter never advances, so the bias correction is stuck at t = 1: "
            "increase self.t by one at every step, before using it.",
            _class_variant(t_rule="stuck")),
    Mistake("t advanced after use",
            "your step counter is used before it is increased (the first step uses t = 0 and "
            "divides by 1 − beta**0 = 0): increase self.t first, then bias-correct with it.",
            _class_variant(t_rule="after")),
    Mistake("t advanced twice",
            "your step counter goes up by two per step: increase self.t exactly once per step.",
            _class_variant(t_rule="twice")),
    Mistake("state not kept",
            "m and v start from zero at every step: create them once (first step) and keep "
            "them on self between steps.",
            _class_variant(keep_state=False, t_rule="stuck")),
    Mistake("state reset, t advances",
            "m and v start from zero at every step: create them once (first step) and keep "
            "them on self between steps.",
            _class_variant(keep_state=False)),
] + [Mistake(m.name, _hint(m.name), _class_variant(step_fn=m.impl))
     for m in STEP_MISTAKES if m.name not in ("t stuck at 1", "off by one: t - 1")]


def _class_scenario(cls):
    thetas = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        opt = cls(**HYPER)
        theta = np.array([1.0, -2.0, 0.5, 3.0])
        for g in _gradients(0, 4, STEPS):
            theta = opt.step(theta.copy(), g.copy())
            thetas.append(np.array(theta, dtype=float))
        opt = cls()  # the defaults of the signature
        theta = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        for g in _gradients(1, (2, 3), 3):
            theta = opt.step(theta.copy(), g.copy())
            thetas.append(np.array(theta, dtype=float))
    return thetas


def check_adam_class(cls, verbose: bool = True) -> CheckResult:
    """Check a class ``cls(lr, beta1, beta2, eps)`` whose ``step(theta, g)`` returns the new θ.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(cls, "__name__", "your class")
    result = None
    if not isinstance(cls, type):
        result = CheckResult("error", f"{name} is not a class (got {type(cls).__name__})")
    else:
        try:
            g = _gradients(2, 3, 1)[0]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                modified = inputs_modified(lambda theta, grad: cls(**HYPER).step(theta, grad),
                                           (np.array([0.5, -1.0, 2.0]), g))
            if modified:
                result = CheckResult(
                    "mistake", f"{name}.step changed the arrays it was given: it must return "
                    "the new theta and leave its arguments as they were (write "
                    "theta = theta - ..., not theta -= ...).", mistake="in-place aliasing")
        except Exception:  # a stub or a crash: run_check reports it properly below
            pass
    if result is None:
        result = run_check(cls, ReferenceAdam, _class_scenario, CLASS_MISTAKES, name=name)
    if verbose:
        print(result)
    return result
