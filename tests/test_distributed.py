"""Data-parallel training (lib.distributed) is mini-batch SGD, and its processes always end."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

import lib.distributed as dp
from lib.data import make_regression
from lib.experiments.mnist import load_data
from lib.frameworks import conformance_optimizers
from lib.models import LinearRegression
from lib.train import train

ROOT = Path(__file__).resolve().parent.parent


def _gone(pids, within=10.0):
    """Whether every pid has exited (and been reaped) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.05)
    return False


# -- the idea, in one process --------------------------------------------------------------------

def test_shards_cover_the_batch_once_with_sizes_differing_by_at_most_one():
    idx = np.arange(33)
    parts = dp.shards(idx, 4)
    assert np.array_equal(np.concatenate(parts), idx)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert [len(p) for p in dp.shards(np.arange(2), 3)] == [1, 1, 0]
    with pytest.raises(ValueError, match="workers"):
        dp.shards(idx, 0)


@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_ring_allreduce_gives_every_worker_the_sum(workers):
    rng = np.random.default_rng(workers)
    vectors = [rng.normal(size=(4, 3)) for _ in range(workers)]
    for result in dp.ring_allreduce(vectors):
        assert result.shape == (4, 3)
        np.testing.assert_allclose(result, sum(vectors), rtol=0, atol=1e-12)
    simulated = dp.simulated_allreduce([[v] for v in vectors])
    assert all(np.allclose(s[0], sum(vectors)) for s in simulated)
    if workers > 1:
        simulated[0][0][...] = 0  # every worker holds its own copy
        assert np.allclose(simulated[-1][0], sum(vectors))


def test_allreduce_rejects_mismatched_workers():
    with pytest.raises(ValueError, match="same size"):
        dp.ring_allreduce([np.zeros(3), np.zeros(4)])
    with pytest.raises(ValueError, match="worker 1"):
        dp.simulated_allreduce([[np.zeros(2)], [np.zeros(2), np.zeros(2)]])


def test_weighted_shard_gradients_sum_to_the_minibatch_gradient():
    x, y = make_regression(n=33, n_features=3, seed=0)
    model = LinearRegression(3, w=[0.5, -1.0, 2.0], b=0.3)
    batch = np.arange(33)
    _, full = model.loss_and_grads(x, y)
    parts = [[len(s) / len(batch) * g for g in model.loss_and_grads(x[s], y[s])[1]]
             for s in dp.shards(batch, 2)]
    summed = dp.simulated_allreduce(parts)[0]
    assert max(np.abs(a - b).max() for a, b in zip(summed, full)) < 1e-12


def test_latency_bandwidth_fit_recovers_a_known_model():
    nbytes = 4.0 * 2 ** np.arange(4, 21, 2)
    fit = dp.fit_latency_bandwidth(nbytes, 2e-4 + nbytes / 1e9)
    assert fit["alpha"] == pytest.approx(2e-4, rel=1e-9)
    assert fit["bandwidth"] == pytest.approx(1e9, rel=1e-9)
    assert fit["r2"] == pytest.approx(1.0) and fit["max_rel_residual"] < 1e-9


def test_launch_refuses_targets_a_worker_cannot_import():
    with pytest.raises(ValueError, match="module-level"):
        dp.launch(lambda: None, workers=2)


# -- real processes (one process group start-up each: a few seconds of CPU) -------------------

def test_allreduce_and_ddp_workers_equal_one_process_for_every_optimizer():
    x, y = make_regression(n=256, n_features=4, seed=1)
    optimizers = {k: (type(o).__name__, o.hyperparameters())
                  for k, o in conformance_optimizers().items()}
    lib_paths, torch_paths = dp.single_process_regression(x, y, optimizers, 32, 12)
    runs = dp.launch(dp.regression_modes_worker, x, y, optimizers, 32, 12, 0,
                     ("allreduce", "ddp"), workers=2, timeout=120)
    for mode in ("allreduce", "ddp"):
        for name in optimizers:
            rank0, rank1 = runs[0][mode][name], runs[1][mode][name]
            assert rank0.shape == (13, 5)
            assert np.abs(rank0 - torch_paths[name]).max() < 1e-12, (mode, name)
            assert np.array_equal(rank0, rank1)
            assert np.abs(rank0[-1]).max() > 0.05  # it moved
    # the single-process reference is lib's mini-batch SGD wherever PyTorch is exact
    for name in ("GD", "Momentum", "Adam", "Nesterov", "AdamW"):
        assert np.abs(torch_paths[name] - lib_paths[name]).max() < 1e-12, name


def test_mnist_data_parallel_equals_train_numpy():
    (x, y), (xt, yt) = load_data()
    data = ((x[:640], y[:640]), (xt[:200], yt[:200]))
    # float64: the only difference is the order of summation, far below 1e-12
    wide = ((data[0][0].astype(np.float64), data[0][1]), (data[1][0].astype(np.float64),
                                                          data[1][1]))
    result, outs = dp.train_mnist_data_parallel("adam", data=wide, epochs=1, batch_size=32,
                                                workers=2, dtype="float64", details=True,
                                                timeout=120)
    from lib.nn import MLP
    from lib.experiments.mnist import make_optimizer

    model = MLP(seed=0, dtype=np.float64)
    history = train(model, make_optimizer("adam"), *wide[0], batch_size=32, epochs=1, seed=0)
    gap = max(np.abs(a - b).max() for a, b in zip(model.params, result.model.params))
    assert gap < 1e-12, gap
    assert result.initial_loss == pytest.approx(history.loss[0], abs=1e-12)
    assert result.epoch_loss[0] == pytest.approx(np.mean(history.step_loss), abs=1e-12)
    assert np.array_equal(result.predictions, model.predict(wide[1][0]))
    assert len(outs[1]["communicate"]) == 640 // 32
    assert all(t > 0 for t in outs[0]["communicate"])


# -- processes always end ----------------------------------------------------------------------

def _listening(pids):
    out = []
    for pid in pids:
        try:
            out += [c.laddr.ip for c in psutil.Process(pid).net_connections(kind="inet")
                    if c.status == psutil.CONN_LISTEN]
        except psutil.NoSuchProcess:
            pass
    return out


def test_killing_a_worker_mid_run_ends_the_others_and_leaves_nothing_running():
    started, seen = [], {}

    def kill_rank_1(pids):
        started.extend(pids)
        # wait until the process group is up (rank 0 listens for gloo), then kill rank 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_listening(pids)) < 3:
            time.sleep(0.05)
        seen["listening"] = _listening(pids)
        os.kill(pids[1], signal.SIGKILL)

    begin = time.monotonic()
    with pytest.raises(dp.WorkerFailed, match="worker 1 of 2 was killed") as error:
        # a long run: the kill lands mid-run, rank 0 then waits in an all-reduce for rank 1
        dp.launch(dp.allreduce_timing_worker, [1 << 16] * 3, 10**6, workers=2,
                  timeout=100, on_start=kill_rank_1)
    assert error.value.rank == 1
    assert time.monotonic() - begin < 90
    assert len(started) == 2 and _gone(started)
    # nothing listened outside the loopback interface while it ran
    assert seen["listening"] and set(seen["listening"]) <= {"127.0.0.1"}, seen


def test_a_run_past_its_time_limit_is_ended():
    started = []
    begin = time.monotonic()
    with pytest.raises(dp.WorkerFailed, match="did not finish within"):
        dp.launch(time.sleep, 600, workers=2, timeout=5, on_start=started.extend)
    assert time.monotonic() - begin < 20
    assert len(started) == 2 and _gone(started)


def test_a_worker_error_is_reported_and_every_worker_ended():
    started = []
    with pytest.raises(dp.WorkerFailed, match="must be 'allreduce' or 'ddp'"):
        dp.launch(dp.regression_worker, np.zeros((4, 1)), np.zeros(4), {}, 2, 1, 0, "nope",
                  workers=2, timeout=60, on_start=started.extend)
    assert _gone(started)


# -- the command line ---------------------------------------------------------------------------

def test_command_line_with_two_workers_matches_the_single_process_run(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    metrics = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.json"
        subprocess.run([sys.executable, "-m", "lib.experiments.mnist", "--epochs", "1",
                        "--optimizer", "sgd", "--workers", str(workers), "--json", str(out)],
                       cwd=ROOT, env=env, check=True, timeout=240, capture_output=True)
        metrics[workers] = json.loads(out.read_text())
    one, two = metrics[1], metrics[2]
    assert two["workers"] == 2 and one["workers"] == 1
    assert set(one) == set(two)
    for key in ("framework", "optimizer", "epochs", "batch_size", "n_train", "n_test", "lr"):
        assert one[key] == two[key], key
    # float32: the two workers add each half-batch's gradient separately, so sums are rounded
    # in another order; over one epoch of SGD the loss moves by far less than this bound
    assert two["initial_loss"] == one["initial_loss"]
    assert abs(two["final_loss"] - one["final_loss"]) < 1e-4
    assert abs(two["test_accuracy"] - one["test_accuracy"]) <= 0.005
