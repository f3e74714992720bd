"""Write, or check, the cell that lets every chapter run outside the book's environment.

    python tools/bootstrap_cells.py --apply chapters/*.ipynb   # insert or update the cell
    python tools/bootstrap_cells.py --check chapters/*.ipynb   # exit 1 if one is missing or stale

The cell comes right after the (hidden) environment cell. When ``lib`` imports, it does nothing.
Otherwise it installs the ``lib`` wheel the built book publishes (``_ext/book_assets.py``) and
says so in one line: from the ``wheels/`` folder of a built book the notebook sits in (a page
downloaded and run from disk, or a chapter of a clone whose book is built), else from the book's published address, which comes from
``repository.url`` in ``_config.yml`` (GitHub Pages: ``https://OWNER.github.io/REPO/``). The
environment variable ``GDBOOK_SITE`` points it at another copy of the book, such as a local
server.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Installs the book's `lib` package when this notebook runs outside the book"
TAG = "bootstrap-lib"

TEMPLATE = '''{marker}'s
# environment (a downloaded page, Colab, Binder); it does nothing where `lib` imports.
try:
    import lib
except ImportError:
    import os
    import pathlib
    import subprocess
    import sys

    _site = os.environ.get("GDBOOK_SITE", "{site}")
    _wheel = "wheels/gd_book_lib-{version}-py3-none-any.whl"
    _here = pathlib.Path.cwd()
    _local = [d / sub / _wheel for d in [_here, *_here.parents][:4]
              for sub in (".", "_build/html") if (d / sub / _wheel).is_file()]
    _source = str(_local[0]) if _local else _site.rstrip("/") + "/" + _wheel
    print(f"lib is not installed: installing it from {{_source}}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", _source],
                   check=True)
'''


def site_url(config_path: Path = ROOT / "_config.yml") -> str:
    """The published book's address, from ``repository.url`` (GitHub Pages convention)."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(\.git)?", url)
    if not match:
        raise ValueError(f"repository.url must be https://github.com/OWNER/REPO, got {url}")
    owner, repo = match.group(1), match.group(2)
    return f"https://{owner.lower()}.github.io/{repo}/"


def lib_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def cell_source() -> str:
    return TEMPLATE.format(marker=MARKER, site=site_url(), version=lib_version())


def _find(nb) -> int | None:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "".join(cell.source).startswith(MARKER):
            return i
    return None


def _environment_cell(nb) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "TF_CPP_MIN_LOG_LEVEL" in cell.source:
            return i
    return -1


def apply(path: Path) -> bool:
    """Insert or update the cell; return whether the notebook changed."""
    nb = nbformat.read(path, as_version=4)
    source = cell_source()
    i = _find(nb)
    if i is not None:
        if nb.cells[i].source == source:
            return False
        nb.cells[i].source = source
    else:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell", TAG]})
        nb.cells.insert(_environment_cell(nb) + 1, cell)
    nbformat.write(nb, path)
    return True


def problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    i = _find(nb)
    if i is None:
        return [f"{path}: no cell installing lib (run tools/bootstrap_cells.py --apply)"]
    out = []
    if nb.cells[i].source != cell_source():
        out.append(f"{path}: the lib-installing cell is stale (run --apply)")
    if i != _environment_cell(nb) + 1:
        out.append(f"{path}: the lib-installing cell must follow the environment cell")
    for j, cell in enumerate(nb.cells[:i]):
        if cell.cell_type == "code" and re.search(r"^\s*(from|import)\s+lib\b", cell.source,
                                                  re.M):
            out.append(f"{path}: cell {j} imports lib before it can be installed")
    return out


def main(argv: list[str]) -> int:
    mode, paths = argv[0] if argv else "", [Path(a) for a in argv[1:]]
    if mode not in ("--apply", "--check") or not paths:
        print(__doc__)
        return 2
    if mode == "--apply":
        for path in paths:
            if apply(path):
                print(f"updated {path}")
        return 0
    found = [p for path in paths for p in problems(path)]
    print("\n".join(found) or f"{len(paths)} notebooks install lib when it is missing")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
