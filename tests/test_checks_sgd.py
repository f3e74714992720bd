"""lib.checks.sgd: the correct answers pass, every typical mistake is named, stubs are 'not attempted'."""

import numpy as np
import pytest

from lib.checks.sgd import (FULL_GRADIENT_MISTAKES, SGD_EPOCH_MISTAKES, check_full_gradient,
                            check_sgd_epoch, reference_full_gradient, reference_sgd_epoch)


# -- full_gradient -------------------------------------------------------------------------------
def correct_full_gradient(w, b, x, y):
    r = w * x + b - y
    return 2 * np.mean(r * x), 2 * np.mean(r)


def test_full_gradient_reference_by_hand():
    # x = (1, 2), y = (1, 1), w = 1, b = 0: r = (0, 1); grad_w = (2/2)(0·1 + 1·2) = 2, grad_b = 1
    assert reference_full_gradient(1.0, 0.0, np.array([1.0, 2.0]), np.array([1.0, 1.0])) == (2.0, 1.0)


def test_full_gradient_correct_answer_passes():
    result = check_full_gradient(correct_full_gradient)
    assert result.status == "correct" and result.passed


def test_full_gradient_with_a_loop_and_arrays_of_one_entry_also_passes():
    def full_gradient(w, b, x, y):
        g_w, g_b = np.zeros(1), np.zeros(1)
        for xi, yi in zip(x, y):
            r = w * xi + b - yi
            g_w += 2 * r * xi / len(x)
            g_b += 2 * r / len(x)
        return [g_w, g_b]

    assert check_full_gradient(full_gradient).passed


@pytest.mark.parametrize("mistake", FULL_GRADIENT_MISTAKES, ids=lambda m: m.name)
def test_full_gradient_each_mistake_is_named_with_its_hint(mistake):
    def full_gradient(w, b, x, y):
        return mistake.impl(w, b, x, y)

    result = check_full_gradient(full_gradient)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


def test_full_gradient_mistakes_are_told_apart():
    names = [check_full_gradient(m.impl).mistake for m in FULL_GRADIENT_MISTAKES]
    assert names == [m.name for m in FULL_GRADIENT_MISTAKES]


def test_full_gradient_centering_x_in_place_is_reported_as_aliasing():
    def full_gradient(w, b, x, y):
        x -= x.mean()  # a student centering the caller's data
        return correct_full_gradient(w, b, x, y)

    assert check_full_gradient(full_gradient).mistake == "in-place aliasing"


def test_full_gradient_returning_one_value_is_an_error_that_says_what_to_return():
    def full_gradient(w, b, x, y):
        return correct_full_gradient(w, b, x, y)[0]

    result = check_full_gradient(full_gradient)
    assert result.status == "error"
    assert "it should return a tuple of 2 values (grad_w, grad_b)" in result.message


def test_full_gradient_stub_is_not_attempted():
    def full_gradient(w, b, x, y):
        raise NotImplementedError

    assert check_full_gradient(full_gradient).status == "not attempted"


def test_full_gradient_unknown_error_is_wrong_with_the_gap():
    def full_gradient(w, b, x, y):
        g_w, g_b = correct_full_gradient(w, b, x, y)
        return g_w + 0.5, g_b

    result = check_full_gradient(full_gradient)
    assert result.status == "wrong"
    assert "grad_w for the data set of 5 points is off by 0.5" in result.message


# -- sgd_epoch -----------------------------------------------------------------------------------
def correct_sgd_epoch(w, b, x, y, lr, seed):
    rng = np.random.default_rng(seed)
    for i in rng.permutation(len(x)):
        r = w * x[i] + b - y[i]
        w, b = w - lr * 2 * r * x[i], b - lr * 2 * r
    return w, b


def test_sgd_epoch_reference_by_hand_on_one_example():
    # one example x = 1, y = 0, from w = 1, b = 0: r = 1, grad = (2, 2), lr = 0.25 -> (0.5, -0.5)
    assert reference_sgd_epoch(1.0, 0.0, np.array([1.0]), np.array([0.0]), 0.25, 0) == (0.5, -0.5)


def test_sgd_epoch_correct_answer_passes():
    result = check_sgd_epoch(correct_sgd_epoch)
    assert result.status == "correct" and result.passed


def test_sgd_epoch_shuffling_an_index_array_of_copies_also_passes():
    def sgd_epoch(w, b, x, y, lr, seed):
        order = np.arange(len(x))
        np.random.default_rng(seed).shuffle(order)  # the same order as permutation(len(x))
        xs, ys = x[order], y[order]
        for xi, yi in zip(xs, ys):
            r = w * xi + b - yi
            w -= lr * 2 * r * xi
            b -= lr * 2 * r
        return np.array([w]), np.array([b])

    assert check_sgd_epoch(sgd_epoch).passed


@pytest.mark.parametrize("mistake", SGD_EPOCH_MISTAKES, ids=lambda m: m.name)
def test_sgd_epoch_each_mistake_is_named_with_its_hint(mistake):
    def sgd_epoch(w, b, x, y, lr, seed):
        return mistake.impl(w, b, x, y, lr, seed)

    result = check_sgd_epoch(sgd_epoch)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


def test_sgd_epoch_mistakes_are_told_apart():
    names = [check_sgd_epoch(m.impl).mistake for m in SGD_EPOCH_MISTAKES]
    assert names == [m.name for m in SGD_EPOCH_MISTAKES]


def test_sgd_epoch_choice_with_replacement_is_named_like_integers():
    def sgd_epoch(w, b, x, y, lr, seed):
        rng = np.random.default_rng(seed)
        for i in rng.choice(len(x), size=len(x)):
            r = w * x[i] + b - y[i]
            w, b = w - lr * 2 * r * x[i], b - lr * 2 * r
        return w, b

    assert check_sgd_epoch(sgd_epoch).mistake == "sampling with replacement"


def test_sgd_epoch_shuffling_the_callers_data_in_place_is_reported_as_aliasing():
    def sgd_epoch(w, b, x, y, lr, seed):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(x))
        x[:], y[:] = x[order], y[order]
        for xi, yi in zip(x, y):
            r = w * xi + b - yi
            w, b = w - lr * 2 * r * xi, b - lr * 2 * r
        return w, b

    result = check_sgd_epoch(sgd_epoch)
    assert result.mistake == "in-place aliasing"
    assert "changed the arrays it was given" in result.message


def test_sgd_epoch_stub_is_not_attempted():
    def sgd_epoch(w, b, x, y, lr, seed):
        raise NotImplementedError

    result = check_sgd_epoch(sgd_epoch)
    assert result.status == "not attempted"
    assert "not attempted" in str(result)


def test_sgd_epoch_that_raises_reports_the_exception():
    def sgd_epoch(w, b, x, y, lr, seed):
        return w - lr * undefined_gradient, b  # noqa: F821

    result = check_sgd_epoch(sgd_epoch)
    assert result.status == "error" and "NameError" in result.message


def test_the_reference_epoch_is_lib_train_with_batch_size_1():
    from lib.checks.sgd import _sgd_epoch_cases, lib_sgd_epoch, reference_sgd_epoch

    for w, b, x, y, lr, seed in _sgd_epoch_cases():
        ours = reference_sgd_epoch(w, b, x, y, lr, seed)
        theirs = lib_sgd_epoch(w, b, x, y, lr, seed)
        assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert check_sgd_epoch(lib_sgd_epoch).passed
