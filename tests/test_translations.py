"""The translated editions cannot go stale silently: every English message of every page has a
reviewed translation that keeps the source's markup (tools/translations.py, _ext/book_i18n.py).
The Chinese edition's warnings-as-errors build is `make test-book`; the rendered pages are
checked in tests/test_browser.py."""

import re
from pathlib import Path

import pytest
from book_env import load_script

ROOT = Path(__file__).resolve().parents[1]


translations = load_script("tools/translations.py")
book_i18n = load_script("_ext/book_i18n.py")


@pytest.fixture(scope="module")
def english_messages(tmp_path_factory):
    """Every page's English messages, extracted as `make translations` does."""
    return translations.extract(tmp_path_factory.mktemp("gettext") / "gettext")


@pytest.mark.parametrize("language", translations.LANGUAGES)
def test_every_english_message_has_a_reviewed_translation_with_its_markup(
        english_messages, language):
    reports = translations.report(english_messages, language)
    pages = {r.page for r in reports}
    assert {"intro", "chapters/01_gradient_descent", "chapters/10_data_parallel"} <= pages
    assert sum(r.messages for r in reports) > 1000
    problems = [f"{r.page}: {kind}: {translations._short(str(item), 120)}"
                for r in reports
                for kind, items in (("not in the catalog (run `make translations`)", r.missing),
                                    ("untranslated", r.untranslated), ("fuzzy", r.fuzzy),
                                    ("markup or usage", r.markup))
                for item in items]
    assert not problems, f"{len(problems)} message(s) to fix:\n" + "\n".join(problems[:40])


def test_every_page_of_the_book_has_a_catalog():
    toc = (ROOT / "_toc.yml").read_text()
    pages = set(re.findall(r"file: (\S+)", toc)) | {"intro"}
    for language in translations.LANGUAGES:
        catalogs = ROOT / "locale" / language / "LC_MESSAGES"
        missing = [p for p in sorted(pages) if not (catalogs / f"{p}.po").is_file()]
        assert not missing, f"{language}: no catalog for {missing}"


@pytest.mark.parametrize("source, translation, lost", [
    ("it took {glue:text}`gd_steps:d` steps", "走了很多步", "glue {glue:text}`gd_steps:d`"),
    ("the rate $\\eta < 2/L$ works", "學習率 $\\eta < 1/L$ 可行", "math $\\eta < 2/L$"),
    ("call `lib.optim.Adam(lr)` here", "在這裡呼叫 Adam", "code lib.optim.Adam(lr)"),
    ("see {doc}`the SGD chapter <03_sgd>`", "見 {doc}`那一章 <02_batch_gd>`", "doc -> 03_sgd"),
    ("as {ref}`shown <mom-stability>`", "如前所示", "ref -> mom-stability"),
    ("from https://example.org/a", "來自範例網站", "url https://example.org/a"),
])
def test_a_translation_that_loses_markup_is_reported(source, translation, lost):
    problems = translations.markup_problems(source, translation)
    assert any(repr(lost) in p and p.startswith("lost") for p in problems), problems


def test_a_translated_link_text_glue_and_math_words_are_accepted():
    source = ("See {doc}`the SGD chapter <03_sgd>`: {glue:text}`sgd_steps:d` steps, "
              "$a_{\\text{fast}}$ and `lib.optim.GD`.")
    translation = ("見{doc}`隨機梯度下降那一章 <03_sgd>`：{glue:text}`sgd_steps:d` 步，"
                   "$a_{\\text{快}}$ 與 `lib.optim.GD`。")
    assert translations.markup_problems(source, translation) == []


def test_a_math_block_translation_may_change_only_the_words_in_text():
    block = "\n\\sum_{j \\text{ drawn}} g_j \\quad \\text{(unbiased)}\n"
    assert translations.markup_problems(block, "\\sum_{j \\text{ 已抽出}} g_j \\quad "
                                               "\\text{（不偏）}") == []
    changed = translations.markup_problems(block, "\\sum_{i \\text{ 已抽出}} g_i")
    assert changed and "formula" in changed[0]


def test_mainland_forms_are_reported_outside_quotations():
    assert translations.usage_problems("這些數據用算法處理", "zh_TW") == [
        "mainland form '數據'", "mainland form '算法'"]
    assert translations.usage_problems("演算法處理資料；文章說「當前樣本的數據」", "zh_TW") == []


def test_glue_references_in_translated_text_name_their_page():
    text = "共 {glue:text}`sgd_steps` 步，誤差 {glue:text}`sgd_gap:.2e`，見 {glue:text}`/x.ipynb::k:d`"
    assert book_i18n.cross_document_glue(text, "chapters/03_sgd") == (
        "共 {glue:text}`/chapters/03_sgd.ipynb::sgd_steps:s` 步，"
        "誤差 {glue:text}`/chapters/03_sgd.ipynb::sgd_gap:.2e`，見 {glue:text}`/x.ipynb::k:d`")


@pytest.mark.parametrize("page, language, expected", [
    ("intro", "en", ("繁體中文", "zh_TW/intro.html")),
    ("chapters/05_momentum", "en", ("繁體中文", "../zh_TW/chapters/05_momentum.html")),
    ("intro", "zh_TW", ("English", "../intro.html")),
    ("chapters/05_momentum", "zh_TW", ("English", "../../chapters/05_momentum.html")),
])
def test_every_page_links_to_the_same_page_in_the_other_edition(page, language, expected):
    assert book_i18n.edition_link(page, language) == expected


def test_export_and_import_round_trip_a_translation(tmp_path, monkeypatch):
    catalogs = tmp_path / "zh_TW" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    (catalogs / "page.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "The learning rate $\\\\eta$"\nmsgstr ""\n\n'
        'msgid "\\n\\\\text{step} = \\\\eta g\\n"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(translations, "LOCALE", tmp_path)
    exported = translations.export("page", "zh_TW")
    assert exported.count("### page ") == 2 and "The learning rate $\\eta$" in exported
    filled = exported.replace("$\\eta$\n===\n", "$\\eta$\n===\n學習率 $\\eta$")
    filled = filled.replace("\\text{step} = \\eta g\n\n===\n", "\\text{step} = \\eta g\n\n"
                            "===\n\\text{一步} = \\eta g")
    assert translations.import_translations(filled, "zh_TW") == []
    catalog = {m.id: m.string for m in translations._read_catalog(catalogs / "page.po")
               if m.id}
    assert catalog["The learning rate $\\eta$"] == "學習率 $\\eta$"
    # a math block keeps its own line breaks, so it stays a math block when translated
    assert catalog["\n\\text{step} = \\eta g\n"] == "\n\\text{一步} = \\eta g\n"
    assert translations.import_translations("### page 0\n學習率 $\\mu$\n", "zh_TW") == [
        "page 0: lost 'math $\\\\eta$'", "page 0: added 'math $\\\\mu$'"]


def test_the_glossary_keeps_the_articles_terms_and_gives_taiwan_usage():
    glossary = (ROOT / "locale" / "zh_TW" / "glossary.md").read_text(encoding="utf-8")
    for term in ("梯度下降", "隨機梯度下降", "小批量", "動量", "學習率", "批量梯度下降"):
        assert f"| {term}" in glossary, term
    # the article's conversions from Simplified Chinese, next to the Taiwan term the book uses
    for article, taiwan in (("算法", "演算法"), ("數據", "資料"), ("優化", "最佳化")):
        row = next(line for line in glossary.splitlines() if line.startswith(f"| ") and
                   f"| {taiwan}" in line and article in line)
        assert "文章" in row
    rows = [line for line in glossary.splitlines() if re.match(r"\| [A-Za-z(]", line)]
    assert len(rows) > 150


def test_notebooks_hide_only_inputs_as_the_translated_toggle_labels_say():
    # _ext/book_i18n.py translates myst-nb's "Show code cell {type}" as 顯示程式碼
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        assert '"hide-output"' not in text and '"hide-cell"' not in text, notebook.name


def test_a_spread_over_seeds_glued_as_a_phrase_is_reworded_with_the_same_numbers():
    from lib.measure import over_seeds

    phrase = over_seeds(lambda seed: 0.1 * (seed + 1), seeds=(0, 1, 2)).describe(".3f")
    pattern, replacement = book_i18n.EDITIONS["zh_TW"]["glued_text"][0]
    chinese = re.sub(pattern, replacement, phrase)
    assert chinese != phrase and not re.search("[A-Za-z]", chinese), (phrase, chinese)
    assert re.findall(r"\d+\.\d+", chinese) == ["0.200", "0.100", "0.300"]


def test_no_page_glues_markdown_that_the_translation_could_not_reach():
    # {glue:md} has no cross-document form, so translated text cannot carry it, and the
    # markdown it pastes (a table's headers and labels) is never extracted
    for page in sorted((ROOT / "chapters").glob("*.ipynb")) + [ROOT / "intro.md"]:
        assert "{glue:md}" not in page.read_text(encoding="utf-8"), page.name
