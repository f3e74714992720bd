"""Every homework check with correct solutions written differently, its known mistakes, and
structural mistakes outside its list, each with the generic detector that must name it.

Shared by tests/test_checks_detectors.py and tests/test_checks_stability.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import lib.checks.adam as adam
import lib.checks.after_adam as after
import lib.checks.data_parallel as dp
import lib.checks.gd as gd
import lib.checks.minibatch as mb
import lib.checks.mnist as mnist
import lib.checks.momentum as mom
import lib.checks.rmsprop as rms
import lib.checks.sgd as sgd


@dataclass
class Entry:
    check: Callable
    mistakes: list
    correct: dict  # description -> correct implementation written differently
    structural: list = field(default_factory=list)  # (description, impl, detector name)


def _noisy(fn):
    """``fn`` plus noise from NumPy's global random state (a result that is not reproducible)."""
    def noisy(*args):
        out = fn(*args)
        if isinstance(out, tuple):
            return tuple(np.asarray(o) + 1e-3 * np.random.random() for o in out)
        return np.asarray(out) + 1e-3 * np.random.random()
    return noisy


# -- gradient descent ---------------------------------------------------------------------------
_gd = gd.reference_gd_step


def _gd_with_counter():
    calls = []

    def gd_step(theta, grad, lr):  # a mutable default / closure: state kept between calls
        calls.append(1)
        return theta - lr * grad * (1 + 0.1 * len(calls))
    return gd_step


def _walk(grad_fn, theta0, lr, steps, lr_used=None, start=None):
    theta = np.array(theta0 if start is None else start, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta - (lr if lr_used is None else lr_used) * grad_fn(theta)
        path.append(theta)
    return np.array(path)


GD_STEP = Entry(
    gd.check_gd_step, gd.GD_STEP_MISTAKES,
    correct={"reference": _gd, "list arithmetic": lambda theta, grad, lr: np.array(
        [t - lr * g for t, g in zip(np.ravel(theta), np.ravel(grad))]).reshape(np.shape(theta)),
             "copy then subtract": lambda theta, grad, lr: np.subtract(np.copy(theta), lr * grad)},
    structural=[
        ("keeps a call counter between calls", _gd_with_counter(), "not reproducible"),
        ("lr hard-coded to 0.1", lambda theta, grad, lr: theta - 0.1 * grad, "argument ignored"),
        ("grad replaced by ones", lambda theta, grad, lr: theta - lr * np.ones_like(theta),
         "argument ignored"),
        ("returns theta unchanged", lambda theta, grad, lr: np.array(theta, dtype=float),
         "state returned unchanged"),
        ("half the step", lambda theta, grad, lr: theta - 0.5 * lr * grad,
         "constant factor or sign"),
    ])

GRADIENT_DESCENT = Entry(
    gd.check_gradient_descent, gd.GRADIENT_DESCENT_MISTAKES,
    correct={"reference": gd.reference_gradient_descent,
             "list of points": lambda f, theta0, lr, steps: list(_walk(f, theta0, lr, steps))},
    structural=[
        ("noise from np.random", lambda f, theta0, lr, steps: _walk(f, theta0, lr, steps)
         + 1e-3 * np.random.random(), "not reproducible"),
        ("lr hard-coded to 0.1", lambda f, theta0, lr, steps: _walk(f, theta0, lr, steps, 0.1),
         "argument ignored"),
        ("starts at the origin", lambda f, theta0, lr, steps: _walk(
            f, theta0, lr, steps, start=np.zeros_like(theta0)), "argument ignored"),
    ])

# -- batch gradient and SGD ---------------------------------------------------------------------
_fg = sgd.reference_full_gradient


def _fg_loop(w, b, x, y):
    gw = gb = 0.0
    for xi, yi in zip(x, y):
        r = w * xi + b - yi
        gw, gb = gw + 2 * r * xi / len(x), gb + 2 * r / len(x)
    return gw, gb


FULL_GRADIENT = Entry(
    sgd.check_full_gradient, sgd.FULL_GRADIENT_MISTAKES,
    correct={"reference": _fg, "loop over examples": _fg_loop,
             "list return": lambda w, b, x, y: list(_fg(w, b, x, y))},
    structural=[
        ("noise from np.random", _noisy(_fg), "not reproducible"),
        ("the bias taken as 1", lambda w, b, x, y: _fg(w, 1.0, x, y), "argument ignored"),
        ("targets ignored", lambda w, b, x, y: _fg(w, b, x, np.zeros_like(y)),
         "argument ignored"),
        ("grad_w halved", lambda w, b, x, y: (_fg(w, b, x, y)[0] / 2, _fg(w, b, x, y)[1]),
         "constant factor or sign"),
        ("grad_b with the wrong sign", lambda w, b, x, y: (_fg(w, b, x, y)[0],
                                                           -_fg(w, b, x, y)[1]),
         "constant factor or sign"),
    ])

_se = sgd.reference_sgd_epoch


def _sgd_loop(w, b, x, y, lr, seed):
    for i in np.random.default_rng(seed).permutation(len(x)):
        r = w * x[i] + b - y[i]
        w, b = w - lr * 2 * r * x[i], b - lr * 2 * r
    return w, b


SGD_EPOCH = Entry(
    sgd.check_sgd_epoch, sgd.SGD_EPOCH_MISTAKES,
    correct={"reference": _se, "plain loop": _sgd_loop},
    structural=[
        ("shuffles with np.random", lambda w, b, x, y, lr, seed: _sgd_loop(
            w, b, x, y, lr, np.random.randint(10**6)), "not reproducible"),
        ("returns (b, w)", lambda w, b, x, y, lr, seed: _se(w, b, x, y, lr, seed)[::-1],
         "outputs in the wrong order"),
        ("seed ignored", lambda w, b, x, y, lr, seed: _se(w, b, x, y, lr, 0),
         "argument ignored"),
        ("lr hard-coded to 0.05", lambda w, b, x, y, lr, seed: _se(w, b, x, y, 0.05, seed),
         "argument ignored"),
        ("returns the w, b it was given", lambda w, b, x, y, lr, seed: (w, b),
         "state returned unchanged"),
    ])


# -- mini-batches ---------------------------------------------------------------------------------
def _mb_argsort(n, batch_size, rng):
    order = np.argsort(rng.random(n))
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _mb_choice(n, batch_size, rng):
    order = rng.choice(n, size=n, replace=False)
    return [order[start:start + batch_size].tolist() for start in range(0, n, batch_size)]


def _mb_fixed_chunks_reversed(n, batch_size, rng):
    order = np.random.default_rng(0).permutation(n)
    chunks = [order[s:s + batch_size] for s in range(0, n, batch_size)]
    yield from chunks[::-1]


def _mb_rolled(n, batch_size, rng):
    chunks = [np.arange(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    shift = int(rng.integers(len(chunks)))
    yield from chunks[shift:] + chunks[:shift]


MINIBATCH = Entry(
    mb.check_minibatches, list(mb.MISTAKES),
    correct={"reference": mb.reference_minibatches, "argsort of uniforms": _mb_argsort,
             "choice without replacement, lists": _mb_choice,
             "shuffle in place": lambda n, bs, rng: (lambda o: (rng.shuffle(o), [
                 o[s:s + bs] for s in range(0, n, bs)])[1])(np.arange(n))},
    structural=[
        ("a fixed permutation, batches reversed", _mb_fixed_chunks_reversed,
         "batch contents do not change with the seed"),
        ("the same chunks, rotated by the seed", _mb_rolled,
         "batch contents do not change with the seed"),
    ])

# -- momentum -----------------------------------------------------------------------------------
_mom = mom.reference_momentum_step

MOMENTUM = Entry(
    mom.check_momentum_step, list(mom.MISTAKES),
    correct={"reference": _mom,
             "expanded": lambda theta, g, v, lr, beta: (
                 theta - lr * beta * v - lr * (1 - beta) * g, beta * v + g - beta * g)},
    structural=[
        ("noise from np.random", _noisy(_mom), "not reproducible"),
        ("returns (v_new, theta_new)", lambda theta, g, v, lr, beta: _mom(theta, g, v, lr,
                                                                          beta)[::-1],
         "outputs in the wrong order"),
        ("v restarted from zero", lambda theta, g, v, lr, beta: _mom(theta, g, 0 * v, lr, beta),
         "argument ignored"),
        ("beta hard-coded to 0.9", lambda theta, g, v, lr, beta: _mom(theta, g, v, lr, 0.9),
         "argument ignored"),
        ("returns the old v", lambda theta, g, v, lr, beta: (_mom(theta, g, v, lr, beta)[0], v),
         "state returned unchanged"),
        ("v_new doubled", lambda theta, g, v, lr, beta: (_mom(theta, g, v, lr, beta)[0],
                                                         2 * _mom(theta, g, v, lr, beta)[1]),
         "constant factor or sign"),
    ])

# -- RMSProp ------------------------------------------------------------------------------------
_rms = rms.reference_rmsprop_step


def _rms_student(theta, g, s, lr=0.01, beta=0.9, eps=1e-8):
    s = beta * s + (1 - beta) * g * g
    return theta - lr * g * (s + eps) ** -0.5, s


RMSPROP = Entry(
    rms.check_rmsprop_step, list(rms.MISTAKES),
    correct={"reference": _rms, "power -1/2": _rms_student},
    structural=[
        ("noise from np.random", _noisy(_rms), "not reproducible"),
        ("returns (s_new, theta_new)", lambda theta, g, s, lr, beta, eps: _rms(
            theta, g, s, lr, beta, eps)[::-1], "outputs in the wrong order"),
        ("eps hard-coded to 1e-8", lambda theta, g, s, lr, beta, eps: _rms(
            theta, g, s, lr, beta, 1e-8), "hyperparameter hard-coded"),
        ("beta hard-coded to 0.9", lambda theta, g, s, lr, beta, eps: _rms(
            theta, g, s, lr, 0.9, eps), "hyperparameter hard-coded"),
        ("s restarted from zero", lambda theta, g, s, lr, beta, eps: _rms(
            theta, g, 0 * s, lr, beta, eps), "argument ignored"),
        ("returns the old s", lambda theta, g, s, lr, beta, eps: (
            _rms(theta, g, s, lr, beta, eps)[0], s), "state returned unchanged"),
        ("the step halved", lambda theta, g, s, lr, beta, eps: (
            theta + 0.5 * (_rms(theta, g, s, lr, beta, eps)[0] - theta),
            _rms(theta, g, s, lr, beta, eps)[1]), "constant factor or sign"),
    ])

# -- Adam ---------------------------------------------------------------------------------------
_adam = adam.reference_adam_step


def _adam_student(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g * g
    step = lr * (m_new / (1 - beta1**t)) / (np.sqrt(v_new / (1 - beta2**t)) + eps)
    return theta - step, m_new, v_new


def _a(change):
    """An Adam step with the exercise's signature that applies ``change`` to the reference."""
    def adam_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        return change(theta, g, m, v, t, lr, beta1, beta2, eps)
    return adam_step


ADAM_STEP = Entry(
    lambda fn: adam.check_adam_step(fn, verbose=False), adam.STEP_MISTAKES,
    correct={"reference": _adam, "written out": _adam_student},
    structural=[
        ("noise from np.random", _a(lambda *a: _noisy(_adam)(*a)), "not reproducible"),
        ("returns (theta, v, m)", _a(lambda *a: tuple(_adam(*a)[i] for i in (0, 2, 1))),
         "outputs in the wrong order"),
        ("beta2 hard-coded", _a(lambda th, g, m, v, t, lr, b1, b2, e: _adam(
            th, g, m, v, t, lr, b1, 0.999, e)), "hyperparameter hard-coded"),
        ("eps hard-coded", _a(lambda th, g, m, v, t, lr, b1, b2, e: _adam(
            th, g, m, v, t, lr, b1, b2, 1e-8)), "hyperparameter hard-coded"),
        ("m restarted from zero", _a(lambda th, g, m, v, t, lr, b1, b2, e: _adam(
            th, g, 0 * m, v, t, lr, b1, b2, e)), "argument ignored"),
        ("returns the old v", _a(lambda th, g, m, v, t, lr, b1, b2, e: _adam(
            th, g, m, v, t, lr, b1, b2, e)[:2] + (v,)), "state returned unchanged"),
        ("the step doubled", _a(lambda th, g, m, v, t, lr, b1, b2, e: (
            th + 2 * (_adam(th, g, m, v, t, lr, b1, b2, e)[0] - th),)
            + _adam(th, g, m, v, t, lr, b1, b2, e)[1:]), "constant factor or sign"),
    ])


class _StudentAdam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        theta, self.m, self.v = _adam_student(theta, g, self.m, self.v, self.t, self.lr,
                                              self.beta1, self.beta2, self.eps)
        return theta


class _KeepsTheta(_StudentAdam):
    def step(self, theta, g):
        self.theta = theta if getattr(self, "theta", None) is None else self.theta
        self.theta = super().step(self.theta, g)
        return self.theta


class _SharedState(_StudentAdam):
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, state={}):  # noqa: B006
        super().__init__(lr, beta1, beta2, eps)
        self.state = state  # a mutable default argument: every instance shares this dict

    def step(self, theta, g):
        st = self.state
        if np.shape(st.get("m")) != np.shape(theta):
            st.update(m=np.zeros_like(theta), v=np.zeros_like(theta), t=0)
        st["t"] += 1
        theta, st["m"], st["v"] = _adam_student(theta, g, st["m"], st["v"], st["t"], self.lr,
                                                self.beta1, self.beta2, self.eps)
        return theta


class _IgnoresLr(_StudentAdam):
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(0.001, beta1, beta2, eps)


class _HalfStep(_StudentAdam):
    def step(self, theta, g):
        return theta + 0.5 * (super().step(theta, g) - theta)


ADAM_CLASS = Entry(
    lambda cls: adam.check_adam_class(cls, verbose=False), adam.CLASS_MISTAKES,
    correct={"reference": adam.ReferenceAdam, "written out": _StudentAdam},
    structural=[
        ("state in a class attribute", _SharedState, "state shared between instances"),
        ("continues from its own theta", _KeepsTheta, "ignores the theta passed in"),
        ("lr hard-coded", _IgnoresLr, "hyperparameter hard-coded"),
        ("half the step", _HalfStep, "constant factor or sign"),
    ])

# -- MNIST --------------------------------------------------------------------------------------
_ce = mnist.reference_softmax_cross_entropy


def _ce_student(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(y)
    loss = -(z[np.arange(n), y] - np.log(np.exp(z).sum(axis=1))).mean()
    p[np.arange(n), y] -= 1
    return loss, p / n


SOFTMAX = Entry(
    lambda fn: mnist.check_softmax_cross_entropy(fn, verbose=False), mnist.SOFTMAX_MISTAKES,
    correct={"reference": _ce, "in place on p": _ce_student},
    structural=[
        ("noise from np.random", _noisy(_ce), "not reproducible"),
        ("returns (dlogits, loss)", lambda z, y: _ce(z, y)[::-1], "outputs in the wrong order"),
        ("labels ignored", lambda z, y: _ce(z, np.zeros_like(y)), "argument ignored"),
        ("loss doubled", lambda z, y: (2 * _ce(z, y)[0], _ce(z, y)[1]),
         "constant factor or sign"),
        ("negative loss", lambda z, y: (-_ce(z, y)[0], _ce(z, y)[1]),
         "constant factor or sign"),
    ])

_relu = mnist.reference_relu_backward

RELU = Entry(
    lambda fn: mnist.check_relu_backward(fn, verbose=False), mnist.RELU_MISTAKES,
    correct={"reference": _relu, "np.where": lambda dout, z: np.where(z > 0, dout, 0.0)},
    structural=[
        ("noise from np.random", _noisy(_relu), "not reproducible"),
        ("dout ignored", lambda dout, z: 0.5 * (z > 0), "argument ignored"),
        ("negated", lambda dout, z: -_relu(dout, z), "constant factor or sign"),
        ("halved", lambda dout, z: 0.5 * _relu(dout, z), "constant factor or sign"),
    ])

# -- after Adam (lib.checks.after_adam, written by the after-Adam chapter; only its verdicts'
#    stability is checked here, its own tests are tests/test_checks_after_adam.py) -------------
_adamw = after.reference_adamw_step

WARMUP_COSINE = Entry(
    lambda fn: after.check_warmup_cosine(fn, verbose=False), after.SCHEDULE_MISTAKES,
    correct={"reference": after.reference_warmup_cosine})

def _w(change):
    """An AdamW step with the exercise's signature that applies ``change`` to the reference."""
    def adamw_step(theta, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
                   weight_decay=0.01):
        return change(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)
    return adamw_step


ADAMW_STEP = Entry(
    lambda fn: after.check_adamw_step(fn, verbose=False), after.ADAMW_MISTAKES,
    correct={"reference": _adamw},
    structural=[
        ("noise from np.random", _w(lambda *a: _noisy(_adamw)(*a)), "not reproducible"),
        ("returns (theta, v, m)", _w(lambda *a: tuple(_adamw(*a)[i] for i in (0, 2, 1))),
         "outputs in the wrong order"),
    ])

# -- data parallel (lib.checks.data_parallel) ----------------------------------------------------
_combine = dp.reference_combine_gradients

COMBINE = Entry(
    lambda fn: dp.check_combine_gradients(fn, verbose=False), dp.COMBINE_MISTAKES,
    correct={"reference": _combine,
             "np.average": lambda g, n: np.average(g, axis=0, weights=n)},
    structural=[
        ("noise from np.random", _noisy(_combine), "not reproducible"),
        ("sizes ignored, first worker only", lambda g, n: g[0], "argument ignored"),
        ("negated", lambda g, n: -_combine(g, n), "constant factor or sign"),
    ])

CATALOGUE = {
    "gd_step": GD_STEP, "gradient_descent": GRADIENT_DESCENT, "full_gradient": FULL_GRADIENT,
    "sgd_epoch": SGD_EPOCH, "minibatch_indices": MINIBATCH, "momentum_step": MOMENTUM,
    "rmsprop_step": RMSPROP, "adam_step": ADAM_STEP, "MyAdam": ADAM_CLASS,
    "softmax_cross_entropy": SOFTMAX, "relu_backward": RELU,
    "warmup_cosine_lr": WARMUP_COSINE, "adamw_step": ADAMW_STEP,
    "combine_gradients": COMBINE,
}
