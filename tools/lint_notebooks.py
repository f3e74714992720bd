"""Check the notebook conventions a reader relies on, without executing anything.

    python tools/lint_notebooks.py chapters/*.ipynb      # prints problems; exit 1 if any

For each notebook:
- stored without outputs or execution counts;
- every visible code line (cells the page shows, folded ones included) at most 88 characters;
- the first visible code cell holds imports, and every name a visible cell uses that some cell
  imports is imported by a visible cell, so code copied from the page runs;
- the environment cell (TensorFlow's log settings) comes before any framework import.

``--report`` prints one line per notebook: visible code lines over 88 characters, whether the
first visible code cell holds the imports, and the number of problems.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

MAX_LINE = 88
HIDDEN_TAGS = {"remove-cell", "remove-input"}
FRAMEWORKS = ("tensorflow", "keras", "torch")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _visible(cell) -> bool:
    return not (set(cell.get("metadata", {}).get("tags", [])) & HIDDEN_TAGS)


def _parse(src: str):
    # IPython magics and shell escapes are not Python: blank them before parsing
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _imported_names(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names if a.name != "*"}
    return names


def _used_names(tree) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}


def _imports_frameworks(tree) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in FRAMEWORKS
                                                for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FRAMEWORKS:
            return True
    return False


def lint(path: Path) -> tuple[list[str], dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    long_lines = 0
    visible_imports: set[str] = set()
    hidden_imports: set[str] = set()
    visible_uses: dict[str, int] = {}
    first_visible_has_imports = None
    env_set = False
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"cell {i}: stored outputs or execution count (strip them)")
        src = _source(cell)
        tree = _parse(src)
        if tree is None:
            problems.append(f"cell {i}: does not parse as Python")
            continue
        if "TF_CPP_MIN_LOG_LEVEL" in src:
            env_set = True
        if _imports_frameworks(tree) and not env_set:
            problems.append(f"cell {i}: imports a framework before TF_CPP_MIN_LOG_LEVEL is set")
        if _visible(cell):
            for n, line in enumerate(src.splitlines(), 1):
                if len(line) > MAX_LINE:
                    long_lines += 1
                    problems.append(f"cell {i} line {n}: {len(line)} characters (max {MAX_LINE})")
            if first_visible_has_imports is None:
                first_visible_has_imports = bool(_imported_names(tree))
                if not first_visible_has_imports:
                    problems.append(f"cell {i}: the first visible code cell has no imports")
            visible_imports |= _imported_names(tree)
            for name in _used_names(tree):
                visible_uses.setdefault(name, i)
        else:
            hidden_imports |= _imported_names(tree)
    for name in sorted((hidden_imports - visible_imports) & set(visible_uses)):
        problems.append(f"cell {visible_uses[name]}: uses {name!r}, imported only in a hidden cell")
    return problems, {"long_lines": long_lines,
                      "imports_first": bool(first_visible_has_imports)}


def main(argv: list[str]) -> int:
    report = "--report" in argv
    paths = [Path(a) for a in argv if a != "--report"]
    if not paths:
        print(__doc__)
        return 2
    failed = False
    for path in paths:
        problems, facts = lint(path)
        failed |= bool(problems)
        if report:
            print(f"{path}: visible lines over {MAX_LINE}: {facts['long_lines']}; "
                  f"first visible code cell holds the imports: "
                  f"{'yes' if facts['imports_first'] else 'no'}; problems: {len(problems)}")
        for p in problems:
            print(f"{path}: {p}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
