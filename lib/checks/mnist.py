r"""Homework checks for the MNIST chapter: the two pieces of backpropagation written by hand.

``softmax_cross_entropy(logits, y) -> (loss, dlogits)``: the mean softmax cross-entropy of a
batch of logits ``(n, k)`` with integer labels ``y`` and its gradient

.. math:: \frac{\partial J}{\partial z_{ij}} = \frac1n\big(\mathrm{softmax}(z_i)_j - [j = y_i]\big),

computed stably (subtract each row's maximum before ``exp``), leaving ``logits`` unchanged.

``relu_backward(dout, z) -> dz``: the gradient through ``relu(z)``, ``dout`` where ``z > 0``
and 0 elsewhere (0 at ``z == 0`` too, as PyTorch and TensorFlow do).

A result containing NaN or inf counts as "overflowed" as a whole, so every way of overflowing
on large logits is recognised as the same mistake.
"""

from __future__ import annotations

import numpy as np

from ..nn import relu_backward as reference_relu_backward
from ..nn import softmax_cross_entropy as _lib_softmax_cross_entropy
from .core import Case, CheckResult, Mistake, Signature, finish, run_check, unpack

__all__ = ["check_softmax_cross_entropy", "reference_softmax_cross_entropy",
           "SOFTMAX_MISTAKES", "check_relu_backward", "reference_relu_backward", "RELU_MISTAKES"]


def reference_softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient with respect to the logits (stable)."""
    return _lib_softmax_cross_entropy(np.asarray(logits, dtype=float), np.asarray(y))


def _softmax(z, axis=1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _onehot(y, k):
    return np.eye(k)[y]


def _no_max_subtraction(logits, y):
    n, k = logits.shape
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(e.sum(axis=1)) - logits[np.arange(n), y])
    return loss, (p - _onehot(y, k)) / n


def _not_divided_by_n(logits, y):
    n, k = logits.shape
    loss, _ = reference_softmax_cross_entropy(logits, y)
    return loss, _softmax(logits) - _onehot(y, k)


def _summed_loss(logits, y):
    n, k = logits.shape
    loss, _ = reference_softmax_cross_entropy(logits, y)
    return loss * n, _softmax(logits) - _onehot(y, k)


def _onehot_not_subtracted(logits, y):
    n, k = logits.shape
    loss, _ = reference_softmax_cross_entropy(logits, y)
    return loss, _softmax(logits) / n


def _wrong_sign(logits, y):
    loss, grad = reference_softmax_cross_entropy(logits, y)
    return loss, -grad


def _softmax_over_batch(logits, y):
    n, k = logits.shape
    p = _softmax(logits, axis=0)
    return float(-np.mean(np.log(p[np.arange(n), y]))), (p - _onehot(y, k)) / n


def _loss_of_probabilities(logits, y):
    """Cross-entropy applied to the logits as if they were probabilities."""
    n, k = logits.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = float(-np.mean(np.log(logits[np.arange(n), y])))
    return loss, (_softmax(logits) - _onehot(y, k)) / n


SOFTMAX_MISTAKES = [
    Mistake("no max subtraction",
            "exp of a large logit overflows to inf (and inf/inf is NaN): subtract each row's "
            "maximum first, z - z.max(axis=1, keepdims=True); the softmax does not change.",
            _no_max_subtraction),
    Mistake("summed loss",
            "J is the MEAN over the batch: divide the summed loss and the gradient by n.",
            _summed_loss),
    Mistake("gradient not divided by n",
            "the loss is a mean over the n examples, so its gradient is (softmax − onehot) / n: "
            "you forgot to divide by the batch size.", _not_divided_by_n),
    Mistake("onehot not subtracted",
            "the gradient is softmax(z) − onehot(y), divided by n: subtract 1 at each row's "
            "true class.", _onehot_not_subtracted),
    Mistake("wrong sign",
            "the gradient of J is (softmax − onehot)/n, not (onehot − softmax)/n: the loss "
            "grows with the wrong classes' logits.", _wrong_sign),
    Mistake("softmax over the batch",
            "normalise every ROW (one example's k logits, axis=1), not every column (axis=0).",
            _softmax_over_batch),
    Mistake("log of the logits",
            "the loss is log-sum-exp(z) − z_y (the log of the softmax), not −log z_y: logits "
            "are not probabilities.", _loss_of_probabilities),
]


def _finite_or_nan(value):
    value = np.asarray(value, dtype=float)
    return value if np.all(np.isfinite(value)) else np.full(value.shape, np.nan)


def _softmax_cases():
    rng = np.random.default_rng(2026)
    cases = []
    for n, k, scale in [(6, 4, 1.0), (8, 10, 3.0), (1, 3, 1.0), (5, 10, 800.0)]:
        logits = scale * rng.normal(size=(n, k))
        y = rng.integers(0, k, size=n)
        cases.append((logits, y))
    logits = rng.normal(size=(4, 3))
    cases.append((logits, np.zeros(4, dtype=int)))  # every example of the same class
    return cases


_SOFTMAX_OUTPUTS = ("loss", "dlogits")


def _softmax_scenario(impl):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        results = []
        for logits, y in _softmax_cases():
            out = unpack(impl(logits.copy(), y.copy()), _SOFTMAX_OUTPUTS)
            loss, grad = out["loss"], out["dlogits"]
            # one overflowing output spoils the whole case: compare "overflowed" as a whole
            if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))):
                loss, grad = np.nan, np.full(logits.shape, np.nan)
            n, k = logits.shape
            size = "large " if np.max(np.abs(logits)) > 100 else ""
            results.append(Case(f"for a batch of {n} examples with {k} classes and {size}logits",
                                {"loss": _finite_or_nan(loss), "dlogits": _finite_or_nan(grad)}))
        return results


def _softmax_probes():
    rng = np.random.default_rng(77)
    return [(rng.normal(size=(n, 4)), rng.integers(0, 4, size=n)) for n in (3, 5, 6)]


SOFTMAX_SIGNATURE = Signature(args=("logits", "y"), outputs=_SOFTMAX_OUTPUTS,
                              probes=_softmax_probes,
                              perturb={"y": lambda y: (np.asarray(y) + 1) % 4,
                                       "logits": lambda z: 1.6 * z + np.arange(z.shape[1])})


def _softmax_aliasing_args():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    return (logits, np.array([0, 2])), {}


def check_softmax_cross_entropy(fn, verbose: bool = True) -> CheckResult:
    """Check a student's ``softmax_cross_entropy(logits, y) -> (loss, dlogits)``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(fn, "__name__", "softmax_cross_entropy")
    result = run_check(fn, reference_softmax_cross_entropy, _softmax_scenario, SOFTMAX_MISTAKES,
                       name=name, aliasing_args=_softmax_aliasing_args,
                       signature=SOFTMAX_SIGNATURE,
                       returns="(loss, dlogits): a number and an array shaped like logits")
    return finish(result, verbose, graded=name == "softmax_cross_entropy")


# -- ReLU backward ------------------------------------------------------------------------------

def _no_mask(dout, z):
    return np.array(dout, dtype=float)


def _mask_includes_zero(dout, z):
    return dout * (z >= 0)


def _times_relu(dout, z):
    return dout * np.maximum(z, 0)


def _mask_from_dout(dout, z):
    return dout * (dout > 0)


def _only_the_mask(dout, z):
    return (z > 0).astype(float)


RELU_MISTAKES = [
    Mistake("no mask",
            "relu passes the gradient only where its input was positive: multiply dout by the "
            "mask (z > 0); you returned dout unchanged.", _no_mask),
    Mistake("mask includes zero",
            "at z == 0 the frameworks use derivative 0: the mask is z > 0, not z >= 0.",
            _mask_includes_zero),
    Mistake("times relu(z)",
            "the derivative of relu is 1 or 0, not relu(z) itself: multiply dout by (z > 0).",
            _times_relu),
    Mistake("mask from dout",
            "the mask comes from the forward input z (z > 0), not from the incoming gradient.",
            _mask_from_dout),
    Mistake("only the mask",
            "chain rule: the gradient is dout times relu'(z), not relu'(z) alone.",
            _only_the_mask),
]


def _relu_cases():
    rng = np.random.default_rng(7)
    cases = []
    for shape in [(4, 5), (1, 3), (6, 2)]:
        z = rng.normal(size=shape)
        z[0, 0] = 0.0  # the kink: the derivative there is 0
        cases.append((rng.normal(size=shape), z))
    return cases


def _relu_scenario(impl):
    return [Case(f"for dout and z of shape {z.shape}",
                 unpack(impl(dout.copy(), z.copy()), ("dz",)))
            for dout, z in _relu_cases()]


RELU_SIGNATURE = Signature(args=("dout", "z"), outputs=("dz",), probes=_relu_cases,
                           perturb={"z": lambda z: -z})


def _relu_aliasing_args():
    return (np.array([[0.5, -1.0, 2.0]]), np.array([[-1.0, 0.0, 3.0]])), {}


def check_relu_backward(fn, verbose: bool = True) -> CheckResult:
    """Check a student's ``relu_backward(dout, z) -> dz``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(fn, "__name__", "relu_backward")
    result = run_check(fn, reference_relu_backward, _relu_scenario, RELU_MISTAKES, name=name,
                       aliasing_args=_relu_aliasing_args, signature=RELU_SIGNATURE,
                       returns="dz, one array shaped like z")
    return finish(result, verbose, graded=name == "relu_backward")
