"""The machinery behind every homework check.

A check runs the student's function through a seeded *scenario* (a function that calls the
implementation on fixed inputs and returns what it produced, as a list of labelled
:class:`Case` records such as "theta after step 3"), and compares the result with the reference
implementation's. When they differ it looks for the reason, in this order:

1. a student who modified the caller's arrays in place is told so first, since that corrupts
   every later comparison;
2. the same scenario run through a list of deliberately wrong implementations, one per typical
   mistake of that exercise: the first one whose result the student's matches names the mistake;
3. the *generic detectors* of this module, which need no list: they call the student's function
   on single, fresh *probe* inputs described by a :class:`Signature` and look for structural
   mistakes: results that change between two identical calls (state kept between calls, or
   NumPy's global random state), outputs returned in the wrong order, a hyperparameter hard-coded
   to its default, a step counter off by one, an argument ignored, a state returned unchanged,
   an output (or the change it should make) off by a constant factor or by its sign;
4. otherwise the verdict is "wrong", and the message names the first output that differs and the
   step or case where it does ("m after step 3"), with the gap relative to the size of that
   output or of the change the step should make, so a real mistake never looks like rounding.

Every verdict is deterministic: a check seeds all its inputs, never reads NumPy's global random
state, and restores that state when the student's code drew from it.

Verdicts:

- ``correct``: matches the reference on every case;
- ``not attempted``: the function still raises ``NotImplementedError`` (the homework stub);
- ``mistake``: differs from the reference and matches a known mistake or a generic detector,
  whose hint is shown (``CheckResult.mistake`` names it; generic ones start with ``"generic:"``);
- ``wrong``: differs from the reference in a way nothing above explains;
- ``error``: the function raised an exception (its type and message are shown), or returned
  something of the wrong kind (the message says what it should return).

Under nbgrader's autograder (which sets ``NBGRADER_EXECUTION``) a check of the exercise's own
function raises ``AssertionError`` with the verdict when it is not correct, so the graded cell
fails and scores zero; in the book and in the homework notebooks it only prints the verdict.
"""

from __future__ import annotations

import copy
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Mistake", "CheckResult", "Case", "Signature", "WrongReturn", "run_check", "same",
           "inputs_modified", "unpack", "finish", "GENERIC_DETECTORS"]

_CHECKS_DIR = Path(__file__).resolve().parent


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


class Case(dict):
    """One labelled record of a scenario: output name -> value.

    ``label`` says where it comes from ("after step 3", "for the data set of 8 points");
    ``before`` maps an output to the input value it replaces (``theta_new`` -> the ``theta``
    passed in), so a gap can be measured against the change the step should make.
    """

    def __init__(self, label: str, values: dict, before: dict | None = None,
                 rows: str | None = None):
        super().__init__(values)
        self.label = label
        self.before = dict(before or {})
        self.rows = rows  # e.g. "theta": row k of each value is theta after step k


class WrongReturn(TypeError):
    """The student's function returned something of the wrong kind (the message says what)."""


def unpack(result, names: Sequence[str], what: str = "") -> dict:
    """``result`` as ``{name: float array}``, or :class:`WrongReturn` saying what is expected.

    ``names`` are the returned values in order; a single name means one value, not a tuple.
    """
    names = tuple(names)
    expected = (f"one array ({names[0]})" if len(names) == 1 else
                f"a tuple of {len(names)} values ({', '.join(names)})")
    where = f" {what}" if what else ""
    if result is None:
        raise WrongReturn(f"it returned None{where}; it should return {expected} "
                          "(is a `return` missing?)")
    if len(names) == 1:
        values = (result,)
    else:
        if isinstance(result, np.ndarray) or not isinstance(result, (tuple, list)):
            raise WrongReturn(f"it returned a single {type(result).__name__}{where}; it should "
                              f"return {expected}")
        if len(result) != len(names):
            raise WrongReturn(f"it returned {len(result)} values{where}; it should return "
                              f"{expected}")
        values = tuple(result)
    out = {}
    for name, value in zip(names, values):
        try:
            out[name] = np.array(value, dtype=float)
        except (TypeError, ValueError):
            raise WrongReturn(f"{name} is a {type(value).__name__}{where}, not a number or an "
                              f"array; it should return {expected}") from None
    return out


def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def same(a, b, rtol: float = 1e-7, atol: float = 1e-10) -> bool:
    """Whether two results (arrays, numbers, or nested lists/tuples/dicts of them) agree."""
    if isinstance(a, Case) and isinstance(b, Case) and set(a) != set(b):
        return False
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


def _num(x: float) -> str:
    return f"{x:.3g}"


def _relative(gap: float, scale: float, noun: str) -> str:
    if scale == 0:
        return f"where {noun} is zero"
    ratio = gap / scale
    if ratio >= 10:
        return f"{ratio:.3g} times {noun}"
    return f"{100 * ratio:.3g}% of {noun}"


def _describe_gap(name: str, label: str, want, have, before=None) -> str:
    want = np.asarray(want, dtype=float)
    try:
        have = np.asarray(have, dtype=float)
    except (TypeError, ValueError):
        return f"{name} {label} is not a number or an array"
    where = f"{name} {label}".strip()
    if want.shape != have.shape:
        return f"{where} has shape {have.shape}, expected {want.shape}"
    with np.errstate(invalid="ignore"):
        gap = float(np.nanmax(np.abs(want - have))) if want.size else 0.0
    if not np.isfinite(gap):
        return f"{where} is not finite (nan or inf)"
    if before is not None:
        change = float(np.max(np.abs(want - np.asarray(before, dtype=float)))) if want.size else 0
        return (f"{where} is off by {_num(gap)}, {_relative(gap, change, 'the change')} it "
                f"should make ({_num(change)})")
    size = float(np.max(np.abs(want))) if want.size else 0.0
    return f"{where} is off by {_num(gap)}, {_relative(gap, size, 'its size')} ({_num(size)})"


def _largest_gap(expected, got, rtol=1e-7, atol=1e-10) -> str:
    """Where the first difference lies, named by output and step, never by position."""
    if isinstance(expected, list) and isinstance(got, list) and all(
            isinstance(c, Case) for c in expected):
        if len(got) != len(expected):
            return f"it produced {len(got)} results where {len(expected)} were expected"
        for want, have in zip(expected, got):
            for name in want:
                if name not in have:
                    return f"{name} {want.label} is missing"
                if not same(want[name], have[name], rtol=rtol, atol=atol):
                    if want.rows and np.shape(want[name]) == np.shape(have[name]):
                        for k, (w, h) in enumerate(zip(want[name], have[name])):
                            if not same(w, h, rtol=rtol, atol=atol):
                                at = "at the start" if k == 0 else f"after step {k}"
                                return _describe_gap(want.rows, f"{at} {want.label}", w, h,
                                                     want[name][k - 1] if k else None)
                    return _describe_gap(name, want.label, want[name], have[name],
                                         want.before.get(name))
        return "the results differ"
    la, lb = _leaves(expected), _leaves(got)
    if len(la) != len(lb):
        return f"it returned {len(lb)} values where {len(la)} were expected"
    for x, y in zip(la, lb):
        if not same(x, y, rtol=rtol, atol=atol):
            return _describe_gap("the result", "", x, y)
    return "the results differ"


def inputs_modified(fn: Callable, args: Sequence, kwargs: dict | None = None) -> bool:
    """Whether calling ``fn(*args, **kwargs)`` changes any array among its arguments."""
    kwargs = kwargs or {}
    before = copy.deepcopy((list(args), kwargs))
    fn(*args, **kwargs)
    return not same(before, (list(args), kwargs), rtol=0, atol=0)


# -- generic detectors --------------------------------------------------------------------------

@dataclass
class Signature:
    """What the generic detectors need to know about an exercise's function.

    args: the parameter names, in order (probes call the function positionally, so a student
        who renamed a parameter is still checked).
    outputs: the names of the returned values, in order (one name: a single value).
    probes: ``() -> list of argument tuples``, fresh seeded inputs for single calls, chosen so
        that every argument matters.
    updates: output name -> the argument it is the new value of (``theta_new`` -> ``theta``).
    defaults: hyperparameter -> the default of the exercise's signature, for "hard-coded".
    counter: the name of a step-counter argument (``t``), for "off by one".
    state: arguments that carry state from one call to the next (``m``, ``v``, ``s``).
    perturb: argument -> ``value -> another value``, how to change it in the "ignored" probe
        (default: arrays and numbers scaled and shifted, betas moved towards 1).
    """

    args: tuple
    outputs: tuple
    probes: Callable[[], list]
    updates: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    counter: str | None = None
    state: tuple = ()
    perturb: dict = field(default_factory=dict)
    ignored_hints: dict = field(default_factory=dict)  # argument -> how to use it

    def changed(self, name: str, value):
        if name in self.perturb:
            return self.perturb[name](value)
        if isinstance(value, (bool, np.bool_)):
            return not value
        if isinstance(value, (int, np.integer)):
            return value + 1
        if isinstance(value, (float, np.floating)):
            value = float(value)
            if name.startswith("beta") and 0 < value < 1:
                return 1 - (1 - value) / 2
            return 1.7 * value if value else 0.3
        if isinstance(value, np.ndarray):
            return 1.3 * value + 0.25
        raise TypeError(f"no rule to change {name}")


def _key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_key(v) for v in value)
    if isinstance(value, (int, float, str, bool, np.generic)):
        return (type(value).__name__, value)
    return ("object", id(value))


def _call(fn, sig: Signature, args) -> dict:
    if fn is sig.reference:
        key = _key(args)  # the reference's result on a probe is needed by several detectors
        cache = sig.__dict__.setdefault("_cache", {})
        if key not in cache:
            with np.errstate(all="ignore"):
                cache[key] = unpack(fn(*copy.deepcopy(tuple(args))), sig.outputs)
        return cache[key]
    with np.errstate(all="ignore"):
        return unpack(fn(*copy.deepcopy(tuple(args))), sig.outputs)


def _outputs_same(a: dict, b: dict, names=None) -> bool:
    return all(same(a[n], b[n]) for n in (names or a))


def _with(sig: Signature, args, **changes) -> tuple:
    args = list(args)
    for name, value in changes.items():
        args[sig.args.index(name)] = value
    return tuple(args)


def _matches_everywhere(student, sig, probes, make_ref_args) -> bool:
    """Whether the student's output on every probe equals the reference's on the changed args."""
    for args, got in probes:
        ref_args = make_ref_args(args)
        if ref_args is None:
            return False
        if not _outputs_same(got, _call(sig.reference, sig, ref_args)):
            return False
    return True


def _detect_not_reproducible(student, sig, probes):
    for args, got in probes:
        if not _outputs_same(got, _call(student, sig, args)):
            return ("the same inputs gave different results on two calls: the function keeps "
                    "something between calls (a global variable, a mutable default argument, "
                    "an attribute) or draws from NumPy's global random state. Its result must "
                    "depend only on its arguments.")
    return None


def _detect_order(student, sig, probes):
    """Each returned value equals one of the right values, but not the one in its place."""
    if len(sig.outputs) < 2:
        return None
    refs = [_call(sig.reference, sig, args) for args, _ in probes]
    placed = []
    for name in sig.outputs:
        matches = [other for other in sig.outputs
                   if all(same(got[name], ref[other]) for (_, got), ref in zip(probes, refs))]
        if not matches:
            return None
        placed.append(name if name in matches else matches[0])
    if placed == list(sig.outputs):
        return None
    wrong = [f"{have} where {name} belongs" for name, have in zip(sig.outputs, placed)
             if have != name]
    return (f"the outputs are in the wrong place: it returns {'; '.join(wrong)}. Return "
            f"({', '.join(sig.outputs)}), each computed from its own formula, in that order.")


def _detect_hard_coded(student, sig, probes):
    for name, default in sig.defaults.items():
        # probes never use the default, so "right for the default only" shows
        if _matches_everywhere(student, sig, probes, lambda a: _with(sig, a, **{name: default})):
            return (f"it ignores the {name} it is given and always uses {name} = {default!r} "
                    f"(the default): use the parameter {name} in the formula, never a "
                    "constant, so other values of it work too.")
    return None


def _detect_counter(student, sig, probes):
    if sig.counter is None:
        return None
    c = sig.counter
    for shift, words in ((+1, "one step ahead"), (-1, "one step behind")):
        def make(a, shift=shift):
            value = a[sig.args.index(c)] + shift
            return _with(sig, a, **{c: value}) if value >= 1 else None
        try:
            if _matches_everywhere(student, sig, probes, make):
                use = f"{c} + 1" if shift > 0 else f"{c} - 1"
                return (f"the step counter is off by one, {words}: it computes with {use} "
                        f"where the formula has {c} (the first step is {c} = 1).")
        except Exception:
            continue
    return None


def _detect_ignored(student, sig, probes):
    """An output that never changes when an argument changes, on every probe where the
    reference's output does."""
    for name in sig.args:
        seen = {out: [] for out in sig.outputs}  # per output: "student unchanged" on each probe
        for args, got in probes:
            try:
                moved = _with(sig, args, **{name: sig.changed(name, args[sig.args.index(name)])})
            except TypeError:
                break
            ref, ref_moved = _call(sig.reference, sig, args), _call(sig.reference, sig, moved)
            got_moved = _call(student, sig, moved)
            for out in sig.outputs:
                if not same(ref[out], ref_moved[out]):
                    seen[out].append(same(got[out], got_moved[out]))
        for out in sig.outputs:
            if seen[out] and all(seen[out]):
                if name in sig.state:
                    return (f"{out} does not change when the {name} passed in changes: the "
                            f"state {name} is not carried from one call to the next. Start "
                            f"from the {name} you are given (a zero {name} only on the "
                            "first step, made by the caller).")
                use = sig.ignored_hints.get(name, f"use the parameter {name} in the formula")
                return (f"{out} does not change when {name} changes: the argument {name} "
                        f"is ignored (a constant or a global used instead?): {use}.")
    return None


def _detect_unchanged_state(student, sig, probes):
    for out, arg in sig.updates.items():
        if all(same(got[out], args[sig.args.index(arg)]) for args, got in probes):
            return (f"the returned {out} is the {arg} that was passed in, unchanged: compute "
                    f"the new {arg} and return it, so the next call starts from it.")
    return None


def _factor(got, want):
    got, want = np.ravel(got), np.ravel(want)
    denom = float(want @ want)
    if denom == 0 or not np.all(np.isfinite(got)):
        return None
    c = float(got @ want) / denom
    if abs(c - 1) < 1e-6 or not np.allclose(got, c * want, rtol=1e-6, atol=1e-12):
        return None
    return c


def _detect_factor(student, sig, probes):
    refs = [_call(sig.reference, sig, args) for args, _ in probes]
    for out in sig.outputs:
        arg = sig.updates.get(out)
        views = []
        if arg is not None:
            before = [np.asarray(args[sig.args.index(arg)], float) for args, _ in probes]
            views.append((f"the change of {arg} (the returned {out} minus the {arg} passed in)",
                          [np.ravel(g[out] - b) for (_, g), b in zip(probes, before)],
                          [np.ravel(r[out] - b) for r, b in zip(refs, before)], True))
        views.append((out, [np.ravel(g[out]) for _, g in probes],
                      [np.ravel(r[out]) for r in refs], False))
        for what, got, want, is_change in views:
            if [g.shape for g in got] != [w.shape for w in want]:
                continue
            c = _factor(np.concatenate(got), np.concatenate(want))
            if c is None:
                continue
            if abs(c + 1) < 1e-6:
                tail = "the step goes the wrong way; " if is_change else ""
                return (f"{what} has the wrong sign: it is −1 × the right value; {tail}check "
                        "the sign of each term.")
            return (f"{what} is {_num(c)} × the right value on every input: a constant factor "
                    "is wrong or missing (a 2, a 1/N, a (1 − β), the learning rate?).")
    return None


#: the generic detectors, tried in this order after the known mistakes
GENERIC_DETECTORS = (
    ("not reproducible", _detect_not_reproducible),
    ("outputs in the wrong order", _detect_order),
    ("hyperparameter hard-coded", _detect_hard_coded),
    ("step counter off by one", _detect_counter),
    ("state returned unchanged", _detect_unchanged_state),
    ("argument ignored", _detect_ignored),
    ("constant factor or sign", _detect_factor),
)


def _generic(student, reference, sig: Signature | None, extra: Sequence = ()) -> tuple | None:
    """``(detector name, hint)`` of the first detector that explains the student's results, or
    None. The ``extra`` detectors come first; the generic ones need a signature."""
    probes = None
    detectors = list(extra)
    if sig is not None:
        if sig.__dict__.get("reference") is not reference:
            sig.reference, sig._cache = reference, {}
        try:
            probes = [(args, _call(student, sig, args)) for args in sig.probes()]
            shapes_right = all(np.shape(got[n]) == np.shape(ref[n])
                               for args, got in probes
                               for ref in [_call(reference, sig, args)] for n in sig.outputs)
            # with a wrong shape only these two apply; the message then names the shape
            detectors += [d for d in GENERIC_DETECTORS if shapes_right or d[0] in (
                "not reproducible", "outputs in the wrong order")]
        except Exception:  # the student's code fails on a probe: only the extra ones run
            pass
    for name, detect in detectors:
        try:
            hint = detect(student, sig, probes)
        except Exception:  # a detector that cannot run on this student's code says nothing
            hint = None
        if hint:
            return name, hint
    return None


# -- running a check ---------------------------------------------------------------------------

def _raised_in_check(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by lib.checks' own code (handling a returned value) rather
    than inside the student's function: no frame of its traceback lies outside lib.checks
    and NumPy."""
    frames = traceback.extract_tb(exc.__traceback__)
    numpy_dir = Path(np.__file__).resolve().parent
    for frame in frames:
        path = Path(frame.filename).resolve()
        if _CHECKS_DIR not in path.parents and numpy_dir not in path.parents:
            return False
    return bool(frames)


def _error(name: str, exc: Exception, returns: str) -> CheckResult:
    if isinstance(exc, WrongReturn):
        return CheckResult("error", f"{name} returned the wrong kind of result: {exc}",
                           mistake="wrong return")
    text = str(exc)
    if isinstance(exc, TypeError) and _raised_in_check(exc) and "argument" in text:
        return CheckResult("error", f"{name} cannot be called as the exercise calls it ({text}): "
                                    "keep the parameters of the exercise's signature.",
                           mistake="wrong signature")
    if _raised_in_check(exc):
        should = f"; it should return {returns}" if returns else ""
        return CheckResult("error", f"{name} returned something the check cannot use "
                                    f"({type(exc).__name__}: {exc}){should}.",
                           mistake="wrong return")
    return CheckResult("error", f"{name} raised {type(exc).__name__}: {exc}")


class _GlobalRandomState:
    """Restores NumPy's global random state on exit, so a student's np.random call leaves no
    trace and cannot make one check's verdict depend on an earlier one."""

    def __enter__(self):
        self.state = np.random.get_state()

    def __exit__(self, *exc):
        np.random.set_state(self.state)
        return False


def run_check(student: Callable, reference: Callable, scenario: Callable[[Callable], Any],
              mistakes: Sequence[Mistake] = (), name: str | None = None,
              aliasing_args: Callable[[], tuple] | None = None, rtol: float = 1e-7,
              atol: float = 1e-10, signature: Signature | None = None,
              detectors: Sequence = (), returns: str = "") -> CheckResult:
    """Check ``student`` against ``reference`` and name the mistake if there is one.

    Parameters
    ----------
    scenario: ``scenario(impl)`` runs an implementation on fixed, seeded inputs and returns its
        results (a list of :class:`Case`, or arrays and nested lists of arrays). It must build
        fresh inputs on every call.
    mistakes: known wrong implementations, most specific first.
    aliasing_args: ``() -> (args, kwargs)`` fresh inputs for one call; if given, a student
        function that changes these inputs in place is told so.
    signature: what the generic detectors need (see :class:`Signature`); without it only the
        ``detectors`` given are tried.
    detectors: extra ``(name, detect(student, signature, probes) -> hint or None)`` pairs,
        tried before the generic ones (the class and mini-batch checks have their own).
    returns: what the function should return, for messages ("(theta_new, v_new)").
    """
    name = name or getattr(student, "__name__", "your function")
    if not callable(student):
        return CheckResult("error", f"{name} is not a function (got {type(student).__name__})")
    with _GlobalRandomState():
        return _run(student, reference, scenario, mistakes, name, aliasing_args, rtol, atol,
                    signature, detectors, returns)


#: scenario results of references and known mistakes: lib's own, deterministic functions, so
#: each runs once per session however many students are checked
_RESULTS: dict = {}


def _known(scenario, impl):
    key = (scenario, impl)
    if key not in _RESULTS:
        try:
            _RESULTS[key] = (True, scenario(impl))
        except Exception as exc:  # remembered too: a mistake may fail on these inputs
            _RESULTS[key] = (False, exc)
    ok, value = _RESULTS[key]
    if not ok:
        raise value
    return value


def _run(student, reference, scenario, mistakes, name, aliasing_args, rtol, atol, signature,
         detectors, returns) -> CheckResult:
    try:
        if aliasing_args is not None:
            args, kwargs = aliasing_args()
            with np.errstate(all="ignore"):
                modified = inputs_modified(student, args, kwargs)
            if modified:
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
        if isinstance(exc, WrongReturn):  # a known mistake may return the same wrong kind
            for mistake in mistakes:
                try:
                    _known(scenario, mistake.impl)
                except WrongReturn as theirs:
                    if str(theirs) == str(exc):
                        return CheckResult("mistake", f"{name} is not right yet. Likely "
                                                      f"mistake: {mistake.hint}",
                                           mistake=mistake.name)
                except Exception:
                    continue
        return _error(name, exc, returns)
    expected = _known(scenario, reference)
    if same(expected, got, rtol=rtol, atol=atol):
        return CheckResult("correct", f"{name} matches the reference on every test case.")
    for mistake in mistakes:
        try:
            wrong = _known(scenario, mistake.impl)
        except Exception:  # a mistake that crashes on these inputs cannot be the student's
            continue
        if same(wrong, got, rtol=rtol, atol=atol):
            return CheckResult("mistake", f"{name} is not right yet. Likely mistake: "
                                          f"{mistake.hint}", mistake=mistake.name)
    if signature is not None or detectors:
        found = _generic(student, reference, signature, detectors)
        if found:
            detector, hint = found
            return CheckResult("mistake", f"{name} is not right yet: {hint}",
                               mistake=f"generic: {detector}")
    return CheckResult("wrong", f"{name} does not match the reference: "
                                f"{_largest_gap(expected, got, rtol, atol)}. None of the common "
                                "mistakes explains it; re-derive the update from the formula.")


def finish(result: CheckResult, verbose: bool, graded: bool) -> CheckResult:
    """Print the verdict (if ``verbose``) and, under nbgrader's autograder, fail the graded cell
    when the exercise's own function is not correct."""
    if verbose:
        print(result)
    if graded and os.environ.get("NBGRADER_EXECUTION") and not result.passed:
        raise AssertionError(str(result))
    return result
