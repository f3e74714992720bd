"""Build every edition of the book: English at ``_build/html/``, each translation in
``_build/html/<lang>/``.

    python tools/build_editions.py            # `make book`
    python tools/build_editions.py --strict   # warnings are errors, nitpicky (`make test`)
    python tools/build_editions.py en         # one edition

The Jupyter Book 1 command line cannot set Sphinx's ``language`` (jupyter-book#1791), so every
edition is built through its Python entry point (``jupyter_book.sphinx.build_sphinx``, what
``jupyter-book build`` calls) with the same _config.yml and ``language`` overridden. All editions
read the notebooks' outputs from the one execution cache (``_build/.jupyter_cache``, filled by
``tools/execute_notebooks.py``): nothing is executed twice. The editions are independent Sphinx
builds, so they run at the same time, one per core. ``_ext/book_i18n.py`` prepares the catalogs
and links every page to the other edition.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(ROOT / "_ext"))
from book_i18n import EDITIONS, SOURCE_LANGUAGE  # noqa: E402

_BUILD_ONE = """
import sys
from pathlib import Path
from jupyter_book.sphinx import build_sphinx
root, out, doctrees, cache, language, strict = sys.argv[1:7]
status = build_sphinx(
    Path(root), Path(out), noconfig=True, path_config=str(Path(root) / "_config.yml"),
    confoverrides={"language": language, "nb_execution_cache_path": cache,
                   "latex_individualpages": False, "nitpicky": strict == "1"},
    doctreedir=Path(doctrees), force_all=True, warningiserror=strict == "1",
    keep_going=strict == "1", quiet=True)
sys.exit(0 if status == 0 else 1)
"""


def _work_dir(build_dir: Path, language: str) -> Path:
    """Where an edition is built. The English one is built in place; a translation is built
    in a folder of its own (myst-nb writes next to the output folder, and the English build
    must not see a half-written translation) and moved into ``_build/html/<lang>`` when done."""
    if language == SOURCE_LANGUAGE:
        return build_dir / "html"
    return build_dir / "editions" / language / "html"


def _start(root: Path, language: str, strict: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(root / "_ext"), os.environ.get("PYTHONPATH")]))}
    build_dir = root / "_build"
    doctrees = build_dir / (".doctrees" if language == SOURCE_LANGUAGE
                            else f".doctrees-{language}")
    return subprocess.Popen(
        [sys.executable, "-c", _BUILD_ONE, str(root), str(_work_dir(build_dir, language)),
         str(doctrees), str(build_dir / ".jupyter_cache"), language, "1" if strict else "0"],
        cwd=root, env=env)


def _publish(build_dir: Path, language: str) -> Path:
    if language == SOURCE_LANGUAGE:
        return build_dir / "html"
    target = build_dir / "html" / EDITIONS[language]["folder"]
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(_work_dir(build_dir, language), target)
    return target


def build(languages: list[str], strict: bool = False, jobs: int = 2,
          root: Path = ROOT) -> dict[str, float]:
    """Build the book at ``root`` in ``languages`` (``jobs`` at a time); return each build's
    seconds. The English edition is published first, so its folder exists when a translation
    is moved into it."""
    seconds, failed = {}, []
    pending = list(languages)
    running: dict[str, tuple[subprocess.Popen, float]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            language = pending.pop(0)
            running[language] = (_start(root, language, strict), time.perf_counter())
        for language, (process, start) in list(running.items()):
            if process.poll() is None:
                continue
            seconds[language] = time.perf_counter() - start
            del running[language]
            if process.returncode != 0:
                failed.append(language)
        time.sleep(0.2)
    if failed:
        raise SystemExit(f"failed to build: {', '.join(failed)}")
    for language in sorted(languages, key=lambda lang: lang != SOURCE_LANGUAGE):
        out = _publish(root / "_build", language)
        print(f"{EDITIONS[language]['label']} ({language}): {out / 'index.html'} "
              f"({seconds[language]:.1f} s)")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true",
                        help="warnings are errors and references are checked (-W -n)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the book to build (default: this repository; tools/build_one.sh "
                             "passes its one-page copy)")
    parser.add_argument("languages", nargs="*", metavar="LANG",
                        help=f"the editions to build (default: all, {', '.join(EDITIONS)})")
    args = parser.parse_args(argv)
    unknown = set(args.languages) - set(EDITIONS)
    if unknown:
        parser.error(f"no edition {sorted(unknown)}; known: {list(EDITIONS)}")
    languages = args.languages or list(EDITIONS)
    root = args.root.resolve()
    if SOURCE_LANGUAGE not in languages and not (root / "_build/html/index.html").is_file():
        parser.error("a translation is published inside the English edition: build it first")
    start = time.perf_counter()
    build(languages, args.strict, args.jobs, root)
    print(f"{len(languages)} edition(s) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
