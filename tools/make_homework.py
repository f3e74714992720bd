"""Write the student version of every chapter: solutions out, stubs and checks in.

    python tools/make_homework.py chapters _build/homework

For every notebook in the source folder, the student version

- keeps the chapter text, its code and every exercise statement;
- replaces the code between nbgrader's ``### BEGIN SOLUTION`` and ``### END SOLUTION`` markers
  (which nbgrader itself understands) with ``raise NotImplementedError(...)``, keeping the
  function's signature and docstring, so the student writes there;
- removes the rest of every solution: the prose and any cell between ``{solution-start}`` and
  ``{solution-end}`` that has no markers;
- removes the hidden (``remove-cell``) cells of the exercises section, which assert things about
  the reference solutions;
- keeps the visible check cell after each coding exercise: with the stub in place it reports
  "not attempted", so the notebook runs top to bottom.

The solution cells are the cells nbgrader's metadata marks as solutions
(``tools/nbgrader_metadata.py`` writes it) and, in a notebook without that metadata yet, the
cells with the markers. The markers' lines and the nbgrader metadata are kept, so nbgrader can
grade the student version too; ``student_version(nb, keep_solutions=True)`` is the instructor's
version of the same notebook, the source of the nbgrader course (``tools/nbgrader_course.py``).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Your code here: replace this line.")'
HEADER = (
    "**Homework version.** The solutions are removed from this notebook. Write your code where a "
    "cell raises `NotImplementedError`, then run the check cell below it: it tells you whether "
    "your code is right and, if not, which mistake it most likely contains."
)

def stub_solutions(source: str) -> str:
    """Replace every marked region of ``source`` by a stub indented like the marker."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [line, indent + STUB]
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
            out.append(line)
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


FENCE = re.compile(r"^\s*([`:]{3,})\{(solution-start|solution-end|exercise|exercise-start)\}")


class _Splitter:
    """Walks the markdown of a notebook, dropping whatever lies inside a gated solution.

    A solution may open or close in the middle of a markdown cell (next to an exercise
    statement), so the walk is line by line, across cells.
    """

    def __init__(self):
        self.in_solution = False
        self.seen_exercise = False

    def markdown(self, text: str) -> str:
        kept, closing = [], None
        for line in text.splitlines():
            if closing is not None:  # inside a solution-start/-end directive's own fence
                if line.strip() == closing:
                    closing = None
                continue
            match = FENCE.match(line)
            if match and match.group(2) in ("solution-start", "solution-end"):
                opening = match.group(2) == "solution-start"
                if opening == self.in_solution:
                    raise ValueError(f"unbalanced {{{match.group(2)}}}: {line.strip()!r}")
                self.in_solution = opening
                closing = match.group(1)
                continue
            if match:
                self.seen_exercise = True
            if not self.in_solution:
                kept.append(line)
        return "\n".join(kept).strip("\n")


def is_solution_cell(cell) -> bool:
    """A code cell the student writes: nbgrader's metadata says so, or it has the markers."""
    if cell.cell_type != "code":
        return False
    marked = cell.get("metadata", {}).get("nbgrader", {}).get("solution", False)
    return bool(marked) or BEGIN in cell.source


def student_version(nb, keep_solutions: bool = False):
    """The homework notebook for ``nb`` (a new notebook; ``nb`` is not changed).

    With ``keep_solutions`` the code between the markers stays: the instructor's version, which
    nbgrader's ``generate_assignment`` turns into the student's.
    """
    walk = _Splitter()
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = walk.markdown(cell.source)
            if text.strip():
                new = nbformat.v4.new_markdown_cell(text)
                new.metadata = copy.deepcopy(cell.metadata)
                cells.append(new)
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if is_solution_cell(cell):
            stub_solutions(cell.source)  # unbalanced markers are an error in both versions
            new = nbformat.v4.new_code_cell(cell.source if keep_solutions
                                            else stub_solutions(cell.source))
            new.metadata = copy.deepcopy({k: v for k, v in cell.metadata.items() if k != "tags"})
            cells.append(new)
        elif walk.in_solution or (walk.seen_exercise and "remove-cell" in tags):
            continue
        else:
            cells.append(copy.deepcopy(cell))  # outputs are cleared below: never on `nb`
    if walk.in_solution:
        raise ValueError("a {solution-start} without {solution-end}")
    student = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    title_at = next((i for i, c in enumerate(cells)
                     if c.cell_type == "markdown" and c.source.lstrip().startswith("# ")), -1)
    student.cells = (cells[: title_at + 1] + [nbformat.v4.new_markdown_cell(HEADER)]
                     + cells[title_at + 1:])
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: python tools/make_homework.py SOURCE_DIR TARGET_DIR")
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks in {source}")
        return 1
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        student = student_version(nb)
        nbformat.write(student, target / path.name)
        stubs = sum(c.source.count(STUB) for c in student.cells if c.cell_type == "code")
        print(f"{target / path.name}: {stubs} exercise stub(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
