"""The shared, tested code of *Gradient Descent, From the Valley Floor Up*.

Every chapter imports from here, so the code a reader studies is the code CI checks against
PyTorch and Keras:

- :mod:`lib.optim`: the article's optimizers (GD, Momentum, RMSProp, Adam) in NumPy;
- :mod:`lib.frameworks`: the PyTorch and Keras optimizers that perform the same updates;
- :mod:`lib.valleys`: loss landscapes with known gradients and minima;
- :mod:`lib.data`: synthetic regression data and MNIST;
- :mod:`lib.train`: the one training loop (full batch, stochastic or mini-batch);
- :mod:`lib.plots`: contours with trajectories, loss curves, animations;
- :mod:`lib.models` and :mod:`lib.nn`: linear regression and a multilayer perceptron with
  hand-written gradients;
- :mod:`lib.schedules`: learning-rate schedules;
- :mod:`lib.experiments`: the MNIST experiment in NumPy, Keras and PyTorch, also a command
  (``python -m lib.experiments.mnist --help``);
- :mod:`lib.checks`: homework checks that name the mistake a student made.

Framework modules are imported lazily so ``import lib`` stays fast.
"""

__version__ = "0.1.0"
