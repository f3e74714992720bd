"""The MNIST homework checks name each typical backprop mistake and accept correct code."""

import numpy as np
import pytest

from lib.checks.core import same
from lib.checks.mnist import (RELU_MISTAKES, SOFTMAX_MISTAKES, _relu_scenario, _softmax_scenario,
                              check_relu_backward, check_softmax_cross_entropy,
                              reference_relu_backward, reference_softmax_cross_entropy)
from lib.nn import MLP


def test_reference_gradient_is_the_mlp_output_layer_gradient():
    """The reference is the δ_L backprop starts from: check it against finite differences."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, size=5)
    _, grad = reference_softmax_cross_entropy(logits, y)
    h = 1e-6
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numeric = (reference_softmax_cross_entropy(up, y)[0]
                   - reference_softmax_cross_entropy(down, y)[0]) / (2 * h)
        assert abs(numeric - grad[idx]) < 1e-8
    assert MLP((3, 4)).params  # the reference is lib.nn's, which MLP uses


def test_correct_implementations_pass():
    assert check_softmax_cross_entropy(reference_softmax_cross_entropy).status == "correct"
    assert check_relu_backward(reference_relu_backward).status == "correct"


def test_a_differently_written_correct_softmax_cross_entropy_passes():
    def softmax_cross_entropy(logits, y):
        n = len(y)
        z = logits - logits.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(n), y].mean()
        dlogits = np.exp(log_p)
        dlogits[np.arange(n), y] -= 1
        return loss, dlogits / n

    result = check_softmax_cross_entropy(softmax_cross_entropy)
    assert result.status == "correct", result.message
    assert str(result).startswith("✓")


def test_a_differently_written_correct_relu_backward_passes():
    result = check_relu_backward(lambda dout, z: np.where(z > 0, dout, 0.0), verbose=False)
    assert result.status == "correct"


@pytest.mark.parametrize("mistake", SOFTMAX_MISTAKES, ids=[m.name for m in SOFTMAX_MISTAKES])
def test_each_softmax_mistake_is_named_with_its_hint(mistake):
    result = check_softmax_cross_entropy(mistake.impl)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("mistake", RELU_MISTAKES, ids=[m.name for m in RELU_MISTAKES])
def test_each_relu_mistake_is_named_with_its_hint(mistake):
    result = check_relu_backward(mistake.impl)
    assert result.status == "mistake"
    assert result.mistake == mistake.name
    assert mistake.hint in result.message


@pytest.mark.parametrize("mistakes, scenario, reference", [
    (SOFTMAX_MISTAKES, _softmax_scenario, reference_softmax_cross_entropy),
    (RELU_MISTAKES, _relu_scenario, reference_relu_backward),
])
def test_every_mistake_differs_from_the_reference_and_from_the_others(mistakes, scenario, reference):
    for mistake in mistakes:
        ours = scenario(mistake.impl)
        assert not same(ours, scenario(reference)), mistake.name
        for other in mistakes:
            if other is not mistake:
                assert not same(ours, scenario(other.impl)), (mistake.name, other.name)


def test_an_overflow_written_another_way_is_still_named():
    def softmax_cross_entropy(logits, y):
        n = len(y)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(n), y]).mean()
        p[np.arange(n), y] -= 1
        return loss, p / n

    assert check_softmax_cross_entropy(softmax_cross_entropy).mistake == "no max subtraction"


def test_modifying_the_logits_in_place_is_reported():
    def softmax_cross_entropy(logits, y):
        logits -= logits.max(axis=1, keepdims=True)
        return reference_softmax_cross_entropy(logits, y)

    result = check_softmax_cross_entropy(softmax_cross_entropy)
    assert result.mistake == "in-place aliasing"


def test_not_attempted_error_and_unexplained_answers():
    def stub(logits, y):
        raise NotImplementedError

    assert check_softmax_cross_entropy(stub).status == "not attempted"
    assert check_relu_backward(stub).status == "not attempted"
    assert check_relu_backward(lambda dout, z: dout[0], verbose=False).status in ("error", "wrong")
    assert check_relu_backward(lambda dout, z: dout * (z > 0.1), verbose=False).status == "wrong"
    doubled = check_relu_backward(lambda dout, z: 2 * dout * (z > 0), verbose=False)
    assert doubled.mistake == "generic: constant factor or sign" and "dz is 2 ×" in doubled.message

    def crashes(logits, y):
        raise KeyError("oops")

    result = check_softmax_cross_entropy(crashes)
    assert result.status == "error" and "KeyError" in result.message


def test_the_verdict_is_printed_on_one_line(capsys):
    result = check_relu_backward(reference_relu_backward)
    assert capsys.readouterr().out == str(result) + "\n"
