r"""Homework check for the data-parallel chapter (``chapters/10_data_parallel``).

:func:`check_combine_gradients` checks ``combine_gradients(worker_grads, worker_sizes)``: worker
``k`` has averaged the gradient over its ``n_k`` examples, and the function returns the gradient
of the whole mini-batch,

.. math:: g = \frac{\sum_k n_k\, g_k}{\sum_k n_k},

the size-weighted mean of the workers' gradients (the plain mean when every worker holds as many
examples). Each worker's gradient is one array (all its parameters' gradients flattened into
one, as ``DistributedDataParallel`` does with its buckets); the result has the same shape. It
names the typical mistake a wrong answer matches (see
:data:`COMBINE_MISTAKES`).
"""

from __future__ import annotations

import numpy as np

from .core import Case, CheckResult, Mistake, Signature, finish, run_check, unpack

__all__ = ["check_combine_gradients", "reference_combine_gradients", "COMBINE_MISTAKES"]


def reference_combine_gradients(worker_grads, worker_sizes):
    """The mini-batch gradient: the mean of the workers' gradients weighted by their sizes."""
    sizes = np.asarray(worker_sizes, dtype=float)
    return sum(n * np.asarray(g, dtype=float) for n, g in zip(sizes, worker_grads)) / sizes.sum()


def _cases():
    """Fresh seeded inputs: unequal shards (where a plain mean is wrong), gradients of several
    shapes and of different sizes per worker, and one case with equal shards."""
    rng = np.random.default_rng(31)
    cases = []
    for sizes, shape in [((3, 5), (2,)), ((4, 1, 7), (5,)), ((6, 6), (4,)),
                         ((2, 9, 5, 4), (2, 3))]:
        grads = [(1.0 + 2.0 * k) * rng.normal(size=shape) for k in range(len(sizes))]
        cases.append((grads, list(sizes)))
    return cases


def _scenario(impl):
    cases = []
    for grads, sizes in _cases():
        out = unpack(impl([g.copy() for g in grads], list(sizes)), ("grad",))
        cases.append(Case(f"for {len(sizes)} workers holding {sizes} examples", out))
    return cases


def _scaled_grads(grads):
    return [1.3 * np.asarray(g) + 0.25 for g in grads]


SIGNATURE = Signature(args=("worker_grads", "worker_sizes"), outputs=("grad",), probes=_cases,
                      perturb={"worker_grads": _scaled_grads,
                               "worker_sizes": lambda sizes: [n + 1 + k
                                                              for k, n in enumerate(sizes)]},
                      ignored_hints={"worker_sizes": "weight each worker's gradient by its "
                                                     "number of examples"})


def _plain_mean(worker_grads, worker_sizes):
    return reference_combine_gradients(worker_grads, [1] * len(worker_sizes))


def _sum(worker_grads, worker_sizes):
    total = reference_combine_gradients(worker_grads, [1] * len(worker_sizes))
    return _scale(total, len(worker_sizes))


def _weighted_sum_over_workers(worker_grads, worker_sizes):
    total = reference_combine_gradients(worker_grads, worker_sizes)
    return _scale(total, sum(worker_sizes) / len(worker_sizes))


def _unweighted_over_examples(worker_grads, worker_sizes):
    total = reference_combine_gradients(worker_grads, [1] * len(worker_sizes))
    return _scale(total, len(worker_sizes) / sum(worker_sizes))


def _scale(grad, factor):
    return factor * grad


COMBINE_MISTAKES = [
    Mistake("plain mean of the workers", "every worker counts the same: that is the mini-batch "
            "gradient only when the workers hold equally many examples. Weight worker k's "
            "gradient by its n_k and divide by the total number of examples.", _plain_mean),
    Mistake("sum, not mean", "the workers' gradients are added up but not averaged (an "
            "all-reduce SUM still has to be divided): divide by the number of examples "
            "(weighted by n_k).", _sum),
    Mistake("weighted sum divided by the number of workers", "the gradients are weighted by n_k "
            "but divided by the number of workers; divide by the total number of examples, "
            "sum(worker_sizes).", _weighted_sum_over_workers),
    Mistake("divided by the examples without weighting", "the sum of the workers' gradients is "
            "divided by the total number of examples, but each worker's gradient is already a "
            "mean over its n_k examples: multiply it by n_k first.", _unweighted_over_examples),
]


def check_combine_gradients(combine_gradients, verbose: bool = True) -> CheckResult:
    """Check a student's ``combine_gradients(worker_grads, worker_sizes)``: the size-weighted
    mean of the workers' gradients, shaped like one worker's gradient.

    Prints the one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(combine_gradients, "__name__", "combine_gradients")
    result = run_check(combine_gradients, reference_combine_gradients, _scenario,
                       COMBINE_MISTAKES, name=name, signature=SIGNATURE,
                       returns="the mini-batch gradient, shaped like one worker's gradient")
    return finish(result, verbose, graded=name == "combine_gradients")
