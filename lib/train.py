r"""The book's one training loop, and the one loop that walks down a two-parameter valley.

Batch GD, SGD and mini-batch SGD are the same update fed different gradient estimates;
:func:`train` draws them:

- ``batch_size=None``: the whole data set every step (batch gradient descent);
- ``batch_size=1``: one example per step (stochastic gradient descent);
- ``batch_size=k``: ``k`` examples per step (mini-batch SGD).

Examples are drawn without replacement: every epoch visits each example once, in an order
shuffled by a generator seeded with ``seed`` (the last batch of an epoch may be smaller), as
``DataLoader(shuffle=True)`` and ``model.fit`` do.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .optim import Optimizer

__all__ = ["History", "train", "descend", "batches"]


@dataclass
class History:
    """What :func:`train` recorded.

    - ``step_loss``: the mini-batch loss at every step (before the step);
    - ``steps``, ``grad_evals``, ``seconds``, ``loss``: at every evaluation point (step 0, then every
      ``eval_every`` steps and at the end), the step count, the number of per-example gradients
      computed so far, training seconds so far (evaluation time excluded) and the full-data loss;
    - ``path``: with ``record_path=True``, the concatenated parameters after every step (row 0 is
      the start), for plotting trajectories;
    - ``reached_target``: whether ``target_loss`` was reached.
    """

    step_loss: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    grad_evals: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    path: list = field(default_factory=list)
    epochs: int = 0
    reached_target: bool = False

    def as_arrays(self) -> dict:
        return {k: np.asarray(v) for k, v in self.__dict__.items() if isinstance(v, list)}


def batches(n: int, batch_size: int | None, rng: np.random.Generator):
    """Index arrays of one epoch: all of ``range(n)`` for ``None``, else shuffled chunks."""
    if batch_size is None:
        yield np.arange(n)
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def _flat(params) -> np.ndarray:
    return np.concatenate([np.ravel(p) for p in params]).copy()


def train(model, opt: Optimizer, x, y, *, batch_size: int | None = None, epochs: int = 1,
          max_steps: int | None = None, seed: int = 0, eval_every: int | None = None,
          eval_data=None, target_loss: float | None = None, record_path: bool = False,
          progress: bool = False, callback=None) -> History:
    """Train ``model`` (``params``, ``loss``, ``loss_and_grads``) with ``opt`` on ``(x, y)``.

    Parameters
    ----------
    batch_size: ``None`` (full batch), ``1`` (stochastic) or ``k`` (mini-batch).
    epochs: passes over the data; ``max_steps`` stops earlier.
    eval_every: evaluate the full loss every this many steps (default: once per epoch).
    eval_data: ``(x, y)`` to evaluate the loss on (default: the training data).
    target_loss: stop as soon as an evaluated loss is at or below this value.
    record_path: store the parameters after every step in ``history.path``.
    progress: show a progress bar (on standard output, one bar for the run).
    callback: ``callback(step, history)`` called after every evaluation; returning ``True`` stops.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x has {n} examples but y has {len(y)}")
    if n == 0:
        raise ValueError("x is empty")
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be None or a positive int, got {batch_size!r}")
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if max_steps is not None and (not isinstance(max_steps, (int, np.integer)) or max_steps < 1):
        raise ValueError(f"max_steps must be None or a positive int, got {max_steps!r}")
    if eval_every is not None and (not isinstance(eval_every, (int, np.integer)) or eval_every < 1):
        raise ValueError(f"eval_every must be None or a positive int, got {eval_every!r}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be a lib.optim optimizer, got {type(opt).__name__}")

    ex, ey = eval_data if eval_data is not None else (x, y)
    rng = np.random.default_rng(seed)
    per_epoch = 1 if batch_size is None else -(-n // batch_size)
    total = epochs * per_epoch if max_steps is None else min(max_steps, epochs * per_epoch)
    every = eval_every or per_epoch

    history = History()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=total, file=sys.stdout, ascii=True, mininterval=1.0, unit="step",
                   dynamic_ncols=False, ncols=80)
    elapsed = 0.0
    evals = 0

    def evaluate(step):
        history.steps.append(step)
        history.grad_evals.append(evals)
        history.seconds.append(elapsed)
        history.loss.append(model.loss(ex, ey))
        if bar is not None:
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}", refresh=False)
        if target_loss is not None and history.loss[-1] <= target_loss:
            history.reached_target = True
            return True
        return bool(callback(step, history)) if callback is not None else False

    if record_path:
        history.path.append(_flat(model.params))
    stop = evaluate(0)
    step = 0
    for epoch in range(epochs):
        if stop or step >= total:
            break
        for idx in batches(n, batch_size, rng):
            start = time.perf_counter()
            xb, yb = x[idx], y[idx]
            loss, grads = model.loss_and_grads(xb, yb)
            opt.step(model.params, grads)
            elapsed += time.perf_counter() - start
            evals += len(idx)
            step += 1
            history.step_loss.append(loss)
            if record_path:
                history.path.append(_flat(model.params))
            if bar is not None:
                bar.update(1)
            if step % every == 0 or step == total:
                stop = evaluate(step)
            if stop or step >= total:
                break
        history.epochs = epoch + 1
    if history.steps[-1] != step:
        evaluate(step)
    if bar is not None:
        bar.close()
    return history


def descend(valley, opt: Optimizer, theta0, steps: int, grad_noise: float = 0.0,
            seed: int = 0) -> np.ndarray:
    """Walk ``steps`` optimizer steps down ``valley`` from ``theta0``; return the path ``(steps+1, d)``.

    ``valley`` is anything with a ``grad(theta)`` method (see :mod:`lib.valleys`).
    ``grad_noise`` adds seeded Gaussian noise of that standard deviation to every gradient, a
    simple stand-in for the noise of a stochastic gradient estimate. A path that leaves the
    finite numbers (a diverging run) stops there.
    """
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    if not grad_noise >= 0:
        raise ValueError(f"grad_noise must be >= 0, got {grad_noise}")
    theta = np.array(theta0, dtype=float)  # a copy: the caller's start point is not moved
    rng = np.random.default_rng(seed)
    path = [theta.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = valley.grad(theta)
            if grad_noise:
                g = g + grad_noise * rng.standard_normal(theta.shape)
            if not np.all(np.isfinite(g)):
                break
            opt.step([theta], [g])
            path.append(theta.copy())
            if not np.all(np.isfinite(theta)):
                break
    return np.array(path)
