"""A reader runs the notebooks: in JupyterLab (`make lab`), or one chapter alone, anywhere.

These tests need the built book (`make book`): they serve `_build/html` on 127.0.0.1 and use
the `lib` wheel it publishes. Every process they start is ended, also when they fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from book_env import environment_without_lib

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
VENV_BIN = Path(sys.executable).parent
CHAPTER = "01_gradient_descent.ipynb"

pytestmark = pytest.mark.served


def _require_built_book():
    if not (HTML / "index.html").is_file() or not list((HTML / "wheels").glob("*.whl")):
        pytest.fail("the built book with its lib wheel is missing: run `make book` first")


@pytest.fixture
def book_server():
    """The built book on an HTTP server bound to a free port of 127.0.0.1."""
    _require_built_book()
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requested: list = []

    def log_message(self, format, *args):
        _QuietHandler.requested.append(self.path)


def _environment_without_lib(tmp_path: Path) -> Path:
    return environment_without_lib(tmp_path)


def _imports_lib(python: Path, cwd: Path) -> bool:
    return subprocess.run([str(python), "-c", "import lib.optim"], cwd=cwd,
                          capture_output=True).returncode == 0


def test_a_chapter_copied_alone_installs_lib_from_the_book_and_runs_top_to_bottom(
        tmp_path, book_server, capsys):
    site, _ = book_server
    python = _environment_without_lib(tmp_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(ROOT / "chapters" / CHAPTER, alone / CHAPTER)
    assert not _imports_lib(python, alone), "the test environment must start without lib"

    runner = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=600, kernel_name='python3',\n"
        "               resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "nbformat.write(nb, sys.argv[1])\n"
    )
    env = dict(os.environ, GDBOOK_SITE=site, GDBOOK_OFFLINE="1", OMP_NUM_THREADS="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    run = subprocess.run([str(python), "-c", runner, str(alone / CHAPTER), str(alone)],
                         cwd=alone, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stderr[-4000:]

    import nbformat

    executed = nbformat.read(alone / CHAPTER, as_version=4)
    printed = "".join(out.get("text", "") for cell in executed.cells
                      for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert f"lib is not installed: installing it from {site}wheels/gd_book_lib-" in printed
    assert any(p.startswith("/wheels/gd_book_lib-") for p in _QuietHandler.requested)
    assert _imports_lib(python, alone)
    with capsys.disabled():
        print(f"\nstandalone run of {CHAPTER}, lib installed from the book: {seconds:.0f} s")


def test_the_install_cell_does_nothing_where_lib_is_already_there(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import bootstrap_cells
    finally:
        sys.path.pop(0)
    run = subprocess.run([sys.executable, "-c", bootstrap_cells.cell_source()], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert run.stdout == "" and run.stderr == ""


def test_make_lab_serves_the_chapters_with_a_kernel_that_imports_lib(tmp_path):
    token = "gdbook-test"
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        lab = subprocess.Popen(
            [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
             "--ServerApp.port=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={ROOT / 'chapters'}", "--ServerApp.open_browser=False"]
            + (["--allow-root"] if os.geteuid() == 0 else []),
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
            env=dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime")))
    try:
        url = None
        for _ in range(600):
            text = log.read_text()
            for line in text.splitlines():
                if "http://127.0.0.1:" in line and "/lab" in line:  # the token shows as "..."
                    url = line[line.index("http://127.0.0.1:"):].split("/lab")[0].split("/?")[0]
                    break
            if url or lab.poll() is not None:
                break
            time.sleep(0.1)
        assert url, f"JupyterLab did not start:\n{log.read_text()[-3000:]}"
        # the first request may come before the server answers (seen once in CI as "connection
        # refused" right after the address was printed): retry while it is running
        for attempt in range(100):
            try:
                with urllib.request.urlopen(f"{url}/api/contents?token={token}",
                                            timeout=30) as r:
                    names = {item["name"] for item in json.load(r)["content"]}
                break
            except urllib.error.URLError:
                if attempt == 99 or lab.poll() is not None:
                    raise AssertionError(f"JupyterLab at {url} did not answer (exit code "
                                         f"{lab.poll()}):\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        assert CHAPTER in names
        with urllib.request.urlopen(f"{url}/lab?token={token}", timeout=30) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
        with urllib.request.urlopen(f"{url}/api/kernelspecs?token={token}", timeout=30) as r:
            spec = json.load(r)["kernelspecs"]["python3"]["spec"]
        kernel_python = spec["argv"][0]
        if kernel_python in ("python", "python3"):
            kernel_python = str(VENV_BIN / "python")
        assert _imports_lib(Path(kernel_python), ROOT / "chapters")
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
