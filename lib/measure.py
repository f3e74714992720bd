r"""Measurements that match the sentences the book writes about them.

A glued number is a claim, and each claim needs the measurement that means what the sentence
says:

- "needs N steps to reach the target" means the loss *stays* at or below the target from step N
  on: :func:`steps_until_below`, not the first instant it dips below (:func:`first_touch`, kept
  only to show the difference);
- "ends at distance d", "settles at loss J" means where the run has *settled*: statistics over
  the tail of the run (:func:`tail_stats`), and :func:`is_settled` says whether it has;
- "the best learning rate" is not on the edge of the grid searched: :func:`log_grid_search`
  widens a log-spaced grid until the best value is interior, or reports that it is still on an
  edge (then the prose says "the best of the values tried");
- a stochastic result holds over several seeds and shows the spread: :func:`over_seeds`.

Every function takes plain sequences or NumPy arrays and returns plain Python numbers, so the
results glue directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["steps_until_below", "first_touch", "moving_average", "TailStats", "tail_stats",
           "is_settled", "GridSearch", "log_grid_search", "SeedSpread", "over_seeds"]


def _values(values, name: str = "values") -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    return a


def _steps(steps, n: int) -> np.ndarray:
    if steps is None:
        return np.arange(n)
    s = np.asarray(steps)
    if s.shape != (n,):
        raise ValueError(f"steps must have one entry per value ({n}), got shape {s.shape}")
    return s


def _below(a: np.ndarray, target: float) -> np.ndarray:
    # NaN and inf are never "below": a diverged run has not reached anything
    with np.errstate(invalid="ignore"):
        return np.isfinite(a) & (a <= target)


def steps_until_below(values, target: float, steps=None):
    """The first step from which every later value is at or below ``target``; ``None`` if the
    last value is above it (the run has not settled below the target).

    ``values[k]`` is the loss (or distance) after ``steps[k]`` steps (default ``steps[k] = k``).
    This is what "needs N steps" means: an oscillating run that dips below the target and climbs
    back out is not counted until its last crossing.
    """
    a = _values(values)
    s = _steps(steps, a.size)
    below = _below(a, float(target))
    if not below[-1]:
        return None
    above = np.flatnonzero(~below)
    k = 0 if above.size == 0 else above[-1] + 1
    return int(s[k])


def first_touch(values, target: float, steps=None):
    """The first step at which a value is at or below ``target`` (``None`` if none is).

    A transient: an oscillating or noisy run can touch the target long before it stays there.
    The book shows it only next to :func:`steps_until_below`, to make that difference visible.
    """
    a = _values(values)
    s = _steps(steps, a.size)
    hits = np.flatnonzero(_below(a, float(target)))
    return None if hits.size == 0 else int(s[hits[0]])


def moving_average(values, window: int) -> np.ndarray:
    """Trailing mean over ``window`` values (entry ``k`` averages ``values[k-window+1 : k+1]``),
    of length ``len(values) - window + 1``: the curve to measure a noisy run on."""
    a = _values(values)
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive int, got {window!r}")
    if window > a.size:
        raise ValueError(f"window ({window}) is longer than the values ({a.size})")
    c = np.cumsum(np.concatenate([[0.0], a]))
    return (c[window:] - c[:-window]) / window


@dataclass(frozen=True)
class TailStats:
    """Statistics of the last ``n`` values of a run (see :func:`tail_stats`)."""

    mean: float
    median: float
    min: float
    max: float
    std: float
    n: int


def _tail(a: np.ndarray, fraction: float, last) -> np.ndarray:
    if last is not None:
        if isinstance(last, bool) or not isinstance(last, (int, np.integer)) or last < 1:
            raise ValueError(f"last must be a positive int, got {last!r}")
        if last > a.size:
            raise ValueError(f"last ({last}) is longer than the values ({a.size})")
        return a[-last:]
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return a[-max(1, int(math.ceil(fraction * a.size))):]


def tail_stats(values, fraction: float = 0.25, last: int | None = None) -> TailStats:
    """Mean, median, min, max and standard deviation over the last ``fraction`` of ``values``
    (or the last ``last`` of them): where a run has settled, not where one step happens to be."""
    tail = _tail(_values(values), fraction, last)
    return TailStats(mean=float(tail.mean()), median=float(np.median(tail)),
                     min=float(tail.min()), max=float(tail.max()), std=float(tail.std()),
                     n=int(tail.size))


def is_settled(values, fraction: float = 0.25, rtol: float = 0.1, atol: float = 0.0) -> bool:
    """Whether the run has stopped drifting: the means of the two halves of its tail agree to
    ``rtol`` (relative) or ``atol`` (absolute), and the tail is finite.

    A run still descending (or still diverging) fails; a run settled on a fixed point, a cycle or
    a noise floor passes.
    """
    tail = _tail(_values(values), fraction, None)
    if tail.size < 2 or not np.all(np.isfinite(tail)):
        return False
    half = tail.size // 2
    early, late = float(tail[:half].mean()), float(tail[half:].mean())
    return abs(late - early) <= max(atol, rtol * max(abs(early), abs(late)))


@dataclass(frozen=True)
class GridSearch:
    """The result of :func:`log_grid_search`.

    ``grid`` and ``scores`` are every value tried (sorted) and its score; ``best`` is the value
    with the lowest score; ``on_edge`` says it is still the smallest or largest value tried
    (then no more than "the best of the values tried" may be claimed); ``widened`` counts the
    values added beyond the starting grid.
    """

    best: float
    best_score: float
    grid: tuple
    scores: tuple
    on_edge: bool
    widened: int

    @property
    def neighbours(self) -> tuple:
        """The grid values either side of ``best`` (``None`` where there is none)."""
        i = self.grid.index(self.best)
        return (self.grid[i - 1] if i > 0 else None,
                self.grid[i + 1] if i + 1 < len(self.grid) else None)


def _score(score, value) -> float:
    s = float(score(value))
    return s if math.isfinite(s) else math.inf  # a diverged run is the worst score


def log_grid_search(score: Callable[[float], float], grid: Iterable[float], *,
                    max_widen: int = 4) -> GridSearch:
    """Minimise ``score(value)`` over a log-spaced ``grid``, widening the grid until the best value
    is interior.

    ``score`` should be horizon-robust (for example the worst loss over the last part of the
    run, ``tail_stats(losses).max``), so that a rate that is good at one step and unstable later
    does not win. NaN and inf scores count as the worst. Whenever the best value is the smallest
    or the largest value tried, the grid is extended on that side by its own ratio (the ratio of
    its two smallest or two largest values), up to ``max_widen`` new values in all; if the best
    is still on an edge, ``on_edge`` is ``True``.
    """
    values = sorted({float(v) for v in grid})
    if len(values) < 3:
        raise ValueError(f"grid needs at least 3 distinct values, got {values}")
    if values[0] <= 0:
        raise ValueError(f"a log grid needs positive values, got {values[0]}")
    if isinstance(max_widen, bool) or not isinstance(max_widen, int) or max_widen < 0:
        raise ValueError(f"max_widen must be a non-negative int, got {max_widen!r}")
    scores = {v: _score(score, v) for v in values}
    widened = 0
    while True:
        ordered = sorted(scores)
        best = min(ordered, key=lambda v: (scores[v], v))
        low, high = best == ordered[0], best == ordered[-1]
        if not (low or high) or widened >= max_widen:
            break
        if low:
            new = ordered[0] * ordered[0] / ordered[1]
        else:
            new = ordered[-1] * ordered[-1] / ordered[-2]
        scores[new] = _score(score, new)
        widened += 1
    ordered = sorted(scores)
    best = min(ordered, key=lambda v: (scores[v], v))
    return GridSearch(best=best, best_score=scores[best], grid=tuple(ordered),
                      scores=tuple(scores[v] for v in ordered),
                      on_edge=best in (ordered[0], ordered[-1]), widened=widened)


@dataclass(frozen=True)
class SeedSpread:
    """One number measured under several seeds (see :func:`over_seeds`)."""

    seeds: tuple
    values: tuple
    mean: float
    std: float
    median: float
    min: float
    max: float

    def describe(self, spec: str = ".3g") -> str:
        """ "0.123 (0.110 to 0.140 over 5 seeds)": the median and the range, for the prose."""
        return (f"{self.median:{spec}} ({self.min:{spec}} to {self.max:{spec}} "
                f"over {len(self.seeds)} seeds)")


def over_seeds(run: Callable[[int], float], seeds: Sequence[int] = (0, 1, 2, 3, 4)) -> SeedSpread:
    """Run ``run(seed)`` for every seed and summarise the numbers it returns.

    A stochastic claim is glued from ``median`` with ``min`` and ``max`` beside it, and its hidden
    assert checks every seed (``max`` or ``min``), not one lucky run.
    """
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2:
        raise ValueError(f"a spread needs at least 2 seeds, got {seeds}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    values = np.array([float(run(s)) for s in seeds])
    return SeedSpread(seeds=seeds, values=tuple(float(v) for v in values),
                      mean=float(values.mean()), std=float(values.std(ddof=1)),
                      median=float(np.median(values)), min=float(values.min()),
                      max=float(values.max()))
