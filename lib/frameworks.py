r"""The PyTorch and Keras optimizers that perform the same updates as :mod:`lib.optim`.

Same name, different update: PyTorch's and Keras's ``SGD(momentum=...)``, ``RMSprop`` and
``Adam`` are not all the article's formulas. This module says, for each lib optimizer, which
framework call performs exactly its updates, or the closest one when none does, and checks it::

    >>> from lib.optim import Momentum
    >>> equivalence(Momentum(lr=0.1, beta=0.9), "torch").call
    'torch.optim.SGD(params, lr=0.1 * (1 - 0.9), momentum=0.9)'

=============  ============================================  ============================================
lib            PyTorch                                       Keras
=============  ============================================  ============================================
GD             ``SGD(lr=η)``: exact                          ``SGD(learning_rate=η)``: exact
Momentum       ``SGD(lr=η(1-β), momentum=β)``: exact         ``SGD(learning_rate=η(1-β), momentum=β)``:
                                                             exact (not with a schedule)
RMSProp        ``RMSprop(lr=η, alpha=β, eps=ε)``: closest,   ``RMSprop(η, rho=β, epsilon=ε)``: exact
               ε outside the root
Adam           ``Adam(lr=η, betas=(β1, β2), eps=ε)``: exact  ``Adam(η, β1, β2, epsilon=ε)``: closest,
                                                             ε acts as ε/√(1-β2^t)
Nesterov       ``SGD(lr=η(1-β), momentum=β,                  ``SGD(learning_rate=η(1-β), momentum=β,
               nesterov=True)``: exact                       nesterov=True)``: exact (not with a
                                                             schedule)
Adagrad        ``Adagrad(lr=η, eps=ε,                        ``Adagrad(η, initial_accumulator_value=s0,
               initial_accumulator_value=s0)``: closest,     epsilon=ε)``: exact
               ε outside the root
AdamW          ``AdamW(lr=η, betas=(β1, β2), eps=ε,          ``AdamW(η, weight_decay=λ, β1, β2,
               weight_decay=λ)``: exact                      epsilon=ε)``: closest, ε as in Adam
=============  ============================================  ============================================

Schedules (:mod:`lib.schedules`): :func:`torch_scheduler` and :func:`keras_learning_rate` build
the frameworks' own scheduler classes that give the same learning rates step by step, and
:func:`schedule_rates` lists the rates each one uses for steps 1, 2, ...

- :func:`equivalence` gives the call as a string, whether it is exact, and what differs.
- :func:`to_torch` and :func:`to_keras` build that framework optimizer.
- :func:`run_lib`, :func:`run_torch` and :func:`run_keras` replay one sequence of gradients
  through each and return the parameter trajectories; :func:`max_gap` compares them.
- ``python -m lib.frameworks`` prints the gaps measured by :func:`measure_gaps`.

Only the hyperparameters are carried over: the framework optimizer starts fresh (step 0, zero
state), whatever steps the lib optimizer has taken.

Every claim here was read from the installed sources (``torch/optim/{sgd,rmsprop,adam,adamw,
adagrad,lr_scheduler}.py``, ``keras/src/optimizers/{sgd,rmsprop,adam,adamw,adagrad,base_optimizer}.py``
and ``keras/src/optimizers/schedules/learning_rate_schedule.py``) and is checked by
``tests/test_frameworks.py``.

Precision (Keras on TensorFlow)
    Keras keeps the learning rate in a variable of dtype ``keras.config.floatx()`` (float32 by
    default), and turns SGD's ``momentum`` and Adam's ``beta_1``/``beta_2`` into tensors with
    ``ops.cast``, which rounds a Python float to float32 first. For float64 updates build the
    optimizer and the variables inside ``with keras_floatx("float64"):`` (what
    :func:`run_keras` does), and agreement with lib to ~1e-15 also needs those hyperparameters
    to be exactly representable in float32 (0.875, 1 - 2**-10, ...): momentum 0.9 becomes
    0.9 - 2.4e-8 and the trajectories of :func:`conformance_problem` then differ by ~1e-7 instead
    of ~1e-16. The learning rate, RMSprop's ``rho`` and every ``epsilon`` enter as float64.
    PyTorch computes in the parameters' dtype with any values.
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import Callable, Iterable, NamedTuple, Sequence

import numpy as np

from .optim import GD, Adagrad, Adam, AdamW, Momentum, Nesterov, Optimizer, RMSProp
from .schedules import Schedule

__all__ = [
    "Equivalence", "equivalence", "to_torch", "to_keras", "keras_schedule", "keras_floatx",
    "keras_adam_epsilon", "run_lib", "run_torch", "run_keras", "max_gap", "measure_gaps",
    "FRAMEWORKS", "conformance_optimizers", "conformance_problem", "torch_scheduler",
    "keras_learning_rate", "schedule_rates", "conformance_schedules", "measure_schedule_gaps",
]

FRAMEWORKS = ("torch", "keras")


class Equivalence(NamedTuple):
    """How a framework performs a lib optimizer's updates.

    ``exact``: whether the framework's updates equal lib's (up to rounding) at every step.
    ``call``: the framework code, as a string; ``params`` (PyTorch) and, with a schedule,
    ``lr`` (the lib schedule) stand for the caller's objects. With a constant learning rate it
    is a single expression that evaluates to the optimizer :func:`to_torch`/:func:`to_keras`
    build.
    ``note``: what the framework computes and how it differs from the article.
    """

    exact: bool
    call: str
    note: str


# -- the plan shared by equivalence(), to_torch() and to_keras() ---------------------------------

class _Arg(NamedTuple):
    name: str
    value: object  # what is passed
    expr: str      # how the call string writes it; eval(expr) == value


class _Plan(NamedTuple):
    cls: str                 # class name in torch.optim / keras.optimizers
    args: tuple              # of _Arg, after the learning rate
    lr_scale: float          # the framework's learning rate is lr_scale * η_t
    lr_scale_expr: str       # "" when lr_scale == 1
    exact: bool
    note: str


_RMSPROP_TORCH_NOTE = (
    "Closest, not exact: PyTorch adds ε outside the square root, θ ← θ − η·g/(√s + ε); the "
    "article adds it inside, θ ← θ − η·g/√(s + ε). Each step differs by the factor "
    "√(s + ε)/(√s + ε), about 1 + ε/(2s) − ε/√s while s ≫ ε: negligible for gradients much "
    "larger than √ε, but where gradients vanish (s ≲ ε) PyTorch's steps are up to 1/√ε times "
    "larger. No eps makes them equal for every s (eps = √ε matches only at s = 0); they agree "
    "exactly only for ε = 0 on both sides. Mind the defaults too: PyTorch alpha = 0.99, lr = 0.01.")

_ADAM_KERAS_NOTE = (
    "Closest, not exact: Keras's epsilon is the paper's ε̂ ('epsilon hat'), added to √v instead "
    "of √v̂: θ ← θ − η·√(1 − β2^t)/(1 − β1^t)·m/(√v + ε̂). That is the article's update with "
    "the step-dependent ε_t = ε̂/√(1 − β2^t) (keras_adam_epsilon). With epsilon = ε the two "
    "agree as t grows (ε_t → ε), but at step 1 Keras's ε is 1/√(1 − β2) times larger (31.6 for "
    "β2 = 0.999; Keras's default 1e-7 acts like 3.2e-6). It matters only while √v̂ is not much "
    "larger than ε; they agree exactly only for ε = 0 on both sides.")

_SCHEDULE_KERAS_MOMENTUM_NOTE = (
    "Not exact with a schedule: Keras multiplies the learning rate into its velocity, "
    "m_t = β·m_{t−1} − η_t(1 − β)·g_t, θ ← θ + m_t, so a step mixes past learning rates, while "
    "the article's step η_t·v_t rescales the whole velocity by the current η_t. The gap grows "
    "with how fast η_t changes (PyTorch's buffer holds no learning rate, so PyTorch is exact). "
    "With a constant learning rate the two are exact.")


def _supported(opt, caller: str) -> type:
    kind = type(opt)
    if kind not in (GD, Momentum, RMSProp, Adam, Nesterov, Adagrad, AdamW):
        raise TypeError(
            f"{caller}: opt must be a lib.optim GD, Momentum, RMSProp, Adam, Nesterov, Adagrad or "
            f"AdamW (not a subclass, whose update may differ), got {kind.__name__}")
    return kind


def _check_framework(framework) -> str:
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    return framework


def _plan(opt: Optimizer, framework: str, caller: str) -> _Plan:
    kind = _supported(opt, caller)
    torch = framework == "torch"
    if kind is GD:
        return _Plan("SGD", (), 1.0, "", True, "Exact: θ ← θ − η·g.")
    if kind is Momentum:
        beta = opt.beta
        args = (_Arg("momentum", beta, repr(beta)),)
        if torch:
            note = (
                "Exact. PyTorch keeps the heavy-ball buffer b ← β·b + g (b = g on step 1) and steps "
                "θ ← θ − lr·b; with lr = η(1 − β) its buffer is b = v/(1 − β) at every step, step 1 "
                "included, so lr·b = η·v. SGD(lr=η, momentum=β, dampening=β) is NOT this: its first "
                "step uses g instead of (1 − β)·g.")
            exact = True
        else:
            note = (
                "Exact for a constant learning rate. Keras keeps m ← β·m − lr·g and steps θ ← θ + m; "
                "with lr = η(1 − β), m = −η·v at every step.")
            exact = not callable(opt.lr)
            if not exact:
                note = _SCHEDULE_KERAS_MOMENTUM_NOTE
        return _Plan("SGD", args, 1 - beta, f"(1 - {beta!r})", exact, note)
    if kind is RMSProp:
        if torch:
            args = (_Arg("alpha", opt.beta, repr(opt.beta)), _Arg("eps", opt.eps, repr(opt.eps)))
            return _Plan("RMSprop", args, 1.0, "", False, _RMSPROP_TORCH_NOTE)
        args = (_Arg("rho", opt.beta, repr(opt.beta)), _Arg("epsilon", opt.eps, repr(opt.eps)))
        return _Plan("RMSprop", args, 1.0, "", True,
                     "Exact: Keras, like the article, adds ε inside the square root, "
                     "θ ← θ − η·g/√(s + ε). Mind the default epsilon, 1e-7.")
    if kind is Nesterov:
        return _nesterov_plan(opt, torch)
    if kind is Adagrad:
        return _adagrad_plan(opt, torch)
    if kind is AdamW:
        return _adamw_plan(opt, torch)
    # Adam
    if torch:
        args = (_Arg("betas", (opt.beta1, opt.beta2), repr((opt.beta1, opt.beta2))),
                _Arg("eps", opt.eps, repr(opt.eps)))
        return _Plan("Adam", args, 1.0, "", True,
                     "Exact: PyTorch computes θ ← θ − lr/(1 − β1^t)·m/(√v/√(1 − β2^t) + ε), the "
                     "article's update rearranged.")
    args = (_Arg("beta_1", opt.beta1, repr(opt.beta1)), _Arg("beta_2", opt.beta2, repr(opt.beta2)),
            _Arg("epsilon", opt.eps, repr(opt.eps)))
    return _Plan("Adam", args, 1.0, "", False, _ADAM_KERAS_NOTE)


_ADAGRAD_TORCH_NOTE = (
    "Closest, not exact: PyTorch adds ε outside the square root, θ ← θ − η·g/(√s + ε), like its "
    "RMSprop. Adagrad's s only grows, so once a coordinate has seen a gradient much larger than "
    "√ε the two agree to about ε/√s relative. Mind the defaults: PyTorch eps = 1e-10 and "
    "initial_accumulator_value = 0, Keras epsilon = 1e-7 and initial_accumulator_value = 0.1.")


def _nesterov_plan(opt, torch: bool) -> _Plan:
    beta = opt.beta
    args = (_Arg("momentum", beta, repr(beta)), _Arg("nesterov", True, "True"))
    if torch and beta == 0:  # PyTorch refuses nesterov=True without momentum; β = 0 is GD
        return _Plan("SGD", (), 1.0, "", True, "Exact: with β = 0 Nesterov is GD, θ ← θ − η·g.")
    if torch:
        note = ("Exact. PyTorch's Nesterov steps θ ← θ − lr·(g + β·b) with its heavy-ball buffer "
                "b ← β·b + g; with lr = η(1 − β), b = v/(1 − β) and lr·(g + β·b) = "
                "η·(β·v + (1 − β)·g).")
        exact = True
    else:
        note = ("Exact for a constant learning rate. Keras keeps m ← β·m − lr·g and steps "
                "θ ← θ + β·m − lr·g; with lr = η(1 − β), m = −η·v.")
        exact = not callable(opt.lr)
        if not exact:
            note = _SCHEDULE_KERAS_MOMENTUM_NOTE
    return _Plan("SGD", args, 1 - beta, f"(1 - {beta!r})", exact, note)


def _adagrad_plan(opt, torch: bool) -> _Plan:
    s0 = opt.initial_accumulator
    if torch:
        args = (_Arg("eps", opt.eps, repr(opt.eps)),
                _Arg("initial_accumulator_value", s0, repr(s0)))
        return _Plan("Adagrad", args, 1.0, "", False, _ADAGRAD_TORCH_NOTE)
    args = (_Arg("initial_accumulator_value", s0, repr(s0)), _Arg("epsilon", opt.eps, repr(opt.eps)))
    return _Plan("Adagrad", args, 1.0, "", True,
                 "Exact: Keras adds ε inside the square root, θ ← θ − η·g/√(s + ε). Mind its "
                 "defaults: initial_accumulator_value = 0.1 (lib and PyTorch start at 0), "
                 "epsilon = 1e-7. Keras fills the accumulator through float32, so in float64 a "
                 "start such as 0.1 differs by its float32 rounding (0.125 does not).")


def _adamw_plan(opt, torch: bool) -> _Plan:
    lam = opt.weight_decay
    if torch:
        args = (_Arg("betas", (opt.beta1, opt.beta2), repr((opt.beta1, opt.beta2))),
                _Arg("eps", opt.eps, repr(opt.eps)), _Arg("weight_decay", lam, repr(lam)))
        return _Plan("AdamW", args, 1.0, "", True,
                     "Exact: PyTorch first shrinks θ ← θ·(1 − lr·λ), then takes Adam's step. The "
                     "decay is multiplied by lr (the paper multiplies it by the schedule only). "
                     "Mind the default weight_decay, 0.01 (Keras 0.004).")
    args = (_Arg("weight_decay", lam, repr(lam)), _Arg("beta_1", opt.beta1, repr(opt.beta1)),
            _Arg("beta_2", opt.beta2, repr(opt.beta2)), _Arg("epsilon", opt.eps, repr(opt.eps)))
    return _Plan("AdamW", args, 1.0, "", False,
                 "Closest, not exact: Keras first shrinks θ ← θ − θ·λ·lr (the decay multiplied "
                 "by lr, as in PyTorch), then takes its Adam step, whose epsilon is ε̂: "
                 + _ADAM_KERAS_NOTE.split(": ", 1)[1] + " Keras rounds weight_decay to float32, "
                 "like beta_1 and beta_2; its default is 0.004.")


def _scaled(expr: str, scale_expr: str) -> str:
    return f"{expr} * {scale_expr}" if scale_expr else expr


def equivalence(opt: Optimizer, framework: str) -> Equivalence:
    """The ``framework`` ("torch" or "keras") optimizer for the lib optimizer ``opt``.

    >>> from lib.optim import RMSProp
    >>> e = equivalence(RMSProp(lr=0.01, beta=0.9, eps=1e-8), "keras")
    >>> e.exact, e.call
    (True, 'keras.optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-08)')

    With a schedule (``opt.lr`` a function of t) the call uses ``lr`` for that function: a
    ``LambdaLR`` for PyTorch, :func:`keras_schedule` for Keras.
    """
    framework = _check_framework(framework)
    plan = _plan(opt, framework, "equivalence")
    rest = "".join(f", {a.name}={a.expr}" for a in plan.args)
    if framework == "torch":
        head = f"torch.optim.{plan.cls}(params, "
        if callable(opt.lr):
            factor = _scaled("lr(k + 1)", plan.lr_scale_expr)
            call = (f"optimizer = {head}lr=1.0{rest})\n"
                    f"scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: {factor})")
            note = (plan.note + " Call scheduler.step() after every optimizer.step(), so step t "
                    "uses lr(t). (to_torch's optimizer sets the same learning rates itself.)")
            return Equivalence(plan.exact, call, note)
        lr_expr = _scaled(repr(opt.lr), plan.lr_scale_expr)
        return Equivalence(plan.exact, f"{head}lr={lr_expr}{rest})", plan.note)
    if callable(opt.lr):
        scale = f", scale={plan.lr_scale_expr[1:-1]}" if plan.lr_scale_expr else ""
        lr_expr = f"lib.frameworks.keras_schedule(lr{scale})"
        note = (plan.note + " keras_schedule evaluates lr at t = iterations + 1, the step about "
                "to be taken (Keras's own schedules get iterations, from 0).")
    else:
        lr_expr, note = _scaled(repr(opt.lr), plan.lr_scale_expr), plan.note
    return Equivalence(plan.exact, f"keras.optimizers.{plan.cls}(learning_rate={lr_expr}{rest})",
                       note)


# -- building the framework optimizers ----------------------------------------------------------

def to_torch(opt: Optimizer, params: Iterable):
    """The ``torch.optim`` optimizer over ``params`` (torch tensors/parameters) performing
    ``opt``'s updates: see :func:`equivalence` (``.call``, ``.exact``, ``.note``) and the table in
    this module's docstring.

    - GD: ``SGD(lr=η)``, exact.
    - Momentum: ``SGD(lr=η(1-β), momentum=β)``, exact; PyTorch's momentum buffer equals
      ``v/(1-β)`` at every step, step 1 included.
    - RMSProp: ``RMSprop(lr=η, alpha=β, eps=ε)``, the closest but NOT exact: PyTorch adds ε
      outside the square root (θ ← θ − η·g/(√s + ε)); the steps differ by the factor
      √(s + ε)/(√s + ε), negligible while s ≫ ε, large where gradients vanish.
    - Adam: ``Adam(lr=η, betas=(β1, β2), eps=ε)``, exact.

    A schedule ``opt.lr`` is supported: the returned optimizer sets ``lr`` itself before each
    step (a step pre-hook), exactly as ``LambdaLR(optimizer, lambda k: lr(k + 1))`` stepped
    after every ``optimizer.step()`` would (times 1-β for Momentum). The optimizer starts fresh:
    ``opt``'s state and step count are not copied. PyTorch counts Adam's t per parameter, only
    on steps where that parameter has a ``.grad``; lib counts every ``step`` call.
    """
    import torch

    plan = _plan(opt, "torch", "to_torch")
    kwargs = {a.name: a.value for a in plan.args}
    if callable(opt.lr):
        optimizer = getattr(torch.optim, plan.cls)(params, lr=1.0, **kwargs)
        steps_taken = [0]

        def set_scheduled_lr(optimizer, _args, _kwargs):
            t = steps_taken[0] + 1
            lr_t = opt._lr_at(t) * plan.lr_scale  # lib's own check: a positive finite lr
            steps_taken[0] = t
            for group in optimizer.param_groups:
                group["lr"] = lr_t

        optimizer.register_step_pre_hook(set_scheduled_lr)
        return optimizer
    return getattr(torch.optim, plan.cls)(params, lr=opt.lr * plan.lr_scale, **kwargs)


def to_keras(opt: Optimizer):
    """The ``keras.optimizers`` optimizer performing ``opt``'s updates: see :func:`equivalence`
    and the table in this module's docstring.

    - GD: ``SGD(learning_rate=η)``, exact.
    - Momentum: ``SGD(learning_rate=η(1-β), momentum=β)``, exact for a constant learning rate
      (Keras's velocity is ``m = −η·v``); with a schedule NOT exact, because Keras multiplies
      the learning rate into the velocity.
    - RMSProp: ``RMSprop(learning_rate=η, rho=β, epsilon=ε)``, exact (ε inside the root).
    - Adam: ``Adam(learning_rate=η, beta_1=β1, beta_2=β2, epsilon=ε)``, the closest but NOT
      exact: Keras's ε acts as ε/√(1 − β2^t) in the article's formula (:func:`keras_adam_epsilon`),
      so they differ in the first steps, where √v̂ is not much larger than ε.

    Hyperparameters are passed as Python floats (Keras rejects ``momentum=0`` or
    ``learning_rate=1``). Dtype: the learning rate lives in a variable of the current
    ``keras.config.floatx()``; for float64 build the optimizer (and the variables) inside
    ``with keras_floatx("float64"):``. Even then Keras rounds ``momentum``, ``beta_1`` and
    ``beta_2`` to float32 (``ops.cast`` of a Python float), so float64 agreement with lib
    needs them exactly representable in float32. A schedule ``opt.lr`` is wrapped in
    :func:`keras_schedule`. The optimizer starts fresh: ``opt``'s state and step count are not
    copied.
    """
    import keras

    plan = _plan(opt, "keras", "to_keras")
    kwargs = {a.name: a.value if isinstance(a.value, bool) else float(a.value) for a in plan.args}
    if callable(opt.lr):
        learning_rate = keras_schedule(opt.lr, scale=plan.lr_scale)
    else:
        learning_rate = float(opt.lr * plan.lr_scale)
    return getattr(keras.optimizers, plan.cls)(learning_rate=learning_rate, **kwargs)


def keras_schedule(lr: Callable[[int], float], scale: float = 1.0):
    """A Keras ``LearningRateSchedule`` giving ``scale * lr(t)`` for the step ``t`` about to be
    taken (``optimizer.iterations + 1``), as lib's optimizers call a schedule.

    Keras's own schedules are evaluated at ``iterations`` (0 on the first step), one step
    earlier than lib's. The value is a tensor of the ``floatx()`` current when the schedule is
    made. Run eagerly (``optimizer.apply``, or ``compile(run_eagerly=True)``) ``lr`` gets the int
    ``t``; traced (``model.fit``) it gets a float tensor, so it must then be written with
    arithmetic only (``inverse_time`` and ``exponential`` are; ``step_decay`` is not, and raises
    a TypeError naming ``lr``).
    """
    if not callable(lr):
        raise TypeError(f"lr must be a schedule (a function of the step t), got {type(lr).__name__}")
    return _keras_schedule_class()(lr, float(scale))


@functools.cache
def _keras_schedule_class():
    import keras

    class LibSchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, lr, scale):
            self.lr, self.scale, self.dtype = lr, scale, keras.config.floatx()

        def __call__(self, step):
            try:
                t = int(step) + 1
            except (TypeError, AttributeError):  # a traced step has no int value
                t = keras.ops.cast(step, self.dtype) + 1
            try:
                value = self.lr(t)
            except TypeError as error:
                raise TypeError(
                    "lr: Keras traced the step (model.fit), so the schedule got a tensor, not an "
                    "int; write it with arithmetic only (like lib.schedules.inverse_time and "
                    "exponential) or compile with run_eagerly=True") from error
            # A tensor of the right dtype: Keras would round a Python float through float32.
            return keras.ops.convert_to_tensor(self.scale * value, dtype=self.dtype)

        def get_config(self):
            return {"lr": self.lr, "scale": self.scale}

    return LibSchedule


@contextlib.contextmanager
def keras_floatx(dtype):
    """Set ``keras.config.floatx()`` to ``dtype`` ("float32", "float64", np.float64, ...) inside
    the ``with`` block and restore the previous value afterwards, even on error."""
    import keras

    name = np.dtype(dtype).name
    previous = keras.config.floatx()
    keras.config.set_floatx(name)
    try:
        yield name
    finally:
        keras.config.set_floatx(previous)


def keras_adam_epsilon(eps_hat: float, beta2: float, t: int) -> float:
    r"""The article's ε that Keras's Adam ``epsilon`` (the paper's ε̂) amounts to at step ``t``:
    :math:`\epsilon_t = \hat\epsilon/\sqrt{1-\beta_2^t}`.

    >>> round(keras_adam_epsilon(1e-7, 0.999, 1), 9)   # Keras's default at step 1
    3.162e-06
    """
    return eps_hat / math.sqrt(1 - beta2**t)


# -- replaying gradients ------------------------------------------------------------------------

def _replay_inputs(params0, grads_seq, dtype):
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a float dtype, got {dtype}")
    if isinstance(params0, np.ndarray) or not isinstance(params0, (list, tuple)):
        raise TypeError(f"params0 must be a list of arrays, got {type(params0).__name__}")
    params = [np.array(p, dtype=dtype) for p in params0]  # copies: the caller's arrays stay as they are
    grads = []
    for k, step in enumerate(grads_seq):
        if isinstance(step, np.ndarray) or not isinstance(step, (list, tuple)):
            raise TypeError(f"grads_seq[{k}] must be a list of arrays (one per param), "
                            f"got {type(step).__name__}")
        if len(step) != len(params):
            raise ValueError(f"grads_seq[{k}] has {len(step)} arrays but params0 has {len(params)}")
        step = [np.array(g, dtype=dtype) for g in step]
        for i, (g, p) in enumerate(zip(step, params)):
            if g.shape != p.shape:
                raise ValueError(f"grads_seq[{k}][{i}] has shape {g.shape} but params0[{i}] has {p.shape}")
            if not np.all(np.isfinite(g)):
                raise ValueError(f"grads_seq[{k}][{i}] contains NaN or inf")
        grads.append(step)
    return params, grads, dtype


def _trajectories(snapshots: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [np.stack(per_param) for per_param in zip(*snapshots)]


def run_lib(opt: Optimizer, params0: Sequence, grads_seq: Sequence, dtype=np.float64) -> list[np.ndarray]:
    """Replay ``grads_seq`` (a list over steps of lists of arrays, one per parameter) through a
    fresh copy of ``opt`` (same hyperparameters, no state) starting from ``params0``.

    Returns one array per parameter, of shape ``(steps + 1, *param.shape)``: row 0 is the start.
    Everything is computed in ``dtype``; neither ``opt`` nor the caller's arrays are changed.
    """
    _supported(opt, "run_lib")
    params, grads, _ = _replay_inputs(params0, grads_seq, dtype)
    fresh = type(opt)(**opt.hyperparameters())
    snapshots = [[p.copy() for p in params]]
    for step in grads:
        fresh.step(params, step)
        snapshots.append([p.copy() for p in params])
    return _trajectories(snapshots)


def run_torch(opt: Optimizer, params0: Sequence, grads_seq: Sequence, dtype=np.float64) -> list[np.ndarray]:
    """Like :func:`run_lib`, through ``to_torch(opt, ...)``: each step sets ``.grad`` of every
    parameter to the given gradient and calls ``optimizer.step()``."""
    import torch

    _supported(opt, "run_torch")
    params, grads, dtype = _replay_inputs(params0, grads_seq, dtype)
    tensors = [torch.nn.Parameter(torch.from_numpy(p)) for p in params]  # params are our own copies
    optimizer = to_torch(opt, tensors)
    snapshots = [[p.copy() for p in params]]
    for step in grads:
        for tensor, g in zip(tensors, step):
            tensor.grad = torch.from_numpy(g)
        optimizer.step()
        snapshots.append([tensor.detach().numpy().copy() for tensor in tensors])
    return _trajectories(snapshots)


def run_keras(opt: Optimizer, params0: Sequence, grads_seq: Sequence, dtype=np.float64) -> list[np.ndarray]:
    """Like :func:`run_lib`, through ``to_keras(opt)``: each step calls
    ``optimizer.apply(grads, variables)`` on ``keras.Variable``\\ s.

    The optimizer and the variables are built with ``keras.config.floatx()`` set to ``dtype``
    (restored afterwards), so the learning rate is a ``dtype`` variable too; see
    :func:`to_keras` for the hyperparameters Keras still rounds to float32.
    """
    import keras

    _supported(opt, "run_keras")
    params, grads, dtype = _replay_inputs(params0, grads_seq, dtype)
    with keras_floatx(dtype) as floatx:
        optimizer = to_keras(opt)
        variables = [keras.Variable(p, dtype=floatx) for p in params]
        snapshots = [[p.copy() for p in params]]
        for step in grads:
            optimizer.apply([keras.ops.convert_to_tensor(g, dtype=floatx) for g in step], variables)
            # v.numpy(), not np.array(v): Keras's __array__ raises a NumPy 2 DeprecationWarning
            snapshots.append([v.numpy().copy() for v in variables])
    return _trajectories(snapshots)


def max_gap(a, b) -> float:
    """The largest absolute difference between two trajectories (or two lists of arrays, or two
    arrays) of the same shapes."""
    a = [a] if isinstance(a, np.ndarray) else list(a)
    b = [b] if isinstance(b, np.ndarray) else list(b)
    if len(a) != len(b):
        raise ValueError(f"a has {len(a)} arrays but b has {len(b)}")
    gap = 0.0
    for i, (x, y) in enumerate(zip(a, b)):
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError(f"a[{i}] has shape {x.shape} but b[{i}] has {y.shape}")
        if x.size:
            gap = max(gap, float(np.max(np.abs(x - y))))
    return gap


# -- the frameworks' own schedules ---------------------------------------------------------------

def _check_schedule(schedule, caller):
    if not isinstance(schedule, Schedule):
        raise TypeError(f"{caller}: schedule must be a lib.schedules schedule, "
                        f"got {type(schedule).__name__}")
    if schedule.kind not in ("constant", "step_decay", "cosine", "linear_warmup", "warmup_cosine"):
        raise ValueError(f"{caller}: schedule {schedule!r} has no native equivalent here; "
                         "use keras_schedule / to_torch, which call it directly")
    return schedule.params


def torch_scheduler(optimizer, schedule: Schedule):
    """The ``torch.optim.lr_scheduler`` that gives ``optimizer`` the rates of the lib
    ``schedule``; it sets the optimizer's ``lr`` to η0 first. Call ``scheduler.step()`` after
    every ``optimizer.step()`` (PyTorch's order): update ``t`` then uses ``schedule(t)``.

    - ``step_decay``: ``StepLR(step_size=every, gamma=factor)``
    - ``cosine``: ``CosineAnnealingLR(T_max=steps, eta_min=lr_min)`` (for the first
      ``steps + 1`` updates; after that PyTorch's cosine rises again, lib's stays at lr_min)
    - ``linear_warmup``: ``LinearLR(start_factor=s, end_factor=1.0, total_iters=steps)``
    - ``warmup_cosine``: ``SequentialLR([LinearLR(...), CosineAnnealingLR(...)],
      milestones=[warmup_steps])``
    """
    from torch.optim import lr_scheduler

    p = _check_schedule(schedule, "torch_scheduler")
    for group in optimizer.param_groups:
        group["lr"] = p["lr0"]
        group.pop("initial_lr", None)
    kind = schedule.kind
    if kind == "constant":
        return lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if kind == "step_decay":
        return lr_scheduler.StepLR(optimizer, step_size=p["every"], gamma=p["factor"])
    if kind == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=p["steps"], eta_min=p["lr_min"])
    if kind == "linear_warmup":
        return lr_scheduler.LinearLR(optimizer, start_factor=p["start_factor"], end_factor=1.0,
                                     total_iters=p["steps"])
    warmup = lr_scheduler.LinearLR(optimizer, start_factor=p["start_factor"], end_factor=1.0,
                                   total_iters=p["warmup_steps"])
    decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=p["total_steps"] - p["warmup_steps"],
                                           eta_min=p["lr_min"])
    return lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[p["warmup_steps"]])


def keras_learning_rate(schedule: Schedule, dtype="float32"):
    """The ``keras.optimizers.schedules`` object that gives the rates of the lib ``schedule``:
    Keras evaluates it at ``optimizer.iterations`` (0 for update 1), so update ``t`` uses
    ``schedule(t)``. Its arithmetic runs in ``dtype``: Keras schedules compute in the dtype of
    their ``initial_learning_rate``, float32 for a Python float even when ``floatx()`` is
    float64, so the values are passed as NumPy scalars of ``dtype``.

    - ``constant``: the float η0 itself (or a float64 scalar)
    - ``step_decay``: ``ExponentialDecay(lr0, every, factor, staircase=True)``
    - ``cosine``: ``CosineDecay(lr0, steps, alpha=lr_min / lr0)``
    - ``linear_warmup``: ``PolynomialDecay(s·lr0, steps, end_learning_rate=lr0, power=1.0)``
    - ``warmup_cosine``: ``CosineDecay(s·lr0, total_steps − warmup_steps, alpha=lr_min / lr0,
      warmup_target=lr0, warmup_steps=warmup_steps)``
    """
    import keras

    p = _check_schedule(schedule, "keras_learning_rate")
    f = np.dtype(dtype).type
    schedules = keras.optimizers.schedules
    kind = schedule.kind
    if kind == "constant":
        return float(p["lr0"]) if f is np.float32 else f(p["lr0"])
    if kind == "step_decay":
        return schedules.ExponentialDecay(f(p["lr0"]), p["every"], f(p["factor"]), staircase=True)
    if kind == "cosine":
        return schedules.CosineDecay(f(p["lr0"]), p["steps"], alpha=f(p["lr_min"] / p["lr0"]))
    if kind == "linear_warmup":
        return schedules.PolynomialDecay(f(p["start_factor"] * p["lr0"]), p["steps"],
                                         end_learning_rate=f(p["lr0"]), power=f(1.0))
    return schedules.CosineDecay(
        f(p["start_factor"] * p["lr0"]), p["total_steps"] - p["warmup_steps"],
        alpha=f(p["lr_min"] / p["lr0"]), warmup_target=f(p["lr0"]),
        warmup_steps=p["warmup_steps"])


def schedule_rates(schedule: Schedule, steps: int, framework: str | None = None,
                   dtype="float64") -> np.ndarray:
    """The learning rates of updates 1, ..., ``steps`` under ``schedule``: lib's own values
    (``framework=None``), or those a framework uses when driven the framework's way.

    - "torch": an SGD optimizer on one ``dtype`` parameter with :func:`torch_scheduler`; the
      rate of update t is ``param_groups[0]["lr"]`` when ``optimizer.step()`` is called, and
      ``scheduler.step()`` follows it. (PyTorch keeps the rate as a Python float.)
    - "keras": a Keras SGD optimizer with :func:`keras_learning_rate` in ``dtype``, whose
      ``learning_rate`` is read before each ``apply`` (it evaluates the schedule at
      ``iterations``).
    """
    if framework is None:
        return np.array([schedule(t) for t in range(1, steps + 1)], dtype=np.float64)
    framework = _check_framework(framework)
    if framework == "torch":
        import torch

        param = torch.nn.Parameter(torch.zeros(1, dtype=getattr(torch, np.dtype(dtype).name)))
        optimizer = torch.optim.SGD([param], lr=1.0)
        scheduler = torch_scheduler(optimizer, schedule)
        rates = []
        for _ in range(steps):
            rates.append(optimizer.param_groups[0]["lr"])
            param.grad = torch.zeros_like(param)
            optimizer.step()
            scheduler.step()
        return np.array(rates, dtype=np.float64)
    import keras

    with keras_floatx(dtype) as floatx:
        optimizer = keras.optimizers.SGD(learning_rate=keras_learning_rate(schedule, dtype))
        variable = keras.Variable(np.zeros(1), dtype=floatx)
        zero = keras.ops.zeros(1, dtype=floatx)
        rates = []
        for _ in range(steps):
            rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
            optimizer.apply([zero], [variable])
    return np.array(rates, dtype=np.float64)


def conformance_schedules(total: int = 100) -> dict[str, Schedule]:
    """The schedules :func:`measure_schedule_gaps` measures, over ``total`` updates."""
    from . import schedules

    return {
        "step_decay": schedules.step_decay(0.1, every=total // 4, factor=0.5),
        "cosine": schedules.cosine(0.1, steps=total, lr_min=0.001),
        "linear_warmup": schedules.linear_warmup(0.1, steps=total // 10, start_factor=0.1),
        "warmup_cosine": schedules.warmup_cosine(0.1, warmup_steps=total // 10, total_steps=total,
                                                 start_factor=0.1, lr_min=0.0),
    }


def measure_schedule_gaps(total: int = 100, dtypes=("float64", "float32")) -> list[dict]:
    """For every schedule of :func:`conformance_schedules` × framework × dtype, the largest
    relative gap ``max |η_framework − η_lib| / η_lib`` over updates 1..``total``. Rows:
    schedule, framework, dtype, max_rel_gap."""
    rows = []
    for name, schedule in conformance_schedules(total).items():
        reference = schedule_rates(schedule, total)
        for dtype in dtypes:
            for framework in FRAMEWORKS:
                rates = schedule_rates(schedule, total, framework, dtype)
                rows.append({"schedule": name, "framework": framework, "dtype": dtype,
                             "max_rel_gap": float(np.max(np.abs(rates - reference) / reference))})
    return rows


# -- the measured gaps --------------------------------------------------------------------------

def conformance_optimizers() -> dict[str, Optimizer]:
    """The optimizers :func:`measure_gaps` measures. Momentum's β and Adam's β1, β2 are exactly
    representable in float32, because Keras rounds those to float32 even in float64 (and so are
    Nesterov's β and AdamW's β1, β2 and weight decay)."""
    return {
        "GD": GD(lr=0.1),
        "Momentum": Momentum(lr=0.1, beta=0.875),
        "RMSProp": RMSProp(lr=0.01, beta=0.9, eps=1e-8),
        "Adam": Adam(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=1e-8),
        "Nesterov": Nesterov(lr=0.1, beta=0.875),
        "Adagrad": Adagrad(lr=0.1, eps=1e-8),
        "AdamW": AdamW(lr=0.01, beta1=0.875, beta2=1 - 2**-10, eps=1e-8, weight_decay=2**-4),
    }


def conformance_problem(steps: int = 100, seed: int = 0):
    """The start and the gradients :func:`measure_gaps` replays: two parameters (shapes (3,) and
    (2, 2)), standard-normal gradients shrinking geometrically from scale 1 to 1e-3 over the
    run, like a converging training run (so ε-placement differences show where they matter)."""
    rng = np.random.default_rng(seed)
    params0 = [rng.normal(size=3), rng.normal(size=(2, 2))]
    scales = np.geomspace(1.0, 1e-3, steps)
    grads_seq = [[scale * rng.normal(size=p.shape) for p in params0] for scale in scales]
    return params0, grads_seq


def measure_gaps(steps: int = 100, seed: int = 0, dtypes=("float64", "float32")) -> list[dict]:
    """For every optimizer of :func:`conformance_optimizers` × framework × dtype, the max gap
    between the framework's trajectory and lib's, both computed in that dtype, on
    :func:`conformance_problem`. Rows: optimizer, framework, dtype, exact, max_gap."""
    params0, grads_seq = conformance_problem(steps, seed)
    runners = {"torch": run_torch, "keras": run_keras}
    rows = []
    for name, opt in conformance_optimizers().items():
        for dtype in dtypes:
            reference = run_lib(opt, params0, grads_seq, dtype=dtype)
            for framework in FRAMEWORKS:
                trajectory = runners[framework](opt, params0, grads_seq, dtype=dtype)
                rows.append({"optimizer": name, "framework": framework, "dtype": dtype,
                             "exact": equivalence(opt, framework).exact,
                             "max_gap": max_gap(trajectory, reference)})
    return rows


def _table(rows: list[dict]) -> str:
    lines = [f"{'optimizer':<10} {'framework':<9} {'dtype':<8} {'exact':<6} max gap vs lib",
             "-" * 50]
    for r in rows:
        lines.append(f"{r['optimizer']:<10} {r['framework']:<9} {r['dtype']:<8} "
                     f"{'yes' if r['exact'] else 'no':<6} {r['max_gap']:.2e}")
    return "\n".join(lines)


def main() -> None:
    steps = 100
    print(f"Max |framework − lib| over {steps} steps of lib.frameworks.conformance_problem()\n")
    print(_table(measure_gaps(steps)))
    print()
    for name, opt in conformance_optimizers().items():
        for framework in FRAMEWORKS:
            print(f"{name} ({opt!r}) -> {equivalence(opt, framework).call}")


if __name__ == "__main__":
    import os

    # Quiet TensorFlow: these must be set before keras is first imported.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    main()
