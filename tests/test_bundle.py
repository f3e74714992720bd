"""The student bundle, _build/homework.zip: it unpacks, installs and runs on a fresh machine.

The fast tests check its contents. The ``homework`` and ``bundle`` test (``make test-homework``)
unpacks it into an empty folder, runs the README's set-up command there (a fresh virtual
environment that sees the book's own pinned packages, so only lib's wheel is installed; with
``GDBOOK_BUNDLE_FULL_INSTALL=1`` everything is installed from the registries), and runs one student notebook top to
bottom in that environment with its stubs in place: every check says "not attempted".
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from book_env import environment_without_lib, load_script

REPO = Path(__file__).resolve().parents[1]


hw = load_script("tools/make_homework.py")
bundle = load_script("tools/make_bundle.py")
NOTEBOOK = "01_gradient_descent.ipynb"  # the one run top to bottom in the fresh environment


@pytest.fixture(scope="module")
def homework_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    assert hw.main([str(REPO / "chapters"), str(out / "homework")]) == 0
    return bundle.make_bundle(out / "homework", out / "homework.zip")


def _readme_commands(readme: str) -> list[str]:
    """The indented command lines of the README (its two set-up commands)."""
    return [line.strip() for line in readme.splitlines() if line.startswith("    ")]


def test_the_bundle_holds_the_notebooks_a_wheel_of_lib_pinned_requirements_and_a_readme(
        homework_zip):
    with zipfile.ZipFile(homework_zip) as z:
        names = z.namelist()
        requirements = z.read(f"{bundle.FOLDER}/requirements.txt").decode()
        readme = z.read(f"{bundle.FOLDER}/README.md").decode()
        wheel = next(n for n in names if n.endswith(".whl"))
        with z.open(wheel) as w, zipfile.ZipFile(w) as wz:
            packaged = wz.namelist()
    notebooks = sorted(Path(n).name for n in names if n.endswith(".ipynb"))
    chapters = sorted(p.name for p in (REPO / "chapters").glob("*.ipynb")
                      if any(hw.is_solution_cell(c) for c in nbformat.read(p, 4).cells))
    assert notebooks == chapters and "01_gradient_descent.ipynb" in notebooks
    assert "lib/checks/core.py" in packaged and "lib/optim.py" in packaged
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert all("==" in line or line.startswith("./wheels/") for line in pins), pins
    assert any(line.startswith("jupyterlab==") for line in pins)
    assert f"./{wheel.split('/', 1)[1]}" in pins
    for heavy in ("jupyter-book", "sphinx", "myst-nb", "pytest", "playwright", "nbval"):
        assert heavy not in requirements
    commands = _readme_commands(readme)
    assert len(commands) == 2 and "requirements.txt" in commands[0]
    assert commands[1].endswith("jupyter lab notebooks")


RUN_NOTEBOOK = r'''
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="python3", timeout=900, allow_errors=True).execute()
nbformat.write(nb, sys.argv[2])
'''


@pytest.mark.homework
@pytest.mark.bundle
def test_the_bundle_installs_in_a_fresh_environment_and_a_student_notebook_runs(
        homework_zip, tmp_path, capsys):
    folder = tmp_path / "fresh"
    folder.mkdir()
    with zipfile.ZipFile(homework_zip) as z:
        z.extractall(folder)
    root = folder / bundle.FOLDER
    setup, _open = _readme_commands((root / "README.md").read_text())
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH", "NBGRADER_EXECUTION")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not p.startswith(str(REPO)))
    env.update(GDBOOK_OFFLINE="1", OMP_NUM_THREADS="1")
    if not os.environ.get("GDBOOK_BUNDLE_FULL_INSTALL"):
        # The README's commands run as written, in a venv that already sees the book's pinned
        # packages (tests/book_env.py), so pip installs only lib's wheel; a full install from
        # the registries (GDBOOK_BUNDLE_FULL_INSTALL=1, `make test-bundle-full`) takes minutes.
        environment_without_lib(root, ".venv")
    started = time.perf_counter()
    subprocess.run(["bash", "-c", setup], cwd=root, env=env, check=True, capture_output=True,
                   text=True)
    installed = time.perf_counter() - started
    python = root / ".venv" / "bin" / "python"
    # (`python -m jupyterlab` rather than .venv/bin/jupyter: with the book's packages reused,
    # pip installs no console scripts for them)
    lab = subprocess.run([str(root / ".venv" / "bin" / "python"), "-m", "jupyterlab",
                          "--version"], cwd=root, env=env, capture_output=True, text=True,
                         check=True)
    where = subprocess.run([str(python), "-c", "import lib, sys; print(lib.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert str(root / ".venv") in where.stdout  # the wheel, not this work tree
    started = time.perf_counter()
    executed = tmp_path / "executed.ipynb"
    subprocess.run([str(python), "-c", RUN_NOTEBOOK, str(root / "notebooks" / NOTEBOOK),
                    str(executed)], cwd=root / "notebooks", env=env, check=True,
                   capture_output=True, text=True)
    ran = time.perf_counter() - started
    nb = nbformat.read(executed, as_version=4)
    errors = [f"{out.ename}: {out.evalue}" for c in nb.cells if c.cell_type == "code"
              for out in c.outputs if out.output_type == "error"]
    checks = [c for c in nb.cells if c.cell_type == "code" and "check_" in c.source
              and "import" not in c.source.splitlines()[-1]]
    text = json.dumps([c.outputs for c in checks])
    with capsys.disabled():
        print(f"\nbundle: install {installed:.0f} s, JupyterLab {lab.stdout.strip()}, "
              f"{NOTEBOOK} ran top to bottom in {ran:.0f} s")
    assert not errors, errors
    assert "not attempted" in text

