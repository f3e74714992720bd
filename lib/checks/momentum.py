r"""Homework check for the momentum chapter: one step of the article's momentum.

The student writes ``momentum_step(theta, g, v, lr, beta) -> (theta_new, v_new)``:

.. math::
    v_{new} = \beta v + (1-\beta)\, g, \qquad \theta_{new} = \theta - \eta\, v_{new}

and :func:`check_momentum_step` tells them whether it is right, or which typical mistake it makes.
"""

from __future__ import annotations

import numpy as np

from .core import CheckResult, Mistake, run_check

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


def _pair(result):
    """``(theta_new, v_new)`` as float arrays, so lists of the right numbers count as right."""
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return tuple(np.asarray(r, dtype=float) for r in result)
    return result


def _step_scenario(step):
    results = [_pair(step(*case)) for case in _cases()]
    # five chained steps from rest, feeding each result into the next call
    rng = np.random.default_rng(6)
    theta, v = rng.normal(size=2), np.zeros(2)
    for _ in range(5):
        theta, v = _pair(step(theta, rng.normal(size=2), v, 0.3, 0.7))
        results.append((theta.copy(), v.copy()))
    return results


def _aliasing_args():
    rng = np.random.default_rng(7)
    return (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.1, 0.9), {}


def check_momentum_step(momentum_step, verbose: bool = True) -> CheckResult:
    """Check ``momentum_step(theta, g, v, lr, beta) -> (theta_new, v_new)``.

    Prints the one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    result = run_check(momentum_step, reference_momentum_step, _step_scenario, MISTAKES,
                       name=getattr(momentum_step, "__name__", "momentum_step"),
                       aliasing_args=_aliasing_args)
    if verbose:
        print(result)
    return result
