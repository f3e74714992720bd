"""Every chapter keeps the conventions a reader relies on (tools/lint_notebooks.py)."""

from pathlib import Path

import pytest
from book_env import load_script

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
lint_notebooks = load_script("tools/lint_notebooks.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_is_stored_clean_with_visible_imports_and_short_lines(path):
    problems, _ = lint_notebooks.lint(path)
    assert not problems, "\n".join(problems)


def test_the_linter_flags_outputs_long_lines_and_hidden_imports(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("x = np.zeros(3)  " + "#" * 80),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    problems, facts = lint_notebooks.lint(path)
    text = "\n".join(problems)
    assert "stored outputs" in text and "characters" in text
    assert "'np', imported only in a hidden cell" in text
    assert facts == {"long_lines": 1, "imports_first": False}


def test_every_chapter_installs_lib_when_it_is_opened_outside_the_book():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, str(ROOT / "tools/bootstrap_cells.py"), "--check",
                          *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_install_cell_takes_the_books_address_from_the_config(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import bootstrap_cells
    finally:
        sys.path.pop(0)
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/Some-Owner/some-book\n")
    assert bootstrap_cells.site_url(config) == "https://some-owner.github.io/some-book/"
    assert bootstrap_cells.site_url() in bootstrap_cells.cell_source()
    config.write_text("repository:\n  url: https://example.org/book\n")
    with pytest.raises(ValueError, match="github.com"):
        bootstrap_cells.site_url(config)
