"""The shared, tested code of *Gradient Descent, From the Valley Floor Up*.

Every chapter imports from here, so the code a reader studies is the code CI checks against
PyTorch and Keras:

- :mod:`lib.optim`: the article's optimizers (GD, Momentum, RMSProp, Adam) and Nesterov,
  Adagrad, AdamW, in NumPy, written as their formulas (the speed machinery is in
  :mod:`lib.optim_engine`);
- :mod:`lib.frameworks`: the PyTorch and Keras optimizers that perform the same updates;
- :mod:`lib.valleys`: loss landscapes with known gradients and minima;
- :mod:`lib.data`: synthetic regression data and MNIST;
- :mod:`lib.train`: the one training loop (full batch, stochastic or mini-batch);
- :mod:`lib.plots`: contours with trajectories, loss curves, animations;
- :mod:`lib.models` and :mod:`lib.nn`: linear regression and a multilayer perceptron with
  hand-written gradients;
- :mod:`lib.schedules`: learning-rate schedules (inverse time, exponential, step, cosine,
  warm-up);
- :mod:`lib.measure`: measurements that mean what the prose says (steps until the loss stays
  below a target, tail statistics, grid searches that widen off an edge, spreads over seeds);
- :mod:`lib.explore`: explorable figures (sliders over paths computed by ``lib``);
- :mod:`lib.experiments`: the MNIST experiment in NumPy, Keras and PyTorch, also a command
  (``python -m lib.experiments.mnist --help``);
- :mod:`lib.checks`: homework checks that name the mistake a student made.

Framework modules are imported lazily so ``import lib`` stays fast.
"""

__version__ = "0.1.0"
