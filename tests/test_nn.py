"""lib.nn.MLP: hand-written backprop against finite differences and torch autograd, shapes,
dtypes, input validation, prediction, and weight copies to and from Keras and PyTorch."""

import numpy as np
import pytest

from lib.nn import MLP, relu_backward, softmax_cross_entropy
from lib.optim import Adam
from lib.train import train


def small_problem(sizes=(5, 4, 3), n=7, seed=1):
    rng = np.random.default_rng(seed)
    model = MLP(sizes, seed=seed, dtype=np.float64, init="torch")  # nonzero biases
    x = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], size=n)
    return model, x, y


@pytest.mark.parametrize("sizes", [(5, 4, 3), (5, 6, 4, 3), (3, 2)])
def test_gradients_match_central_finite_differences(sizes):
    model, x, y = small_problem(sizes)
    _, grads = model.loss_and_grads(x, y)
    h = 1e-6
    for p, g in zip(model.params, grads):
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = model.loss(x, y)
            p[idx] = old - h
            down = model.loss(x, y)
            p[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_loss_and_gradients_match_torch_autograd_on_the_same_weights():
    torch = pytest.importorskip("torch")
    model, x, y = small_problem((6, 5, 4, 3), n=9)
    net = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4),
                              torch.nn.ReLU(), torch.nn.Linear(4, 3)).double()
    model.copy_to_torch(net)
    loss_t = torch.nn.CrossEntropyLoss()(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss_t.backward()
    loss, grads = model.loss_and_grads(x, y)
    assert abs(loss - loss_t.item()) < 1e-12
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    torch_grads = [t for m in linears for t in (m.weight.grad.numpy().T, m.bias.grad.numpy())]
    for g, gt in zip(grads, torch_grads):
        np.testing.assert_allclose(g, gt, rtol=0, atol=1e-10)


def test_loss_matches_keras_sparse_categorical_crossentropy_on_the_same_weights():
    keras = pytest.importorskip("keras")
    from lib.experiments.mnist import keras_model

    model = MLP(seed=3)
    net = model.copy_to_keras(keras_model())
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(20, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=20)
    probs = np.asarray(net(x))
    np.testing.assert_allclose(probs, model.predict_proba(x), rtol=1e-4, atol=1e-6)
    keras_loss = float(keras.losses.sparse_categorical_crossentropy(y, probs).numpy().mean())
    assert abs(keras_loss - model.loss(x, y)) < 1e-5


def test_weights_round_trip_through_torch_and_keras():
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    from lib.experiments.mnist import keras_model, torch_model

    source = MLP(seed=5)
    net = source.copy_to_torch(torch_model())
    assert np.array_equal(net.fc1.weight.detach().numpy(), source.params[0].T)
    back = MLP(seed=99).copy_from_torch(net)
    for a, b in zip(source.params, back.params):
        assert np.array_equal(a, b)
    k = source.copy_to_keras(keras_model())
    back = MLP(seed=98).copy_from_keras(k)
    for a, b in zip(source.params, back.params):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="shapes"):
        MLP((784, 64, 10)).copy_to_torch(torch_model())
    with torch.no_grad():
        assert isinstance(net(torch.zeros(2, 784)), torch.Tensor)


def test_shapes_dtypes_and_parameter_order():
    model = MLP()
    assert [p.shape for p in model.params] == [(784, 128), (128,), (128, 10), (10,)]
    assert all(p.dtype == np.float32 for p in model.params)
    x = np.random.default_rng(0).uniform(size=(32, 784)).astype(np.float32)
    y = np.arange(32) % 10
    loss, grads = model.loss_and_grads(x, y)
    assert isinstance(loss, float)
    assert [g.shape for g in grads] == [p.shape for p in model.params]
    assert all(g.dtype == np.float32 for g in grads)
    assert model.logits(x).shape == (32, 10)
    np.testing.assert_allclose(model.predict_proba(x).sum(axis=1), 1, rtol=1e-5)
    assert MLP(dtype=np.float64).params[0].dtype == np.float64


def test_initialisations_follow_keras_and_torch_defaults():
    glorot = MLP(seed=0)
    limit = np.sqrt(6 / (784 + 128))
    assert np.abs(glorot.params[0]).max() <= limit
    assert np.abs(glorot.params[0]).max() > 0.95 * limit
    assert not glorot.params[1].any()
    torch_init = MLP(seed=0, init="torch")
    assert np.abs(torch_init.params[0]).max() <= 1 / np.sqrt(784)
    assert np.abs(torch_init.params[1]).max() > 0
    assert np.array_equal(MLP(seed=4).params[0], MLP(seed=4).params[0])
    assert not np.array_equal(MLP(seed=4).params[0], MLP(seed=5).params[0])


def test_initial_loss_is_near_log_of_the_number_of_classes():
    x = np.random.default_rng(0).uniform(size=(200, 784)).astype(np.float32)
    y = np.arange(200) % 10
    assert abs(MLP().loss(x, y) - np.log(10)) < 0.5


def test_softmax_cross_entropy_is_stable_for_huge_logits_and_keeps_its_input():
    logits = np.array([[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]])
    before = logits.copy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = softmax_cross_entropy(logits, np.array([0, 1]))
    assert np.array_equal(logits, before)
    assert np.isclose(loss, np.log(3) / 2)
    np.testing.assert_allclose(grad.sum(axis=1), 0, atol=1e-15)


def test_relu_backward_is_zero_at_the_kink():
    assert np.array_equal(relu_backward(np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 1.0])),
                          [0.0, 0.0, 3.0])


def test_predict_and_accuracy_learn_a_separable_problem():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=4, size=(3, 8))
    y = np.repeat(np.arange(3), 50)
    x = (centers[y] + rng.normal(size=(150, 8))).astype(np.float32)
    model = MLP((8, 16, 3), seed=0)
    before = model.accuracy(x, y)
    train(model, Adam(0.01), x, y, batch_size=32, epochs=20)
    assert model.accuracy(x, y) == 1.0 > before
    assert np.array_equal(model.predict(x), y)
    assert model.predict(x).dtype.kind == "i"


@pytest.mark.parametrize("x, y, match", [
    (np.zeros((4, 5)), np.zeros(4, dtype=int), r"x must have shape \(n, 784\)"),
    (np.zeros(784), np.zeros(1, dtype=int), "x must have shape"),
    (np.zeros((4, 784), dtype=np.uint8), np.zeros(4, dtype=int), "x must be a float array"),
    (np.zeros((0, 784)), np.zeros(0, dtype=int), "x is empty"),
    (np.zeros((4, 784)), np.zeros(3, dtype=int), r"y must have shape \(4,\)"),
    (np.zeros((4, 784)), np.zeros(4), "y must hold integer class labels"),
    (np.zeros((4, 784)), np.array([0, 1, 10, 2]), r"y must hold labels in \[0, 10\)"),
    (np.zeros((4, 784)), np.array([0, -1, 1, 2]), r"labels in \[0, 10\)"),
])
def test_bad_inputs_raise_value_errors_naming_the_argument(x, y, match):
    model = MLP()
    before = [p.copy() for p in model.params]
    for method in (model.loss, model.loss_and_grads, model.accuracy):
        with pytest.raises(ValueError, match=match):
            method(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.params))


@pytest.mark.parametrize("kwargs, match", [
    ({"sizes": (784,)}, "sizes"), ({"sizes": (784, 0, 10)}, "sizes"),
    ({"sizes": (784, 12.5, 10)}, "sizes"), ({"dtype": np.int32}, "dtype"),
    ({"init": "he"}, "init"),
])
def test_bad_constructor_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kwargs)


def test_float64_data_into_a_float32_model_gives_float32_gradients():
    model = MLP((4, 3, 2))
    x = np.ones((2, 4))
    _, grads = model.loss_and_grads(x, np.array([0, 1]))
    assert all(g.dtype == np.float32 for g in grads)
