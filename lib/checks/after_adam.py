r"""Homework checks for the chapter after Adam: a warm-up + cosine schedule and an AdamW step.

- :func:`check_warmup_cosine` checks a function
  ``warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0) -> float``,
  the learning rate of update ``t`` (1 on the first), with ``e = t - 1`` steps already taken::

      e < W:  lr0 · (s + (1 − s) · e / W)
      e ≥ W:  lr_min + (lr0 − lr_min) · (1 + cos(π · min(e − W, T − W) / (T − W))) / 2

  (:func:`lib.schedules.warmup_cosine`, equal to Keras's ``CosineDecay`` with warm-up and to
  PyTorch's ``LinearLR`` then ``CosineAnnealingLR``).
- :func:`check_adamw_step` checks a function ``adamw_step(theta, g, m, v, t, lr=0.001,
  beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01) -> (theta, m, v)`` returning new arrays::

      θ := θ − lr · λ · θ                      (decoupled weight decay, times lr as in the frameworks)
      m := β1 m + (1 − β1) g,  v := β2 v + (1 − β2) g²,  m̂ = m/(1 − β1^t),  v̂ = v/(1 − β2^t)
      θ := θ − lr · m̂ / (√v̂ + ε)

The AdamW scenario uses a large learning rate and weight decay (0.1 and 0.5), so that the
decay's place in the update (before or after the Adam step, inside g or outside) changes the
result visibly.
"""

from __future__ import annotations

import math

import numpy as np

from .adam import reference_adam_step
from .core import Case, CheckResult, Mistake, Signature, WrongReturn, finish, run_check, unpack

__all__ = ["check_warmup_cosine", "check_adamw_step", "reference_warmup_cosine",
           "reference_adamw_step", "SCHEDULE_MISTAKES", "ADAMW_MISTAKES"]


# -- warm-up + cosine -------------------------------------------------------------------------------

def reference_warmup_cosine(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
    """The learning rate of update ``t`` (1, 2, ...): :func:`lib.schedules.warmup_cosine`."""
    e = t - 1
    if e < warmup_steps:
        return lr0 * (start_factor + (1 - start_factor) * e / warmup_steps)
    decay_steps = total_steps - warmup_steps
    e = min(e - warmup_steps, decay_steps)
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * e / decay_steps)) / 2


def _schedule_variant(*, count=lambda t: t - 1, span=lambda W, T: T - W, shift=True, half=True,
                      use_min=True, start=True, clamp=True):
    def warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor=0.1, lr_min=0.0):
        e = count(t)
        low = lr_min if use_min else 0.0
        if e < warmup_steps:
            s = start_factor if start else 0.0
            return lr0 * (s + (1 - s) * e / warmup_steps)
        decay_steps = span(warmup_steps, total_steps)
        e = e - warmup_steps if shift else e
        if clamp:
            e = min(e, decay_steps)
        cos = (1 + math.cos(math.pi * e / decay_steps)) / 2 if half else math.cos(
            math.pi * e / decay_steps)
        return low + (lr0 - low) * cos

    return warmup_cosine_lr


SCHEDULE_MISTAKES = [
    Mistake("counts from t, not t - 1",
            "your schedule is one step ahead: update t has taken e = t − 1 steps before it, so "
            "the first update (t = 1) must use e = 0, i.e. lr0 · start_factor (PyTorch's "
            "scheduler and Keras's iterations both count from 0).",
            _schedule_variant(count=lambda t: t)),
    Mistake("warm-up starts at zero",
            "your warm-up starts at 0, so the first update does nothing: start at "
            "lr0 · start_factor and rise linearly to lr0.",
            _schedule_variant(start=False)),
    Mistake("cosine over all steps",
            "your cosine runs over total_steps; after the warm-up only total_steps − "
            "warmup_steps remain, and the cosine must reach lr_min at the end of those.",
            _schedule_variant(span=lambda W, T: T)),
    Mistake("cosine not shifted",
            "your cosine does not start where the warm-up ends: use e − warmup_steps, so the "
            "first step after the warm-up uses the full lr0.",
            _schedule_variant(shift=False)),
    Mistake("no (1 + cos)/2",
            "the cosine factor must run from 1 to 0: (1 + cos(π·x)) / 2, not cos(π·x), which "
            "goes negative.", _schedule_variant(half=False)),
    Mistake("lr_min ignored",
            "your schedule decays to 0 whatever lr_min is: decay to lr_min, "
            "lr_min + (lr0 − lr_min) · (1 + cos(...)) / 2.", _schedule_variant(use_min=False)),
    Mistake("not held after the end",
            "after total_steps the rate must stay at lr_min: clip e − warmup_steps at "
            "total_steps − warmup_steps (otherwise the cosine rises again, as PyTorch's "
            "CosineAnnealingLR does).", _schedule_variant(clamp=False)),
]

_SCHEDULE_CASES = [  # (lr0, warmup_steps, total_steps, start_factor, lr_min, steps checked)
    (0.1, 4, 20, 0.25, 0.01, 24),
    (0.003, 10, 50, 0.1, 0.0, 50),
]


def _rate(value, t):
    """``value`` as a float, or WrongReturn naming update ``t``."""
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0:
        raise WrongReturn(f"it returned {type(value).__name__} for t = {t}; it should return "
                          "the learning rate of update t, a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise WrongReturn(f"it returned {type(value).__name__} for t = {t}; it should return "
                          "the learning rate of update t, a number (is a `return` missing?)"
                          ) from None


def _schedule_scenario(warmup_cosine_lr):
    results = []
    for lr0, W, T, s, low, n in _SCHEDULE_CASES:
        rates = [_rate(warmup_cosine_lr(t, lr0, W, T, s, low), t) for t in range(1, n + 1)]
        label = (f"for lr0 = {lr0}, warmup_steps = {W}, total_steps = {T}, start_factor = {s}, "
                 f"lr_min = {low}")
        results.append(Case(label, unpack(np.array(rates, dtype=float), ("rate",),
                                          "for t = 1, 2, ..."), rows="the rate"))
    # the defaults of the signature (start_factor 0.1, lr_min 0)
    rates = [_rate(warmup_cosine_lr(t, 0.05, 3, 12), t) for t in range(1, 13)]
    results.append(Case("with the default start_factor and lr_min",
                        unpack(np.array(rates, dtype=float), ("rate",)), rows="the rate"))
    return results


def _schedule_rows_named_by_update(result: CheckResult) -> CheckResult:
    """core names row k "after step k"; row k of a rate list is update k + 1."""
    import re

    def rename(match):
        k = int(match.group(1))
        return f"at update t = {k + 1}"

    message = re.sub(r"after step (\d+)", rename, result.message)
    message = message.replace("at the start", "at update t = 1")
    return CheckResult(result.status, message, result.mistake)


def check_warmup_cosine(warmup_cosine_lr, verbose: bool = True) -> CheckResult:
    """Check ``warmup_cosine_lr(t, lr0, warmup_steps, total_steps, start_factor, lr_min)``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(warmup_cosine_lr, "__name__", "warmup_cosine_lr")
    result = run_check(warmup_cosine_lr, reference_warmup_cosine, _schedule_scenario,
                       SCHEDULE_MISTAKES, name=name, rtol=1e-9, atol=1e-12,
                       returns="the learning rate of update t, a number")
    return finish(_schedule_rows_named_by_update(result), verbose,
                  graded=name == "warmup_cosine_lr")


# -- AdamW ------------------------------------------------------------------------------------------

def reference_adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                         weight_decay=0.01):
    """AdamW as PyTorch and Keras compute it, returning new arrays ``(theta, m, v)``."""
    theta = theta - lr * weight_decay * theta
    return reference_adam_step(theta, g, m, v, t, lr, beta1, beta2, eps)


def _adamw_variant(*, where="before", times_lr=True, sign=1.0, adam=reference_adam_step):
    def adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                   weight_decay=0.01):
        decay = sign * (lr * weight_decay if times_lr else weight_decay)
        if where == "l2":  # Adam with L2: the decay goes into the gradient
            return adam(theta, g + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)
        if where == "none":
            return adam(theta, g, m, v, t, lr, beta1, beta2, eps)
        if where == "after":
            theta, m, v = adam(theta, g, m, v, t, lr, beta1, beta2, eps)
            return theta - decay * theta, m, v
        return adam(theta - decay * theta, g, m, v, t, lr, beta1, beta2, eps)

    return adamw_step


def _adam_mistake(name):
    from .adam import STEP_MISTAKES
    return next(m for m in STEP_MISTAKES if m.name == name)


ADAMW_MISTAKES = [
    Mistake("L2 instead of decoupled decay",
            "you added weight_decay·θ to the gradient (L2 regularization, what "
            "torch.optim.Adam(weight_decay=...) does): Adam then divides it by √v̂. AdamW "
            "shrinks θ directly, θ := θ − lr·weight_decay·θ, outside the Adam step.",
            _adamw_variant(where="l2")),
    Mistake("no weight decay",
            "θ is never decayed: AdamW first shrinks θ := θ − lr·weight_decay·θ, then takes "
            "Adam's step.", _adamw_variant(where="none")),
    Mistake("decay not multiplied by lr",
            "your decay is θ − weight_decay·θ; PyTorch's and Keras's AdamW multiply it by the "
            "learning rate: θ − lr·weight_decay·θ.", _adamw_variant(times_lr=False)),
    Mistake("decay with the wrong sign",
            "your decay grows θ: subtract lr·weight_decay·θ.", _adamw_variant(sign=-1.0)),
    Mistake("decay after the Adam step",
            "you decayed the θ that Adam's step produced; PyTorch and Keras decay the θ you "
            "were given, then take Adam's step (θ·(1 − lr·λ) − lr·m̂/(√v̂ + ε)).",
            _adamw_variant(where="after")),
] + [Mistake(name, _adam_mistake(name).hint, _adamw_variant(adam=_adam_mistake(name).impl))
     for name in ("no bias correction", "t stuck at 1", "off by one: t + 1", "eps inside the root",
                  "v from g instead of g²", "missing (1 − beta) factors", "returns m_hat and v_hat",
                  "wrong sign")]

ADAMW_HYPER = {"lr": 0.1, "beta1": 0.8, "beta2": 0.9, "eps": 0.05, "weight_decay": 0.5}
_OUTPUTS = ("theta", "m", "v")


def _adamw_scenario(adamw_step):
    results = []
    rng = np.random.default_rng(7)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        theta = np.array([1.5, -2.0, 0.5, 3.0])
        m, v = np.zeros(4), np.zeros(4)
        for t in range(1, 7):
            g = 0.3 * rng.standard_normal(4)
            out = unpack(adamw_step(theta.copy(), g, m.copy(), v.copy(), t, **ADAMW_HYPER),
                         _OUTPUTS)
            results.append(Case(f"after step {t} (lr = 0.1, beta1 = 0.8, beta2 = 0.9, "
                                "eps = 0.05, weight_decay = 0.5)", out,
                                before={"theta": theta, "m": m, "v": v}))
            theta, m, v = out["theta"], out["m"], out["v"]
        theta = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        m, v = np.zeros((2, 3)), np.zeros((2, 3))
        for t in range(1, 4):
            g = 0.3 * rng.standard_normal((2, 3))
            out = unpack(adamw_step(theta.copy(), g, m.copy(), v.copy(), t), _OUTPUTS)
            results.append(Case(f"after step {t} with the default hyperparameters", out,
                                before={"theta": theta, "m": m, "v": v}))
            theta, m, v = out["theta"], out["m"], out["v"]
    return results


def _adamw_probes():
    rng = np.random.default_rng(43)
    probes = []
    for t, (lr, b1, b2, eps, wd) in zip((2, 3, 5), ((0.1, 0.8, 0.9, 0.05, 0.5),
                                                    (0.2, 0.7, 0.95, 0.1, 0.3),
                                                    (0.05, 0.6, 0.85, 0.02, 0.8))):
        g = 0.3 * rng.normal(size=4)
        m = 0.2 * rng.normal(size=4)
        v = 0.1 * rng.uniform(0.5, 1.5, size=4)
        probes.append((rng.normal(size=4), g, m, v, t, lr, b1, b2, eps, wd))
    return probes


ADAMW_SIGNATURE = Signature(
    args=("theta", "g", "m", "v", "t", "lr", "beta1", "beta2", "eps", "weight_decay"),
    outputs=_OUTPUTS, probes=_adamw_probes, updates={"theta": "theta", "m": "m", "v": "v"},
    defaults={"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
    counter="t", state=("m", "v"))


def _adamw_aliasing_args():
    g = np.array([0.2, 0.4, 0.3])
    return (np.array([0.5, -1.0, 2.0]), g, 0.1 * g, 0.01 * g**2, 2), dict(ADAMW_HYPER)


def check_adamw_step(adamw_step, verbose: bool = True) -> CheckResult:
    """Check ``adamw_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)``.

    Prints a one-line verdict (unless ``verbose=False``) and returns the :class:`CheckResult`.
    """
    name = getattr(adamw_step, "__name__", "adamw_step")
    result = run_check(adamw_step, reference_adamw_step, _adamw_scenario, ADAMW_MISTAKES,
                       name=name, aliasing_args=_adamw_aliasing_args, signature=ADAMW_SIGNATURE,
                       returns="(theta, m, v), three new arrays")
    return finish(result, verbose, graded=name == "adamw_step")
