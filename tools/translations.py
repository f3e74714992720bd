"""The book's translations: extract the English messages, update the catalogs, and check them.

    python tools/translations.py update        # after an English edit (`make translations`)
    python tools/translations.py check         # what the tests check; exit 1 on any problem
    python tools/translations.py status        # messages per page: translated, to do
    python tools/translations.py export chapters/05_momentum > todo.txt   # to translate
    python tools/translations.py import todo.txt                          # back into the .po

The catalogs live in ``locale/<lang>/LC_MESSAGES/<page>.po``, one per page (Sphinx's gettext
builder on the notebooks' markdown; code and outputs are never extracted, so code and computed
numbers stay single-source). ``update`` runs that builder (without executing anything) and
``sphinx-intl update``: a new English message arrives untranslated, a changed one arrives
*fuzzy* with the old translation as a starting point, and both are listed. ``check`` fails on an
untranslated or fuzzy message, a catalog that is not up to date with the English text, and a
translation that lost markup its source has (see :func:`markup_problems`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale"
LANGUAGES = ("zh_TW",)

# Markup a translation must keep exactly as in its source (a translated link text is fine, a
# lost or changed target is not): glued numbers, math, inline code, cross-reference targets,
# and web addresses.
_GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`]+`")
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?\$")
_CODE = re.compile(r"(?<![`}])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_XREF = re.compile(r"\{(doc|ref|numref|eq|term|download|exercise|solution|prf:ref)\}`([^`]+)`")
_URL = re.compile(r"https?://[^\s)>\]]+")


def _without_words(math: str) -> str:
    """``math`` with the words of every ``\\text{...}`` taken out: the only part of a formula a
    translation translates."""
    out, i = [], 0
    while (start := math.find("\\text{", i)) != -1:
        out.append(math[i:start] + "\\text{")
        depth, j = 1, start + len("\\text{")
        while j < len(math) and depth:
            depth += {"{": 1, "}": -1}.get(math[j], 0)
            j += 1
        out.append("}")
        i = j
    out.append(math[i:])
    return "".join(out)


def is_math_block(message: str) -> bool:
    """A display-math block (only those with words in them are extracted, see
    _ext/book_i18n.py): Sphinx's message for one starts with a line break, a paragraph's never
    does."""
    return message.startswith("\n")


# Mainland forms a Taiwanese reader stumbles on (locale/zh_TW/glossary.md gives the Taiwan form
# of each). Text in 「」 is exempt: a quotation keeps its author's words (the article was
# converted from Simplified Chinese and writes 數據, 算法).
MAINLAND_FORMS = {
    "zh_TW": ("數據", "(?<!演)算法", "信息", "網絡", "默認", "內存", "帶寬", "線程", "進程",
              "視頻", "軟件", "硬件", "方差", "噪聲", "矢量", "編程", "代碼", "回調",
              "緩存", "分布式", "鏈式法則", "最小二乘", "上下文管理器", "運算符", "溢出"),
}
_QUOTED = re.compile(r"「[^「」]*(?:『[^』]*』[^「」]*)*」")


def usage_problems(translation: str, language: str) -> list[str]:
    """The mainland forms in ``translation`` (outside quotations)."""
    text = _QUOTED.sub(" ", translation)
    return [f"mainland form {m.group(0)!r}" for form in MAINLAND_FORMS.get(language, ())
            for m in re.finditer(form, text)]


def _xref_target(content: str) -> str:
    match = re.search(r"<([^<>]+)>\s*$", content)
    return match.group(1) if match else content


def markup(text: str) -> Counter:
    """The markup of a message that its translation must keep, as a multiset of strings."""
    found: Counter = Counter()
    rest = text
    for pattern, kind in ((_GLUE, "glue"), (_DISPLAY_MATH, "math"), (_INLINE_MATH, "math")):
        found.update(f"{kind} {_without_words(m.group(0))}" for m in pattern.finditer(rest))
        rest = pattern.sub(" ", rest)
    for m in _XREF.finditer(rest):
        found[f"{m.group(1)} -> {_xref_target(m.group(2))}"] += 1
    rest = _XREF.sub(" ", rest)
    found.update(f"code {m.group(2)}" for m in _CODE.finditer(rest))
    rest = _CODE.sub(" ", rest)
    found.update(f"url {m.group(0)}" for m in _URL.finditer(rest))
    return found


def markup_problems(source: str, translation: str) -> list[str]:
    """What ``translation`` lost or added against ``source``: glue references, math (but the
    words in its ``\\text{...}``), inline code, cross-reference targets and web addresses must
    be the same, as many times."""
    if is_math_block(source):
        if _without_words(source.strip()) != _without_words(translation.strip()):
            return ["changed the formula (only the words in \\text{...} are translated)"]
        return []
    want, got = markup(source), markup(translation)
    problems = [f"lost {item!r}" for item in sorted(want - got)]
    problems += [f"added {item!r}" for item in sorted(got - want)]
    return problems


@dataclass
class CatalogReport:
    page: str
    messages: int = 0
    words: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    markup: list[tuple[str, list[str]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the English text, not in the catalog
    obsolete: list[str] = field(default_factory=list)  # in the catalog, gone from the English

    @property
    def problems(self) -> int:
        return (len(self.untranslated) + len(self.fuzzy) + len(self.markup)
                + len(self.missing))


def _read_catalog(path: Path, language: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale=language)


def extract(pot_dir: Path) -> Path:
    """The English messages of every page, as ``.pot`` files in ``pot_dir`` (Sphinx's gettext
    builder, notebooks not executed)."""
    script = (
        "import sys; from pathlib import Path; from jupyter_book.sphinx import build_sphinx;"
        "root, out = Path(sys.argv[1]), Path(sys.argv[2]);"
        "status = build_sphinx(root, out, noconfig=True, path_config=str(root / '_config.yml'),"
        " confoverrides={'nb_execution_mode': 'off', 'latex_individualpages': False},"
        " builder='gettext', doctreedir=out / '.doctrees', really_quiet=True,"
        " force_all=True, freshenv=True);"
        "sys.exit(0 if status == 0 else 1)"
    )
    # a gettext build warns that glue keys are missing (nothing is executed); those warnings
    # say nothing about the text, so they are not shown
    # (a fixed date keeps the catalogs' headers from changing at every update)
    env = {"PYTHONPATH": str(ROOT / "_ext"), "SOURCE_DATE_EPOCH": "1767225600"}
    import os

    result = subprocess.run([sys.executable, "-c", script, str(ROOT), str(pot_dir)],
                            env={**os.environ, **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"gettext extraction failed:\n{result.stdout}\n{result.stderr}")
    _add_figure_descriptions(pot_dir)
    return pot_dir


def figure_descriptions(notebook: Path) -> list[str]:
    """The alt texts of a notebook's figures (code-cell metadata ``mystnb.image.alt``)."""
    import json

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [alt for cell in cells if cell["cell_type"] == "code"
            if (alt := cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt"))]


def _add_figure_descriptions(pot_dir: Path) -> None:
    """Add every figure's alt text to its page's messages. The figures exist only in executed
    outputs, which the extraction does not run, but their descriptions are written in the
    notebook; Sphinx translates an image's alt text when the catalog has it."""
    from babel.messages.pofile import write_po

    for page, pot_path in _pot_files(pot_dir).items():
        notebook = ROOT / f"{page}.ipynb"
        if not notebook.is_file():
            continue
        catalog = _read_catalog(pot_path)
        for alt in figure_descriptions(notebook):
            catalog.add(alt, locations=[], auto_comments=["figure description (alt text)"])
        with pot_path.open("wb") as f:
            write_po(f, catalog, width=0)


def _pot_files(pot_dir: Path) -> dict[str, Path]:
    return {p.relative_to(pot_dir).with_suffix("").as_posix(): p
            for p in sorted(pot_dir.rglob("*.pot")) if ".doctrees" not in p.parts}


def report(pot_dir: Path, language: str) -> list[CatalogReport]:
    """Compare the catalogs of ``language`` with the English messages in ``pot_dir``."""
    reports = []
    po_dir = LOCALE / language / "LC_MESSAGES"
    pages = _pot_files(pot_dir)
    po_pages = {p.relative_to(po_dir).with_suffix("").as_posix()
                for p in po_dir.rglob("*.po")} if po_dir.is_dir() else set()
    for page in sorted(set(pages) | po_pages):
        rep = CatalogReport(page)
        reports.append(rep)
        english = ([m.id for m in _read_catalog(pages[page]) if m.id]
                   if page in pages else [])
        rep.messages = len(english)
        rep.words = sum(len(m.split()) for m in english)
        po_path = po_dir / f"{page}.po"
        catalog = _read_catalog(po_path, language) if po_path.is_file() else None
        translated = {m.id: m for m in catalog if m.id} if catalog is not None else {}
        for msgid in english:
            message = translated.get(msgid)
            if message is None:
                rep.missing.append(msgid)
            elif not message.string:
                rep.untranslated.append(msgid)
            elif message.fuzzy:
                rep.fuzzy.append(msgid)
            else:
                problems = (markup_problems(msgid, message.string)
                            + usage_problems(message.string, language))
                if problems:
                    rep.markup.append((msgid, problems))
        rep.obsolete = sorted(set(translated) - set(english))
    return reports


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_report(reports: list[CatalogReport], language: str, details: bool) -> None:
    print(f"{language}: {'page':<36} {'messages':>8} {'words':>6} {'to do':>6}")
    for rep in reports:
        print(f"{'':{len(language) + 2}}{rep.page:<36} {rep.messages:>8} {rep.words:>6} "
              f"{rep.problems:>6}")
    total = sum(r.messages for r in reports)
    words = sum(r.words for r in reports)
    todo = sum(r.problems for r in reports)
    print(f"{'':{len(language) + 2}}{'total':<36} {total:>8} {words:>6} {todo:>6}")
    if not details:
        return
    for rep in reports:
        for kind, items in (("missing from the catalog", rep.missing),
                            ("untranslated", rep.untranslated), ("fuzzy", rep.fuzzy)):
            for msgid in items:
                print(f"  {rep.page}: {kind}: {_short(msgid)}")
        for msgid, problems in rep.markup:
            print(f"  {rep.page}: markup: {_short(msgid, 60)}: {'; '.join(problems)}")


def update(pot_dir: Path, language: str, pages: list[str] | None = None) -> None:
    """Bring the catalogs of ``language`` (or only those of ``pages``) up to date with the
    English messages."""
    if pages:
        only = pot_dir.parent / "only"
        for page in pages:
            source = pot_dir / f"{page}.pot"
            if not source.is_file():
                raise SystemExit(f"no page {page!r} in the book")
            (only / source.relative_to(pot_dir)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, only / source.relative_to(pot_dir))
        pot_dir = only
    subprocess.run([sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot_dir),
                    "-d", str(LOCALE), "-l", language, "-w", "0", "--no-obsolete"], check=True,
                   stdout=subprocess.DEVNULL)
    if pages:
        return
    # a catalog whose page left the book is removed, not kept translated for nothing
    po_dir = LOCALE / language / "LC_MESSAGES"
    pages = set(_pot_files(pot_dir))
    for po_path in po_dir.rglob("*.po"):
        if po_path.relative_to(po_dir).with_suffix("").as_posix() not in pages:
            po_path.unlink()


# The exchange format of `export` and `import`: one block per message, raw text (no escaping,
# so LaTeX reads as in the notebook). The English part may be left out of an imported file.
#
#   ### chapters/05_momentum 12
#   <English message>
#   ===
#   <translation>
_BLOCK = re.compile(r"^### (\S+) (\d+)\n(.*?)(?:^===\n(.*?))?(?=^### |\Z)", re.M | re.S)


def _catalog_path(page: str, language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{page}.po"


def export(page: str, language: str, everything: bool = False) -> str:
    """The messages of ``page`` still to translate (or all, with ``everything``) as blocks."""
    catalog = _read_catalog(_catalog_path(page, language), language)
    blocks = []
    for index, message in enumerate(m for m in catalog if m.id):
        if everything or not message.string or message.fuzzy:
            blocks.append(f"### {page} {index}\n{message.id}\n===\n"
                          f"{message.string if everything or message.fuzzy else ''}\n")
    return "\n".join(blocks)


def import_translations(text: str, language: str) -> list[str]:
    """Write the translations of an exported file into the catalogs (a fuzzy message becomes
    translated); return the problems found (a translation that lost markup is still written,
    so it can be fixed in place)."""
    from babel.messages.pofile import write_po

    problems, by_page = [], {}
    for match in _BLOCK.finditer(text):
        page, index, english, translation = match.groups()
        if translation is None:  # no "===": the block holds only the translation
            english, translation = None, match.group(3)
        by_page.setdefault(page, []).append((int(index), english, translation.strip("\n")))
    import fcntl

    for page, entries in by_page.items():
        path = _catalog_path(page, language)
        # two translators may import into one catalog at the same moment
        lock = path.with_suffix(".lock").open("w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        catalog = _read_catalog(path, language)
        messages = [m for m in catalog if m.id]
        for index, english, translation in entries:
            message = messages[index]
            if english is not None and english.strip("\n") != message.id.strip("\n"):
                problems.append(f"{page} {index}: the English text is not the catalog's: "
                                f"{_short(english)}")
                continue
            if not translation.strip():
                continue
            # the message's own leading and trailing line breaks are kept
            message.string = (message.id[: len(message.id) - len(message.id.lstrip("\n"))]
                              + translation.strip("\n")
                              + message.id[len(message.id.rstrip("\n")):])
            message.flags.discard("fuzzy")
            problems += [f"{page} {index}: {p}" for p in markup_problems(message.id, translation)
                         + usage_problems(translation, language)]
        with path.open("wb") as f:
            write_po(f, catalog, width=0, omit_header=False)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        path.with_suffix(".lock").unlink(missing_ok=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("update", "check", "status", "export", "import"))
    parser.add_argument("target", nargs="?",
                        help="export: the page (chapters/05_momentum); import: the file")
    parser.add_argument("--all", action="store_true", help="export: translated messages too")
    parser.add_argument("--page", action="append", dest="pages",
                        help="update: only this page's catalog (repeatable)")
    parser.add_argument("--language", choices=LANGUAGES, default=LANGUAGES[0])
    parser.add_argument("--pot-dir", type=Path,
                        help="use these .pot files instead of extracting them again")
    args = parser.parse_args(argv)
    if args.command == "export":
        print(export(args.target, args.language, args.all))
        return 0
    if args.command == "import":
        problems = import_translations(Path(args.target).read_text(encoding="utf-8"),
                                       args.language)
        print("\n".join(problems) or "imported; no markup problems")
        return 1 if problems else 0
    with tempfile.TemporaryDirectory() as tmp:
        pot_dir = args.pot_dir or extract(Path(tmp) / "gettext")
        if args.command == "update":
            update(pot_dir, args.language, args.pages)
        reports = report(pot_dir, args.language)
    print_report(reports, args.language, details=True)
    todo = sum(r.problems for r in reports)
    if args.command == "update":
        print(f"{todo} message(s) to translate or review in locale/{args.language}/"
              if todo else "Every message is translated.")
        return 0
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
