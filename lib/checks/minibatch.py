"""Homework check for the mini-batch chapter: cutting one epoch into shuffled mini-batches.

The student writes a generator ``minibatch_indices(n, batch_size, rng)`` that yields the index
arrays of one epoch, as :func:`lib.train.batches` does: shuffle ``range(n)`` once with ``rng``,
then cut it into consecutive chunks of ``batch_size`` (the last one smaller when ``batch_size``
does not divide ``n``).

Any correct shuffle is accepted (``rng.permutation(n)``, ``rng.shuffle`` of an ``arange``, ...),
so the check does not compare the indices themselves with the reference's: it compares what
matters about them, on seeded cases: the batch sizes, whether the epoch visits every example
exactly once, whether it is shuffled, and whether the order comes from ``rng`` (the same seed
gives the same batches, another seed other batches).
"""

from __future__ import annotations

import numpy as np

from .core import CheckResult, Mistake, finish, run_check

__all__ = ["check_minibatches", "reference_minibatches", "MISTAKES", "CASES"]

#: ``(n, batch_size)``: a partial last batch, an exact split, a batch larger than the data set
CASES = ((10, 3), (37, 8), (64, 16), (5, 8))
_SEEDS = (11, 12)
#: the properties that depend on the shuffle are decided over all cases together, never on one
#: small case (a correct shuffle of 5 examples is the identity, or equal for two seeds, about one
#: time in 120): over these cases together such a coincidence has probability below 10^-80.
_EPOCH_KEYS = ("shuffled", "same seed, same batches", "other seed, other order",
               "other seed, other batch contents")


def reference_minibatches(n, batch_size, rng):
    """One epoch of mini-batches: a shuffled order cut into chunks of ``batch_size``."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


# -- deliberately wrong implementations, one per typical mistake ------------------------------

def _drops_last(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, n - batch_size + 1, batch_size):
        yield order[start:start + batch_size]


def _with_replacement(n, batch_size, rng):
    for start in range(0, n, batch_size):
        yield rng.integers(0, n, size=min(batch_size, n - start))


def _not_shuffled(n, batch_size, rng):
    order = np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _sliding_window(n, batch_size, rng):
    order = rng.permutation(n)
    for start in range(0, max(n - batch_size, 0) + 1):
        yield order[start:start + batch_size]


def _batch_count_for_size(n, batch_size, rng):
    yield from np.array_split(rng.permutation(n), batch_size)


def _fixed_seed(n, batch_size, rng):
    order = np.random.default_rng(0).permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _same_contents(n, batch_size, rng):
    # the batches are shuffled as wholes, but always hold the same examples
    chunks = [np.arange(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]
    for k in rng.permutation(len(chunks)):
        yield rng.permutation(chunks[k])


def _global_random(n, batch_size, rng):
    order = np.random.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


MISTAKES = (
    Mistake("drops the last partial batch",
            "the last, smaller batch is missing, so some examples are never visited in the epoch "
            "(range(0, n - batch_size + 1, batch_size) is drop_last=True): step the start "
            "through range(0, n, batch_size) and keep the short final chunk.",
            _drops_last),
    Mistake("samples with replacement",
            "an example appears twice in one epoch while others never appear: draw without "
            "replacement, i.e. shuffle once per epoch (order = rng.permutation(n)) and cut that "
            "order into consecutive chunks, instead of drawing random indices for every batch.",
            _with_replacement),
    Mistake("does not shuffle",
            "the batches come in the data set's own order 0, 1, 2, ...: shuffle first "
            "(order = rng.permutation(n)) so that every batch is a random patch of the valley.",
            _not_shuffled),
    Mistake("overlapping batches",
            "the batches overlap (the start moves by 1, a sliding window): move the start by "
            "batch_size, range(0, n, batch_size), so the batches are disjoint.",
            _sliding_window),
    Mistake("batch_size used as the number of batches",
            "you made batch_size batches (np.array_split(order, batch_size)) instead of batches "
            "of batch_size examples: cut order[start:start + batch_size] for start in "
            "range(0, n, batch_size).",
            _batch_count_for_size),
    Mistake("ignores rng (fixed seed)",
            "every seed gives the same batches: shuffle with the rng you are given "
            "(rng.permutation(n)), not with a generator you create yourself.",
            _fixed_seed),
    Mistake("same batch contents for every seed",
            "every seed gives batches that hold the same examples (only the order of the batches, "
            "or the order inside a batch, changes): shuffle the whole range(n) first "
            "(order = rng.permutation(n)), then cut it into consecutive chunks, so each epoch "
            "mixes the examples into new batches.",
            _same_contents),
    Mistake("ignores rng (global NumPy random state)",
            "the same seed gives different batches, so runs cannot be reproduced: shuffle with "
            "the rng you are given (rng.permutation(n)), not with np.random.",
            _global_random),
)


def _epoch(fn, n, batch_size, seed) -> list[np.ndarray]:
    return [np.asarray(b).reshape(-1) for b in fn(n, batch_size, np.random.default_rng(seed))]


def _contents(epoch) -> set:
    return {frozenset(np.asarray(b).tolist()) for b in epoch}


def _features(fn) -> list:
    """What a correct epoch must satisfy (any correct shuffle gives the same): per case, the
    batch sizes and whether every example is visited once; over all cases together, whether the
    order is shuffled and comes from ``rng``."""
    out, shuffled, same_seed, other_order, other_contents = [], [], [], [], []
    for n, batch_size in CASES:
        first = _epoch(fn, n, batch_size, _SEEDS[0])
        again = _epoch(fn, n, batch_size, _SEEDS[0])
        other = _epoch(fn, n, batch_size, _SEEDS[1])
        flat, flat_again, flat_other = (np.concatenate(e) if e else np.array([], dtype=int)
                                        for e in (first, again, other))
        out.append({
            "sizes": [len(b) for b in first],
            "visits every example once": bool(len(flat) == n
                                                and np.array_equal(np.sort(flat), np.arange(n))),
        })
        shuffled.append(not (len(flat) == n and np.array_equal(flat, np.arange(n))))
        same_seed.append(bool(np.array_equal(flat, flat_again)))
        other_order.append(not np.array_equal(flat, flat_other))
        if len(first) > 1:  # one batch always holds everything
            other_contents.append(_contents(first) != _contents(other))
    out.append({"shuffled": any(shuffled), "same seed, same batches": all(same_seed),
                "other seed, other order": any(other_order),
                "other seed, other batch contents": any(other_contents)})
    return out


def _describe(expected: list, got: list) -> str:
    """The first property in which the student's epochs differ from a correct one."""
    for (n, batch_size), want, have in zip(CASES, expected, got):
        for key in want:
            if want[key] != have[key]:
                case = f"n={n}, batch_size={batch_size}"
                if key == "sizes":
                    return (f"for {case} the batch sizes were {have['sizes']}, expected "
                            f"{want['sizes']}")
                return f"for {case}, '{key}' should be {want[key]} but is {have[key]}"
    for key in _EPOCH_KEYS:
        if expected[-1][key] != got[-1][key]:
            return f"over all the cases, '{key}' should be {expected[-1][key]} but is {got[-1][key]}"
    return "the batches differ from a correct epoch"


def _detect_contents(fn, sig, probes):
    """The generic detector of this check: batches whose contents do not change with the seed,
    whatever else is wrong."""
    changes = []
    for n, batch_size in CASES:
        epochs = [_epoch(fn, n, batch_size, seed) for seed in (21, 22, 23)]
        if len(epochs[0]) > 1:
            changes.append(len({frozenset(_contents(e)) for e in epochs}) > 1)
    if changes and not any(changes):
        return ("the batches hold the same examples for every seed: shuffle the whole "
                "range(n) with rng before cutting it into batches, so every epoch mixes the "
                "examples into new batches.")
    return None


def check_minibatches(fn, verbose: bool = True) -> CheckResult:
    """Check ``fn(n, batch_size, rng)``, a generator of one epoch's index batches; print and
    return the verdict."""
    name = getattr(fn, "__name__", "your function")
    result = run_check(fn, reference_minibatches, _features, MISTAKES, name=name,
                       detectors=(("batch contents do not change with the seed",
                                   _detect_contents),),
                       returns="the index arrays of one epoch, one batch at a time")
    if result.status == "wrong":
        try:
            detail = _describe(_features(reference_minibatches), _features(fn))
        except Exception:  # the features already ran once without error inside run_check
            detail = "the batches differ from a correct epoch"
        result = CheckResult("wrong", f"{name} is not right yet: {detail}. None of the common "
                                      "mistakes explains it; an epoch is one shuffled order of "
                                      "range(n) cut into consecutive chunks of batch_size.")
    return finish(result, verbose, graded=name == "minibatch_indices")
