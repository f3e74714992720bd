"""The generic detectors of lib.checks.core name structural mistakes outside every check's list.

For every check (tests/check_catalogue.py): each structural mistake is named by the detector
meant for it, with a message that names variables and steps, never positions; every correct
solution written differently still passes.
"""

import re

import numpy as np
import pytest

from check_catalogue import CATALOGUE
from lib.checks import core
from lib.checks.adam import STEP_SIGNATURE, reference_adam_step

STRUCTURAL = [(check, description, impl, detector)
              for check, entry in CATALOGUE.items()
              for description, impl, detector in entry.structural]
CORRECT = [(check, description, impl) for check, entry in CATALOGUE.items()
           for description, impl in entry.correct.items()]


@pytest.mark.parametrize("check, description, impl, detector", STRUCTURAL,
                         ids=[f"{c}: {d}" for c, d, _, _ in STRUCTURAL])
def test_each_structural_mistake_is_named_by_its_detector(check, description, impl, detector,
                                                          capsys):
    result = CATALOGUE[check].check(impl)
    capsys.readouterr()
    assert result.status == "mistake", result.message
    assert result.mistake == f"generic: {detector}", result.message
    assert not re.search(r"\bvalue \d", result.message)


@pytest.mark.parametrize("check, description, impl", CORRECT,
                         ids=[f"{c}: {d}" for c, d, _ in CORRECT])
def test_every_correct_variant_still_passes(check, description, impl, capsys):
    assert CATALOGUE[check].check(impl).passed


def test_every_check_has_structural_mistakes_named_by_several_detectors():
    for check, entry in CATALOGUE.items():
        detectors = {d for _, _, d in entry.structural}
        # (the after-Adam checks are another chapter's; their own tests cover their mistakes)
        least = {"minibatch_indices": 1, "gradient_descent": 2, "adamw_step": 2,
                 "warmup_cosine_lr": 0}
        assert len(detectors) >= least.get(check, 3), check


def test_the_step_counter_detector_names_an_off_by_one_count():
    # Adam's list names t + 1 and t - 1 first; without the list the detector names them
    def ahead(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return reference_adam_step(theta, g, m, v, t + 1, lr, beta1, beta2, eps)

    def behind(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return reference_adam_step(theta, g, m, v, t - 1, lr, beta1, beta2, eps)

    for impl, words in ((ahead, "one step ahead"), (behind, "one step behind")):
        with np.errstate(all="ignore"):
            result = core.run_check(impl, reference_adam_step, lambda f: [], (),
                                    signature=STEP_SIGNATURE)
        # the empty scenario agrees, so run the detectors directly, as run_check would
        found = core._generic(impl, reference_adam_step, STEP_SIGNATURE)
        assert result.passed and found[0] == "step counter off by one" and words in found[1]


def test_a_gap_is_named_by_output_and_step_and_measured_against_the_change():
    from lib.checks.adam import check_adam_step

    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        theta, m, v = reference_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)
        return theta, m + (t == 3) * 1e-3 * np.sign(m), v

    message = check_adam_step(adam_step, verbose=False).message
    assert "m after step 3 (lr = 0.1" in message and "of the change it should make" in message


def test_what_the_student_returned_is_reported_as_what_to_return():
    from lib.checks.adam import check_adam_class, check_adam_step
    from lib.checks.momentum import check_momentum_step

    class TupleAdam:  # step returns (theta, m): the class check used to fail on .copy()
        def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
            self.lr = lr

        def step(self, theta, g):
            return theta - self.lr * g, g

    result = check_adam_class(TupleAdam, verbose=False)
    assert result.status == "error" and "should return one array (theta)" in result.message
    assert "attribute" not in result.message
    result = check_adam_step(lambda theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999,
                             eps=1e-8: theta, verbose=False)
    assert "should return a tuple of 3 values (theta, m, v)" in result.message
    result = check_momentum_step(lambda theta, g, v, lr, beta: None, verbose=False)
    assert "returned None" in result.message and "(theta_new, v_new)" in result.message


def test_a_function_with_the_wrong_parameters_is_told_so():
    from lib.checks.adam import check_adam_step

    result = check_adam_step(lambda theta, g, m, v, t: (theta, m, v), verbose=False)
    assert result.status == "error" and "cannot be called as the exercise calls it" in result.message
    assert "unexpected keyword argument 'lr'" in result.message


def test_an_exception_inside_the_students_code_is_reported_as_such():
    result = core.run_check(lambda x: [][1], lambda x: np.array(x), lambda f: [f(1.0)])
    assert result.message.startswith("<lambda> raised IndexError")


def test_detector_counts_per_check(capsys):
    """How many structural mistakes outside the lists the detectors name, per check."""
    counts = {}
    for check, entry in CATALOGUE.items():
        named = 0
        for _, impl, detector in entry.structural:
            if entry.check(impl).mistake == f"generic: {detector}":
                named += 1
        counts[check] = (named, len(entry.structural))
    capsys.readouterr()
    with capsys.disabled():
        print("\nstructural mistakes named by the generic detectors, per check: "
              + ", ".join(f"{c} {n}/{t}" for c, (n, t) in counts.items()))
    assert all(n == t for n, t in counts.values())
