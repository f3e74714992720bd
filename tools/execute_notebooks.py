"""Execute the book's notebooks once, several at a time, into the cache the book build reads.

    python tools/execute_notebooks.py [--jobs N] [--timeout S] [notebooks ...]

The book is built with ``execute_notebooks: cache`` (``_config.yml``): myst-nb takes a notebook's
outputs from the jupyter-cache in ``_build/.jupyter_cache`` when its code is unchanged, and
executes it otherwise, one notebook after another. This command fills that cache first, running
``--jobs`` notebooks at once (one thread each, so they do not fight over the cores), so the build
only renders. Each notebook is executed the way myst-nb executes it (in its own folder, with the
build's timeout), so the cached outputs are the ones the build would have produced.

The cache keys on a notebook's code only, so a change to ``lib/`` would leave stale outputs:
this command clears the cache whenever ``lib/``, ``requirements.txt`` or ``pyproject.toml``
changed since it was filled. It prints each notebook's execution time and exits 1, with the
traceback, if any notebook fails.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
FINGERPRINT = CACHE / "inputs.sha256"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    files = sorted((ROOT / "lib").rglob("*.py")) + [ROOT / "requirements.txt",
                                                    ROOT / "pyproject.toml"]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _timeout_from_config() -> int:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return int(config.get("execute", {}).get("timeout", 300))


def _toc_notebooks() -> list[Path]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").is_file()]


def _execute(path: str, timeout: int):
    """Run in a worker process: execute one notebook, return it with its time or its error."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.read(path, as_version=4)
    # The kernel's own log lines (ipykernel's transport notice, for one) go to this process's
    # stderr: keep them out of the build log, and show them only if the notebook fails.
    with tempfile.TemporaryFile(mode="w+") as log:
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                         allow_errors=False, meta_override=True)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        kernel_log = log.read()
    if result.err is not None:
        error = result.exc_string or repr(result.err)
        return path, None, result.time, f"{error}\n{kernel_log}".rstrip()
    return path, nbformat.writes(nb), result.time, None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebook in _toc.yml")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--timeout", type=int, default=None,
                        help="per-cell timeout in seconds (default: _config.yml's)")
    args = parser.parse_args(argv)

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    fingerprint = _fingerprint()
    if CACHE.exists() and (not FINGERPRINT.is_file()
                           or FINGERPRINT.read_text().strip() != fingerprint):
        print("lib/ or the requirements changed: clearing the notebook cache")
        shutil.rmtree(CACHE)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(CACHE))
    FINGERPRINT.write_text(fingerprint + "\n")

    notebooks = [p.resolve() for p in args.notebooks] or _toc_notebooks()
    todo = []
    for path in notebooks:
        try:
            record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            record = None
        if record is None:
            todo.append(path)
        else:
            print(f"cached    {path.relative_to(ROOT)}")
    if not todo:
        return 0

    timeout = args.timeout or _timeout_from_config()
    if args.jobs > 1:
        os.environ["OMP_NUM_THREADS"] = "1"  # kernels inherit it: one core per notebook
    failures = []
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(_execute, str(p), timeout) for p in todo]
        for future in as_completed(futures):
            path, text, seconds, error = future.result()
            rel = Path(path).relative_to(ROOT)
            if error is not None:
                print(f"FAILED    {rel} after {seconds:.1f} s")
                failures.append((rel, error))
                continue
            stage = cache.add_nb_to_project(path)
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(text, as_version=4), stage.uri,
                              data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True)
            print(f"executed  {rel} in {seconds:.1f} s")
    print(f"{len(todo) - len(failures)} of {len(todo)} notebooks executed in "
          f"{time.perf_counter() - start:.0f} s with {args.jobs} at a time")
    for rel, error in failures:
        print(f"\n--- {rel} ---\n{error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
