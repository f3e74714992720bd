"""Files the built book serves besides its pages: plotly.js for the explorable figures, and a
wheel of ``lib`` for notebooks run outside the book's environment.

- ``_vendor/plotly.min.js``: the plotly.js bundle shipped inside the ``plotly`` package (the same
  version the figures are written with). Only pages with an explorable figure load it
  (:data:`lib.explore.PLOTLY_JS`); it is not under ``_static/``, where Jupyter Book would inject
  every ``.js`` file into every page.
- ``wheels/gd_book_lib-<version>-py3-none-any.whl``: ``lib`` as an installable package. The first
  cell of every chapter installs it from there when ``lib`` cannot be imported
  (``tools/bootstrap_cells.py`` writes that cell).

Both are written when the build has finished, like ``offline_mathjax``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _plotly_js() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise RuntimeError(f"plotly.min.js not found at {path}; install requirements.txt")
    return path


def _copy_plotly(outdir: Path) -> None:
    target = outdir / "_vendor" / "plotly.min.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_plotly_js(), target)


def build_wheel(dest: Path) -> Path:
    """Build the ``lib`` wheel into ``dest`` from a copy of the sources (so no ``build/`` or
    ``*.egg-info`` folder is left in the repository) and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        shutil.copytree(ROOT / "lib", src / "lib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(ROOT / name, src / name)
        out = Path(tmp) / "dist"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "--no-build-isolation", "--wheel-dir", str(out), str(src)],
                       check=True, stdout=subprocess.DEVNULL)
        (wheel,) = out.glob("gd_book_lib-*.whl")
        for old in dest.glob("gd_book_lib-*.whl"):
            old.unlink()
        return Path(shutil.copy2(wheel, dest / wheel.name))


def _write_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    _copy_plotly(outdir)
    # a translated edition (_ext/book_i18n.py) installs the English edition's wheel
    if (app.config.language or "en") == "en":
        build_wheel(outdir / "wheels")


def setup(app):
    _plotly_js()  # fail early, with a clear message, if the package is missing
    app.connect("build-finished", _write_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
