"""The mini-batch homework check: every typical mistake is named, any correct epoch passes."""

import numpy as np
import pytest

from lib.checks.minibatch import MISTAKES, check_minibatches, reference_minibatches
from lib.train import batches


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_each_typical_mistake_is_named_with_its_hint(mistake, capsys):
    result = check_minibatches(mistake.impl)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message
    assert mistake.hint in capsys.readouterr().out


def test_the_reference_passes():
    assert check_minibatches(reference_minibatches).passed


def test_lib_batches_passes():
    def lib_batches(n, batch_size, rng):
        return batches(n, batch_size, rng)

    assert check_minibatches(lib_batches).passed


def test_another_correct_shuffle_returning_lists_passes():
    def shuffle_in_place(n, batch_size, rng):
        order = np.arange(n)
        rng.shuffle(order)
        return [order[i:i + batch_size].tolist() for i in range(0, n, batch_size)]

    assert check_minibatches(shuffle_in_place).passed


def test_a_different_way_to_sample_with_replacement_is_still_named():
    def choice_with_replacement(n, batch_size, rng):
        order = rng.choice(n, size=n, replace=True)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]

    assert check_minibatches(choice_with_replacement).mistake == "samples with replacement"


def test_the_homework_stub_is_not_attempted(capsys):
    def minibatch_indices(n, batch_size, rng):
        raise NotImplementedError

    result = check_minibatches(minibatch_indices)
    assert result.status == "not attempted"
    assert "not attempted" in capsys.readouterr().out


def test_an_unknown_error_says_which_property_fails():
    def last_batch_first(n, batch_size, rng):
        order = rng.permutation(n)
        cuts = list(range(0, n, batch_size))
        for start in reversed(cuts):
            yield order[start:start + batch_size]

    result = check_minibatches(last_batch_first)
    assert result.status == "wrong"
    assert "batch sizes were [1, 3, 3, 3], expected [3, 3, 3, 1]" in result.message


def test_a_crashing_function_is_reported_not_raised():
    def forgot_to_yield(n, batch_size, rng):
        rng.permutation(n)

    result = check_minibatches(forgot_to_yield)
    assert result.status == "error"
    assert "TypeError" in result.message


def test_the_check_does_not_touch_the_global_random_state():
    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    check_minibatches(reference_minibatches)
    assert np.random.random() == expected


def test_a_hundred_and_twenty_unusual_correct_shuffles_all_pass():
    # Each variant burns k draws of rng before shuffling: a different, correct shuffle each.
    # With "shuffled" decided on the n=5 case alone, about 1 in 60 of them was rejected.
    def burns(k):
        def minibatch_indices(n, batch_size, rng):
            rng.random(k)
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                yield order[start:start + batch_size]
        return minibatch_indices

    rejected = [k for k in range(120) if not check_minibatches(burns(k), verbose=False).passed]
    assert rejected == []


def test_batches_with_the_same_contents_for_every_seed_are_named():
    def rotated_chunks(n, batch_size, rng):
        chunks = [np.arange(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        shift = int(rng.integers(len(chunks)))
        yield from chunks[shift:] + chunks[:shift]

    result = check_minibatches(rotated_chunks, verbose=False)
    assert result.mistake in ("same batch contents for every seed",
                              "generic: batch contents do not change with the seed")
    assert "same examples" in result.message
