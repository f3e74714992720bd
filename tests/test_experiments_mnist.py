"""lib.experiments.mnist trains the article's network in each framework from the same start,
with the same update rule, and writes its metrics as JSON (small slices, one epoch: fast)."""

import json

import numpy as np
import pytest

from lib.experiments import mnist as exp
from lib.nn import MLP


@pytest.fixture(scope="module")
def small_data():
    (x_train, y_train), (x_test, y_test) = exp.load_data()
    return (x_train[:320], y_train[:320]), (x_test[:100], y_test[:100])


@pytest.fixture(scope="module")
def one_epoch(small_data):
    """``one_epoch(framework, optimizer)``: a one-epoch run, trained once per module."""
    runs = {}

    def get(framework, optimizer):
        if (framework, optimizer) not in runs:
            runs[framework, optimizer] = exp.run(framework, optimizer, data=small_data, epochs=1)
        return runs[framework, optimizer]

    return get


def test_load_data_gives_float32_rows_in_the_unit_interval_and_int64_labels():
    (x_train, y_train), (x_test, y_test) = exp.load_data()
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0 and x_train.max() == 1
    assert np.array_equal(np.bincount(y_test), np.full(10, 100))
    normalized = exp.preprocess(np.array([[[0, 255]]], dtype=np.uint8), normalize=True)
    assert normalized.tolist() == [[-1.0, 1.0]]


@pytest.mark.parametrize("framework", exp.FRAMEWORKS)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_each_framework_trains_one_epoch_from_the_same_start(framework, optimizer, small_data,
                                                            one_epoch):
    result = one_epoch(framework, optimizer)
    assert result.framework == framework and result.epochs == 1
    assert result.n_train == 320 and result.n_test == 100
    start = MLP(seed=0).loss(*small_data[0])
    assert result.initial_loss == pytest.approx(start, rel=1e-6)
    assert len(result.epoch_loss) == len(result.epoch_seconds) == 1
    assert result.final_loss < result.initial_loss
    assert result.predictions.shape == (100,)
    assert result.test_accuracy == np.mean(result.predictions == small_data[1][1])
    assert result.test_accuracy > 0.3  # ten steps on 320 digits: far above chance (0.1)
    assert json.loads(json.dumps(result.to_json()))["framework"] == framework


def test_frameworks_give_the_same_first_epoch_loss_with_an_exact_update_rule(one_epoch):
    """SGD is exact in both frameworks and they start from the same weights: the first epoch's
    losses differ only through the order the digits are drawn in."""
    losses = [one_epoch(f, "sgd").final_loss for f in exp.FRAMEWORKS]
    assert max(losses) - min(losses) < 0.25 * min(losses)


def test_optimizer_calls_say_which_framework_optimizers_are_exact(one_epoch, small_data):
    keras_adam = one_epoch("tensorflow", "adam")
    assert not keras_adam.exact and "keras.optimizers.Adam" in keras_adam.optimizer_call
    torch_mom = exp.run("torch", "momentum", data=small_data, epochs=1)
    assert torch_mom.exact and "momentum=0.9" in torch_mom.optimizer_call


def test_bad_arguments_raise(small_data):
    with pytest.raises(ValueError, match="framework"):
        exp.run("jax", "adam", data=small_data)
    with pytest.raises(ValueError, match="optimizer"):
        exp.run("numpy", "adagrad", data=small_data)
    with pytest.raises(ValueError, match="epochs"):
        exp.run("numpy", "adam", data=small_data, epochs=0)
    with pytest.raises(ValueError, match="data"):
        exp.run("numpy", "adam", data=(1, 2, 3))


def test_command_line_writes_metrics_json(tmp_path, capsys):
    out = tmp_path / "metrics.json"
    assert exp.main(["--framework", "numpy", "--optimizer", "momentum", "--epochs", "1",
                     "--json", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["framework"] == "numpy" and metrics["optimizer"] == "momentum"
    assert metrics["n_train"] == 4000 and metrics["epochs"] == 1 and not metrics["full"]
    assert 0.5 < metrics["test_accuracy"] <= 1
    printed = capsys.readouterr().out
    assert "numpy momentum: test accuracy" in printed and str(out) in printed


def test_command_line_reports_missing_full_mnist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("GDBOOK_MNIST_PATH", raising=False)
    assert exp.main(["--full", "--framework", "numpy"]) == 2
    assert "error" in capsys.readouterr().err


def test_make_optimizer_replaces_only_the_learning_rate():
    default, tuned = exp.make_optimizer("momentum"), exp.make_optimizer("momentum", lr=0.3)
    assert default.lr == exp.DEFAULT_LR["momentum"] and tuned.lr == 0.3
    assert tuned.beta == default.beta == 0.9
    assert exp.make_optimizer("adam", lr=0.003).hyperparameters()["beta2"] == 0.999
    with pytest.raises(ValueError, match="optimizer"):
        exp.make_optimizer("adagrad", lr=0.1)


def test_split_validation_holds_out_the_same_number_of_each_digit_disjointly():
    x = np.arange(200, dtype=np.float32).reshape(100, 2)
    y = np.repeat(np.arange(10), 10)
    (x_tr, y_tr), (x_val, y_val) = exp.split_validation(x, y, n_val=20, seed=3)
    assert np.array_equal(np.bincount(y_val, minlength=10), np.full(10, 2))
    assert len(x_tr) == 80 and len(x_val) == 20
    assert set(x_tr[:, 0]).isdisjoint(x_val[:, 0])
    assert sorted(np.concatenate([x_tr[:, 0], x_val[:, 0]])) == sorted(x[:, 0])
    assert np.array_equal(y[(x_val[:, 0] / 2).astype(int)], y_val)  # rows keep their labels
    again = exp.split_validation(x, y, n_val=20, seed=3)[1][0]
    assert np.array_equal(again, x_val)
    assert not np.array_equal(exp.split_validation(x, y, n_val=20, seed=4)[1][0], x_val)
    for bad in (0, 15, 100, True):
        with pytest.raises(ValueError, match="n_val|too few"):
            exp.split_validation(x, y, n_val=bad)


@pytest.fixture(scope="module")
def small_split(small_data):
    return exp.split_validation(*small_data[0], n_val=100, seed=0)


def test_fit_records_learning_curves_on_the_held_out_digits(small_split):
    (x, y), (x_val, y_val) = small_split
    curve = exp.fit("adam", (x, y), (x_val, y_val), lr=0.003, epochs=2, batch_size=55,
                    evals_per_epoch=2)
    assert curve.lr == 0.003 and "Adam(lr=0.003" in curve.optimizer_call
    assert curve.epochs == [0.0, 0.5, 1.0, 1.5, 2.0]  # 220 digits: 4 steps an epoch
    assert len(curve.train_loss) == len(curve.val_loss) == len(curve.val_accuracy) == 5
    start = MLP(seed=0)
    assert curve.train_loss[0] == pytest.approx(start.loss(x, y), rel=1e-6)
    assert curve.val_loss[0] == pytest.approx(start.loss(x_val, y_val), rel=1e-6)
    assert curve.val_loss[-1] == pytest.approx(curve.model.loss(x_val, y_val), rel=1e-6)
    assert curve.final_val_accuracy == curve.model.accuracy(x_val, y_val)
    assert curve.final_val_loss < 0.6 * curve.val_loss[0]
    assert curve.score == max(curve.val_loss[3:])  # the worst over the last epoch
    assert json.loads(json.dumps(curve.to_json()))["val_loss"] == curve.val_loss


def test_fit_gives_a_diverging_learning_rate_the_worst_score(small_split):
    # a step of 1e30 overflows float32 weights: the next gradient is NaN and the run stops there
    curve = exp.fit("sgd", *small_split, lr=1e30, epochs=1)
    assert curve.score == float("inf") and curve.val_loss[-1] == float("inf")
    assert curve.epochs == [0.0, 1 / 7]
    # a large finite loss is not a divergence, only a bad score
    assert np.isfinite(exp.fit("sgd", *small_split, lr=1e6, epochs=1).score)


def test_sweep_widens_the_grid_while_the_best_rate_is_on_its_edge(small_split):
    # one epoch of 7 steps: the largest rate of this too-small grid wins, so the grid grows
    result = exp.sweep("sgd", [1e-3, 3e-3, 1e-2], *small_split, epochs=1, max_widen=1)
    assert result.search.widened == 1 and len(result.search.grid) == 4
    assert result.search.grid[-1] == pytest.approx(1e-2 * 1e-2 / 3e-3)  # the ratio of the last two
    assert set(result.runs) == set(result.search.grid)
    assert result.search.scores == tuple(result.runs[lr].score for lr in result.search.grid)
    assert result.best is result.runs[result.search.best]
    assert result.to_json()["best_lr"] == result.search.best


def test_command_line_takes_a_learning_rate_and_a_validation_split(tmp_path):
    out = tmp_path / "metrics.json"
    assert exp.main(["--optimizer", "sgd", "--lr", "0.3", "--epochs", "1",
                     "--validation", "500", "--json", str(out)]) == 0
    metrics = json.loads(out.read_text())
    assert metrics["lr"] == 0.3 and "GD(lr=0.3" in metrics["optimizer_call"]
    assert metrics["n_train"] == 3500 and metrics["n_validation"] == 500
    assert 0.5 < metrics["validation_accuracy"] <= 1


def test_keras_fit_takes_the_cross_entropy_from_the_softmax_logits_unclipped():
    """The chapter's claim: under fit, Keras 3 computes sparse_categorical_crossentropy from the
    logits a softmax layer keeps (no clipping at 1e-7, which would cap the loss at 16.1)."""
    import keras

    sure = keras.Sequential([keras.Input(shape=(1,)),
                             keras.layers.Dense(10, activation="softmax")])
    bias = np.zeros(10, dtype=np.float32)
    bias[0] = 40.0
    sure.layers[0].set_weights([np.zeros((1, 10), dtype=np.float32), bias])
    sure.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                 loss="sparse_categorical_crossentropy")
    x, y = np.zeros((1, 1), dtype=np.float32), np.array([1])
    assert sure.fit(x, y, verbose=0).history["loss"][0] == pytest.approx(40.0, abs=1e-3)
    bare = keras.ops.convert_to_numpy(sure(x))
    clipped = float(keras.losses.sparse_categorical_crossentropy(y, bare)[0])
    assert clipped == pytest.approx(-np.log(1e-7), abs=1e-3)


def test_keras_training_has_no_per_batch_callback(small_data, monkeypatch):
    """Timing fairness: fit must not call back into Python after every step (PyTorch's and
    lib's loops do not), so train_keras's callback has epoch hooks only."""
    import keras

    seen = []
    original = keras.Model.fit

    def spy(self, *args, callbacks=None, **kwargs):
        seen.extend(callbacks or [])
        return original(self, *args, callbacks=callbacks, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    exp.train_keras("sgd", data=small_data, epochs=1)
    assert seen
    for callback in seen:
        for hook in ("on_train_batch_begin", "on_train_batch_end", "on_batch_end"):
            assert getattr(type(callback), hook) is getattr(keras.callbacks.Callback, hook)
