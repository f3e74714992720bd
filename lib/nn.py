r"""A multilayer perceptron in NumPy, with backpropagation written out by hand.

:class:`MLP` is the network of the article's MNIST example (784 → 128 → 10, ReLU, softmax
cross-entropy) in the model interface :func:`lib.train.train` uses: ``params`` (the list an
optimizer's ``step`` updates in place), ``loss(x, y)`` and ``loss_and_grads(x, y)``.

Layout of the parameters, and how it maps to the frameworks:

- ``params = [W1, b1, W2, b2, ...]``; ``W`` has shape ``(inputs, outputs)`` and a layer computes
  ``x @ W + b``. That is the layout of a Keras ``Dense`` kernel, so ``layer.set_weights([W, b])``
  takes it as is.
- PyTorch's ``nn.Linear`` stores its weight as ``(outputs, inputs)`` and computes
  ``x @ weight.T + bias``: ``weight = W.T``. :meth:`MLP.copy_to_torch` and
  :meth:`MLP.copy_from_torch` transpose for you.

With :meth:`copy_to_keras` / :meth:`copy_to_torch` all three frameworks start from the same
weights, so their runs differ only by their update rules, data order and floating point.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["MLP", "softmax_cross_entropy", "relu_backward"]


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray):
    r"""Mean softmax cross-entropy of ``logits`` (n, k) for integer labels ``y`` (n,), and its
    gradient with respect to the logits.

    .. math::
        J = \frac1n \sum_i \Big(\log\sum_j e^{z_{ij}} - z_{i,y_i}\Big), \qquad
        \frac{\partial J}{\partial z_{ij}} = \frac1n\big(\mathrm{softmax}(z_i)_j - [j = y_i]\big)

    The log-sum-exp subtracts each row's maximum first, so large logits do not overflow.
    Returns ``(loss, dlogits)``; ``logits`` is not modified.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # a new array: the caller's is kept
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))
    exp /= sums  # now the softmax probabilities
    exp[rows, y] -= 1
    exp /= n
    return loss, exp


def relu_backward(dout: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The gradient through ``relu(z)``: ``dout`` where ``z > 0``, else 0 (also at ``z == 0``,
    as PyTorch and TensorFlow do)."""
    return dout * (z > 0)


class MLP:
    r"""A fully connected network with ReLU hidden layers and a softmax cross-entropy loss.

    Parameters
    ----------
    sizes: layer widths, input first: ``(784, 128, 10)`` is the article's network.
    seed: seeds the initial weights.
    dtype: ``np.float32`` (the frameworks' default, and fast) or ``np.float64`` (for gradient checks).
    init: ``"glorot"`` (default): Keras ``Dense``'s defaults, kernel
        :math:`U(-\sqrt{6/(n_{in}+n_{out})}, +\sqrt{6/(n_{in}+n_{out})})`, biases 0;
        ``"torch"``: ``nn.Linear``'s defaults, weight and bias :math:`U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})`.

    The network outputs logits (no softmax layer); the loss applies the softmax itself, as
    PyTorch's ``CrossEntropyLoss`` does. Keras's ``Dense(10, activation="softmax")`` with
    ``sparse_categorical_crossentropy`` computes the same loss.
    """

    INITS = ("glorot", "torch")

    def __init__(self, sizes=(784, 128, 10), seed: int = 0, dtype=np.float32, init: str = "glorot"):
        sizes = tuple(sizes)
        if len(sizes) < 2 or not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                                     for s in sizes):
            raise ValueError(f"sizes must be at least two positive ints, got {sizes!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        if init not in self.INITS:
            raise ValueError(f"init must be one of {self.INITS}, got {init!r}")
        self.sizes = tuple(int(s) for s in sizes)
        self.dtype = dtype
        rng = np.random.default_rng(seed)
        self.params: list[np.ndarray] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            if init == "glorot":
                limit = np.sqrt(6.0 / (n_in + n_out))
                W = rng.uniform(-limit, limit, size=(n_in, n_out))
                b = np.zeros(n_out)
            else:
                bound = 1.0 / np.sqrt(n_in)
                W = rng.uniform(-bound, bound, size=(n_in, n_out))
                b = rng.uniform(-bound, bound, size=n_out)
            self.params += [W.astype(dtype), b.astype(dtype)]

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes}, dtype={self.dtype.name})"

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W1, b1), (W2, b2), ...]``: views of ``params``, not copies."""
        return list(zip(self.params[0::2], self.params[1::2]))

    # -- validation -----------------------------------------------------------------------------
    def _checked_x(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape (n, {self.sizes[0]}), got {x.shape}")
        if x.dtype == bool or not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"x must be a float array (scale pixels to floats first), got {x.dtype}")
        if x.shape[0] == 0:
            raise ValueError("x is empty")
        # Only converts (copies) when the dtypes differ: give float32 data to a float32 model.
        return x.astype(self.dtype, copy=False)

    def _checked_y(self, y, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},) to match x, got {y.shape}")
        if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold integer class labels, got {y.dtype}")
        k = self.sizes[-1]
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"y must hold labels in [0, {k}), got values from {y.min()} to {y.max()}")
        return y

    # -- forward and backward -------------------------------------------------------------------
    def _forward(self, x: np.ndarray):
        """Logits, and the input of every layer (the activations backprop needs)."""
        inputs = []
        a = x
        last = len(self.params) // 2 - 1
        for k, (W, b) in enumerate(self.layers):
            inputs.append(a)
            z = a @ W
            z += b
            if k < last:
                np.maximum(z, 0, out=z)  # ReLU in place: z > 0 exactly where relu(z) > 0
            a = z
        return a, inputs

    def logits(self, x) -> np.ndarray:
        """The network's outputs before the softmax, shape ``(n, classes)``."""
        return self._forward(self._checked_x(x))[0]

    def predict_proba(self, x) -> np.ndarray:
        """Class probabilities (the softmax of the logits), shape ``(n, classes)``."""
        z = self.logits(x)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict(self, x) -> np.ndarray:
        """The most likely class of every row of ``x``."""
        return self.logits(x).argmax(axis=1)

    def accuracy(self, x, y) -> float:
        """The fraction of rows of ``x`` whose predicted class is ``y``."""
        x = self._checked_x(x)
        y = self._checked_y(y, x.shape[0])
        return float(np.mean(self._forward(x)[0].argmax(axis=1) == y))

    def loss(self, x, y) -> float:
        """The mean softmax cross-entropy on ``(x, y)``."""
        x = self._checked_x(x)
        y = self._checked_y(y, x.shape[0])
        return softmax_cross_entropy(self._forward(x)[0], y)[0]

    def loss_and_grads(self, x, y):
        r"""The mean loss and its gradients, in the order of ``params``, by backpropagation.

        With :math:`a_0 = x`, :math:`z_l = a_{l-1} W_l + b_l`, :math:`a_l = \mathrm{relu}(z_l)`
        and :math:`\delta_l = \partial J / \partial z_l`:

        .. math::
            \delta_L = \tfrac1n(\mathrm{softmax}(z_L) - \mathrm{onehot}(y)),\quad
            \nabla W_l = a_{l-1}^\top \delta_l,\quad \nabla b_l = \textstyle\sum_i \delta_{l,i},\quad
            \delta_{l-1} = (\delta_l W_l^\top) \odot [z_{l-1} > 0]
        """
        x = self._checked_x(x)
        y = self._checked_y(y, x.shape[0])
        logits, inputs = self._forward(x)
        loss, delta = softmax_cross_entropy(logits, y)
        grads: list[np.ndarray] = [None] * len(self.params)  # type: ignore[list-item]
        for k in range(len(inputs) - 1, -1, -1):
            W = self.params[2 * k]
            a = inputs[k]
            grads[2 * k] = a.T @ delta
            grads[2 * k + 1] = delta.sum(axis=0)
            if k > 0:
                # a = relu(z) of the layer below, so a > 0 is its ReLU mask.
                delta = relu_backward(delta @ W.T, a)
        return loss, grads

    # -- identical starts in Keras and PyTorch --------------------------------------------------
    @staticmethod
    def _torch_linears(module):
        import torch

        linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
        if not linears:
            raise ValueError("module has no torch.nn.Linear layers")
        return linears

    @staticmethod
    def _keras_denses(model):
        import keras

        denses = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        if not denses:
            raise ValueError("model has no keras.layers.Dense layers")
        return denses

    def _check_shapes(self, shapes, what):
        ours = [tuple(p.shape) for p in self.params]
        if shapes != ours:
            raise ValueError(f"{what} has parameter shapes {shapes}, this MLP has {ours}")

    def copy_to_torch(self, module):
        """Copy the weights into ``module``'s ``nn.Linear`` layers (in order; ``weight = W.T``)."""
        import torch

        linears = self._torch_linears(module)
        self._check_shapes([s for m in linears for s in (tuple(m.weight.shape[::-1]),
                                                         tuple(m.bias.shape))], "module")
        with torch.no_grad():
            for m, (W, b) in zip(linears, self.layers):
                m.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                m.bias.copy_(torch.from_numpy(b))
        return module

    def copy_from_torch(self, module):
        """Copy the weights of ``module``'s ``nn.Linear`` layers into ``params`` (in place)."""
        linears = self._torch_linears(module)
        self._check_shapes([s for m in linears for s in (tuple(m.weight.shape[::-1]),
                                                         tuple(m.bias.shape))], "module")
        for m, (W, b) in zip(linears, self.layers):
            W[...] = m.weight.detach().cpu().numpy().T
            b[...] = m.bias.detach().cpu().numpy()
        return self

    def copy_to_keras(self, model):
        """Copy the weights into ``model``'s ``Dense`` layers (in order; same layout)."""
        denses = self._keras_denses(model)
        self._check_shapes([tuple(w.shape) for d in denses for w in d.get_weights()], "model")
        for d, (W, b) in zip(denses, self.layers):
            d.set_weights([W, b])
        return model

    def copy_from_keras(self, model):
        """Copy the weights of ``model``'s ``Dense`` layers into ``params`` (in place)."""
        denses = self._keras_denses(model)
        self._check_shapes([tuple(w.shape) for d in denses for w in d.get_weights()], "model")
        for d, (W, b) in zip(denses, self.layers):
            W[...], b[...] = d.get_weights()
        return self
