r"""Homework checks for the batch-GD and SGD chapters (``chapters/02_batch_gd``, ``chapters/03_sgd``).

Both are about linear regression with one feature, :math:`\hat y = w x + b`, and the mean squared
error :math:`J(w, b) = \frac1N \sum_i (w x_i + b - y_i)^2` (no factor 1/2, like Keras's ``"mse"``
and PyTorch's ``MSELoss()``). ``x`` and ``y`` are 1-D arrays of length ``N``; ``w`` and ``b`` are
numbers.

- :func:`check_full_gradient` checks ``full_gradient(w, b, x, y) -> (grad_w, grad_b)``, the
  gradient over the whole data set that batch gradient descent steps against:
  :math:`\nabla_w J = \frac2N \sum_i r_i x_i`, :math:`\nabla_b J = \frac2N \sum_i r_i` with the
  residual :math:`r_i = w x_i + b - y_i`;
- :func:`check_sgd_epoch` checks ``sgd_epoch(w, b, x, y, lr, seed) -> (w, b)``, one epoch of
  stochastic gradient descent: visit every example once, in the order
  ``np.random.default_rng(seed).permutation(len(x))``, and after each one step against that
  example's gradient :math:`(2 r_i x_i,\ 2 r_i)`. This is what
  ``lib.train.train(model, GD(lr), x[:, None], y, batch_size=1, epochs=1, seed=seed)`` does.

Each names the typical mistake a wrong answer matches (:data:`FULL_GRADIENT_MISTAKES`,
:data:`SGD_EPOCH_MISTAKES`); a function that changes ``x`` or ``y`` in place (for example by
shuffling them with ``rng.shuffle``) is told so first.
"""

from __future__ import annotations

import numpy as np

from ..models import LinearRegression
from ..optim import GD
from ..train import train
from .core import Case, CheckResult, Mistake, Signature, WrongReturn, finish, run_check, unpack

__all__ = ["check_full_gradient", "check_sgd_epoch", "reference_full_gradient",
           "reference_sgd_epoch", "FULL_GRADIENT_MISTAKES", "SGD_EPOCH_MISTAKES"]


def _two_numbers(result, names: tuple, what: str) -> dict:
    """``result`` as ``{name: float}``, or :class:`WrongReturn` saying what was expected."""
    out = unpack(result, names, what)
    for name, value in out.items():
        if value.size != 1:
            raise WrongReturn(f"{name} is an array of shape {value.shape}{' ' + what}; it "
                              f"should be one number (return ({', '.join(names)}), two "
                              "numbers)")
    return {name: float(value.reshape(-1)[0]) for name, value in out.items()}


def _regression_cases(seed: int):
    """Fresh seeded data sets of a few sizes (never 1 or 2, where some mistakes coincide)."""
    rng = np.random.default_rng(seed)
    cases = []
    for n in (5, 8, 30):
        x = rng.normal(size=n) + 1.0
        y = 2.0 * x + 1.0 + 0.5 * rng.normal(size=n)
        w, b = rng.normal(size=2)
        cases.append((float(w), float(b), x, y))
    return cases


# -- full_gradient -------------------------------------------------------------------------------
def reference_full_gradient(w, b, x, y):
    """The MSE gradient ``(grad_w, grad_b)`` over all of ``(x, y)``, by :class:`LinearRegression`."""
    x = np.asarray(x, dtype=float)
    model = LinearRegression(w=[w], b=b)
    _, (grad_w, grad_b) = model.loss_and_grads(x[:, None], np.asarray(y, dtype=float))
    return float(grad_w[0]), float(grad_b[0])


def _full_gradient_scenario(impl):
    return [Case(f"for the data set of {len(x)} points",
                 _two_numbers(impl(w, b, x.copy(), y.copy()), ("grad_w", "grad_b"), ""))
            for w, b, x, y in _regression_cases(11)]


def _full_gradient_probes():
    # w, b far from the fit, so that every term of the gradient matters
    return [(w + 1.5, b - 2.0, x, y) for w, b, x, y in _regression_cases(12)]


FULL_GRADIENT_SIGNATURE = Signature(args=("w", "b", "x", "y"), outputs=("grad_w", "grad_b"),
                                    probes=_full_gradient_probes)


def _full_gradient_aliasing_args():
    return _regression_cases(11)[0], {}


def _residual(w, b, x, y):
    return w * x + b - y


FULL_GRADIENT_MISTAKES = [
    Mistake("forgot the factor 2", "both components are half the gradient: the derivative of "
            "r² is 2r, so the gradient is (2/N) Σ r_i x_i and (2/N) Σ r_i.",
            lambda w, b, x, y: (np.mean(_residual(w, b, x, y) * x),
                                np.mean(_residual(w, b, x, y)))),
    Mistake("sum instead of mean", "both components are N times too large: J is the MEAN of the "
            "squared errors, so average the per-example gradients (np.mean, or divide the sum "
            "by N).", lambda w, b, x, y: (2 * np.sum(_residual(w, b, x, y) * x),
                                          2 * np.sum(_residual(w, b, x, y)))),
    Mistake("sum instead of mean, no factor 2", "both components are N/2 times too large: "
            "average over the N examples AND keep the 2 from the derivative of r².",
            lambda w, b, x, y: (np.sum(_residual(w, b, x, y) * x),
                                np.sum(_residual(w, b, x, y)))),
    Mistake("wrong sign of the residual", "the gradient points downhill: with r = w x + b - y "
            "(prediction minus target) the gradient is +(2/N) Σ r x; using y - (w x + b) flips "
            "its sign.", lambda w, b, x, y: (-2 * np.mean(_residual(w, b, x, y) * x),
                                              -2 * np.mean(_residual(w, b, x, y)))),
    Mistake("forgot the bias gradient", "grad_b is zero: the bias is a parameter too, and its "
            "gradient is (2/N) Σ r_i (the derivative of w x + b with respect to b is 1).",
            lambda w, b, x, y: (2 * np.mean(_residual(w, b, x, y) * x), 0.0)),
    Mistake("bias left out of the prediction", "the residual ignores b: the prediction is "
            "w x + b, so r = w * x + b - y.",
            lambda w, b, x, y: (2 * np.mean((w * x - y) * x), 2 * np.mean(w * x - y))),
    Mistake("bias gradient multiplied by x", "grad_b is multiplied by x like grad_w: the "
            "derivative of w x + b with respect to b is 1, so grad_b = (2/N) Σ r_i.",
            lambda w, b, x, y: (2 * np.mean(_residual(w, b, x, y) * x),
                                2 * np.mean(_residual(w, b, x, y) * x))),
    Mistake("weight gradient not multiplied by x", "grad_w is missing the factor x_i: the "
            "derivative of w x + b with respect to w is x, so grad_w = (2/N) Σ r_i x_i.",
            lambda w, b, x, y: (2 * np.mean(_residual(w, b, x, y)),
                                2 * np.mean(_residual(w, b, x, y)))),
    Mistake("gradients swapped", "grad_w and grad_b are swapped: return (grad_w, grad_b) in "
            "that order.", lambda w, b, x, y: (2 * np.mean(_residual(w, b, x, y)),
                                                2 * np.mean(_residual(w, b, x, y) * x))),
]


def check_full_gradient(full_gradient, verbose: bool = False) -> CheckResult:
    """Check a student's ``full_gradient(w, b, x, y) -> (grad_w, grad_b)``, the MSE gradient of
    ``w x + b`` over the whole data set, leaving ``x`` and ``y`` unchanged."""
    name = getattr(full_gradient, "__name__", "full_gradient")
    result = run_check(full_gradient, reference_full_gradient, _full_gradient_scenario,
                       FULL_GRADIENT_MISTAKES, name=name,
                       aliasing_args=_full_gradient_aliasing_args,
                       signature=FULL_GRADIENT_SIGNATURE, returns="(grad_w, grad_b), two numbers")
    return finish(result, verbose, graded=name == "full_gradient")


# -- sgd_epoch -----------------------------------------------------------------------------------
def reference_sgd_epoch(w, b, x, y, lr, seed):
    """One SGD epoch, as :func:`lib.train.train` does it with ``batch_size=1``, ``epochs=1``
    (the order ``np.random.default_rng(seed).permutation(len(x))``; a test checks they agree)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = float(w), float(b)
    for i in np.random.default_rng(seed).permutation(len(x)):
        r = w * x[i] + b - y[i]
        w, b = w - lr * 2 * r * x[i], b - lr * 2 * r
    return w, b


def lib_sgd_epoch(w, b, x, y, lr, seed):
    """The same epoch with :func:`lib.train.train`."""
    model = LinearRegression(w=[w], b=b)
    train(model, GD(lr), np.asarray(x, dtype=float)[:, None], np.asarray(y, dtype=float),
          batch_size=1, epochs=1, seed=seed)
    return float(model.w[0]), float(model.b[0])


def _sgd_epoch_cases():
    return [(w, b, x, y, lr, seed) for (w, b, x, y), lr, seed
            in zip(_regression_cases(23), (0.05, 0.1, 0.02), (0, 1, 42))]


def _sgd_epoch_scenario(impl):
    return [Case(f"after the epoch on {len(x)} points with lr = {lr}, seed = {seed}",
                 _two_numbers(impl(w, b, x.copy(), y.copy(), lr, seed), ("w", "b"), ""),
                 before={"w": w, "b": b})
            for w, b, x, y, lr, seed in _sgd_epoch_cases()]


SGD_EPOCH_SIGNATURE = Signature(args=("w", "b", "x", "y", "lr", "seed"), outputs=("w", "b"),
                                probes=_sgd_epoch_cases, updates={"w": "w", "b": "b"},
                                ignored_hints={"seed": "visit the examples in the order "
                                               "np.random.default_rng(seed).permutation(len(x))"})


def _sgd_epoch_aliasing_args():
    return _sgd_epoch_cases()[0], {}


def _walk(w, b, x, y, lr, order, two=2.0, sign=1.0):
    """Sequential per-example steps in ``order`` (the right update when two=2 and sign=1)."""
    for i in order:
        r = w * x[i] + b - y[i]
        w, b = w - lr * sign * two * r * x[i], b - lr * sign * two * r
    return w, b


def _no_shuffling(w, b, x, y, lr, seed):
    return _walk(w, b, x, y, lr, range(len(x)))


def _with_replacement(w, b, x, y, lr, seed):
    rng = np.random.default_rng(seed)
    return _walk(w, b, x, y, lr, rng.integers(0, len(x), size=len(x)))


def _last_example_once(w, b, x, y, lr, seed):
    order = np.random.default_rng(seed).permutation(len(x))
    for i in order:
        r = w * x[i] + b - y[i]
        g_w, g_b = 2 * r * x[i], 2 * r  # overwritten by every example; applied once below
    return w - lr * g_w, b - lr * g_b


def _full_gradient_steps(w, b, x, y, lr, seed):
    for _ in range(len(x)):
        r = w * x + b - y
        w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
    return w, b


def _gradients_at_the_start(w, b, x, y, lr, seed):
    order = np.random.default_rng(seed).permutation(len(x))
    w0, b0 = w, b
    for i in order:
        r = w0 * x[i] + b0 - y[i]  # measured where the epoch started, not where the hiker is
        w, b = w - lr * 2 * r * x[i], b - lr * 2 * r
    return w, b


def _pairs_broken(w, b, x, y, lr, seed):
    rng = np.random.default_rng(seed)
    xs, ys = x[rng.permutation(len(x))], y[rng.permutation(len(y))]
    return _walk(w, b, xs, ys, lr, range(len(x)))


def _no_factor_2(w, b, x, y, lr, seed):
    return _walk(w, b, x, y, lr, np.random.default_rng(seed).permutation(len(x)), two=1.0)


def _climbs(w, b, x, y, lr, seed):
    return _walk(w, b, x, y, lr, np.random.default_rng(seed).permutation(len(x)), sign=-1.0)


SGD_EPOCH_MISTAKES = [
    Mistake("no shuffling", "the examples are visited in the data's order 0, 1, ..., N-1: "
            "visit them in the order rng.permutation(len(x)) with "
            "rng = np.random.default_rng(seed).", _no_shuffling),
    Mistake("sampling with replacement", "the indices are drawn with replacement "
            "(rng.integers or rng.choice), so some examples are used twice and others never: an "
            "epoch visits every example exactly once, in the order rng.permutation(len(x)).",
            _with_replacement),
    Mistake("one update per epoch", "it takes a single step, with the last example's "
            "gradient: SGD updates w and b right after EACH example, inside the loop.",
            _last_example_once),
    Mistake("full gradient", "every step uses the gradient of the whole data set (that is "
            "batch gradient descent, N times): SGD steps against ONE example's gradient, "
            "(2 r_i x_i, 2 r_i) with r_i = w x_i + b - y_i.", _full_gradient_steps),
    Mistake("gradients measured at the epoch's start", "every example's gradient is computed "
            "at the w, b the epoch started from: compute it at the current w, b, which moved "
            "after the previous example.", _gradients_at_the_start),
    Mistake("x and y shuffled separately", "x and y are shuffled with different permutations, "
            "so each x is paired with another example's y: use ONE order for both, "
            "x[i], y[i] with i from the same permutation.", _pairs_broken),
    Mistake("forgot the factor 2", "each step is half as long as it should be: one example's "
            "gradient is (2 r_i x_i, 2 r_i).", _no_factor_2),
    Mistake("wrong sign", "the steps go uphill: subtract lr times the gradient, with "
            "r_i = w x_i + b - y_i (prediction minus target).", _climbs),
]


def check_sgd_epoch(sgd_epoch, verbose: bool = False) -> CheckResult:
    """Check a student's ``sgd_epoch(w, b, x, y, lr, seed) -> (w, b)``: one SGD epoch in the order
    ``np.random.default_rng(seed).permutation(len(x))``, leaving ``x`` and ``y`` unchanged."""
    name = getattr(sgd_epoch, "__name__", "sgd_epoch")
    result = run_check(sgd_epoch, reference_sgd_epoch, _sgd_epoch_scenario, SGD_EPOCH_MISTAKES,
                       name=name, aliasing_args=_sgd_epoch_aliasing_args,
                       signature=SGD_EPOCH_SIGNATURE, returns="(w, b), two numbers")
    return finish(result, verbose, graded=name == "sgd_epoch")
