r"""Homework check for the momentum chapter: one step of the article's momentum.

The student writes ``momentum_step(theta, g, v, lr, beta) -> (theta_new, v_new)``:

.. math::
    v_{new} = \beta v + (1-\beta)\, g, \qquad \theta_{new} = \theta - \eta\, v_{new}

and :func:`check_momentum_step` tells them whether it is right, or which typical mistake it makes.
"""

from __future__ import annotations

import numpy as np

from .core import Case, CheckResult, Mistake, Signature, finish, run_check, unpack

__all__ = ["reference_momentum_step", "check_momentum_step", "MISTAKES"]


def reference_momentum_step(theta, g, v, lr, beta):
    """The article's momentum step; returns new arrays and leaves its inputs unchanged."""
    v_new = beta * v + (1 - beta) * g
    theta_new = theta - lr * v_new
    return theta_new, v_new


def _heavy_ball_with_article_lr(theta, g, v, lr, beta):
    v_new = beta * v + g
    return theta - lr * v_new, v_new


def _lr_inside_buffer(theta, g, v, lr, beta):
    v_new = beta * v - lr * g
    return theta + v_new, v_new


def _wrong_sign(theta, g, v, lr, beta):
    v_new = beta * v + (1 - beta) * g
    return theta + lr * v_new, v_new


def _old_velocity(theta, g, v, lr, beta):
    v_new = beta * v + (1 - beta) * g
    return theta - lr * v, v_new


def _swapped_weights(theta, g, v, lr, beta):
    v_new = (1 - beta) * v + beta * g
    return theta - lr * v_new, v_new


def _dampening_first_step(theta, g, v, lr, beta):
    # torch.optim.SGD(momentum=beta, dampening=beta) starts its buffer at g, not (1-beta) g
    v_new = np.array(g, dtype=float) if not np.any(v) else beta * v + (1 - beta) * g
    return theta - lr * v_new, v_new


MISTAKES = (
    Mistake("heavy-ball form", "the (1 - beta) factor is missing: v = beta*v + g is the heavy-ball "
            "form of PyTorch, whose steps are 1/(1 - beta) times too long with the article's lr. "
            "Write v = beta*v + (1 - beta)*g.", _heavy_ball_with_article_lr),
    Mistake("lr inside the buffer", "the learning rate went into the velocity (v = beta*v - lr*g, "
            "theta = theta + v is Keras's form, not the article's). The article averages the "
            "gradients, v = beta*v + (1 - beta)*g, and multiplies by lr only when stepping: "
            "theta = theta - lr*v.", _lr_inside_buffer),
    Mistake("wrong sign", "theta moves uphill: the step is theta - lr*v, against the averaged "
            "gradient, not theta + lr*v.", _wrong_sign),
    Mistake("old velocity", "theta was updated with the old v. Update v first, then step with "
            "the new v: theta_new = theta - lr*v_new.", _old_velocity),
    Mistake("swapped weights", "beta and (1 - beta) are swapped: the old velocity keeps the weight "
            "beta and the new gradient gets (1 - beta), v = beta*v + (1 - beta)*g.",
            _swapped_weights),
    Mistake("dampening first step", "from a zero velocity the first step set v = g, as "
            "torch.optim.SGD(dampening=beta) does. The article's formula has no special first step: "
            "v = beta*0 + (1 - beta)*g = (1 - beta)*g.", _dampening_first_step),
)


def _cases():
    """Fresh, seeded inputs: a first step from v = 0, then steps from random states."""
    rng = np.random.default_rng(5)
    cases = [(rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 0.9)]
    for shape, lr, beta in [((2,), 0.5, 0.8), ((4,), 0.01, 0.99), ((2, 3), 1.3, 0.5)]:
        cases.append((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape),
                      lr, beta))
    return cases


_OUTPUTS = ("theta_new", "v_new")


def _pair(result, what=""):
    """``{"theta_new": ..., "v_new": ...}`` as float arrays (lists of the right numbers count)."""
    return unpack(result, _OUTPUTS, what)


def _step_scenario(step):
    results = []
    for k, (theta, g, v, lr, beta) in enumerate(_cases(), start=1):
        label = f"in test case {k} (lr = {lr}, beta = {beta})"
        results.append(Case(label, _pair(step(theta.copy(), g.copy(), v.copy(), lr, beta)),
                            before={"theta_new": theta, "v_new": v}))
    # five chained steps from rest, feeding each result into the next call
    rng = np.random.default_rng(6)
    theta, v = rng.normal(size=2), np.zeros(2)
    for k in range(1, 6):
        out = _pair(step(theta.copy(), rng.normal(size=2), v.copy(), 0.3, 0.7))
        results.append(Case(f"after step {k} of five chained steps from v = 0", out,
                            before={"theta_new": theta, "v_new": v}))
        theta, v = out["theta_new"], out["v_new"]
    return results


def _probes():
    rng = np.random.default_rng(8)
    return [(rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), lr, beta)
            for lr, beta in ((0.1, 0.9), (0.3, 0.6), (0.05, 0.8))]


SIGNATURE = Signature(args=("theta", "g", "v", "lr", "beta"), outputs=_OUTPUTS, probes=_probes,
                      updates={"theta_new": "theta", "v_new": "v"}, state=("v",))


def _aliasing_args():
    rng = np.random.default_rng(7)
    return (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.1, 0.9), {}


def check_momentum_step(momentum_step, verbose: bool = True) -> CheckResult:
    """Check ``momentum_step(theta, g, v, lr, beta) -> (theta_new, v_new)``.

    Prints the one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(momentum_step, "__name__", "momentum_step")
    result = run_check(momentum_step, reference_momentum_step, _step_scenario, MISTAKES,
                       name=name, aliasing_args=_aliasing_args, signature=SIGNATURE,
                       returns="(theta_new, v_new), two new arrays")
    return finish(result, verbose, graded=name == "momentum_step")
