r"""How :mod:`lib.optim` takes a step quickly: validation, state, blocks, threads and scratch arrays.

:mod:`lib.optim` writes each optimizer's ``update`` as its formula; this module is the machinery
that calls it (as ``torch.optim`` keeps its single-tensor path apart from its multi-tensor
``foreach`` path). Nothing here changes a result: :class:`Engine.step` only decides which arrays
``update`` sees and in which thread.

Why it is fast. A step is memory-bound: Adam must read θ, g, m, v and write θ, m, v, and the
time that takes is set by memory bandwidth, not arithmetic. So ``update`` computes in place
(``out=``, ``*=``) into scratch arrays that are kept from step to step in a private workspace
(never in ``opt.state``), and :meth:`Engine.step` feeds large arrays to ``update`` in blocks of
:attr:`Engine.block_size` elements, so that the scratch arrays and the block's intermediate
results stay in the CPU cache: main memory is then read and written about once per array, as the
formula requires. The blocks are shared among :attr:`Engine.threads` threads (NumPy releases the
GIL inside its operations). No array is allocated per step. Every operation is the same IEEE
operation, in the same order, as the plain formula (``lib/optim_reference.py``), so the results
are bit-identical to it (``tests/test_optim_reference.py``); ``benchmarks/optimizer_step.py``
measures the speed.

Bad input raises ``ValueError`` or ``TypeError`` naming the parameter, before anything is changed:
the caller's arrays, ``opt.state`` and ``opt.t`` are left as they were.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from numbers import Real
from typing import Sequence

import numpy as np

__all__ = ["Engine", "ema_"]


# -- hyperparameter checks ------------------------------------------------------------------------

def _check_positive(name: str, value) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``name`` unless it is finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def _check_beta(name: str, value) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``name`` unless it is in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_nonnegative(name: str, value) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``name`` unless it is finite and ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


# -- in-place building blocks of the updates ------------------------------------------------------

def ema_(x: np.ndarray, beta: float, y: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    r"""``x := β x + (1-β) y`` in place, computing ``(1-β) y`` into ``tmp`` (which may be ``y``).

    The exponential moving average of Momentum, RMSProp and Adam, with the operations of the
    plain formula ``x *= β; x += (1 - β) * y`` in the same order, so the bits are the same.
    """
    x *= beta
    x += np.multiply(1 - beta, y, out=tmp)
    return x


# -- the finiteness test --------------------------------------------------------------------------

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


# -- threads --------------------------------------------------------------------------------------

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


# -- the engine -----------------------------------------------------------------------------------

class Engine:
    """``step``: validation, state, step counting, blocks, threads and the scratch workspace.

    A subclass (:class:`lib.optim.Optimizer`) sets ``self.lr``, ``self.state`` and ``self.t`` and
    writes ``update``; it lists ``state_names`` and ``scratch_count``.
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

    def __init__(self):
        # private scratch arrays per parameter and thread, reused across steps (_workspace_for)
        self._workspace: dict[int, list[list[np.ndarray]]] = {}

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

    def _initial_state(self, name: str, theta: np.ndarray) -> np.ndarray:
        """The starting value of the state array ``name``: zeros (Adagrad overrides it)."""
        return np.zeros_like(theta)

    def _state_for(self, i: int, theta: np.ndarray) -> dict:
        """The state of ``params[i]``: given by the caller, kept from the last step, or new."""
        given = self.state.get(i)
        if given is None:
            return {name: self._initial_state(name, theta) for name in self.state_names}
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
