r"""The article's MNIST network (784 → 128 → 10) trained in NumPy, TensorFlow/Keras or PyTorch.

One implementation for the chapter :doc:`09_mnist` and for the command line::

    python -m lib.experiments.mnist --framework torch --optimizer adam --epochs 5 --json out.json

- :func:`load_data` gives the same preprocessed arrays to all three frameworks;
- :func:`make_optimizer` gives the lib optimizer of each name with the book's hyperparameters;
  the frameworks get the optimizer :func:`lib.frameworks.to_keras` / :func:`~lib.frameworks.to_torch`
  build from it, so the same update rule runs everywhere (exactly, except Keras's Adam and PyTorch's
  RMSprop, which have no exact equivalent: see :mod:`lib.frameworks`);
- :func:`train_numpy`, :func:`train_keras` and :func:`train_torch` train one network, starting
  from the same weights (:class:`lib.nn.MLP`'s, copied into the framework's model), and return a
  :class:`RunResult`; :func:`run` picks one by name;
- for choosing an optimizer honestly: :func:`split_validation` holds digits out of the training
  set, :func:`fit` trains the NumPy network and records its learning curves on them
  (a :class:`Curve`), and :func:`sweep` searches each optimizer's learning rate on a log grid
  (:func:`lib.measure.log_grid_search`), scored on the held-out digits, never on the test set.

Every framework is limited to one thread (:func:`limit_threads`): for 32 × 784 matrices a second
thread saves little, and on a machine shared with other jobs spinning threads slow everything down.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..nn import MLP
from ..optim import GD, Adam, Momentum, Optimizer, RMSProp

__all__ = ["FRAMEWORKS", "OPTIMIZERS", "BATCH_SIZE", "SUBSET_EPOCHS", "FULL_EPOCHS", "DEFAULT_LR",
           "RunResult", "make_optimizer", "load_data", "preprocess", "limit_threads",
           "keras_model", "torch_model", "train_numpy", "train_keras", "train_torch", "run",
           "split_validation", "Curve", "fit", "Sweep", "sweep", "predict", "main"]

FRAMEWORKS = ("numpy", "tensorflow", "torch")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
BATCH_SIZE = 32
#: Epochs on the offline 4,000-digit subset (enough for Adam to pass 90% test accuracy) ...
SUBSET_EPOCHS = 5
#: ... and on full MNIST, as in the article.
FULL_EPOCHS = 10


#: The book's default learning rate of each optimizer for this network (Adam's is the article's).
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.1, "rmsprop": 0.001, "adam": 0.001}


def make_optimizer(name: str, lr: float | None = None) -> Optimizer:
    """The lib optimizer called ``name`` with the book's hyperparameters for this network.

    ``sgd``: GD(lr=0.1); ``momentum``: Momentum(lr=0.1, beta=0.9) (the article's form, so the same
    step size as SGD once v has warmed up); ``rmsprop``: RMSProp(lr=0.001, beta=0.9, eps=1e-8);
    ``adam``: Adam(lr=0.001), the article's setting. ``lr`` (a number or a schedule) replaces
    the learning rate and keeps the other hyperparameters.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "sgd":
        return GD(lr=lr)
    if name == "momentum":
        return Momentum(lr=lr, beta=0.9)
    if name == "rmsprop":
        return RMSProp(lr=lr, beta=0.9, eps=1e-8)
    return Adam(lr=lr, beta1=0.9, beta2=0.999, eps=1e-8)


def preprocess(images, normalize: bool = False) -> np.ndarray:
    """uint8 images ``(n, 28, 28)`` → float32 rows ``(n, 784)``: pixels / 255, in [0, 1] (the
    article's Keras code, and what ``transforms.ToTensor()`` does); with ``normalize=True`` also
    ``(x - 0.5) / 0.5``, in [-1, 1] (the article's ``transforms.Normalize((0.5,), (0.5,))``)."""
    images = np.asarray(images)
    x = images.reshape(len(images), -1).astype(np.float32)
    x /= 255
    if normalize:
        x -= 0.5
        x /= 0.5
    return x


def load_data(full: bool = False, normalize: bool = False, verbose: bool = False):
    """``(x_train, y_train), (x_test, y_test)``: float32 rows of 784 pixels (:func:`preprocess`)
    and int64 labels (what ``CrossEntropyLoss`` wants). ``full=False``: the offline subset of
    :func:`lib.data.load_mnist` (4,000 / 1,000 digits, the same on every machine); ``full=True``:
    the 60,000 / 10,000 digits of full MNIST, or :class:`lib.mnist.MnistUnavailable`."""
    from ..data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist(source="full" if full else "subset",
                                                      verbose=verbose)
    return ((preprocess(x_train, normalize), y_train.astype(np.int64)),
            (preprocess(x_test, normalize), y_test.astype(np.int64)))


def limit_threads(n: int = 1, frameworks=FRAMEWORKS) -> None:
    """Run NumPy's BLAS, PyTorch and TensorFlow on ``n`` threads (TensorFlow only if it has not
    run anything yet: its thread pools are fixed at start-up)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # then OMP_NUM_THREADS / OPENBLAS_NUM_THREADS decide
        pass
    else:
        threadpool_limits(n)
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(n)
    if "tensorflow" in frameworks:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:  # already initialised: keep its pools
            pass


@dataclass
class RunResult:
    """One training run. ``epoch_loss[k]`` is the mean mini-batch loss of epoch ``k + 1`` (what
    Keras's ``history.history["loss"]`` reports) and ``initial_loss`` the training loss before
    the first step; ``epoch_seconds`` the training time of each epoch; ``predictions`` the
    predicted test labels. ``model`` is the trained network (not written to JSON)."""

    framework: str
    optimizer: str
    epochs: int
    batch_size: int
    n_train: int
    n_test: int
    initial_loss: float
    epoch_loss: list
    epoch_seconds: list
    test_accuracy: float
    predictions: np.ndarray = field(repr=False)
    optimizer_call: str = ""
    exact: bool = True
    model: object = field(default=None, repr=False)

    @property
    def final_loss(self) -> float:
        """The mean mini-batch training loss of the last epoch."""
        return self.epoch_loss[-1]

    @property
    def seconds_per_epoch(self) -> float:
        """The median epoch time: robust to Keras's first epoch (which traces the graph) and to
        other jobs on the machine."""
        return float(np.median(self.epoch_seconds))

    def to_json(self) -> dict:
        return {"framework": self.framework, "optimizer": self.optimizer, "epochs": self.epochs,
                "batch_size": self.batch_size, "n_train": self.n_train, "n_test": self.n_test,
                "test_accuracy": self.test_accuracy, "final_loss": self.final_loss,
                "initial_loss": self.initial_loss, "epoch_loss": self.epoch_loss,
                "epoch_seconds": self.epoch_seconds,
                "seconds_per_epoch": self.seconds_per_epoch,
                "optimizer_call": self.optimizer_call, "exact": self.exact}


def _check_common(optimizer, epochs, batch_size):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")


def _check_args(optimizer, data, epochs, batch_size):
    _check_common(optimizer, epochs, batch_size)
    if data is None:
        return load_data()
    try:
        (x_train, y_train), (x_test, y_test) = data
    except (TypeError, ValueError):
        raise ValueError("data must be ((x_train, y_train), (x_test, y_test))") from None
    return data


def _bar(total, progress, desc):
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stdout, ascii=True, mininterval=1.0, unit="step",
                ncols=80, desc=desc, disable=not progress)


def train_numpy(optimizer: str = "adam", data=None, epochs: int = SUBSET_EPOCHS,
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False,
                lr: float | None = None) -> RunResult:
    """:class:`lib.nn.MLP` trained by :func:`lib.train.train` with the lib optimizer."""
    from ..train import train

    (x_train, y_train), (x_test, y_test) = _check_args(optimizer, data, epochs, batch_size)
    model = MLP(seed=seed)
    opt = make_optimizer(optimizer, lr)
    history = train(model, opt, x_train, y_train, batch_size=batch_size, epochs=epochs,
                    seed=seed, progress=progress)
    n = len(x_train)
    per_epoch = -(-n // batch_size)
    sizes = np.minimum(batch_size, n - batch_size * np.arange(per_epoch))  # the last may be smaller
    step_loss = np.asarray(history.step_loss).reshape(epochs, per_epoch)
    return RunResult("numpy", optimizer, epochs, batch_size, n, len(x_test),
                     initial_loss=float(history.loss[0]),
                     epoch_loss=[float(v) for v in step_loss @ sizes / n],
                     epoch_seconds=[float(s) for s in np.diff(history.seconds)],
                     test_accuracy=model.accuracy(x_test, y_test),
                     predictions=model.predict(x_test), optimizer_call=repr(opt), model=model)


def keras_model():
    """The article's Keras network (with ``keras.Input`` in place of the ``input_shape=``
    argument, which Keras 3 deprecates)."""
    import keras

    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def train_keras(optimizer: str = "adam", data=None, epochs: int = SUBSET_EPOCHS,
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False,
                lr: float | None = None) -> RunResult:
    """The article's ``Sequential`` / ``compile`` / ``fit``, from :class:`lib.nn.MLP`'s weights,
    with ``lib.frameworks.to_keras(make_optimizer(optimizer))``."""
    import keras

    from ..frameworks import equivalence, to_keras

    (x_train, y_train), (x_test, y_test) = _check_args(optimizer, data, epochs, batch_size)
    keras.utils.set_random_seed(seed)  # fit's shuffling
    start = MLP(seed=seed)
    model = start.copy_to_keras(keras_model())
    opt = make_optimizer(optimizer, lr)
    model.compile(optimizer=to_keras(opt), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    n = len(x_train)
    bar = _bar(epochs * -(-n // batch_size), progress, "keras")
    seconds = []

    steps_per_epoch = -(-n // batch_size)

    # Epoch hooks only: a callback with a batch hook makes fit call back into Python after every
    # step, work that PyTorch's loop and lib's do not do, so the bar moves once per epoch.
    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)
            bar.update(steps_per_epoch)

    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, shuffle=True,
                        verbose=0, callbacks=[EpochTimer()])
    bar.close()
    predictions = model.predict(x_test, batch_size=1000, verbose=0).argmax(axis=1)
    eq = equivalence(opt, "keras")
    return RunResult("tensorflow", optimizer, epochs, batch_size, n, len(x_test),
                     initial_loss=start.loss(x_train, y_train),
                     epoch_loss=[float(v) for v in history.history["loss"]],
                     epoch_seconds=seconds,
                     test_accuracy=float(np.mean(predictions == y_test)),
                     predictions=predictions, optimizer_call=eq.call, exact=eq.exact, model=model)


def torch_model():
    """The article's PyTorch network, ``SimpleNN``."""
    import torch
    import torch.nn as nn

    class SimpleNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = torch.relu(self.fc1(x))
            x = self.fc2(x)
            return x

    return SimpleNN()


def train_torch(optimizer: str = "adam", data=None, epochs: int = SUBSET_EPOCHS,
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False,
                lr: float | None = None) -> RunResult:
    """The article's training loop (``CrossEntropyLoss``, ``DataLoader(batch_size=32,
    shuffle=True)``) over a ``TensorDataset`` of the arrays, from :class:`lib.nn.MLP`'s weights,
    with ``lib.frameworks.to_torch(make_optimizer(optimizer), ...)``."""
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset

    from ..frameworks import equivalence, to_torch

    (x_train, y_train), (x_test, y_test) = _check_args(optimizer, data, epochs, batch_size)
    torch.manual_seed(seed)
    start = MLP(seed=seed)
    model = start.copy_to_torch(torch_model())
    opt = make_optimizer(optimizer, lr)
    torch_optimizer = to_torch(opt, model.parameters())
    criterion = nn.CrossEntropyLoss()
    train_dataset = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    train_loader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(seed))
    n = len(x_train)
    bar = _bar(epochs * len(train_loader), progress, "torch")
    epoch_loss, seconds = [], []
    for epoch in range(epochs):
        begin = time.perf_counter()
        total = 0.0
        for x_batch, y_batch in train_loader:
            torch_optimizer.zero_grad()
            outputs = model(x_batch)
            loss = criterion(outputs, y_batch)
            loss.backward()
            torch_optimizer.step()
            total += loss.item() * len(x_batch)
            bar.update(1)
        seconds.append(time.perf_counter() - begin)
        epoch_loss.append(total / n)
    bar.close()
    with torch.no_grad():
        predictions = model(torch.from_numpy(x_test)).argmax(dim=1).numpy()
    eq = equivalence(opt, "torch")
    return RunResult("torch", optimizer, epochs, batch_size, n, len(x_test),
                     initial_loss=start.loss(x_train, y_train), epoch_loss=epoch_loss,
                     epoch_seconds=seconds,
                     test_accuracy=float(np.mean(predictions == y_test)),
                     predictions=predictions, optimizer_call=eq.call, exact=eq.exact, model=model)


_TRAINERS = {"numpy": train_numpy, "tensorflow": train_keras, "torch": train_torch}


def run(framework: str, optimizer: str = "adam", data=None, epochs: int = SUBSET_EPOCHS,
        batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False,
        lr: float | None = None) -> RunResult:
    """Train the article's network in ``framework`` ("numpy", "tensorflow" or "torch")."""
    if framework not in _TRAINERS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    return _TRAINERS[framework](optimizer, data=data, epochs=epochs, batch_size=batch_size,
                                seed=seed, progress=progress, lr=lr)


def split_validation(x, y, n_val: int = 500, seed: int = 0):
    """Hold ``n_val`` examples of ``(x, y)`` out for validation, the same number of each class
    (stratified, seeded): ``(x_train, y_train), (x_val, y_val)``. Both keep the original order.

    The learning rate and the optimizer are chosen on the validation digits; the test digits are
    used once, for the final number, so that they still measure data the choices never saw.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} examples but y has {len(y)}")
    classes = np.unique(y)
    if isinstance(n_val, bool) or not isinstance(n_val, (int, np.integer)) or n_val < len(classes) \
            or n_val % len(classes):
        raise ValueError(f"n_val must be a positive multiple of the number of classes "
                         f"({len(classes)}), got {n_val!r}")
    per_class = n_val // len(classes)
    rng = np.random.default_rng(seed)
    held = []
    for c in classes:
        members = np.flatnonzero(y == c)
        if len(members) <= per_class:
            raise ValueError(f"class {c} has {len(members)} examples, too few to hold out "
                             f"{per_class}")
        held.append(rng.choice(members, size=per_class, replace=False))
    val = np.zeros(len(y), dtype=bool)
    val[np.concatenate(held)] = True
    return (x[~val], y[~val]), (x[val], y[val])


@dataclass
class Curve:
    """The learning curves of one NumPy run (:func:`fit`), measured ``evals_per_epoch`` times per
    epoch and at the start.

    ``epochs[k]`` is the (fractional) epoch of evaluation ``k``; ``train_loss[k]`` the mean
    mini-batch loss of the steps since the previous evaluation (what Keras reports as ``loss``;
    at ``k = 0`` the loss on the whole training set); ``val_loss[k]`` and ``val_accuracy[k]``
    are measured on the held-out digits. ``model`` is the trained :class:`lib.nn.MLP`.
    """

    optimizer: str
    lr: float
    seed: int
    epochs: list
    train_loss: list
    val_loss: list
    val_accuracy: list
    seconds: float
    optimizer_call: str = ""
    model: object = field(default=None, repr=False)

    @property
    def score(self) -> float:
        """The worst validation loss over the last epoch's evaluations: the sweep's criterion.
        The worst, not the last, so that a rate whose loss is still jumping cannot win on one
        lucky evaluation; ``inf`` if the run diverged."""
        last = np.array([v for e, v in zip(self.epochs, self.val_loss)
                         if e > self.epochs[-1] - 1])
        return float(last.max()) if np.all(np.isfinite(last)) else float("inf")

    @property
    def final_val_loss(self) -> float:
        return self.val_loss[-1]

    @property
    def final_val_accuracy(self) -> float:
        return self.val_accuracy[-1]

    def to_json(self) -> dict:
        return {"optimizer": self.optimizer, "lr": self.lr, "seed": self.seed,
                "epochs": self.epochs, "train_loss": self.train_loss, "val_loss": self.val_loss,
                "val_accuracy": self.val_accuracy, "score": self.score,
                "seconds": self.seconds, "optimizer_call": self.optimizer_call}


def fit(optimizer: str, train_data, validation, *, lr=None, epochs: int = 3,
        batch_size: int = BATCH_SIZE, seed: int = 0, evals_per_epoch: int = 2,
        progress: bool = False) -> Curve:
    """Train :class:`lib.nn.MLP` (``seed`` sets its start and the data order) with
    ``make_optimizer(optimizer, lr)`` on ``train_data = (x, y)`` by :func:`lib.train.train`,
    evaluating on ``validation = (x_val, y_val)`` ``evals_per_epoch`` times per epoch.

    A run whose gradients overflow (too large a learning rate) stops there: its last validation
    loss is ``inf``, so its :attr:`Curve.score` is the worst possible."""
    from ..train import train

    _check_common(optimizer, epochs, batch_size)
    if isinstance(evals_per_epoch, bool) or not isinstance(evals_per_epoch, int) \
            or evals_per_epoch < 1:
        raise ValueError(f"evals_per_epoch must be a positive int, got {evals_per_epoch!r}")
    (x, y), (x_val, y_val) = train_data, validation
    model = MLP(seed=seed)
    opt = make_optimizer(optimizer, lr)
    per_epoch = -(-len(x) // batch_size)
    accuracy, seen = [], []

    def record(step, history):
        seen[:] = [history]
        accuracy.append(model.accuracy(x_val, y_val))
        return False

    initial = model.loss(x, y)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            history = train(model, opt, x, y, batch_size=batch_size, epochs=epochs, seed=seed,
                            eval_every=max(1, per_epoch // evals_per_epoch),
                            eval_data=(x_val, y_val), callback=record, progress=progress)
    except ValueError as error:
        if "NaN or inf" not in str(error) and "overflows" not in str(error):
            raise
        history = seen[0]  # diverged: the curves end at the step that overflowed
        history.steps.append(len(history.step_loss))
        history.loss.append(float("inf"))
        history.seconds.append(history.seconds[-1])
        accuracy.append(float("nan"))
    steps = np.asarray(history.steps)
    step_loss = np.asarray(history.step_loss, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        train_loss = [float(initial)] + [float(step_loss[a:b].mean()) if b > a else float("inf")
                                         for a, b in zip(steps[:-1], steps[1:])]
    return Curve(optimizer, float(lr if lr is not None else DEFAULT_LR[optimizer])
                 if not callable(lr) else float("nan"), seed,
                 epochs=[float(s / per_epoch) for s in steps], train_loss=train_loss,
                 val_loss=[float(v) for v in history.loss],
                 val_accuracy=[float(v) for v in accuracy],
                 seconds=float(history.seconds[-1]), optimizer_call=repr(opt), model=model)


@dataclass
class Sweep:
    """A learning-rate search of one optimizer (:func:`sweep`): ``search`` is the
    :class:`lib.measure.GridSearch` (``best``, ``on_edge``, ``grid``, ``scores``) and ``runs``
    maps every learning rate tried to its :class:`Curve`."""

    optimizer: str
    search: object
    runs: dict

    @property
    def best(self) -> Curve:
        return self.runs[self.search.best]

    def to_json(self) -> dict:
        return {"optimizer": self.optimizer, "best_lr": self.search.best,
                "on_edge": self.search.on_edge, "grid": list(self.search.grid),
                "scores": list(self.search.scores)}


def sweep(optimizer: str, grid, train_data, validation, *, epochs: int = 3,
          batch_size: int = BATCH_SIZE, seed: int = 0, evals_per_epoch: int = 2,
          max_widen: int = 3) -> Sweep:
    """Search ``optimizer``'s learning rate over the log ``grid`` with
    :func:`lib.measure.log_grid_search` (widened, up to ``max_widen`` values, while the best is on
    an edge), scoring each rate by :attr:`Curve.score` on ``validation``."""
    from ..measure import log_grid_search

    runs = {}

    def score(lr):
        runs[lr] = fit(optimizer, train_data, validation, lr=lr, epochs=epochs,
                       batch_size=batch_size, seed=seed, evals_per_epoch=evals_per_epoch)
        return runs[lr].score

    search = log_grid_search(score, grid, max_widen=max_widen)
    return Sweep(optimizer, search, {lr: runs[lr] for lr in search.grid})


def predict(framework: str, model, x) -> np.ndarray:
    """The predicted labels of a trained model (:attr:`RunResult.model`) of ``framework``."""
    if framework == "numpy":
        return model.predict(x)
    if framework == "tensorflow":
        return model.predict(x, batch_size=1000, verbose=0).argmax(axis=1)
    if framework == "torch":
        import torch

        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(x))).argmax(dim=1).numpy()
    raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.experiments.mnist",
        description="Train the article's 784-128-10 MNIST network and print (or save) its metrics.")
    parser.add_argument("--framework", choices=FRAMEWORKS, default="numpy")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: the book's, " + ", ".join(
                            f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"default {SUBSET_EPOCHS} on the subset, {FULL_EPOCHS} with --full")
    parser.add_argument("--full", action="store_true",
                        help="full MNIST (60,000 / 10,000 digits) instead of the offline subset")
    parser.add_argument("--normalize", action="store_true",
                        help="also apply Normalize((0.5,), (0.5,)): pixels in [-1, 1]")
    parser.add_argument("--validation", type=int, default=0, metavar="N",
                        help="hold N training digits out (stratified) and report the accuracy "
                             "on them; train on the others")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="train data-parallel on N worker processes (numpy only; see "
                             "lib.distributed): the same run, its gradients summed by gloo")
    parser.add_argument("--json", metavar="PATH", help="write the metrics to this JSON file")
    args = parser.parse_args(argv)
    # TensorFlow prints start-up lines to stderr unless both are set before it is imported.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    epochs = args.epochs if args.epochs is not None else (FULL_EPOCHS if args.full else SUBSET_EPOCHS)
    if epochs < 1 or args.batch_size < 1 or args.threads < 1:
        parser.error("--epochs, --batch-size and --threads must be positive")
    if args.lr is not None and not args.lr > 0:
        parser.error("--lr must be positive")
    if args.validation < 0:
        parser.error("--validation must be 0 or positive")
    if args.workers < 1 or (args.workers > 1 and args.framework != "numpy"):
        parser.error("--workers must be positive, and above 1 only with --framework numpy")

    from ..mnist import MnistUnavailable

    try:
        data = load_data(full=args.full, normalize=args.normalize, verbose=True)
    except MnistUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    validation = None
    if args.validation:
        try:
            train_split, validation = split_validation(*data[0], n_val=args.validation,
                                                       seed=args.seed)
        except ValueError as exc:
            parser.error(f"--validation: {exc}")
        data = (train_split, data[1])
    limit_threads(args.threads, frameworks=(args.framework,))
    if args.workers > 1:
        from ..distributed import train_mnist_data_parallel

        result = train_mnist_data_parallel(args.optimizer, data=data, epochs=epochs,
                                           batch_size=args.batch_size, seed=args.seed,
                                           workers=args.workers, lr=args.lr)
    else:
        result = run(args.framework, args.optimizer, data=data, epochs=epochs,
                     batch_size=args.batch_size, seed=args.seed, progress=True, lr=args.lr)
    metrics = result.to_json()
    metrics.update(full=args.full, normalize=args.normalize, seed=args.seed, threads=args.threads,
                   lr=args.lr if args.lr is not None else DEFAULT_LR[args.optimizer],
                   n_validation=args.validation, workers=args.workers)
    if validation is not None:
        labels = predict(args.framework, result.model, validation[0])
        metrics["validation_accuracy"] = float(np.mean(labels == validation[1]))
    print(f"{result.framework} {result.optimizer}: test accuracy {result.test_accuracy:.2%}, "
          f"final training loss {result.final_loss:.4f}, "
          f"{result.seconds_per_epoch:.2f} s per epoch (median of {epochs})")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(metrics, out, indent=2)
        print(f"metrics written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
