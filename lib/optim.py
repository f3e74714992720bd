r"""The article's optimizers, exactly as written, in NumPy.

Every optimizer has the same interface::

    opt = Adam(lr=0.001)
    opt.step(params, grads)   # updates each array of ``params`` in place

- ``params`` is a list of float arrays (float32 or float64); each is updated in place and keeps
  its dtype. ``grads`` is a list of arrays of the same shapes.
- ``opt.state[i]`` is the state of ``params[i]``: a dict keyed by the article's symbols
  (``"v"`` for Momentum, ``"s"`` for RMSProp, ``"m"`` and ``"v"`` for Adam). It is created, as
  zeros, on the first step; a dict assigned before the first step is used as the starting state.
- ``opt.t`` counts the steps taken (Adam's bias correction uses it).
- ``lr`` is a positive number or a schedule: a function of the step ``t`` (1, 2, ...)
  returning the learning rate for that step (see :mod:`lib.schedules`).

Bad input raises ``ValueError`` or ``TypeError`` naming the parameter, before anything is
changed: the caller's arrays, ``opt.state`` and ``opt.t`` are left as they were.

Speed. A step is memory-bound: Adam must read θ, g, m, v and write θ, m, v, and the time that
takes is set by memory bandwidth, not arithmetic. So each ``update`` below writes its formula as
in-place NumPy operations (``out=``, ``*=``) into scratch arrays that are kept from step to step
in a private workspace (never in ``opt.state``), and ``step`` feeds large arrays to ``update`` in
blocks of :attr:`Optimizer.block_size` elements, so that the scratch arrays and the block's
intermediate results stay in the CPU cache: main memory is then read and written about once
per array, as the formula requires. The blocks are shared among :attr:`Optimizer.threads`
threads. No array is allocated per step. Every operation is the
same IEEE operation, in the same order, as the plain formula (``lib/optim_reference.py``), so
the results are bit-identical to it (``tests/test_optim_reference.py``);
``benchmarks/optimizer_step.py`` measures the speed.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from numbers import Real
from typing import Callable, Sequence, Union

import numpy as np

LearningRate = Union[float, Callable[[int], float]]

__all__ = ["Optimizer", "GD", "Momentum", "RMSProp", "Adam"]


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def _check_beta(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _all_finite(a: np.ndarray, threads: int = 1) -> bool:
    """Whether every element of ``a`` is finite, usually in one read of ``a`` with no allocation.

    A sum is NaN or ±inf whenever an element is (NaN and inf propagate through IEEE additions),
    so a finite sum proves every element finite. The converse fails (finite values can overflow
    the sum), so a non-finite sum falls back to the element-wise test, which decides. A large
    contiguous ``a`` is summed in ``threads`` parts at once.
    """
    if not np.issubdtype(a.dtype, np.inexact):
        return True  # integers are always finite
    if a.size <= 4096:  # small: the element-wise test costs no more than the sum
        return bool(np.isfinite(a).all())

    def total(part):
        with np.errstate(over="ignore", invalid="ignore"):  # per thread: errstate is thread-local
            return np.add.reduce(part, axis=None)

    if threads > 1 and a.size >= 2**20 and a.flags.c_contiguous:
        first, *rest = np.array_split(a.reshape(-1), threads)
        helpers = [_pool(threads - 1).submit(total, part) for part in rest]
        sums = [total(first)] + [helper.result() for helper in helpers]
        finite = all(np.isfinite(x) for x in sums)
    else:
        finite = bool(np.isfinite(total(a)))
    return finite or bool(np.isfinite(a).all())


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_THREAD = threading.local()  # .scratch: the scratch arrays of the block this thread updates
_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    """A thread pool kept for the whole session (starting threads at every step would cost more
    than a step on a small array). Keyed by process too: a forked child has none of the
    parent's threads, so it gets pools of its own."""
    key = (os.getpid(), workers)
    if key not in _POOLS:
        _POOLS[key] = ThreadPoolExecutor(workers, thread_name_prefix="lib.optim")
    return _POOLS[key]


class Optimizer:
    """Base class: validation, state, step counting and the scratch workspace.

    Subclasses write only ``update`` (and list ``state_names`` and ``scratch_count``).
    """

    #: names of the per-parameter state arrays, in the article's symbols
    state_names: tuple[str, ...] = ()
    #: how many scratch arrays ``update`` takes from :meth:`_scratch`
    scratch_count: int = 1
    #: ``step`` updates arrays larger than this in blocks of this many elements, so that a
    #: block's scratch arrays (and θ, g and the state of the block) stay in the CPU's L2 cache
    block_size: int = 2**16
    #: how many threads update the blocks of a large parameter at once (NumPy releases the GIL
    #: inside its operations); 1 updates in the calling thread only
    threads: int = min(_cpu_count(), 4)

    def __init__(self, lr: LearningRate):
        if callable(lr):
            self.lr = lr
        else:
            self.lr = _check_positive("lr", lr)
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self.t = 0
        # private scratch arrays per parameter and thread, reused across steps (_workspace_for)
        self._workspace: dict[int, list[list[np.ndarray]]] = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def hyperparameters(self) -> dict:
        """The constructor's arguments, e.g. ``{"lr": 0.1, "beta": 0.9}``."""
        return {"lr": self.lr}

    # -- the one public method ------------------------------------------------------------------
    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Take one step: update every array of ``params`` in place from ``grads``."""
        grads = self._validated(params, grads)
        t = self.t + 1
        lr = self._lr_at(t)
        states = [self._state_for(i, p) for i, p in enumerate(params)]
        plans = [self._blocks(p, g, s) for p, g, s in zip(params, grads, states)]
        workspaces = [self._workspace_for(i, like, len(blocks))
                      for i, (like, blocks) in enumerate(plans)]
        # Nothing has been changed up to here; from here on nothing can fail.
        self.t = t
        for i, (state, (_, blocks), scratch) in enumerate(zip(states, plans, workspaces)):
            self.state[i] = state
            self._workspace[i] = scratch
            self._update_blocks(blocks, scratch, lr)

    def update(self, theta: np.ndarray, g: np.ndarray, state: dict, lr: float) -> None:
        """Update one parameter array ``theta`` in place (``self.t`` is already the new step).

        ``step`` may call it once per block of a large parameter, with ``theta``, ``g`` and the
        arrays of ``state`` being views of that block.
        """
        raise NotImplementedError

    # -- blocks, threads and scratch arrays (speed only: no effect on the results) ---------------
    def _update_blocks(self, blocks: list, scratch: list[list[np.ndarray]], lr: float) -> None:
        """``update`` every block; with several scratch sets, on that many threads at once.

        Each thread takes the next block not yet taken, so a thread slowed down by other work on
        the machine does fewer blocks. The results do not depend on which thread updates which
        block: every operation is element-wise.
        """
        if len(scratch) == 1:  # one thread: the calling one
            _THREAD.scratch = scratch[0]
            try:
                for theta_block, g_block, state_block in blocks:
                    self.update(theta_block, g_block, state_block, lr)
            finally:
                _THREAD.scratch = []
            return
        next_block = itertools.count().__next__  # atomic under the GIL

        def work(own_scratch):
            _THREAD.scratch = own_scratch
            try:
                while (k := next_block()) < len(blocks):
                    theta_block, g_block, state_block = blocks[k]
                    self.update(theta_block, g_block, state_block, lr)
            finally:
                _THREAD.scratch = []

        helpers = [_pool(len(scratch) - 1).submit(work, own) for own in scratch[1:]]
        work(scratch[0])
        for helper in helpers:
            helper.result()  # waits, and re-raises an error of that thread

    def _scratch(self, like: np.ndarray) -> list[np.ndarray]:
        """``scratch_count`` arrays shaped like ``like`` to compute into, reused across steps.

        They are views of the calling thread's scratch arrays for the parameter being updated;
        called outside ``step`` (or asking for more than there is) it returns new arrays.
        """
        scratch = getattr(_THREAD, "scratch", [])
        if len(scratch) < self.scratch_count or any(
                buf.dtype != like.dtype or buf.size < like.size for buf in scratch):
            return [np.empty_like(like) for _ in range(self.scratch_count)]
        if scratch[0].shape == like.shape:
            return scratch[:self.scratch_count]
        return [buf[:like.size].reshape(like.shape) for buf in scratch[:self.scratch_count]]

    def _blocks(self, theta, g, state) -> tuple[np.ndarray, list]:
        """``(like, blocks)``: the (θ, g, state) views ``update`` is called with, and an array
        shaped like the largest of them (what the scratch arrays must fit)."""
        arrays = [theta, g, *state.values()]
        if theta.size <= self.block_size or not all(a.flags.c_contiguous for a in arrays):
            return theta, [(theta, g, state)]  # one call on the whole arrays
        flat_theta, flat_g = theta.reshape(-1), g.reshape(-1)  # views: C-contiguous
        flat_state = {name: a.reshape(-1) for name, a in state.items()}
        n = self.block_size
        blocks = [(flat_theta[lo:lo + n], flat_g[lo:lo + n],
                   {name: a[lo:lo + n] for name, a in flat_state.items()})
                  for lo in range(0, theta.size, n)]
        return flat_theta[:n], blocks

    def _workspace_for(self, i: int, like: np.ndarray, n_blocks: int) -> list[list[np.ndarray]]:
        """The scratch arrays of ``params[i]``, one set per thread that will update its blocks:
        kept from the last step when they still fit."""
        n_threads = max(1, min(self.threads, n_blocks // 2))  # at least 2 blocks per thread
        scratch = self._workspace.get(i, [])
        if (len(scratch) == n_threads
                and all(len(own) == self.scratch_count for own in scratch)
                and all(buf.dtype == like.dtype and buf.shape == like.shape
                        for own in scratch for buf in own)):
            return scratch
        return [[np.empty_like(like) for _ in range(self.scratch_count)] for _ in range(n_threads)]

    # -- validation -----------------------------------------------------------------------------
    def _lr_at(self, t: int) -> float:
        if callable(self.lr):
            return _check_positive(f"lr (the schedule's value at step {t})", self.lr(t))
        return self.lr

    def _validated(self, params, grads) -> list[np.ndarray]:
        if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
            raise TypeError("params must be a list of arrays, got " + type(params).__name__)
        if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
            raise TypeError("grads must be a list of arrays, got " + type(grads).__name__)
        if len(params) != len(grads):
            raise ValueError(f"grads has {len(grads)} arrays but params has {len(params)}")
        checked = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{i}] must be a NumPy array, got {type(p).__name__}")
            if not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"params[{i}] must be a float array (updated in place), got {p.dtype}")
            if not p.flags.writeable:
                raise ValueError(f"params[{i}] is read-only; it is updated in place")
            g = np.asarray(g)
            if g.dtype == bool or not (np.issubdtype(g.dtype, np.floating)
                                       or np.issubdtype(g.dtype, np.integer)):
                raise TypeError(f"grads[{i}] must be a real-valued array, got {g.dtype}")
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] has shape {g.shape} but params[{i}] has {p.shape}")
            if g.dtype == p.dtype:
                if not _all_finite(g, self.threads):
                    raise ValueError(f"grads[{i}] contains NaN or inf")
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    converted = g.astype(p.dtype)
                if not _all_finite(converted, self.threads):
                    if not _all_finite(g):
                        raise ValueError(f"grads[{i}] contains NaN or inf")
                    # finite, but too large for params[i]'s dtype
                    raise ValueError(f"grads[{i}] overflows {p.dtype}, the dtype of params[{i}]")
                g = converted
            checked.append(g)
        return checked

    def _state_for(self, i: int, theta: np.ndarray) -> dict:
        """The state of ``params[i]``: given by the caller, kept from the last step, or new zeros."""
        given = self.state.get(i)
        if given is None:
            return {name: np.zeros_like(theta) for name in self.state_names}
        if not isinstance(given, dict):
            raise TypeError(f"state[{i}] must be a dict, got {type(given).__name__}")
        state = {}
        for name in self.state_names:
            if name not in given:
                raise ValueError(f"state[{i}] has no {name!r} (expected keys {self.state_names})")
            arr = np.asarray(given[name])
            if arr.shape != theta.shape:
                raise ValueError(
                    f"state[{i}][{name!r}] has shape {arr.shape} but params[{i}] has {theta.shape}")
            if arr is given[name] and arr.dtype == theta.dtype and arr.flags.writeable:
                state[name] = arr
            else:
                state[name] = arr.astype(theta.dtype)  # a private, writable copy
        return state


class GD(Optimizer):
    r"""Gradient descent: step against the gradient.

    .. math:: \theta \leftarrow \theta - \eta\, g

    Batch GD, SGD and mini-batch SGD are all this update; they differ only in the
    gradient estimate ``g`` fed to it (see :func:`lib.train.train`).
    """

    def update(self, theta, g, state, lr):
        (step,) = self._scratch(theta)
        np.multiply(lr, g, out=step)  # η g
        theta -= step                 # θ ← θ − η g


class Momentum(Optimizer):
    r"""Momentum, in the article's exponential-average form.

    .. math::
        v &\leftarrow \beta v + (1-\beta)\, g \\
        \theta &\leftarrow \theta - \eta\, v

    ``v`` starts at zero. PyTorch and Keras use the heavy-ball form instead; their
    ``SGD(lr=η(1-β), momentum=β)`` performs exactly these updates (:mod:`lib.frameworks`).
    """

    state_names = ("v",)

    def __init__(self, lr: LearningRate, beta: float = 0.9):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta}

    def update(self, theta, g, state, lr):
        v, (tmp,) = state["v"], self._scratch(theta)
        v *= self.beta                                # v ← β v
        v += np.multiply(1 - self.beta, g, out=tmp)   #     + (1-β) g
        theta -= np.multiply(lr, v, out=tmp)          # θ ← θ − η v


class RMSProp(Optimizer):
    r"""RMSProp, with :math:`\epsilon` inside the square root as in the article (and Keras).

    .. math::
        s &\leftarrow \beta s + (1-\beta)\, g^2 \\
        \theta &\leftarrow \theta - \frac{\eta}{\sqrt{s + \epsilon}}\, g
    """

    state_names = ("s",)

    def __init__(self, lr: LearningRate, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta = _check_beta("beta", beta)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta": self.beta, "eps": self.eps}

    def update(self, theta, g, state, lr):
        s, (tmp,) = state["s"], self._scratch(theta)
        s *= self.beta                      # s ← β s
        np.square(g, out=tmp)               #          g²
        tmp *= 1 - self.beta                #     (1-β) g²
        s += tmp                            #   + (1-β) g²
        np.add(s, self.eps, out=tmp)        # s + ε
        np.sqrt(tmp, out=tmp)               # √(s + ε)
        np.divide(lr, tmp, out=tmp)         # η / √(s + ε)
        tmp *= g                            # η / √(s + ε) · g
        theta -= tmp                        # θ ← θ − η / √(s + ε) · g


class Adam(Optimizer):
    r"""Adam: momentum and RMSProp together, with bias correction.

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1)\, g \\
        v &\leftarrow \beta_2 v + (1-\beta_2)\, g^2 \\
        \hat m &= m / (1-\beta_1^t), \qquad \hat v = v / (1-\beta_2^t) \\
        \theta &\leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    ``t`` is the step number, 1 on the first step.
    """

    state_names = ("m", "v")
    scratch_count = 2

    def __init__(self, lr: LearningRate = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_beta("beta1", beta1)
        self.beta2 = _check_beta("beta2", beta2)
        self.eps = _check_positive("eps", eps)

    def hyperparameters(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def update(self, theta, g, state, lr):
        m, v, t = state["m"], state["v"], self.t
        a, b = self._scratch(theta)
        m *= self.beta1                                   # m ← β1 m
        m += np.multiply(1 - self.beta1, g, out=a)        #     + (1-β1) g
        v *= self.beta2                                   # v ← β2 v
        np.square(g, out=a)                               #            g²
        a *= 1 - self.beta2                               #     (1-β2) g²
        v += a                                            #   + (1-β2) g²
        m_hat = np.divide(m, 1 - self.beta1**t, out=a)    # m̂ = m / (1-β1^t)
        v_hat = np.divide(v, 1 - self.beta2**t, out=b)    # v̂ = v / (1-β2^t)
        denominator = np.sqrt(v_hat, out=b)               # √v̂
        denominator += self.eps                           # √v̂ + ε
        step = np.multiply(lr, m_hat, out=a)              # η m̂
        step /= denominator                               # η m̂ / (√v̂ + ε)
        theta -= step                                     # θ ← θ − η m̂ / (√v̂ + ε)
