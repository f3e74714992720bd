r"""The article's MNIST network (784 → 128 → 10) trained in NumPy, TensorFlow/Keras or PyTorch.

One implementation for the chapter :doc:`08_mnist` and for the command line::

    python -m lib.experiments.mnist --framework torch --optimizer adam --epochs 5 --json out.json

- :func:`load_data` gives the same preprocessed arrays to all three frameworks;
- :func:`make_optimizer` gives the lib optimizer of each name with the book's hyperparameters;
  the frameworks get the optimizer :func:`lib.frameworks.to_keras` / :func:`~lib.frameworks.to_torch`
  build from it, so the same update rule runs everywhere (exactly, except Keras's Adam and PyTorch's
  RMSprop, which have no exact equivalent: see :mod:`lib.frameworks`);
- :func:`train_numpy`, :func:`train_keras` and :func:`train_torch` train one network, starting
  from the same weights (:class:`lib.nn.MLP`'s, copied into the framework's model), and return a
  :class:`RunResult`; :func:`run` picks one by name.

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

__all__ = ["FRAMEWORKS", "OPTIMIZERS", "BATCH_SIZE", "SUBSET_EPOCHS", "FULL_EPOCHS", "RunResult",
           "make_optimizer", "load_data", "preprocess", "limit_threads", "keras_model",
           "torch_model", "train_numpy", "train_keras", "train_torch", "run", "main"]

FRAMEWORKS = ("numpy", "tensorflow", "torch")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
BATCH_SIZE = 32
#: Epochs on the offline 4,000-digit subset (enough for Adam to pass 90% test accuracy) ...
SUBSET_EPOCHS = 5
#: ... and on full MNIST, as in the article.
FULL_EPOCHS = 10


def make_optimizer(name: str) -> Optimizer:
    """The lib optimizer called ``name`` with the book's hyperparameters for this network.

    ``sgd``: GD(lr=0.1); ``momentum``: Momentum(lr=0.1, beta=0.9) (the article's form, so the same
    step size as SGD once v has warmed up); ``rmsprop``: RMSProp(lr=0.001, beta=0.9, eps=1e-8);
    ``adam``: Adam(lr=0.001), the article's setting.
    """
    if name == "sgd":
        return GD(lr=0.1)
    if name == "momentum":
        return Momentum(lr=0.1, beta=0.9)
    if name == "rmsprop":
        return RMSProp(lr=0.001, beta=0.9, eps=1e-8)
    if name == "adam":
        return Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


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


def _check_args(optimizer, data, epochs, batch_size):
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
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
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False) -> RunResult:
    """:class:`lib.nn.MLP` trained by :func:`lib.train.train` with the lib optimizer."""
    from ..train import train

    (x_train, y_train), (x_test, y_test) = _check_args(optimizer, data, epochs, batch_size)
    model = MLP(seed=seed)
    opt = make_optimizer(optimizer)
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
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False) -> RunResult:
    """The article's ``Sequential`` / ``compile`` / ``fit``, from :class:`lib.nn.MLP`'s weights,
    with ``lib.frameworks.to_keras(make_optimizer(optimizer))``."""
    import keras

    from ..frameworks import equivalence, to_keras

    (x_train, y_train), (x_test, y_test) = _check_args(optimizer, data, epochs, batch_size)
    keras.utils.set_random_seed(seed)  # fit's shuffling
    start = MLP(seed=seed)
    model = start.copy_to_keras(keras_model())
    opt = make_optimizer(optimizer)
    model.compile(optimizer=to_keras(opt), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    n = len(x_train)
    bar = _bar(epochs * -(-n // batch_size), progress, "keras")
    seconds = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            bar.update(1)

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

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
                batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False) -> RunResult:
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
    opt = make_optimizer(optimizer)
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
        batch_size: int = BATCH_SIZE, seed: int = 0, progress: bool = False) -> RunResult:
    """Train the article's network in ``framework`` ("numpy", "tensorflow" or "torch")."""
    if framework not in _TRAINERS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    return _TRAINERS[framework](optimizer, data=data, epochs=epochs, batch_size=batch_size,
                                seed=seed, progress=progress)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.experiments.mnist",
        description="Train the article's 784-128-10 MNIST network and print (or save) its metrics.")
    parser.add_argument("--framework", choices=FRAMEWORKS, default="numpy")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"default {SUBSET_EPOCHS} on the subset, {FULL_EPOCHS} with --full")
    parser.add_argument("--full", action="store_true",
                        help="full MNIST (60,000 / 10,000 digits) instead of the offline subset")
    parser.add_argument("--normalize", action="store_true",
                        help="also apply Normalize((0.5,), (0.5,)): pixels in [-1, 1]")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="write the metrics to this JSON file")
    args = parser.parse_args(argv)
    # TensorFlow prints start-up lines to stderr unless both are set before it is imported.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    epochs = args.epochs if args.epochs is not None else (FULL_EPOCHS if args.full else SUBSET_EPOCHS)
    if epochs < 1 or args.batch_size < 1 or args.threads < 1:
        parser.error("--epochs, --batch-size and --threads must be positive")

    from ..mnist import MnistUnavailable

    try:
        data = load_data(full=args.full, normalize=args.normalize, verbose=True)
    except MnistUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    limit_threads(args.threads, frameworks=(args.framework,))
    result = run(args.framework, args.optimizer, data=data, epochs=epochs,
                 batch_size=args.batch_size, seed=args.seed, progress=True)
    metrics = result.to_json()
    metrics.update(full=args.full, normalize=args.normalize, seed=args.seed, threads=args.threads)
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
