"""Build an nbgrader course from the chapters, and run its round trip with the real nbgrader.

    python tools/nbgrader_course.py build CHAPTERS_DIR COURSE_DIR [CHAPTER ...]
    python tools/nbgrader_course.py roundtrip CHAPTERS_DIR COURSE_DIR [CHAPTER ...]

``build`` writes an nbgrader course directory: ``nbgrader_config.py``, and for every chapter with
a coding exercise ``source/<chapter>/<chapter>.ipynb``, the instructor's version made by
``tools/make_homework.py`` (solution prose and hidden exercise cells removed, solution code kept
between nbgrader's markers, the cells' nbgrader metadata as ``tools/nbgrader_metadata.py`` sets
it; chapters that lack the metadata get it on the copy). It also writes a Jupyter kernel spec
``python3`` that runs the book's own Python (this interpreter, where ``lib`` and the frameworks
are installed), so nbgrader, installed in its own virtual environment, executes the notebooks
with the book's packages.

``roundtrip`` then runs, with nbgrader itself (``NBGRADER``, default ``.venv-nbgrader/bin/nbgrader``):
``generate_assignment`` (the student release, without solutions), and ``autograde`` of two
submissions per chapter, the reference (the instructor's version, solutions in place) and an
untouched copy of the release; it prints one line per chapter and writes ``roundtrip.json``:
``{chapter: {"released": bool, "solutions_left": int, "reference": [score, max],
"stub": [score, max]}}``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
NBGRADER = Path(os.environ.get("NBGRADER", REPO / ".venv-nbgrader" / "bin" / "nbgrader"))


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


homework = _tool("make_homework")
metadata = _tool("nbgrader_metadata")

CONFIG = '''c = get_config()  # noqa: F821 (nbgrader's config file)
c.CourseDirectory.course_id = "gd-book"
c.CourseDirectory.root = {root!r}
c.Execute.timeout = 900  # seconds per cell; the machines are shared
'''


def instructor_version(nb):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a copy
    metadata.apply(nb)  # a no-op once the chapters carry the metadata
    return homework.student_version(nb, keep_solutions=True)


def build(chapters: Path, course: Path, names: list[str] | None = None) -> list[str]:
    """Write the course; return the assignment names (chapters with a coding exercise)."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(root=str(course.resolve())))
    kernel = course / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (the book's environment)", "language": "python"}, indent=1))
    assignments = []
    for path in sorted(chapters.glob("*.ipynb")):
        if names and path.stem not in names:
            continue
        nb = nbformat.read(path, as_version=4)
        if not any(homework.is_solution_cell(c) for c in nb.cells):
            continue
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(instructor_version(nb), target)
        assignments.append(path.stem)
    return assignments


def _env(course: Path) -> dict:
    env = dict(os.environ)
    # nbgrader calls alembic by name: its environment's bin/ must come first on PATH
    env["PATH"] = f"{NBGRADER.parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PATH"] = str((course / "jupyter").resolve())
    env.setdefault("OMP_NUM_THREADS", "1")
    env.pop("NBGRADER_EXECUTION", None)
    return env


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([str(NBGRADER), *args], cwd=course, env=_env(course),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


SCORES = '''
import json, sys
from nbgrader.api import Gradebook
out = {}
with Gradebook("sqlite:///" + sys.argv[1] + "/gradebook.db") as gb:
    for chapter in sys.argv[2:]:
        out[chapter] = {}
        for student in ("reference", "stub"):
            sub = gb.find_submission(chapter, student)
            out[chapter][student] = [sub.score, sub.max_score]
print(json.dumps(out))
'''


def roundtrip(chapters: Path, course: Path, names: list[str] | None = None) -> dict:
    assignments = build(chapters, course, names)
    report = {}
    for name in assignments:
        nbgrader(course, "generate_assignment", name, "--create", "--force")
        released = course / "release" / name / f"{name}.ipynb"
        nb = nbformat.read(released, as_version=4)
        left = sum("### BEGIN SOLUTION" in c.source and "raise NotImplementedError" not in
                   c.source for c in nb.cells if c.cell_type == "code")
        report[name] = {"released": released.exists(), "solutions_left": left}
        for student, notebook in (("reference", course / "source" / name / f"{name}.ipynb"),
                                  ("stub", released)):
            target = course / "submitted" / student / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(notebook, target)
        nbgrader(course, "autograde", name, "--create", "--force")
    scores = subprocess.run([str(NBGRADER.parent / "python"), "-c", SCORES, str(course.resolve()),
                             *assignments], capture_output=True, text=True, check=True,
                            env=_env(course))
    for name, values in json.loads(scores.stdout).items():
        report[name].update(values)
    (course / "roundtrip.json").write_text(json.dumps(report, indent=1))
    return report


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("build", "roundtrip"):
        print(__doc__.strip().split("\n\n")[1])
        return 2
    command, chapters, course, names = argv[0], Path(argv[1]), Path(argv[2]), argv[3:]
    if command == "build":
        for name in build(chapters, course, names):
            print(f"{course / 'source' / name}")
        return 0
    if not NBGRADER.exists():
        print(f"{NBGRADER} not found: make nbgrader creates it")
        return 1
    report = roundtrip(chapters, course, names)
    ok = True
    for name, r in report.items():
        full = r["reference"][0] == r["reference"][1]
        less = r["stub"][0] < r["stub"][1]
        ok &= r["released"] and not r["solutions_left"] and full and less
        print(f"{name}: released={r['released']} reference={r['reference'][0]:g}/"
              f"{r['reference'][1]:g} stub={r['stub'][0]:g}/{r['stub'][1]:g}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
