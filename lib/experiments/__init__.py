"""Experiments that run outside the notebooks, from the command line, and write their metrics as JSON.

- :mod:`lib.experiments.mnist`: the article's 784-128-10 network on MNIST in NumPy, TensorFlow/Keras
  or PyTorch with any of the book's four optimizers
  (``python -m lib.experiments.mnist --framework torch --optimizer adam --epochs 5``).

The chapter notebooks call the same functions, so a number in the book and a number from the
command line come from one implementation.
"""
