"""Test-wide set-up: quiet TensorFlow before anything imports it, and offline MNIST."""

import os

# TensorFlow prints oneDNN/absl lines to stderr at import unless both are set before the import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# Nothing in the tests may wait on the network for MNIST.
os.environ.setdefault("GDBOOK_OFFLINE", "1")
