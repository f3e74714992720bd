"""What several tests share: loading one of the book's scripts (tools/, benchmarks/, _ext/) as a
module, and a fresh virtual environment that sees the book's installed packages but not `lib`.

Installing TensorFlow and PyTorch into a new environment takes minutes and gigabytes, so tests
that need "a machine without lib" give a new venv the book's third-party packages through a
folder of links to the book's site-packages that leaves out everything of `lib` (its editable
finder and its metadata, which would make pip think `lib` is installed). pip in that venv then
finds every pinned requirement already satisfied and installs only what is new.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]


def load_script(relative_path: str):
    """The script at ``relative_path`` in the repository (e.g. ``tools/make_homework.py``),
    imported as a module named after its file (registered in ``sys.modules``, so dataclasses
    and pickling in it work)."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def environment_without_lib(where: Path, name: str = "env") -> Path:
    """Create ``where/name`` and return its python."""
    site = Path(sysconfig.get_paths()["purelib"])
    view = where / f"{name}-book-packages"
    view.mkdir(parents=True)
    for entry in site.iterdir():
        lowered = entry.name.lower()
        if "gd_book_lib" in lowered or "gd-book-lib" in lowered or lowered.startswith(
                "__editable__"):
            continue
        (view / entry.name).symlink_to(entry)
    env = where / name
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    new_site = subprocess.run([str(python), "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    (Path(new_site) / "book-packages.pth").write_text(str(view) + "\n")
    return python
