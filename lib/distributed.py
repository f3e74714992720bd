r"""Data-parallel SGD: several workers, one mini-batch, one step.

Each of :math:`P` workers computes the gradient of its shard :math:`\mathcal B_r` of the global
mini-batch :math:`\mathcal B`; an *all-reduce* sums the weighted shard gradients, so every worker
receives the same vector and takes the same step:

.. math::
    \sum_{r=1}^{P} \frac{|\mathcal B_r|}{|\mathcal B|}\, \nabla J(\theta; \mathcal B_r)
    = \nabla J(\theta; \mathcal B)

That is the mini-batch gradient, so data-parallel training *is* mini-batch SGD of the global
batch (with equal shards the weights are all :math:`1/P`: the mean, what
``DistributedDataParallel`` computes).

- :func:`shards`, :func:`simulated_allreduce` and :func:`ring_allreduce`: the idea in NumPy,
  with workers simulated in one process;
- :func:`launch` starts real worker processes the way ``torchrun`` does (environment variables
  ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR=127.0.0.1``, ``MASTER_PORT``), joins a
  ``torch.distributed`` gloo process group in each and returns what each worker returned. Every
  process it starts is ended, also on error, on a timeout or when one worker dies, and nothing
  listens outside 127.0.0.1;
- the workers: :func:`regression_worker` (explicit ``all_reduce`` or ``DistributedDataParallel``,
  every lib optimizer through :func:`lib.frameworks.to_torch`; :func:`regression_modes_worker`
  runs both in one process group), :func:`allreduce_timing_worker`
  (the cost of an all-reduce) and :func:`mnist_worker` (the book's NumPy MNIST network, its
  gradients all-reduced through gloo);
- :func:`train_mnist_data_parallel`: the MNIST run of :mod:`lib.experiments.mnist` on ``workers``
  processes, returning the same :class:`~lib.experiments.mnist.RunResult`;
- :func:`single_process_regression`: the references (``lib.train.train`` and one PyTorch process
  on the whole batch) the data-parallel runs are compared with; :func:`fit_latency_bandwidth`:
  the communication model :math:`t(b) = \alpha + \beta b`.

This module imports no framework at the top: a worker sets its thread limits before PyTorch is
imported.
"""

from __future__ import annotations

import datetime
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

__all__ = ["shards", "simulated_allreduce", "ring_allreduce", "WorkerFailed", "launch",
           "regression_worker", "regression_modes_worker", "single_process_regression",
           "allreduce_timing_worker", "fit_latency_bandwidth", "mnist_worker",
           "train_mnist_data_parallel", "OPTIMIZER_NAMES"]

HOST = "127.0.0.1"
#: The lib optimizers the regression workers accept, by name (lib.optim class names).
OPTIMIZER_NAMES = ("GD", "Momentum", "RMSProp", "Adam", "Nesterov", "Adagrad", "AdamW")


# -- the idea, in NumPy --------------------------------------------------------------------------

def shards(idx, workers: int) -> list[np.ndarray]:
    """Cut the index array of one global mini-batch into ``workers`` consecutive shards whose
    sizes differ by at most one (some are empty when the batch has fewer examples)."""
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    return np.array_split(np.asarray(idx), workers)


def simulated_allreduce(contributions: Sequence[Sequence[np.ndarray]]) -> list[list[np.ndarray]]:
    """What an all-reduce (sum) gives: every worker receives the sum of all workers' arrays.

    ``contributions[r]`` is worker ``r``'s list of arrays; the result has one list per worker,
    each a fresh copy of the sums (so a worker changing its copy changes no other).
    """
    if len(contributions) == 0:
        raise ValueError("contributions is empty: an all-reduce needs at least one worker")
    total = [np.array(a, dtype=np.result_type(a), copy=True) for a in contributions[0]]
    for r, arrays in enumerate(contributions[1:], start=1):
        if len(arrays) != len(total):
            raise ValueError(f"worker {r} sends {len(arrays)} arrays, worker 0 sends {len(total)}")
        for t, a in zip(total, arrays):
            t += a
    return [[t.copy() for t in total] for _ in contributions]


def ring_allreduce(vectors: Sequence[np.ndarray]) -> list[np.ndarray]:
    r"""The ring all-reduce of one flat vector per worker, written out: ``P - 1`` reduce-scatter
    rounds (each worker passes one chunk to its right-hand neighbour, which adds it to its own),
    then ``P - 1`` all-gather rounds (the finished chunks travel once around the ring).

    Each worker sends :math:`2(P-1)/P` times its vector's size in all, whatever :math:`P` is;
    that is why the ring is bandwidth-optimal. Returns each worker's copy of the sum.
    """
    P = len(vectors)
    if P == 0:
        raise ValueError("vectors is empty: an all-reduce needs at least one worker")
    buffers = [np.array(v, dtype=np.result_type(v), copy=True).ravel() for v in vectors]
    if any(b.shape != buffers[0].shape for b in buffers):
        raise ValueError("every worker must send a vector of the same size")
    bounds = np.linspace(0, buffers[0].size, P + 1).astype(int)
    chunk = [slice(bounds[c], bounds[c + 1]) for c in range(P)]
    for step in range(P - 1):          # reduce-scatter: worker r sends chunk (r - step) mod P
        sent = [buffers[r][chunk[(r - step) % P]].copy() for r in range(P)]
        for r in range(P):
            buffers[(r + 1) % P][chunk[(r - step) % P]] += sent[r]
    for step in range(P - 1):          # all-gather: worker r owns the full chunk (r + 1) mod P
        sent = [buffers[r][chunk[(r + 1 - step) % P]].copy() for r in range(P)]
        for r in range(P):
            buffers[(r + 1) % P][chunk[(r + 1 - step) % P]] = sent[r]
    return [b.reshape(np.shape(vectors[0])) for b in buffers]


# -- starting real workers -----------------------------------------------------------------------

class WorkerFailed(RuntimeError):
    """A worker exited with an error, was killed, or the run passed its time limit; every other
    worker has been ended. ``rank`` is the worker that failed first (``None`` on a timeout)."""

    def __init__(self, message: str, rank=None):
        super().__init__(message)
        self.rank = rank


def _end(processes: Sequence[subprocess.Popen], grace: float = 2.0) -> None:
    """End every process still running: SIGTERM to its process group, a grace period, then
    SIGKILL; and reap it, so no process (or zombie) is left behind."""
    for p in processes:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
    deadline = time.monotonic() + grace
    for p in processes:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for p in processes:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            p.wait()


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def launch(target: Callable, *args, workers: int = 2, timeout: float = 120.0,
           on_start: Callable | None = None, threads: int = 1) -> list:
    """Run ``target(*args)`` in ``workers`` new Python processes joined in a gloo process group;
    return the list of their return values, by rank.

    ``target`` must be importable (a module-level function: each process imports it by name).
    Each process gets what ``torchrun`` would give it, ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
    ``MASTER_ADDR=127.0.0.1`` and ``MASTER_PORT``, plus ``OMP_NUM_THREADS=threads``; inside,
    ``torch.distributed.get_rank()`` says which worker it is.

    The launcher binds the rendezvous socket itself, on 127.0.0.1 port 0 (the OS picks a free
    port), and hands it to rank 0 (``TCPStore(master_listen_fd=...)``); gloo's own connections
    use the loopback interface (``GLOO_SOCKET_IFNAME=lo``). So nothing listens outside
    127.0.0.1, and no other program can take the port between choosing and using it.

    Every process is ended before this returns or raises: when one exits with an error or is
    killed (the others would wait for it forever), when ``timeout`` seconds pass, or when the
    caller is interrupted. Then :class:`WorkerFailed` is raised with the worker's error.
    ``on_start(pids)`` is called once all processes have started (tests use it).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    module, name = target.__module__, target.__qualname__
    if module == "__main__" or "<" in name:
        raise ValueError("target must be a module-level function of an importable module, "
                         f"got {module}.{name}")
    with tempfile.TemporaryDirectory(prefix="gdbook-dp-") as scratch:
        scratch = Path(scratch)
        job = scratch / "job.pkl"
        job.write_bytes(pickle.dumps((module, name, args)))
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        processes: list[subprocess.Popen] = []
        try:
            listener.bind((HOST, 0))
            listener.listen(128)
            port = listener.getsockname()[1]
            root = str(Path(__file__).resolve().parent.parent)
            for rank in range(workers):
                env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(workers),
                           LOCAL_RANK=str(rank), MASTER_ADDR=HOST, MASTER_PORT=str(port),
                           GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS=str(threads),
                           GDBOOK_DP_THREADS=str(threads),
                           PYTHONPATH=os.pathsep.join(
                               [root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
                fds = ()
                if rank == 0:
                    env["GDBOOK_DP_LISTEN_FD"] = str(listener.fileno())
                    fds = (listener.fileno(),)
                with open(scratch / f"out{rank}.txt", "wb") as out:
                    processes.append(subprocess.Popen(
                        [sys.executable, "-m", "lib.distributed", str(job),
                         str(scratch / f"result{rank}.pkl")],
                        env=env, cwd=root, stdin=subprocess.DEVNULL, stdout=out,
                        stderr=subprocess.STDOUT, pass_fds=fds, start_new_session=True))
            listener.close()  # rank 0 holds its own copy now
            if on_start is not None:
                on_start([p.pid for p in processes])
            deadline = time.monotonic() + timeout
            while True:
                codes = [p.poll() for p in processes]
                failed = [r for r, c in enumerate(codes) if c not in (None, 0)]
                if failed:
                    # a killed worker is the cause; the others then fail talking to it
                    r = min(failed, key=lambda k: (codes[k] >= 0, k))
                    _end(processes)
                    result = scratch / f"result{r}.pkl"
                    detail = (pickle.loads(result.read_bytes())[1] if result.exists()
                              else _tail(scratch / f"out{r}.txt"))
                    how = (f"was killed by signal {-codes[r]}" if codes[r] < 0
                           else f"exited with code {codes[r]}")
                    raise WorkerFailed(f"worker {r} of {workers} {how}; every worker has been "
                                       f"ended.\n{detail}", rank=r)
                if all(c == 0 for c in codes):
                    break
                if time.monotonic() > deadline:
                    _end(processes)
                    raise WorkerFailed(f"the {workers} workers did not finish within {timeout} s;"
                                       " every worker has been ended")
                time.sleep(0.02)
            results = []
            for r in range(workers):
                ok, value = pickle.loads((scratch / f"result{r}.pkl").read_bytes())
                results.append(value)
            return results
        finally:
            listener.close()
            _end(processes)


def _worker_main(job: str, result: str) -> int:
    """Inside a worker process: join the process group, run the target, write its result."""
    threads = int(os.environ.get("GDBOOK_DP_THREADS", "1"))
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    try:
        import importlib

        import torch
        import torch.distributed as dist

        torch.set_num_threads(threads)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            pass
        else:
            threadpool_limits(threads)
        module, name, args = pickle.loads(Path(job).read_bytes())
        fd = os.environ.get("GDBOOK_DP_LISTEN_FD")
        wait = datetime.timedelta(seconds=60)
        store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), world,
                              rank == 0, timeout=wait,
                              master_listen_fd=int(fd) if fd is not None else None)
        dist.init_process_group("gloo", store=store, rank=rank, world_size=world, timeout=wait)
        try:
            target = getattr(importlib.import_module(module), name)
            value = target(*args)
            dist.barrier()
        finally:
            dist.destroy_process_group()
        payload = (True, value)
        code = 0
    except BaseException:  # report any failure to the launcher, which ends the other workers
        payload = (False, f"worker {rank}:\n{traceback.format_exc()}")
        code = 1
    tmp = Path(result + ".tmp")
    tmp.write_bytes(pickle.dumps(payload))
    tmp.replace(result)
    return code


# -- linear regression: explicit all-reduce, DistributedDataParallel, and the references --------

def _lib_optimizer(name: str, hyper: dict):
    from . import optim

    if name not in OPTIMIZER_NAMES:
        raise ValueError(f"optimizer must be one of {OPTIMIZER_NAMES}, got {name!r}")
    return getattr(optim, name)(**hyper)


def _global_batches(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """The index arrays of ``lib.train.train``'s first ``steps`` mini-batches."""
    from .train import batches

    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    while len(out) < steps:
        out.extend(batches(n, batch_size, rng))
    return out[:steps]


def _torch_linear(d: int):
    import torch

    net = torch.nn.Linear(d, 1, dtype=torch.float64)
    with torch.no_grad():
        net.weight.zero_()
        net.bias.zero_()
    return net


def _flat_params(net) -> np.ndarray:
    return np.concatenate([p.detach().numpy().ravel() for p in net.parameters()])


def regression_worker(x, y, optimizers: dict, batch_size: int, steps: int, seed: int = 0,
                      mode: str = "allreduce") -> dict:
    """One worker of data-parallel linear regression (float64, PyTorch), for every optimizer.

    ``optimizers`` maps a label to ``(lib class name, hyperparameters)``; each is built with
    :func:`lib.frameworks.to_torch`. Every worker walks the same global batches as
    ``lib.train.train(..., seed=seed)`` and takes its shard (:func:`shards`) of each.

    ``mode="allreduce"``: after ``backward()`` each gradient is weighted by
    ``|B_r| / |B|`` and summed over the workers with ``dist.all_reduce``; ``mode="ddp"``: the
    model is wrapped in ``DistributedDataParallel``, which averages the gradients during
    ``backward()`` (equal to the mini-batch gradient when the shards are equal, so the batch
    size must be a multiple of the number of workers). Returns, per label, the parameters
    ``[w..., b]`` after every step (row 0 the start).
    """
    import torch
    import torch.distributed as dist

    from .frameworks import to_torch

    if mode not in ("allreduce", "ddp"):
        raise ValueError(f"mode must be 'allreduce' or 'ddp', got {mode!r}")
    rank, world = dist.get_rank(), dist.get_world_size()
    if mode == "ddp" and batch_size % world:
        raise ValueError(f"DDP averages over workers: batch_size ({batch_size}) "
                         f"must be a multiple of the {world} workers")
    X, Y = torch.from_numpy(np.asarray(x, dtype=np.float64)), torch.from_numpy(
        np.asarray(y, dtype=np.float64)).reshape(-1, 1)
    plan = _global_batches(len(X), batch_size, steps, seed)
    paths = {}
    for label, (name, hyper) in optimizers.items():
        net = _torch_linear(X.shape[1])
        model = net
        if mode == "ddp":
            from torch.nn.parallel import DistributedDataParallel

            model = DistributedDataParallel(net)  # broadcasts rank 0's weights
        optimizer = to_torch(_lib_optimizer(name, hyper), net.parameters())
        path = [_flat_params(net)]
        for idx in plan:
            mine = torch.from_numpy(shards(idx, world)[rank])
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X[mine]), Y[mine])
            loss.backward()                         # DDP: the averaging happens here
            if mode == "allreduce":
                for p in net.parameters():
                    p.grad *= len(mine) / len(idx)       # weight of this shard
                    dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            optimizer.step()
            path.append(_flat_params(net))
        paths[label] = np.array(path)
    return paths


def regression_modes_worker(x, y, optimizers: dict, batch_size: int, steps: int, seed: int = 0,
                            modes: Sequence[str] = ("allreduce", "ddp")) -> dict:
    """:func:`regression_worker` for each of ``modes`` in one process group (one start-up
    instead of several): ``{mode: paths}``."""
    return {mode: regression_worker(x, y, optimizers, batch_size, steps, seed, mode)
            for mode in modes}


def single_process_regression(x, y, optimizers: dict, batch_size: int, steps: int,
                              seed: int = 0) -> tuple[dict, dict]:
    """The references of :func:`regression_worker`: per label, the path of ``lib.train.train``
    with the lib optimizer and the path of one PyTorch process (``to_torch``) on the whole
    batch, both on the same global batches. Returns ``(lib_paths, torch_paths)``."""
    import torch

    from .frameworks import to_torch
    from .models import LinearRegression
    from .train import train

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    X, Y = torch.from_numpy(x), torch.from_numpy(y).reshape(-1, 1)
    plan = _global_batches(len(x), batch_size, steps, seed)
    lib_paths, torch_paths = {}, {}
    for label, (name, hyper) in optimizers.items():
        model = LinearRegression(x.shape[1])
        history = train(model, _lib_optimizer(name, hyper), x, y, batch_size=batch_size,
                        epochs=10**6, max_steps=steps, seed=seed, record_path=True)
        lib_paths[label] = np.array(history.path)
        net = _torch_linear(x.shape[1])
        optimizer = to_torch(_lib_optimizer(name, hyper), net.parameters())
        path = [_flat_params(net)]
        for idx in plan:
            b = torch.from_numpy(idx)
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(net(X[b]), Y[b]).backward()
            optimizer.step()
            path.append(_flat_params(net))
        torch_paths[label] = np.array(path)
    return lib_paths, torch_paths


# -- what an all-reduce costs --------------------------------------------------------------------

def allreduce_timing_worker(sizes: Sequence[int], repeats: int = 15, warmup: int = 3) -> dict:
    """Seconds one ``dist.all_reduce`` of a float32 tensor takes, for every size (number of
    elements): ``{size: [seconds of each repeat]}``, where each repeat's time is the slower of
    the workers' (the all-reduce is done when the last worker has the sum). A barrier before
    each all-reduce starts the workers together, and every repeat cycles through all sizes, so
    that a burst of load from other programs spreads over the sizes instead of hitting one."""
    import torch
    import torch.distributed as dist

    tensors = {int(s): torch.ones(int(s), dtype=torch.float32) for s in sizes}
    out = {s: [] for s in tensors}
    for k in range(warmup + repeats):
        for size, tensor in tensors.items():
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(tensor)
            elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
            dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
            if k >= warmup:
                out[size].append(float(elapsed))
            tensor.fill_(1.0)
    return out


def fit_latency_bandwidth(nbytes, seconds) -> dict:
    r"""Least-squares fit of :math:`t = \alpha + \beta\, b` to all-reduce times ``seconds``
    against message sizes ``nbytes``: ``alpha`` (latency, s), ``beta`` (s per byte),
    ``bandwidth`` (:math:`1/\beta`, bytes per second), ``r2`` (the coefficient of
    determination of :math:`\log t` by :math:`\log \hat t`: the times span orders of magnitude,
    and the fit minimises relative errors) and ``max_rel_residual`` (the largest
    :math:`|t - \hat t| / t`)."""
    b = np.asarray(nbytes, dtype=float)
    t = np.asarray(seconds, dtype=float)
    if b.shape != t.shape or b.ndim != 1 or b.size < 3:
        raise ValueError("nbytes and seconds must be 1-D of the same length, at least 3")
    A = np.column_stack([np.ones_like(b), b])
    # relative errors: weight each point by 1/t, so small messages count as much as large ones
    (alpha, beta), *_ = np.linalg.lstsq(A / t[:, None], np.ones_like(t), rcond=None)
    fitted = alpha + beta * b
    with np.errstate(invalid="ignore", divide="ignore"):
        log_t, log_fit = np.log(t), np.log(fitted)
    r2 = (1 - np.sum((log_t - log_fit) ** 2) / np.sum((log_t - log_t.mean()) ** 2)
          if np.all(fitted > 0) else float("-inf"))
    return {"alpha": float(alpha), "beta": float(beta),
            "bandwidth": float(1 / beta) if beta > 0 else float("inf"), "r2": float(r2),
            "max_rel_residual": float(np.max(np.abs(t - fitted) / t))}


# -- the book's MNIST network, data-parallel -------------------------------------------------------

def mnist_worker(optimizer: str, epochs: int, batch_size: int, seed: int = 0, data=None,
                 lr=None, dtype: str = "float32", max_steps: int | None = None) -> dict:
    """One worker of the MNIST run of :func:`lib.experiments.mnist.train_numpy`, data-parallel.

    Every worker holds the same :class:`lib.nn.MLP` (same seed) and walks ``lib.train.train``'s
    global batches; it computes the gradients of its shard with ``lib.nn``, weights them by
    ``|B_r| / |B|``, and one ``dist.all_reduce`` of a single flat buffer (all gradients and the
    shard's loss, as DDP's buckets do) sums them; then every worker takes the same lib optimizer
    step. ``data=None`` loads the offline subset in each worker.

    Returns the metrics of :class:`~lib.experiments.mnist.RunResult` (rank 0 evaluates) and,
    per step, the seconds spent computing gradients, communicating and updating.
    """
    import torch
    import torch.distributed as dist

    from .experiments.mnist import load_data, make_optimizer
    from .nn import MLP
    from .train import batches

    rank, world = dist.get_rank(), dist.get_world_size()
    (x_train, y_train), (x_test, y_test) = load_data() if data is None else data
    dt = np.dtype(dtype)
    x_train, x_test = x_train.astype(dt, copy=False), x_test.astype(dt, copy=False)
    model = MLP(seed=seed, dtype=dt)
    opt = make_optimizer(optimizer, lr)
    n = len(x_train)
    sizes = [p.size for p in model.params]
    buffer = np.zeros(sum(sizes) + 1, dtype=dt)
    shared = torch.from_numpy(buffer)            # the same memory: all_reduce works in place
    offsets = np.cumsum([0] + sizes)
    initial_loss = model.loss(x_train, y_train) if rank == 0 else float("nan")
    rng = np.random.default_rng(seed)
    epoch_loss, epoch_seconds, compute, communicate, update = [], [], [], [], []
    step = 0
    for _ in range(epochs):
        begin, total = time.perf_counter(), 0.0
        for idx in batches(n, batch_size, rng):
            t0 = time.perf_counter()
            mine = shards(idx, world)[rank]
            buffer[:] = 0
            if len(mine):
                loss, grads = model.loss_and_grads(x_train[mine], y_train[mine])
                weight = len(mine) / len(idx)
                for g, a, b in zip(grads, offsets[:-1], offsets[1:]):
                    np.multiply(g.ravel(), weight, out=buffer[a:b])
                buffer[-1] = loss * weight
            t1 = time.perf_counter()
            dist.all_reduce(shared, op=dist.ReduceOp.SUM)
            t2 = time.perf_counter()
            grads = [buffer[a:b].reshape(p.shape) for p, a, b in
                     zip(model.params, offsets[:-1], offsets[1:])]
            opt.step(model.params, grads)
            t3 = time.perf_counter()
            compute.append(t1 - t0)
            communicate.append(t2 - t1)
            update.append(t3 - t2)
            total += float(buffer[-1]) * len(idx)
            step += 1
            if max_steps is not None and step >= max_steps:
                break
        epoch_seconds.append(time.perf_counter() - begin)
        epoch_loss.append(total / n)
        if max_steps is not None and step >= max_steps:
            break
    out = {"n_train": n, "n_test": len(x_test), "epoch_loss": epoch_loss,
           "epoch_seconds": epoch_seconds, "compute": compute, "communicate": communicate,
           "update": update, "optimizer_call": repr(opt), "params": None}
    if rank == 0:
        out.update(initial_loss=float(initial_loss),
                   test_accuracy=model.accuracy(x_test, y_test),
                   predictions=model.predict(x_test), params=[p.copy() for p in model.params])
    return out


def train_mnist_data_parallel(optimizer: str = "adam", data=None, epochs: int = 5,
                              batch_size: int = 32, seed: int = 0, workers: int = 2,
                              lr=None, dtype: str = "float32", timeout: float = 600.0,
                              details: bool = False):
    """:func:`lib.experiments.mnist.train_numpy` on ``workers`` processes (:func:`mnist_worker`):
    the same :class:`~lib.experiments.mnist.RunResult`, whose ``model`` is rank 0's trained
    :class:`lib.nn.MLP`. With ``details=True`` also returns the per-rank worker outputs (step
    timings). Bounded by ``timeout`` seconds; every worker is ended, also on error."""
    from .experiments.mnist import RunResult, _check_common
    from .nn import MLP

    _check_common(optimizer, epochs, batch_size)
    outs = launch(mnist_worker, optimizer, epochs, batch_size, seed, data, lr, dtype,
                  workers=workers, timeout=timeout)
    first = outs[0]
    model = MLP(seed=seed, dtype=np.dtype(dtype))
    for p, q in zip(model.params, first["params"]):
        p[...] = q
    result = RunResult("numpy", optimizer, epochs, batch_size, first["n_train"], first["n_test"],
                       initial_loss=first["initial_loss"], epoch_loss=first["epoch_loss"],
                       epoch_seconds=first["epoch_seconds"],
                       test_accuracy=first["test_accuracy"], predictions=first["predictions"],
                       optimizer_call=first["optimizer_call"], model=model)
    return (result, outs) if details else result


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1], sys.argv[2]))
