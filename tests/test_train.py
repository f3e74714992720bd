import numpy as np
import pytest

from lib.data import make_regression
from lib.models import LinearRegression
from lib.optim import GD, Adam, Momentum
from lib.train import batches, descend, train
from lib.valleys import bowl

X, Y = make_regression(n=50, n_features=2, seed=0)


def test_full_batch_training_equals_gd_on_the_full_gradient():
    model = LinearRegression(2)
    train(model, GD(0.1), X, Y, batch_size=None, epochs=20)
    by_hand = LinearRegression(2)
    opt = GD(0.1)
    for _ in range(20):
        _, grads = by_hand.loss_and_grads(X, Y)
        opt.step(by_hand.params, grads)
    assert np.array_equal(model.w, by_hand.w) and np.array_equal(model.b, by_hand.b)


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(None, 1), (1, 50), (8, 7), (50, 1)])
def test_steps_per_epoch_and_gradient_evaluations(batch_size, steps_per_epoch):
    history = train(LinearRegression(2), GD(0.01), X, Y, batch_size=batch_size, epochs=3)
    assert len(history.step_loss) == 3 * steps_per_epoch
    assert history.steps == [0, steps_per_epoch, 2 * steps_per_epoch, 3 * steps_per_epoch]
    assert history.grad_evals[-1] == 3 * 50
    assert history.epochs == 3


def test_every_epoch_visits_each_example_once_in_a_seeded_shuffled_order():
    rng = np.random.default_rng(0)
    epoch = list(batches(23, 5, rng))
    assert [len(b) for b in epoch] == [5, 5, 5, 5, 3]
    order = np.concatenate(epoch)
    assert sorted(order) == list(range(23)) and list(order) != list(range(23))
    again = np.concatenate(list(batches(23, 5, np.random.default_rng(0))))
    assert np.array_equal(order, again)


def test_same_seed_same_run_other_seed_other_run():
    runs = [train(LinearRegression(2), GD(0.05), X, Y, batch_size=4, epochs=2, seed=s).loss
            for s in (1, 1, 2)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_target_loss_stops_training_once_reached():
    w, b = LinearRegression.closed_form(X, Y)
    best = LinearRegression(2, w=w, b=b).loss(X, Y)
    history = train(LinearRegression(2), GD(0.1), X, Y, epochs=1000, eval_every=1,
                    target_loss=best * 1.01)
    assert history.reached_target
    assert history.loss[-1] <= best * 1.01 < history.loss[-2]
    assert history.steps[-1] < 1000


def test_losses_fall_with_a_small_learning_rate_and_the_path_is_recorded():
    model = LinearRegression(1)
    x, y = make_regression(n=40, seed=1)
    history = train(model, GD(0.05), x, y, epochs=30, record_path=True, eval_every=1)
    assert np.all(np.diff(history.loss) < 0)
    path = np.asarray(history.path)
    assert path.shape == (31, 2)
    assert np.array_equal(path[-1], np.concatenate(model.params))


def test_eval_data_is_used_for_the_recorded_loss():
    x_test, y_test = make_regression(n=20, n_features=2, seed=9)
    model = LinearRegression(2)
    history = train(model, GD(0.1), X, Y, epochs=2, eval_data=(x_test, y_test))
    assert history.loss[-1] == pytest.approx(model.loss(x_test, y_test))


def test_callback_can_stop_training():
    history = train(LinearRegression(2), GD(0.1), X, Y, epochs=10,
                    callback=lambda step, h: step >= 3)
    assert history.steps[-1] == 3


def test_progress_bar_goes_to_stdout_not_stderr(capsys):
    train(LinearRegression(2), Adam(0.1), X, Y, batch_size=10, epochs=2, progress=True)
    out, err = capsys.readouterr()
    assert "10/10" in out and err == ""


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"),
    ({"batch_size": True}, "batch_size"), ({"epochs": 0}, "epochs"),
    ({"max_steps": 0}, "max_steps"), ({"eval_every": 0}, "eval_every"),
])
def test_bad_arguments_are_rejected_naming_them(kwargs, match):
    model = LinearRegression(2)
    with pytest.raises(ValueError, match=match):
        train(model, GD(0.1), X, Y, **kwargs)
    assert np.all(model.w == 0)


def test_mismatched_data_and_non_optimizers_are_rejected():
    with pytest.raises(ValueError, match="examples"):
        train(LinearRegression(2), GD(0.1), X, Y[:-1])
    with pytest.raises(TypeError, match="opt"):
        train(LinearRegression(2), "adam", X, Y)


def test_descend_follows_the_optimizer_and_leaves_the_start_point_alone():
    valley = bowl(10)
    start = np.array([2.0, 2.0])
    path = descend(valley, Momentum(0.5, beta=0.5), start, 30)
    assert path.shape == (31, 2)
    assert np.array_equal(start, [2.0, 2.0]) and np.array_equal(path[0], start)
    assert valley.value(path[-1]) < 1e-2 * valley.value(start)


def test_descend_stops_when_a_run_diverges():
    path = descend(bowl(10), GD(2.5), [1.0, 1.0], 5000)
    assert len(path) < 5001
    assert np.all(np.isfinite(path[:-1]))


def test_descend_with_gradient_noise_is_seeded():
    a = descend(bowl(10), GD(0.1), [1.0, 1.0], 20, grad_noise=0.5, seed=3)
    b = descend(bowl(10), GD(0.1), [1.0, 1.0], 20, grad_noise=0.5, seed=3)
    c = descend(bowl(10), GD(0.1), [1.0, 1.0], 20)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
