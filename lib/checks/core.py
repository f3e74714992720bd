"""The machinery behind every homework check.

A check runs the student's function through a seeded *scenario* (a function that calls the
implementation on fixed inputs and returns what it produced), and compares the result with the
reference implementation's. When they differ, it runs the same scenario through a list of
deliberately wrong implementations, one per typical mistake: the first one whose result the
student's matches names the mistake. A student who modified the caller's arrays in place is
told so before anything else, since that corrupts every later comparison.

Verdicts:

- ``correct``: matches the reference on every case;
- ``not attempted``: the function still raises ``NotImplementedError`` (the homework stub);
- ``mistake``: differs from the reference and matches a known mistake, whose hint is shown;
- ``wrong``: differs from the reference in a way none of the known mistakes explains
  (the message says where and by how much);
- ``error``: the function raised an exception (its type and message are shown).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Mistake", "CheckResult", "run_check", "same", "inputs_modified"]


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: a short ``name``, the ``hint`` shown to the student, and ``impl``,
    a deliberately wrong implementation with the student's signature."""

    name: str
    hint: str
    impl: Callable


@dataclass(frozen=True)
class CheckResult:
    status: str  # "correct", "not attempted", "mistake", "wrong" or "error"
    message: str
    mistake: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        mark = {"correct": "✓", "not attempted": "…"}.get(self.status, "✗")
        return f"{mark} {self.message}"

    def _repr_pretty_(self, p, cycle):  # IPython shows the verdict, not the dataclass
        p.text(str(self))


def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def same(a, b, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """Whether two results (arrays, numbers, or nested lists/tuples/dicts of them) agree."""
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return False
    for x, y in zip(la, lb):
        if callable(x) or callable(y):  # e.g. a gradient function passed as an argument
            if x is not y:
                return False
            continue
        try:
            x = np.asarray(x, dtype=float)
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            return False
        if x.shape != y.shape or not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
            return False
    return True


def _largest_gap(a, b) -> str:
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return f"it returned {len(lb)} values where {len(la)} were expected"
    for k, (x, y) in enumerate(zip(la, lb)):
        x = np.asarray(x, dtype=float)
        try:
            y = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            return f"value {k} is not a number or array"
        if x.shape != y.shape:
            return f"value {k} has shape {y.shape}, expected {x.shape}"
        if not np.allclose(x, y, rtol=1e-7, atol=1e-10, equal_nan=True):
            gap = float(np.nanmax(np.abs(x - y))) if x.size else 0.0
            return f"value {k} differs from the reference by up to {gap:.3g}"
    return "the results differ"


def inputs_modified(fn: Callable, args: Sequence, kwargs: dict | None = None) -> bool:
    """Whether calling ``fn(*args, **kwargs)`` changes any array among its arguments."""
    kwargs = kwargs or {}
    before = copy.deepcopy((list(args), kwargs))
    fn(*args, **kwargs)
    return not same(before, (list(args), kwargs), rtol=0, atol=0)


def run_check(student: Callable, reference: Callable, scenario: Callable[[Callable], Any],
              mistakes: Sequence[Mistake] = (), name: str | None = None,
              aliasing_args: Callable[[], tuple] | None = None, rtol: float = 1e-7,
              atol: float = 1e-10) -> CheckResult:
    """Check ``student`` against ``reference`` and name the mistake if there is one.

    Parameters
    ----------
    scenario: ``scenario(impl)`` runs an implementation on fixed, seeded inputs and returns its
        results (arrays or nested lists of arrays). It must build fresh inputs on every call.
    mistakes: known wrong implementations, most specific first.
    aliasing_args: ``() -> (args, kwargs)`` fresh inputs for one call; if given, a student
        function that changes these inputs in place is told so.
    """
    name = name or getattr(student, "__name__", "your function")
    if not callable(student):
        return CheckResult("error", f"{name} is not a function (got {type(student).__name__})")
    try:
        if aliasing_args is not None:
            args, kwargs = aliasing_args()
            if inputs_modified(student, args, kwargs):
                return CheckResult(
                    "mistake",
                    f"{name} changed the arrays it was given: it must leave its inputs as they "
                    "were and return new arrays (write theta = theta - ..., or copy first, "
                    "instead of theta -= ...).", mistake="in-place aliasing")
        got = scenario(student)
    except NotImplementedError:
        return CheckResult("not attempted", f"{name}: not attempted yet (the stub still raises "
                                            "NotImplementedError).")
    except Exception as exc:  # the student's code failed: report it, do not crash the notebook
        return CheckResult("error", f"{name} raised {type(exc).__name__}: {exc}")
    expected = scenario(reference)
    if same(expected, got, rtol=rtol, atol=atol):
        return CheckResult("correct", f"{name} matches the reference on every test case.")
    for mistake in mistakes:
        try:
            wrong = scenario(mistake.impl)
        except Exception:  # a mistake that crashes on these inputs cannot be the student's
            continue
        if same(wrong, got, rtol=rtol, atol=atol):
            return CheckResult("mistake", f"{name} is not right yet. Likely mistake: "
                                          f"{mistake.hint}", mistake=mistake.name)
    return CheckResult("wrong", f"{name} does not match the reference: "
                                f"{_largest_gap(expected, got)}. None of the common mistakes "
                                "explains it; re-derive the update from the formula.")
