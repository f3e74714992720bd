"""Serve MathJax 3 from the built book itself, so math renders with no network.

The MathJax files come from the ``django-static-mathjax`` package (MathJax 3.2.2, Apache-2.0),
installed from requirements.txt. Every page loads ``_static/mathjax/tex-chtml.js`` by a path
relative to itself (Sphinx resolves a relative ``mathjax_path`` under ``_static``), which works
from a web server and from ``file://`` alike. The files are copied into the output only when the
build has finished: a book's own ``_static/`` folder would get every ``.js`` file in it injected
into every page by Jupyter Book.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TARGET = "mathjax"


def _mathjax_source() -> Path:
    import mathjax  # the django-static-mathjax package

    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        raise RuntimeError(f"MathJax 3 not found at {es5}; install requirements.txt")
    return es5


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / TARGET
    if not (target / "tex-chtml.js").is_file():
        shutil.copytree(_mathjax_source(), target, dirs_exist_ok=True)


def _point_mathjax_here(app, config):
    config.mathjax_path = f"{TARGET}/tex-chtml.js"


def setup(app):
    _mathjax_source()  # fail early, with a clear message, if the package is missing
    app.connect("config-inited", _point_mathjax_here)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
