"""Give the chapters' coding exercises nbgrader cell metadata, idempotently.

    python tools/nbgrader_metadata.py --check chapters/*.ipynb   # exit 1 if missing or stale
    python tools/nbgrader_metadata.py --apply chapters/*.ipynb   # write it (only what changed)

nbgrader (0.9.6) refuses ``### BEGIN SOLUTION`` regions in cells without its metadata
("Solution region detected in a non-solution cell"). This tool marks

- every code cell with a ``### BEGIN SOLUTION`` marker as a solution cell:
  ``{"solution": true, "grade": false, "locked": false, "grade_id": LABEL, "schema_version": 3}``
  where LABEL is the sphinx-exercise label of the exercise the cell answers (the last
  ``:label:`` above it), so grade ids are stable when cells move or are edited;
- the check cell of that exercise, the first later code cell that calls a ``lib.checks``
  function on a name the solution cell defines, as an autograded, locked test cell with
  :data:`POINTS` points and grade id ``LABEL-check``;
- and removes nbgrader metadata from every other cell (stale metadata of a cell that is no
  longer a solution or a check).

``tools/make_homework.py`` reads the same metadata to find the solution cells and keeps it in the
student notebooks, and ``tools/nbgrader_course.py`` builds an nbgrader course from them.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

BEGIN = "### BEGIN SOLUTION"
POINTS = 1
LABEL = re.compile(r"^\s*:label:\s*(\S+)\s*$", re.MULTILINE)
SCHEMA_VERSION = 3


def solution_metadata(grade_id: str) -> dict:
    return {"grade": False, "grade_id": grade_id, "locked": False,
            "schema_version": SCHEMA_VERSION, "solution": True, "task": False}


def check_metadata(grade_id: str, points: int = POINTS) -> dict:
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
            "schema_version": SCHEMA_VERSION, "solution": False, "task": False}


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _checked_names(source: str) -> set[str]:
    """Names passed to a ``check_*`` call (``check_gd_step(gd_step)``,
    ``lib.checks.minibatch.check_minibatches(minibatch_indices)``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called.startswith("check_"):
                names.update(a.id for a in node.args if isinstance(a, ast.Name))
    return names


def expected_metadata(nb) -> dict[int, dict]:
    """Cell index -> the nbgrader metadata that cell should carry (cells not listed: none).

    Raises ValueError for a solution cell with no exercise label above it, a label used twice,
    or a solution whose check cell cannot be found.
    """
    wanted: dict[int, dict] = {}
    label, used = None, set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            labels = LABEL.findall(cell.source)
            if labels:
                label = labels[-1]
            continue
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        if label is None:
            raise ValueError(f"cell {i}: a solution region with no exercise :label: above it")
        if label in used:
            raise ValueError(f"cell {i}: a second solution cell for exercise {label!r}")
        used.add(label)
        wanted[i] = solution_metadata(label)
        defined = _defined_names(cell.source)
        for j in range(i + 1, len(nb.cells)):
            later = nb.cells[j]
            if later.cell_type == "code" and BEGIN in later.source:
                break
            if later.cell_type == "code" and _checked_names(later.source) & defined:
                wanted[j] = check_metadata(f"{label}-check")
                break
        else:
            raise ValueError(f"exercise {label!r}: no check cell calls a lib.checks function on "
                             f"{', '.join(sorted(defined)) or 'what the solution defines'}")
        if f"{label}-check" not in (m["grade_id"] for m in wanted.values()):
            raise ValueError(f"exercise {label!r}: no check cell before the next solution cell")
    return wanted


def problems(nb) -> list[str]:
    """What differs between the notebook's nbgrader metadata and the expected one."""
    wanted = expected_metadata(nb)
    found = []
    for i, cell in enumerate(nb.cells):
        have = cell.get("metadata", {}).get("nbgrader")
        want = wanted.get(i)
        if want is None and have is not None:
            found.append(f"cell {i}: stale nbgrader metadata {have}")
        elif want is not None and have != want:
            found.append(f"cell {i}: nbgrader metadata {have} should be {want}")
    return found


def apply(nb) -> bool:
    """Set the expected metadata on ``nb`` in place; whether anything changed."""
    wanted = expected_metadata(nb)
    changed = False
    for i, cell in enumerate(nb.cells):
        want = wanted.get(i)
        if want is None:
            if "nbgrader" in cell.metadata:
                del cell.metadata["nbgrader"]
                changed = True
        elif cell.metadata.get("nbgrader") != want:
            cell.metadata["nbgrader"] = want
            changed = True
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="fail if metadata is missing/stale")
    mode.add_argument("--apply", action="store_true", help="write the metadata")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            if args.check:
                found = problems(nb)
                for line in found:
                    print(f"{path}: {line}")
                status |= bool(found)
            elif apply(nb):
                nbformat.write(nb, path)
                print(f"{path}: nbgrader metadata written")
        except ValueError as exc:
            print(f"{path}: {exc}")
            status = 1
    if args.check and not status:
        print(f"nbgrader metadata up to date in {len(args.notebooks)} notebook(s)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
