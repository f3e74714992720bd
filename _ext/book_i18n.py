"""The book in more than one language, from one source (Sphinx gettext catalogs).

The English edition is built at ``_build/html/``; each translation (``locale/<lang>/``) is built
from the same executed notebooks into ``_build/html/<lang>/`` by ``tools/build_editions.py``.
This extension does what the catalogs alone cannot:

- **Glue references in translated text.** A translated paragraph is parsed as a document of its
  own, so a same-notebook ``{glue:text}`key` `` finds no glue data there and renders empty. The
  catalogs keep the source's form (translators copy it unchanged, and the catalog test compares
  them); before the build reads them they are copied to the doctree folder with each reference
  written in the cross-document form ``/chapters/05_momentum.ipynb::key:fmt``, which resolves
  after every page has been read. (With no format, myst-nb uses ``s``: the same text.)
- **Formulas are not messages.** Sphinx extracts a display-math block as a message of its own;
  formulas are the same in every language, so a block is left out of the catalogs, unless it
  has words in it (``\\text{...}``, which the translation translates and nothing else:
  ``tools/translations.py check``).
- **Exercise titles.** sphinx-exercise parses an exercise's title with no source position, and
  Sphinx only extracts text with one: the titles would stay English. The directive is wrapped so
  the title carries its position and its MyST source, and is extracted and translated like a
  paragraph.
- **A link to the same page in the other edition**, on every page.
- **The edition's title, search-box text and code-cell toggles**, from :data:`EDITIONS`; so are
  the glued values that are phrases built by code (a spread over seeds), put in the edition's
  words with their numbers untouched.
- **The labels the theme and sphinx-exercise ship no Traditional Chinese for** ("Exercise",
  "Back to top"): ``_ext/locale/<lang>/LC_MESSAGES/<domain>.po``.
- **The table of contents' part captions**, which sphinx-external-toc inserts after Sphinx
  translated the root page.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from docutils import nodes
from sphinx.transforms import SphinxTransform
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent

# The editions the book is built in: the source language first. ``folder`` is where an edition
# lives below the English one; ``title`` and ``search`` replace _config.yml's English texts.
EDITIONS = {
    "en": {"label": "English", "folder": "", "title": None, "search": None},
    "zh_TW": {
        "label": "繁體中文",
        "folder": "zh_TW",
        "title": "梯度下降：從谷底走起",
        "search": "搜尋本書…",
        # myst-nb's toggle of a hidden cell ("Show code cell {type}"); the book hides only
        # inputs (hide-input), so the label names the code
        "config": {"nb_code_prompt_show": "顯示程式碼", "nb_code_prompt_hide": "隱藏程式碼"},
        # glued values that are sentences made by code: the same numbers, in Chinese
        "glued_text": [
            # lib.measure.SeedSpread.describe(): "0.361 (0.322 to 0.428 over 3 seeds)"
            (r"^(\S+) \((\S+) to (\S+) over (\d+) seeds\)$",
             r"\1（\4 個隨機種子的中位數；範圍 \2 至 \3）"),
            # a range glued as one phrase: "0.0021 to 0.0041", "4.4 × 10⁻⁵ to 3.4 × 10⁻⁴"
            (r"^([^ ]+(?: × [^ ]+)?) to ([^ ]+(?: × [^ ]+)?)$", r"\1 至 \2"),
        ],
    },
}
SOURCE_LANGUAGE = "en"

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")


def cross_document_glue(text: str, docname: str) -> str:
    """``text`` with every same-document ``{glue:text}`key[:fmt]` `` of page ``docname``
    written as ``{glue:text}`/docname.ipynb::key:fmt` `` (``s`` when there is no format, which is
    myst-nb's default). References that already name a document are left alone."""

    def rewrite(match: re.Match) -> str:
        content = match.group(1)
        if "::" in content:
            return match.group(0)
        key, _, fmt = content.partition(":")
        return f"{{glue:text}}`/{docname}.ipynb::{key}:{fmt or 's'}`"

    return GLUE_TEXT.sub(rewrite, text)


def prepare_catalogs(locale_dir: Path, language: str, target: Path) -> Path:
    """Copy the ``language`` catalogs of ``locale_dir`` to ``target`` (a locale folder Sphinx
    then compiles and reads), with glue references in the cross-document form. Only the
    notebook pages need it; a catalog is rewritten only when its source changed."""
    source = locale_dir / language / "LC_MESSAGES"
    dest = target / language / "LC_MESSAGES"
    for po_path in sorted(source.rglob("*.po")):
        docname = po_path.relative_to(source).with_suffix("").as_posix()
        out = dest / po_path.relative_to(source)
        if out.exists() and out.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
        for message in catalog:
            if message.id and isinstance(message.string, str) and message.string:
                message.string = cross_document_glue(message.string, docname)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as f:
            write_po(f, catalog, width=0)
    return target


def _compile_extension_catalogs(language: str, target: Path) -> list[str]:
    """Compile ``_ext/locale/<language>/LC_MESSAGES/<domain>.po`` (labels of the extensions
    and the theme that ship no such translation) into ``target``; return their domains."""
    domains = []
    for po_path in sorted((HERE / "locale" / language / "LC_MESSAGES").glob("*.po")):
        mo_path = target / language / "LC_MESSAGES" / f"{po_path.stem}.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
        domains.append(po_path.stem)
    return domains


class UntranslatableMathBlocks(SphinxTransform):
    """Display math without words is copied to every edition as it is: not extracted, not
    translated. (Runs before Sphinx's Locale transform, priority 20, and the gettext builder's
    extraction.)"""

    default_priority = 10

    def apply(self, **kwargs) -> None:
        for node in self.document.findall(nodes.math_block):
            if "\\text" not in node.astext():
                node["translatable"] = False


def _page_catalog(transform: SphinxTransform):
    """The translated edition's catalog of the page being read, or None."""
    language = transform.config.language or SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE or transform.app.builder.name == "gettext":
        return None
    from os import path

    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    domain = docname_to_domain(transform.env.docname, transform.config.gettext_compact)
    dirs = [path.join(transform.env.srcdir, d) for d in transform.config.locale_dirs]
    catalog, has_catalog = init_locale(dirs, language, domain)
    return catalog if has_catalog else None


class TranslatedMathBlocks(SphinxTransform):
    """Display math with words in it (``\\text{...}``) is translated here, before Sphinx's
    Locale transform (priority 20): Locale re-parses a literal-type node's translation as
    ``'::\\n\\n' + indented text``, which the MyST parser reads as a paragraph ``::``, so the
    formula would render as ``\\[::\\]``. The node gets the catalog's text directly and is
    then marked untranslatable, so Locale leaves it alone."""

    default_priority = 15

    def apply(self, **kwargs) -> None:
        catalog = _page_catalog(self)
        if catalog is None:
            return
        for node in self.document.findall(nodes.math_block):
            if not node.get("translatable", True):
                continue
            msg = node.rawsource or node.astext()
            msgstr = catalog.gettext(msg)
            if msgstr and msgstr != msg:
                node.children = [nodes.Text(msgstr)]
                node.rawsource = msgstr
            node["translatable"] = False


class TranslatedTocCaptions(SphinxTransform):
    """The table of contents' part captions ("Optimizers with memory"): sphinx-external-toc
    inserts the toctrees after Sphinx has translated the page (its transform has priority
    100, Locale 20), so the captions, extracted into the root page's catalog, are translated
    here, before the toctrees are collected for the sidebar (priority 880)."""

    default_priority = 101

    def apply(self, **kwargs) -> None:
        catalog = _page_catalog(self)
        if catalog is None:
            return
        from sphinx import addnodes

        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if caption and catalog.gettext(caption) != caption:
                toctree["caption"] = toctree["rawcaption"] = catalog.gettext(caption)


def _use_extension_catalogs(language: str, target: Path) -> None:
    """Put the book's catalogs for the extensions' and the theme's labels in front of theirs.
    (Registered with ``add_message_catalog`` they would come after the theme's, and gettext
    falls back from zh_TW to pydata-sphinx-theme's Simplified ``zh``.)"""
    import gettext

    from sphinx import locale

    for domain in _compile_extension_catalogs(language, target):
        ours = gettext.translation(domain, localedir=str(target), languages=[language])
        first = locale.translators.get(("general", domain))
        if first is None or type(first) is gettext.NullTranslations:
            locale.translators[("general", domain)] = ours
        else:
            # right after the first catalog (Sphinx's own, which the HTML templates hold)
            ours._fallback, first._fallback = first._fallback, ours


def _parse_each_translation_once() -> None:
    """Sphinx's Locale transform parses every translated message twice (once to map titles and
    references, once to translate), and a parse through the notebook parser costs a few
    milliseconds: a thousand messages doubled is half the translated edition's build time.
    The second parse of the same text, at the same place, is a copy of the first."""
    from sphinx.transforms import i18n

    if getattr(i18n.publish_msgstr, "_book_i18n", False):
        return
    original = i18n.publish_msgstr
    parsed: dict = {}

    def publish_msgstr(app, source, source_path, source_line, config, settings):
        key = (source, source_path, source_line)
        if key not in parsed:
            if len(parsed) > 10_000:
                parsed.clear()
            parsed[key] = original(app, source, source_path, source_line, config, settings)
        return parsed[key].deepcopy()

    publish_msgstr._book_i18n = True
    i18n.publish_msgstr = publish_msgstr


def _translatable_exercise_titles() -> None:
    from sphinx_exercise import directive as exercise_directive
    from sphinx_exercise.nodes import exercise_subtitle

    for cls in (exercise_directive.ExerciseDirective, exercise_directive.ExerciseStartDirective):
        if getattr(cls.run, "_book_i18n", False):
            continue
        original = cls.run

        def run(self, _original=original):
            result = _original(self)
            if self.arguments:
                source, line = self.state_machine.get_source_and_line(self.lineno)
                for node in result:
                    for subtitle in node.findall(exercise_subtitle):
                        subtitle.rawsource = self.arguments[0]
                        subtitle.source, subtitle.line = source, line
            return result

        run._book_i18n = True
        cls.run = run


def _register_translated_exercises(app, doctree):
    """sphinx-exercise titles a solution from the exercise node it registered while parsing,
    before Sphinx translated the page: register the translated node instead, so "Solution to
    Exercise 3 (title)" carries the translated title."""
    registry = getattr(app.env, "sphinx_exercise_registry", {})
    from sphinx_exercise.nodes import (exercise_enumerable_node, exercise_node,
                                       exercise_subtitle)

    for node in doctree.findall(lambda n: isinstance(n, (exercise_node,
                                                         exercise_enumerable_node))):
        entry = registry.get(node.get("label"))
        if entry is None or entry.get("docname") != app.env.docname:
            continue
        registered = entry["node"]
        translated = list(node.findall(exercise_subtitle))
        for old, new in zip(registered.findall(exercise_subtitle), translated):
            old.children = []
            for child in new.children:
                old += child.deepcopy()


def _adopt_translated_nodes(app, doctree):
    """A translated message's nodes come from a document of their own (Sphinx parses each
    message separately) and keep pointing at it, and through its settings at the whole build
    environment: pickled with the page, that made every translated page's doctree five times
    the English one's, and its build four times as slow. They belong to the page."""
    for node in doctree.findall():
        if getattr(node, "document", None) not in (None, doctree):
            node.document = doctree


def _extract_exercise_titles(app, doctree):
    """The gettext builder collects messages from the final doctree, where sphinx-exercise has
    already merged each title into "Exercise N (title)": collect the titles as read."""
    if app.builder.name != "gettext":
        return
    from sphinx.util.i18n import docname_to_domain
    from sphinx.util.nodes import is_translatable
    from sphinx_exercise.nodes import exercise_subtitle

    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    for subtitle in doctree.findall(exercise_subtitle):
        if is_translatable(subtitle) and subtitle.rawsource:
            if not hasattr(subtitle, "uid"):
                subtitle.uid = ""  # as the gettext builder does for toctree captions
            app.builder.catalogs[domain].add(subtitle.rawsource, subtitle)


def edition_link(pagename: str, language: str) -> tuple[str, str]:
    """The (label, relative URL) of page ``pagename`` in the other edition, as linked from
    the ``language`` edition."""
    to_root = "../" * pagename.count("/")
    if language == SOURCE_LANGUAGE:
        other = next(lang for lang in EDITIONS if lang != SOURCE_LANGUAGE)
        return EDITIONS[other]["label"], f"{to_root}{EDITIONS[other]['folder']}/{pagename}.html"
    return EDITIONS[SOURCE_LANGUAGE]["label"], f"{to_root}../{pagename}.html"


def _translate_glued_text(app, doctree, docname):
    """Glued values that are phrases built by code (:data:`EDITIONS` ``glued_text``) in the
    edition's words; the numbers in them are untouched. Runs when every glue reference,
    cross-document ones included, has been resolved."""
    patterns = EDITIONS.get(app.config.language or SOURCE_LANGUAGE, {}).get("glued_text", [])
    if not patterns:
        return
    for node in doctree.findall(nodes.inline):
        if "pasted-text" not in node.get("classes", []):
            continue
        text = node.astext()
        for pattern, replacement in patterns:
            translated = re.sub(pattern, replacement, text)
            if translated != text:
                node.children = [nodes.Text(translated)]
                break


def _full_width_title_brackets(app, doctree, docname):
    """sphinx-exercise writes "Exercise 3 (title)" with ASCII brackets; in a Chinese title
    they are the full-width （）."""
    if not (app.config.language or SOURCE_LANGUAGE).startswith("zh"):
        return
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

    kinds = (exercise_node, exercise_enumerable_node, solution_node)
    for admonition in doctree.findall(lambda n: isinstance(n, kinds)):
        if not admonition.children or not isinstance(admonition[0], nodes.title):
            continue
        for text in list(admonition[0].findall(nodes.Text)):
            if str(text) in (" (", ")"):
                text.parent.replace(text, nodes.Text("（" if str(text) == " (" else "）"))
            elif str(text).startswith(" ") and isinstance(text.parent, nodes.reference):
                # "解答： 練習 3": no space after the full-width colon
                text.parent.replace(text, nodes.Text(str(text).lstrip()))


def _add_edition_link(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or "body" not in context:
        return
    label, url = edition_link(pagename, app.config.language or SOURCE_LANGUAGE)
    other_lang = "zh-Hant-TW" if app.config.language == SOURCE_LANGUAGE else "en"
    link = (f'<p class="edition-link"><a href="{url}" hreflang="{other_lang}" '
            f'lang="{other_lang}">{label}</a></p>\n')
    context["body"] = link + context["body"]


def _config_inited(app, config):
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    language = config.language or SOURCE_LANGUAGE
    edition = EDITIONS.get(language)
    if edition is None:
        raise ValueError(f"no edition for language {language!r}; known: {sorted(EDITIONS)}")
    if language == SOURCE_LANGUAGE:
        return
    if edition["title"]:
        config.html_title = edition["title"]
        config.project = edition["title"]
    for name, value in edition.get("config", {}).items():
        config[name] = value
    if edition["search"]:
        config.html_theme_options = {**config.html_theme_options,
                                     "search_bar_text": edition["search"]}
    _use_extension_catalogs(language, Path(app.doctreedir) / "labels")
    srcdir = Path(app.srcdir)
    prepared = Path(app.doctreedir) / "locale"
    prepare_catalogs(srcdir / "locale", language, prepared)
    config.locale_dirs = [str(prepared)]


def setup(app):
    _translatable_exercise_titles()
    app.add_transform(UntranslatableMathBlocks)
    app.add_transform(TranslatedMathBlocks)
    app.add_transform(TranslatedTocCaptions)
    language = app.config.language or SOURCE_LANGUAGE
    # before sphinx-exercise's own config-inited handler turns "Exercise" into numfig_format
    app.connect("config-inited", _config_inited, priority=100)
    app.connect("doctree-read", _extract_exercise_titles)
    if language != SOURCE_LANGUAGE:
        _parse_each_translation_once()
        app.connect("doctree-read", _adopt_translated_nodes)
        app.connect("doctree-read", _register_translated_exercises)
    app.connect("html-page-context", _add_edition_link)
    app.connect("doctree-resolved", _translate_glued_text)
    app.connect("doctree-resolved", _full_width_title_brackets)
    app.add_css_file("edition-link.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
