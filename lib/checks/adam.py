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

from .core import (Case, CheckResult, Mistake, Signature, finish, inputs_modified, run_check,
                   same, unpack)

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
             factor_m=True, factor_v=True, square=True, sign=-1.0, return_hats=False,
             eps_on_theta=False):
    """An Adam step with one deliberate deviation from the article (for the mistakes list)."""

    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        tt = t_used(t)
        m = beta1 * m + ((1 - beta1) if factor_m else 1.0) * g
        v = beta2 * v + ((1 - beta2) if factor_v else 1.0) * (g**2 if square else g)
        m_hat = m / (1 - beta1**tt) if correct_m else m
        v_hat = v / (1 - beta2**tt) if correct_v else v
        if eps_on_theta:  # D2L's TensorFlow Adam: p - lr * m_hat / sqrt(v_hat) + eps
            theta = theta + sign * lr * m_hat / np.sqrt(v_hat) + eps
        else:
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
    Mistake("eps added to theta",
            "ε is added to θ instead of to the denominator (a misplaced parenthesis, the bug of "
            "D2L's TensorFlow Adam: theta - lr * m_hat / sqrt(v_hat) + eps): write "
            "theta - lr * m_hat / (np.sqrt(v_hat) + eps).",
            _variant(eps_on_theta=True)),
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


_OUTPUTS = ("theta", "m", "v")


def _step_scenario(adam_step):
    results = []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # the checked hyperparameters, passed by keyword, t = 1, 2, ...
        theta = np.array([1.0, -2.0, 0.5, 3.0])
        m, v = np.zeros(4), np.zeros(4)
        for t, g in enumerate(_gradients(0, 4, STEPS), start=1):
            out = unpack(adam_step(theta.copy(), g.copy(), m.copy(), v.copy(), t, **HYPER),
                         _OUTPUTS)
            results.append(Case(f"after step {t} (lr = 0.1, beta1 = 0.8, beta2 = 0.9, "
                                "eps = 0.05)", out, before={"theta": theta, "m": m, "v": v}))
            theta, m, v = out["theta"], out["m"], out["v"]
        # the default hyperparameters of the signature, on a 2-d parameter
        theta = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        m, v = np.zeros((2, 3)), np.zeros((2, 3))
        for t, g in enumerate(_gradients(1, (2, 3), 3), start=1):
            out = unpack(adam_step(theta.copy(), g.copy(), m.copy(), v.copy(), t), _OUTPUTS)
            results.append(Case(f"after step {t} with the default hyperparameters", out,
                                before={"theta": theta, "m": m, "v": v}))
            theta, m, v = out["theta"], out["m"], out["v"]
    return results


def _step_probes():
    """Single steps from a state part-way through a run (m, v not zero, t > 1), with
    hyperparameters that are not the defaults and a large eps, so every term matters."""
    rng = np.random.default_rng(41)
    probes = []
    for t, (lr, b1, b2, eps) in zip((2, 3, 5), ((0.1, 0.8, 0.9, 0.05), (0.2, 0.7, 0.95, 0.1),
                                                (0.05, 0.6, 0.85, 0.02))):
        g = 0.3 * rng.normal(size=4)
        m = 0.2 * rng.normal(size=4)
        v = 0.1 * rng.uniform(0.5, 1.5, size=4)
        probes.append((rng.normal(size=4), g, m, v, t, lr, b1, b2, eps))
    return probes


STEP_SIGNATURE = Signature(
    args=("theta", "g", "m", "v", "t", "lr", "beta1", "beta2", "eps"), outputs=_OUTPUTS,
    probes=_step_probes, updates={"theta": "theta", "m": "m", "v": "v"},
    defaults={"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, counter="t",
    state=("m", "v"))


def _step_aliasing_args():
    g = np.abs(_gradients(2, 3, 1)[0])  # positive, so no mistake takes a root of a negative
    return (np.array([0.5, -1.0, 2.0]), g, 0.1 * g, 0.01 * g**2, 2), dict(HYPER)


def check_adam_step(adam_step, verbose: bool = True) -> CheckResult:
    """Check ``adam_step(theta, g, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(adam_step, "__name__", "adam_step")
    result = run_check(adam_step, reference_adam_step, _step_scenario, STEP_MISTAKES,
                       name=name, aliasing_args=_step_aliasing_args, signature=STEP_SIGNATURE,
                       returns="(theta, m, v), three new arrays")
    return finish(result, verbose, graded=name == "adam_step")


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


def _run_class(opt, thetas_in, grads, follow=True):
    """Steps of ``opt``; with ``follow`` each step gets the theta the previous one returned,
    else the next of ``thetas_in``."""
    out, theta = [], thetas_in[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k, g in enumerate(grads):
            if not follow:
                theta = thetas_in[k]
            theta = unpack(opt.step(np.array(theta, dtype=float), g.copy()), ("theta",),
                           "(returned by step)")["theta"]
            out.append(theta)
    return out


def _class_scenario(cls):
    cases = []
    grads = _gradients(0, 4, STEPS)
    for k, theta in enumerate(_run_class(cls(**HYPER), [np.array([1.0, -2.0, 0.5, 3.0])],
                                         grads), start=1):
        cases.append(Case(f"after step {k} (lr = 0.1, beta1 = 0.8, beta2 = 0.9, eps = 0.05)",
                          {"theta": theta}))
    # a second instance starts afresh, whatever the first one did
    for k, theta in enumerate(_run_class(cls(**HYPER), [np.array([0.5, 1.0, -1.5, 2.0])],
                                         grads[:2]), start=1):
        cases.append(Case(f"after step {k} of a second, new instance", {"theta": theta}))
    start = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    for k, theta in enumerate(_run_class(cls(), [start], _gradients(1, (2, 3), 3)), start=1):
        cases.append(Case(f"after step {k} with the default hyperparameters", {"theta": theta}))
    # a caller may pass any theta, not only the one step returned last
    thetas = [np.array([0.2, 1.0, -0.7, 0.4]), np.array([1.5, -0.3, 0.8, -1.1]),
              np.array([-0.9, 0.6, 2.0, 0.1])]
    for k, theta in enumerate(_run_class(cls(**HYPER), thetas, _gradients(8, 4, 3),
                                         follow=False), start=1):
        cases.append(Case(f"after step {k} when step is given a theta it did not return",
                          {"theta": theta}))
    return cases


def _detect_ignores_theta(cls, sig, probes):
    """step() continues from the theta it returned last instead of the one passed in."""
    grads = _gradients(3, 4, 3)
    thetas = [np.array([1.0, -2.0, 0.5, 3.0]), np.array([0.3, 0.7, -1.2, 2.0]),
              np.array([-0.5, 1.5, 1.0, -2.5])]
    got = _run_class(cls(**HYPER), thetas, grads, follow=False)
    right = _run_class(ReferenceAdam(**HYPER), thetas, grads, follow=False)
    own = _run_class(ReferenceAdam(**HYPER), thetas, grads, follow=True)
    if not same(got, right) and same(got, own):
        return ("step ignores the theta it is given and continues from the theta it returned "
                "last (kept on self?): compute the new theta from the theta argument; a caller "
                "may pass any theta, not only the last one returned.")
    return None


def _detect_shared_state(cls, sig, probes):
    """Two new instances disagree on the same first step: state outlives an instance."""
    theta, g = np.array([1.0, -2.0, 0.5, 3.0]), _gradients(4, 4, 1)[0]
    first = _run_class(cls(**HYPER), [theta], [g])
    _run_class(cls(**HYPER), [theta], _gradients(5, 4, 3))
    second = _run_class(cls(**HYPER), [theta], [g])
    if not same(first, second):
        return ("a new instance does not start afresh: its first step differs from another new "
                "instance's, so m, v or t outlives the instance (a class attribute, a global, "
                "a mutable default argument) or the step draws from np.random. Create the "
                "state in __init__ (self.m = None, self.t = 0) and keep it on self.")
    return None


def _detect_class_hard_coded(cls, sig, probes):
    grads, theta = _gradients(6, 4, 4), [np.array([1.0, -2.0, 0.5, 3.0])]
    got = _run_class(cls(**HYPER), theta, grads)
    for name in HYPER:
        others = {k: v for k, v in HYPER.items() if k != name}
        if same(got, _run_class(ReferenceAdam(**others), theta, grads)):
            default = ReferenceAdam().__dict__[name]
            return (f"it ignores the {name} passed to the constructor and always uses "
                    f"{name} = {default!r} (the default): store it (self.{name} = {name}) and "
                    "use self.{name} in step.".replace("{name}", name))
    return None


def _detect_class_factor(cls, sig, probes):
    theta, g = np.array([1.0, -2.0, 0.5, 3.0]), _gradients(7, 4, 1)[0]
    got = _run_class(cls(**HYPER), [theta], [g])[0] - theta
    want = _run_class(ReferenceAdam(**HYPER), [theta], [g])[0] - theta
    from .core import _factor
    c = _factor(got, want)
    if c is None:
        return None
    if abs(c + 1) < 1e-6:
        return "the first step goes the wrong way (−1 × the right change of theta): subtract it."
    return (f"the first step changes theta by {c:.3g} × the right amount: a constant factor is "
            "wrong or missing (the learning rate, a (1 − β), the bias correction?).")


CLASS_DETECTORS = (
    ("state shared between instances", _detect_shared_state),
    ("ignores the theta passed in", _detect_ignores_theta),
    ("hyperparameter hard-coded", _detect_class_hard_coded),
    ("constant factor or sign", _detect_class_factor),
)


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
        result = run_check(cls, ReferenceAdam, _class_scenario, CLASS_MISTAKES, name=name,
                           detectors=CLASS_DETECTORS,
                           returns="from step(theta, g) the new theta, one array")
    return finish(result, verbose, graded=name == "MyAdam")
