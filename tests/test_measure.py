import math

import numpy as np
import pytest

from lib.measure import (first_touch, is_settled, log_grid_search, moving_average, over_seeds,
                         steps_until_below, tail_stats)


def test_an_oscillating_run_is_counted_from_its_last_crossing_not_its_first_dip():
    losses = [10, 5, 0.5, 3, 0.8, 2, 0.4, 0.3, 0.2]
    assert first_touch(losses, 1.0) == 2
    assert steps_until_below(losses, 1.0) == 6


def test_a_run_that_ends_above_the_target_has_not_reached_it():
    assert steps_until_below([3, 0.1, 0.1, 2], 1.0) is None
    assert first_touch([3, 0.1, 0.1, 2], 1.0) == 1


def test_a_run_below_from_the_start_needs_zero_steps_and_step_numbers_are_used():
    assert steps_until_below([0.5, 0.2], 1.0) == 0
    assert steps_until_below([5, 0.5, 2, 0.2], 1.0, steps=[0, 16, 32, 48]) == 48


def test_nan_and_inf_are_never_below_the_target():
    assert steps_until_below([1, np.nan, 0.1], 0.5) == 2
    assert steps_until_below([0.1, np.inf], 0.5) is None
    assert first_touch([np.nan, np.inf], 1e300) is None


def test_steps_must_match_the_values():
    with pytest.raises(ValueError, match="steps"):
        steps_until_below([1, 2], 1.0, steps=[0])
    with pytest.raises(ValueError, match="empty"):
        steps_until_below([], 1.0)


def test_moving_average_is_the_trailing_mean():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="window"):
        moving_average([1, 2], 3)


def test_tail_stats_describe_the_last_part_of_the_run_only():
    values = [100.0] * 75 + [1.0, 2.0, 3.0] * 8 + [2.0]
    t = tail_stats(values)
    assert t.n == 25 and t.max == 3.0 and t.min == 1.0 and t.median == 2.0
    assert tail_stats(values, last=3).mean == pytest.approx(7 / 3)


def test_a_limit_cycle_is_settled_but_a_descent_is_not():
    cycle = np.tile([0.03, 0.04], 200)
    descent = np.geomspace(1, 1e-6, 400)
    assert is_settled(cycle)
    assert not is_settled(descent)
    assert not is_settled(np.concatenate([cycle, [np.nan]]))


def _valley(best):
    return lambda lr: (math.log10(lr) - math.log10(best)) ** 2


def test_grid_search_widens_until_the_best_value_is_interior():
    result = log_grid_search(_valley(0.5), [1e-3, 1e-2, 1e-1])
    assert not result.on_edge
    assert result.best == pytest.approx(1.0) or result.best == pytest.approx(0.1)
    assert result.widened >= 1
    lo, hi = result.neighbours
    assert lo is not None and hi is not None


def test_grid_search_interior_best_needs_no_widening():
    result = log_grid_search(_valley(1e-2), [1e-3, 1e-2, 1e-1])
    assert result.best == pytest.approx(1e-2) and result.widened == 0 and not result.on_edge


def test_grid_search_says_when_the_best_is_still_on_the_edge():
    result = log_grid_search(lambda lr: -lr, [1, 2, 4], max_widen=2)
    assert result.on_edge and result.best == 16 and result.widened == 2


def test_grid_search_treats_a_diverged_run_as_the_worst():
    result = log_grid_search(lambda lr: math.nan if lr > 0.05 else lr, [0.001, 0.01, 0.1],
                             max_widen=0)
    assert result.best == 0.001 and result.scores[-1] == math.inf


def test_grid_search_rejects_grids_that_are_too_small_or_not_positive():
    with pytest.raises(ValueError, match="3 distinct"):
        log_grid_search(abs, [1, 1, 2])
    with pytest.raises(ValueError, match="positive"):
        log_grid_search(abs, [0, 1, 2])


def test_over_seeds_shows_the_spread_of_every_seed():
    spread = over_seeds(lambda s: float(s * s), seeds=(1, 2, 3))
    assert spread.values == (1.0, 4.0, 9.0)
    assert spread.median == 4.0 and spread.min == 1.0 and spread.max == 9.0
    assert spread.describe(".0f") == "4 (1 to 9 over 3 seeds)"
    with pytest.raises(ValueError, match="2 seeds"):
        over_seeds(float, seeds=(0,))
    with pytest.raises(ValueError, match="distinct"):
        over_seeds(float, seeds=(0, 0))
