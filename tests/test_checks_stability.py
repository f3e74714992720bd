"""Every verdict of every homework check is deterministic.

Each known mistake, each structural mistake of tests/check_catalogue.py and each correct
solution written differently is checked REPEATS times, with NumPy's global random state set
differently before every run; the verdict (status and mistake name) must be the same every time.
This is what the flaky mini-batch test broke: "ignores rng (global NumPy random state)" was named
about 95% of the time, and a correct unusual shuffle was rejected about 1 time in 60.
"""

import numpy as np
import pytest

from check_catalogue import CATALOGUE

REPEATS = 20


def _implementations(entry):
    yield from ((f"mistake: {m.name}", m.impl) for m in entry.mistakes)
    yield from ((f"structural: {d}", impl) for d, impl, _ in entry.structural)
    yield from ((f"correct: {d}", impl) for d, impl in entry.correct.items())


def _verdicts(entry, impl):
    verdicts = set()
    for rep in range(REPEATS):
        np.random.seed(1000 + rep)  # a different global random state before every run
        np.random.random(rep)
        result = entry.check(impl)
        verdicts.add((result.status, result.mistake))
    return verdicts


@pytest.mark.parametrize("check", sorted(CATALOGUE))
def test_every_verdict_is_the_same_every_time(check, capsys):
    entry = CATALOGUE[check]
    unstable, repeated = [], 0
    for description, impl in _implementations(entry):
        verdicts = _verdicts(entry, impl)
        repeated += REPEATS
        if len(verdicts) != 1:
            unstable.append(f"{description}: {sorted(verdicts, key=str)}")
        elif description.startswith("correct"):
            assert verdicts == {("correct", None)}, description
        elif description.startswith("mistake"):
            name = description.split(": ", 1)[1]
            assert verdicts == {("mistake", name)}, (description, verdicts)
    capsys.readouterr()
    with capsys.disabled():
        print(f"\n{check}: {repeated} verdicts repeated ({repeated // REPEATS} implementations "
              f"x {REPEATS}), {len(unstable)} unstable")
    assert not unstable, "\n".join(unstable)


def test_a_check_leaves_the_global_random_state_as_it_was():
    from lib.checks.minibatch import MISTAKES, check_minibatches

    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    for mistake in MISTAKES:  # one of them shuffles with np.random
        check_minibatches(mistake.impl, verbose=False)
    assert np.random.random() == expected
