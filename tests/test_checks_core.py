import numpy as np

from lib.checks import Mistake, run_check


def reference(theta, g, lr):
    return theta - lr * g


def forgets_lr(theta, g, lr):
    return theta - g


def scenario(impl):
    rng = np.random.default_rng(0)
    return [impl(rng.normal(size=3), rng.normal(size=3), 0.1) for _ in range(3)]


def fresh_args():
    return (np.ones(3), np.full(3, 2.0), 0.1), {}


MISTAKES = [Mistake("no lr", "you forgot the learning rate", forgets_lr)]


def check(fn):
    return run_check(fn, reference, scenario, MISTAKES, name="step", aliasing_args=fresh_args)


def test_a_correct_function_passes():
    result = check(reference)
    assert result.passed and result.status == "correct" and str(result).startswith("✓")


def test_a_known_mistake_is_named_with_its_hint():
    result = check(forgets_lr)
    assert result.status == "mistake" and result.mistake == "no lr"
    assert "forgot the learning rate" in result.message


def test_an_unexplained_difference_reports_where_and_by_how_much():
    result = check(lambda theta, g, lr: theta - 2 * lr * g)
    assert result.status == "wrong" and "is off by" in result.message


def test_the_homework_stub_is_not_attempted_rather_than_an_error():
    def stub(theta, g, lr):
        raise NotImplementedError

    result = check(stub)
    assert result.status == "not attempted" and not result.passed


def test_changing_the_callers_arrays_in_place_is_reported_first():
    def in_place(theta, g, lr):
        theta -= lr * g
        return theta

    result = check(in_place)
    assert result.mistake == "in-place aliasing" and "changed the arrays" in result.message


def test_an_exception_in_student_code_is_reported_not_raised():
    result = check(lambda theta, g, lr: theta - lr * g[5])
    assert result.status == "error" and "IndexError" in result.message


def test_wrong_shapes_and_non_numbers_are_reported():
    assert "shape" in check(lambda theta, g, lr: (theta - lr * g)[:2]).message
    assert check(lambda theta, g, lr: "nope").status == "wrong"
