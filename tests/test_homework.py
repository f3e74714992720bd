"""The homework tool: student notebooks keep the text and the checks, lose the solutions, and run.

The unit tests build small notebooks with nbformat and run in a blink. The ``homework`` tests
(``make test-homework``) generate the student version of every chapter and execute it in a fresh
kernel: with every exercise still a stub, the notebook must run top to bottom and each check of a
student's function must say "not attempted".
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest
from book_env import load_script
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "chapters"


hw = load_script("tools/make_homework.py")


# ---------------------------------------------------------------------------------------------
# Unit tests on synthetic notebooks
# ---------------------------------------------------------------------------------------------

SETUP = new_code_cell("import numpy as np\nfrom lib.checks.gd import check_gd_step",
                      metadata={"tags": ["remove-cell"]})
SOLUTION_CODE = '''def gd_step(theta, grad, lr):
    """One gradient-descent step."""
    ### BEGIN SOLUTION
    new_theta = theta - lr * grad
    return new_theta
    ### END SOLUTION'''


def _chapter(*cells):
    """A small chapter: title, hidden setup, some text, then the given exercise-section cells."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [new_markdown_cell("# Gradient descent\n\nIntro text."), copy.deepcopy(SETUP),
                new_markdown_cell("## The formula\n\n$$\\theta \\leftarrow \\theta - \\eta g$$"),
                *cells]
    return nb


def _exercise(label="gd-ex-step", text="Write `gd_step`."):
    return f"```{{exercise}} One step\n:label: {label}\n{text}\n```"


def _solution_start(label="gd-ex-step"):
    return f"```{{solution-start}} {label}\n:class: dropdown\n```"


SOLUTION_END = "```{solution-end}\n```"


def _coding_exercise_cells():
    return [new_markdown_cell("## Exercises\n\n" + _exercise()),
            new_markdown_cell(_solution_start() + "\nThe step is the formula, written out:"),
            new_code_cell(SOLUTION_CODE),
            new_markdown_cell(SOLUTION_END),
            new_code_cell("check_gd_step(gd_step)")]


def _sources(nb, cell_type=None):
    return [c.source for c in nb.cells if cell_type is None or c.cell_type == cell_type]


def _all_text(nb):
    return "\n".join(_sources(nb))


def test_marked_region_becomes_a_stub_indented_like_the_marker():
    student = hw.student_version(_chapter(*_coding_exercise_cells()))
    stubbed = [s for s in _sources(student, "code") if hw.STUB in s]
    assert len(stubbed) == 1
    assert stubbed[0].splitlines() == [
        "def gd_step(theta, grad, lr):",
        '    """One gradient-descent step."""',
        "    ### BEGIN SOLUTION",
        "    " + hw.STUB,
        "    ### END SOLUTION",
    ]
    assert "new_theta" not in _all_text(student)


def test_methods_get_stubs_at_their_own_indentation():
    source = ("class MyAdam:\n"
              "    def __init__(self, lr=0.001):\n"
              "        ### BEGIN SOLUTION\n"
              "        self.lr = lr\n"
              "        ### END SOLUTION\n"
              "\n"
              "    def step(self, theta, g):\n"
              "        ### BEGIN SOLUTION\n"
              "        return theta - self.lr * g\n"
              "        ### END SOLUTION")
    stubbed = hw.stub_solutions(source)
    assert stubbed.count("        " + hw.STUB) == 2
    assert "self.lr = lr" not in stubbed and "self.lr * g" not in stubbed
    assert "    def step(self, theta, g):" in stubbed.splitlines()
    ast.parse(stubbed)  # still valid Python: the student's cell runs and defines the class


def test_code_outside_the_markers_is_kept():
    source = "import numpy as np\n\ndef f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\nTOLERANCE = 1e-9"
    stubbed = hw.stub_solutions(source)
    assert stubbed.startswith("import numpy as np\n\ndef f(x):")
    assert stubbed.endswith("TOLERANCE = 1e-9")
    assert "return 2 * x" not in stubbed


def test_solution_prose_is_removed_and_the_exercise_statement_kept():
    student = hw.student_version(_chapter(*_coding_exercise_cells()))
    text = _all_text(student)
    assert "The step is the formula, written out" not in text
    assert "solution-start" not in text and "solution-end" not in text
    assert "{exercise} One step" in text and "Write `gd_step`." in text


def test_solution_markers_sharing_a_cell_with_an_exercise_statement():
    # One markdown cell: the end of the previous solution, the next exercise, the start of its
    # solution. Only the exercise survives.
    shared = "\n".join([SOLUTION_END, "", _exercise("gd-ex-lr", "Which learning rate diverges?"),
                        "", _solution_start("gd-ex-lr"), "Any rate above 2/L diverges."])
    nb = _chapter(new_markdown_cell("## Exercises\n\n" + _exercise()),
                  new_markdown_cell(_solution_start() + "\nFirst answer: the gradient points uphill."),
                  new_markdown_cell(shared),
                  new_markdown_cell("Still inside the second solution.\n\n" + SOLUTION_END
                                    + "\n\nText after all solutions."))
    student = hw.student_version(nb)
    text = _all_text(student)
    for gone in ["First answer", "Any rate above 2/L", "Still inside the second solution",
                 "solution-start", "solution-end", ":class: dropdown"]:
        assert gone not in text
    for kept in ["Which learning rate diverges?", ":label: gd-ex-lr", "Text after all solutions."]:
        assert kept in text


def test_solution_code_cells_without_markers_are_removed():
    cells = _coding_exercise_cells()
    cells.insert(3, new_code_cell("path = [gd_step(1.0, 2.0, 0.1)]\nprint(path)"))
    student = hw.student_version(_chapter(*cells))
    assert not any("path = [gd_step" in s for s in _sources(student, "code"))


def test_hidden_cells_of_the_exercises_section_are_removed_but_the_setup_is_kept():
    cells = _coding_exercise_cells()
    cells.append(new_code_cell("assert abs(gd_step(1.0, 2.0, 0.5)) < 1e-12",
                               metadata={"tags": ["remove-cell"]}))
    student = hw.student_version(_chapter(*cells))
    code = _sources(student, "code")
    assert SETUP.source in code
    assert not any("assert abs(gd_step" in s for s in code)


def test_the_check_cell_after_a_coding_exercise_is_kept_after_the_stub():
    student = hw.student_version(_chapter(*_coding_exercise_cells()))
    code = _sources(student, "code")
    stub_at = next(i for i, s in enumerate(code) if hw.STUB in s)
    assert code[stub_at + 1] == "check_gd_step(gd_step)"


def test_stubbed_cells_lose_their_tags_and_every_output():
    cells = _coding_exercise_cells()
    cells[2].metadata["tags"] = ["hide-input"]
    cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
    cells[2].execution_count = 3
    student = hw.student_version(_chapter(*cells))
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            if hw.STUB in cell.source:
                assert "tags" not in cell.metadata


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1", "without"),
    ("def f():\n    return 1\n    ### END SOLUTION", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "nested"),
])
def test_unbalanced_code_markers_are_a_value_error(source, problem):
    with pytest.raises(ValueError, match=problem):
        hw.stub_solutions(source)


def test_unbalanced_code_markers_in_a_notebook_are_a_value_error():
    cells = _coding_exercise_cells()
    cells[2] = new_code_cell(SOLUTION_CODE.replace("    ### END SOLUTION", ""))
    with pytest.raises(ValueError):
        hw.student_version(_chapter(*cells))


@pytest.mark.parametrize("cells", [
    [new_markdown_cell(_exercise()), new_markdown_cell(_solution_start() + "\nNever closed.")],
    [new_markdown_cell(_exercise()), new_markdown_cell(SOLUTION_END)],
    [new_markdown_cell(_solution_start()), new_markdown_cell(_solution_start("gd-ex-other"))],
], ids=["start-without-end", "end-without-start", "start-twice"])
def test_unbalanced_solution_directives_are_a_value_error(cells):
    with pytest.raises(ValueError, match="solution"):
        hw.student_version(_chapter(*cells))


def test_the_source_notebook_is_not_changed():
    nb = _chapter(*_coding_exercise_cells())
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ correct\n")]
    before = copy.deepcopy(nb)
    hw.student_version(nb)
    assert nb == before


def test_the_homework_header_follows_the_title():
    student = hw.student_version(_chapter(*_coding_exercise_cells()))
    assert student.cells[0].source.startswith("# Gradient descent")
    assert student.cells[1].cell_type == "markdown" and student.cells[1].source == hw.HEADER
    assert sum(c.source == hw.HEADER for c in student.cells) == 1


def test_the_kernelspec_is_kept_and_the_result_is_a_valid_notebook():
    student = hw.student_version(_chapter(*_coding_exercise_cells()))
    assert student.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(student)


def test_the_command_writes_one_student_notebook_per_chapter(tmp_path, capsys):
    source, target = tmp_path / "chapters", tmp_path / "homework"
    source.mkdir()
    nbformat.write(_chapter(*_coding_exercise_cells()), source / "01_gd.ipynb")
    nbformat.write(_chapter(new_markdown_cell("No exercises here.")), source / "appendix_x.ipynb")
    assert hw.main([str(source), str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == ["01_gd.ipynb", "appendix_x.ipynb"]
    out = capsys.readouterr().out
    assert "01_gd.ipynb: 1 exercise stub(s)" in out
    assert "appendix_x.ipynb: 0 exercise stub(s)" in out
    assert hw.STUB in _all_text(nbformat.read(target / "01_gd.ipynb", as_version=4))


def test_the_command_fails_on_an_empty_folder(tmp_path):
    assert hw.main([str(tmp_path), str(tmp_path / "out")]) == 1


# ---------------------------------------------------------------------------------------------
# Execution of every chapter's student version (make test-homework)
# ---------------------------------------------------------------------------------------------

NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
# Numbered chapters must each have at least one coding exercise; appendices need not.
NUMBERED_CHAPTER = re.compile(r"^\d\d_")
CELL_TIMEOUT = 900  # seconds; the CPU is shared with other builds and test workers


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _check_names(cells) -> tuple[set[str], set[str]]:
    """Names the notebook imports from lib.checks: functions, and module aliases."""
    functions, modules = set(), {"lib.checks"}
    for cell in cells:
        try:
            tree = ast.parse(cell.source) if cell.cell_type == "code" else ast.Module([], [])
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "lib.checks":
                modules.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib.checks."):
                functions.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("lib.checks") and alias.asname:
                        modules.add(alias.asname)
    return functions, modules


def _check_calls(source: str, functions: set[str], modules: set[str]) -> list[ast.Call]:
    """The calls in ``source`` of a function from lib.checks."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in functions or any(name.startswith(m + ".") for m in modules):
                calls.append(node)
    return calls


def _defined_names(source: str) -> set[str]:
    tree = ast.parse(source)
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _output_text(cell) -> str:
    text = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            text.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            text.append(str(out.get("data", {}).get("text/plain", "")))
        elif out.output_type == "error":
            text.append(f"{out.ename}: {out.evalue}")
    return "".join(text)


def _head(source: str, lines: int = 3) -> str:
    return "\n".join(source.strip().splitlines()[:lines])


def _execute(nb, cwd: Path) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT, allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()


def _student_problems(student, name: str) -> list[str]:
    """What is wrong with an executed student notebook (nothing, for a good one)."""
    problems = [f"cell {i} raised {out.ename}: {out.evalue}\n{_head(c.source)}"
                for i, c in enumerate(student.cells) if c.cell_type == "code"
                for out in c.outputs if out.output_type == "error"]
    if problems:
        problems.insert(0, f"the student version of {name} does not run with the stubs in place "
                           "(does a cell after an exercise use the student's function?)")
    stub_cells = [i for i, c in enumerate(student.cells)
                  if c.cell_type == "code" and hw.STUB in c.source]
    functions, modules = _check_names(student.cells)
    stubbed = set().union(*(_defined_names(student.cells[i].source) for i in stub_cells))
    code_cells = [i for i, c in enumerate(student.cells) if c.cell_type == "code"]
    # Every stub is followed by a check of it ...
    for i in stub_cells:
        following = code_cells[code_cells.index(i) + 1:][:1]
        if not (following and _check_calls(student.cells[following[0]].source, functions, modules)):
            problems.append(f"the exercise stub in cell {i} ({_head(student.cells[i].source, 1)}) "
                            "is not followed by a check cell calling lib.checks")
    # ... and every check of a stubbed function says "not attempted" (a check of the chapter's
    # own demonstration code, such as a deliberately broken optimizer, may say anything).
    for i in code_cells:
        cell = student.cells[i]
        for call in _check_calls(cell.source, functions, modules):
            arguments = {n.id for a in call.args + [k.value for k in call.keywords]
                         for n in ast.walk(a) if isinstance(n, ast.Name)}
            if arguments & stubbed and "not attempted" not in _output_text(cell):
                problems.append(f"cell {i}: the check of a stub did not report 'not attempted'"
                                f"\n{_head(cell.source)}\noutput: {_output_text(cell)!r}")
    return problems


@pytest.mark.homework
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_notebook_runs_and_every_check_says_not_attempted(path, tmp_path):
    student = hw.student_version(nbformat.read(path, as_version=4))
    stubs = sum(hw.STUB in c.source for c in student.cells if c.cell_type == "code")
    if NUMBERED_CHAPTER.match(path.name):
        assert stubs, (f"{path.name} has no coding exercise: no code cell has "
                       f"'{hw.BEGIN}' / '{hw.END}' markers, so its homework version asks "
                       "the student to write nothing. Every chapter needs at least one.")
    # Run like the book does: in the chapters folder, so relative paths resolve the same way.
    _execute(student, CHAPTERS)
    nbformat.write(student, tmp_path / path.name)  # kept for inspection when the test fails
    problems = _student_problems(student, path.name)
    assert not problems, f"{path.name}:\n" + "\n\n".join(problems)


@pytest.mark.homework
def test_the_execution_check_catches_a_cell_that_uses_the_students_function(tmp_path):
    cells = _coding_exercise_cells()
    cells.append(new_code_cell("print(gd_step(1.0, 2.0, 0.1))"))  # runs the stub: crashes
    cells.append(new_markdown_cell(_exercise("gd-ex-two", "Write `two_steps`.")))
    cells.append(new_code_cell("def two_steps(theta):\n    ### BEGIN SOLUTION\n"
                               "    return theta\n    ### END SOLUTION"))  # and no check after it
    student = hw.student_version(_chapter(*cells))
    _execute(student, REPO)
    problems = "\n".join(_student_problems(student, "synthetic.ipynb"))
    assert "raised NotImplementedError" in problems and "print(gd_step(1.0, 2.0, 0.1))" in problems
    assert "def two_steps(theta):" in problems and "not followed by a check cell" in problems
    assert "check of a stub did not report" not in problems  # check_gd_step said "not attempted"
