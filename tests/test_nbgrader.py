"""nbgrader: the chapters' cell metadata (tools/nbgrader_metadata.py) and a real course round trip.

The unit tests run in a blink on synthetic notebooks and on the chapters' structure. The round
trip (``homework`` and ``nbgrader`` markers, ``make test-homework``) builds an nbgrader course
from each chapter on a copy and runs the real nbgrader 0.9.6 from ``.venv-nbgrader`` (``make
nbgrader`` creates it): ``generate_assignment`` must release the chapter without its solutions,
and ``autograde`` must give the reference full marks and an untouched student copy less.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from book_env import load_script
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "chapters"


meta = load_script("tools/nbgrader_metadata.py")
hw = load_script("tools/make_homework.py")
course = load_script("tools/nbgrader_course.py")

SOLUTION = ('def gd_step(theta, grad, lr):\n    ### BEGIN SOLUTION\n    return theta - lr * grad\n'
            '    ### END SOLUTION')


def _notebook():
    nb = new_notebook()
    nb.cells = [new_markdown_cell("# GD"),
                new_code_cell("from lib.checks.gd import check_gd_step, check_gradient_descent"),
                new_markdown_cell("```{exercise} One step\n:label: gd-ex-step\nWrite it.\n```"),
                new_code_cell(SOLUTION),
                new_code_cell("check_gd_step(gd_step_in_place)"),  # a demonstration, not graded
                new_code_cell("check_gd_step(gd_step)"),
                new_code_cell("assert check_gd_step(gd_step).passed",
                              metadata={"tags": ["remove-cell"]})]
    return nb


def test_solution_and_check_cells_get_metadata_with_ids_from_the_label():
    nb = _notebook()
    assert meta.apply(nb)
    assert nb.cells[3].metadata.nbgrader == meta.solution_metadata("gd-ex-step")
    assert nb.cells[5].metadata.nbgrader == meta.check_metadata("gd-ex-step-check")
    assert nb.cells[5].metadata.nbgrader["locked"] and nb.cells[5].metadata.nbgrader["points"] > 0
    for i in (0, 1, 2, 4, 6):
        assert "nbgrader" not in nb.cells[i].metadata
    assert nb.cells[6].metadata["tags"] == ["remove-cell"]  # other metadata is kept


def test_applying_twice_changes_nothing_and_check_mode_then_passes(tmp_path, capsys):
    path = tmp_path / "01_gd.ipynb"
    nbformat.write(_notebook(), path)
    assert meta.main(["--check", str(path)]) == 1  # no metadata yet
    assert "should be" in capsys.readouterr().out
    assert meta.main(["--apply", str(path)]) == 0
    written = path.read_bytes()
    assert meta.main(["--apply", str(path)]) == 0
    assert path.read_bytes() == written
    assert meta.main(["--check", str(path)]) == 0


def test_check_mode_fails_on_stale_metadata():
    nb = _notebook()
    meta.apply(nb)
    nb.cells[4].metadata["nbgrader"] = meta.check_metadata("old-id")  # the cell moved away
    nb.cells[3].metadata["nbgrader"]["grade_id"] = "renamed"
    found = "\n".join(meta.problems(nb))
    assert "cell 4: stale nbgrader metadata" in found and "cell 3:" in found
    assert meta.apply(nb) and not meta.problems(nb)


def test_a_solution_without_a_label_or_a_check_is_an_error():
    nb = _notebook()
    del nb.cells[2]
    with pytest.raises(ValueError, match="no exercise :label:"):
        meta.expected_metadata(nb)
    nb = _notebook()
    del nb.cells[5]
    nb.cells[5].source = "print('no check here')"
    with pytest.raises(ValueError, match="no check cell"):
        meta.expected_metadata(nb)


@pytest.mark.parametrize("path", sorted(CHAPTERS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_chapter_gets_one_check_cell_per_solution_cell(path):
    wanted = meta.expected_metadata(nbformat.read(path, as_version=4))
    solutions = [m["grade_id"] for m in wanted.values() if m["solution"]]
    checks = [m["grade_id"] for m in wanted.values() if m["grade"]]
    assert checks == [f"{s}-check" for s in solutions]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", g) for g in solutions + checks)
    assert len(set(solutions)) == len(solutions)


def test_make_homework_keeps_the_metadata_and_the_instructor_version_keeps_the_solution():
    nb = _notebook()
    meta.apply(nb)
    student = hw.student_version(nb)
    instructor = hw.student_version(nb, keep_solutions=True)
    for version in (student, instructor):
        marked = [c for c in version.cells if "nbgrader" in c.metadata]
        assert [c.metadata.nbgrader["grade_id"] for c in marked] == ["gd-ex-step",
                                                                      "gd-ex-step-check"]
    assert "return theta - lr * grad" in instructor.cells[4].source
    assert "return theta - lr * grad" not in "".join(c.source for c in student.cells)


def test_a_graded_check_fails_its_cell_only_under_the_autograder(monkeypatch):
    from lib.checks.gd import check_gd_step

    def gd_step(theta, grad, lr):
        raise NotImplementedError

    def gd_step_in_place(theta, grad, lr):  # a chapter's demonstration of a mistake
        theta -= lr * grad
        return theta

    assert check_gd_step(gd_step).status == "not attempted"  # the book: a verdict, no error
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="not attempted"):
        check_gd_step(gd_step)
    assert check_gd_step(gd_step_in_place).mistake == "in-place aliasing"  # not graded


def test_the_course_holds_instructor_versions_and_a_kernel_running_the_books_python(tmp_path):
    import json
    import sys

    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nbformat.write(_notebook(), chapters / "01_gd.ipynb")  # no metadata yet: added on the copy
    no_exercise = new_notebook()
    no_exercise.cells = [new_markdown_cell("# Appendix")]
    nbformat.write(no_exercise, chapters / "appendix_x.ipynb")
    assert course.build(chapters, tmp_path / "course") == ["01_gd"]
    source = nbformat.read(tmp_path / "course" / "source" / "01_gd" / "01_gd.ipynb", 4)
    graded = {c.metadata.nbgrader["grade_id"]: c for c in source.cells if "nbgrader" in c.metadata}
    assert "return theta - lr * grad" in graded["gd-ex-step"].source
    assert graded["gd-ex-step-check"].source == "check_gd_step(gd_step)"
    assert not any("remove-cell" in c.metadata.get("tags", []) for c in source.cells[3:])
    assert "nbgrader" not in nbformat.read(chapters / "01_gd.ipynb", 4).cells[3].metadata
    kernel = json.loads((tmp_path / "course" / "jupyter" / "kernels" / "python3" /
                         "kernel.json").read_text())
    assert kernel["argv"][0] == sys.executable
    assert "c.CourseDirectory.root" in (tmp_path / "course" / "nbgrader_config.py").read_text()


# -- the real nbgrader --------------------------------------------------------------------------

ASSIGNMENTS = [p for p in sorted(CHAPTERS.glob("*.ipynb"))
               if any(hw.is_solution_cell(c) for c in nbformat.read(p, as_version=4).cells)]
# Each round trip executes a chapter twice (reference and stub), so `make test` runs it on two
# chapters, one with function exercises and one with a class exercise;
# GDBOOK_NBGRADER_CHAPTERS=all (`make test-nbgrader`) runs it on every chapter.
_CHOSEN = os.environ.get("GDBOOK_NBGRADER_CHAPTERS", "01_gradient_descent,07_adam")
if _CHOSEN != "all":
    ASSIGNMENTS = [p for p in ASSIGNMENTS if p.stem in _CHOSEN.split(",")]


@pytest.mark.homework
@pytest.mark.nbgrader
@pytest.mark.parametrize("path", ASSIGNMENTS, ids=lambda p: p.stem)
def test_nbgrader_releases_the_chapter_and_grades_reference_and_stub(path, tmp_path, capsys):
    assert course.NBGRADER.exists(), f"{course.NBGRADER} is missing: run `make nbgrader`"
    report = course.roundtrip(CHAPTERS, tmp_path / "course", [path.stem])[path.stem]
    with capsys.disabled():
        print(f"\n{path.stem}: released={report['released']} "
              f"reference={report['reference'][0]:g}/{report['reference'][1]:g} "
              f"stub={report['stub'][0]:g}/{report['stub'][1]:g}")
    released = nbformat.read(tmp_path / "course" / "release" / path.stem / path.name, 4)
    assert report["released"] and report["solutions_left"] == 0
    assert not _leaked_solutions(nbformat.read(path, as_version=4), released), "solution leaked"
    assert "solution-start" not in "\n".join(c.source for c in released.cells)
    assert report["reference"][0] == report["reference"][1] > 0
    assert report["stub"][0] < report["stub"][1]


def _leaked_solutions(chapter, released) -> list[str]:
    """Lines of the chapter's solution regions found in the released solution cells."""
    regions = {}
    for cell in chapter.cells:
        if hw.is_solution_cell(cell):
            kept = set(hw.stub_solutions(cell.source).splitlines())
            regions[_grade_id(cell, chapter)] = [line for line in cell.source.splitlines()
                                                 if line not in kept and line.strip()]
    leaked = []
    for cell in released.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in regions:
            leaked += [line for line in regions[grade_id] if line in cell.source.splitlines()]
    assert set(regions) <= {c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                            for c in released.cells}, "a solution cell is missing"
    return leaked


def _grade_id(cell, chapter) -> str:
    wanted = meta.expected_metadata(chapter)
    index = next(i for i, c in enumerate(chapter.cells) if c is cell)
    return wanted[index]["grade_id"]
