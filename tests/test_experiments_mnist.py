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
