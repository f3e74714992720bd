"""lib.checks.data_parallel: correct answers pass, typical mistakes are named, stubs are
'not attempted'."""

import numpy as np
import pytest

from lib.checks.data_parallel import (COMBINE_MISTAKES, check_combine_gradients,
                                      reference_combine_gradients)


def test_the_reference_is_the_size_weighted_mean_of_the_workers_gradients():
    grads = [np.array([1.0, 0.0]), np.array([4.0, 3.0])]
    assert np.allclose(reference_combine_gradients(grads, [1, 2]), [3.0, 2.0])


def test_the_combined_gradient_of_equal_halves_is_the_gradient_of_the_whole_batch():
    rng = np.random.default_rng(0)
    per_example = rng.normal(size=(10, 3))
    halves = [per_example[:4].mean(axis=0), per_example[4:].mean(axis=0)]
    assert np.allclose(reference_combine_gradients(halves, [4, 6]), per_example.mean(axis=0))


def correct_with_np_average(worker_grads, worker_sizes):
    return np.average(worker_grads, axis=0, weights=worker_sizes)


def correct_with_a_loop(worker_grads, worker_sizes):
    total = sum(worker_sizes)
    return sum(n * g for g, n in zip(worker_grads, worker_sizes)) / total


@pytest.mark.parametrize("combine", [correct_with_np_average, correct_with_a_loop])
def test_correct_answers_written_differently_pass(combine):
    result = check_combine_gradients(combine)
    assert result.status == "correct", result.message


@pytest.mark.parametrize("mistake", COMBINE_MISTAKES, ids=lambda m: m.name)
def test_each_typical_mistake_is_named_with_its_hint(mistake):
    result = check_combine_gradients(mistake.impl)
    assert result.status == "mistake" and result.mistake == mistake.name
    assert mistake.hint in result.message


def test_a_stub_is_not_attempted():
    def combine_gradients(worker_grads, worker_sizes):
        raise NotImplementedError

    assert check_combine_gradients(combine_gradients).status == "not attempted"


def test_ignoring_the_sizes_in_another_way_is_still_diagnosed():
    def combine_gradients(worker_grads, worker_sizes):  # the first worker only
        return worker_grads[0]

    result = check_combine_gradients(combine_gradients)
    assert result.status in ("mistake", "wrong") and not result.passed
