"""The built book in a real browser, offline: every page, its math, figures, dropdowns, animations.

Drives Debian's Chromium (``tools/setup_browser.py`` installs it; Playwright's own browser
download needs a network) through Playwright over ``_build/html`` served on 127.0.0.1. Every
request to anything but that server is aborted and counted: the book must work without them.

    make book && make test-browser
    GDBOOK_HTML=/path/to/_build/html pytest tests -m browser   # another build

Screenshots of the intro and of one chapter go to ``_build/screenshots/`` (next to the html).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("GDBOOK_HTML", REPO / "_build" / "html")).resolve()
SCREENSHOTS = HTML.parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Flags measured to run Debian's Chromium headless as root in a container, with no network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT_CHAPTER = "chapters/05_momentum.html"
# "OWNER/REPO" of repository.url in _config.yml, the one address the launch buttons use
REPOSITORY = re.search(r"url:\s*https://github\.com/(\S+?)/?\s*$",
                       (REPO / "_config.yml").read_text("utf-8"), re.M).group(1)
INTRO = "intro.html"  # index.html only redirects to the root page of the table of contents
NOT_PAGES = {"genindex.html", "search.html"}  # Sphinx's generated index and search pages

# Console errors that every page of the theme logs and that the book cannot avoid. Each entry:
# a regular expression, and why it is harmless.
ALLOWED_CONSOLE_ERRORS = [
    # sphinx-thebe 0.3's configuration <script> (`const THEBE_JS_URL = ...; const thebe_selector
    # = ...`) is inlined twice into every page by Jupyter Book 1.0.4's set-up (see two identical
    # lines in any built page's <head>); the second `const` throws a SyntaxError and that script
    # is skipped. Nothing uses it: the book does not enable Thebe (live code), its launch
    # buttons are plain Binder and Colab links, and Thebe's own bundle is never requested.
    (r"Identifier 'THEBE_JS_URL' has already been declared",
     "sphinx-thebe's config script is inlined twice; Thebe is not used by this book"),
    # pydata-sphinx-theme (under sphinx-book-theme) starts with
    # `localStorage.getItem("mode") || "{{ default_mode }}"`; Jupyter Book leaves default_mode
    # empty and a fresh browser profile has no stored mode, so setTheme("") logs this and falls
    # back to "auto" (light or dark as the reader's system prefers), which is the intended look.
    (r"Got invalid theme mode: \. Resetting to auto\.",
     "empty default light/dark mode on a first visit; the theme falls back to auto"),
]


def _allowed(text: str) -> bool:
    return any(re.search(pattern, text) for pattern, _ in ALLOWED_CONSOLE_ERRORS)


# The translated editions (_ext/book_i18n.py), each built in a folder of the English one
TRANSLATIONS = sorted(d.name for d in HTML.glob("*/") if d.is_dir()
                      and not d.name.startswith("_") and (d / INTRO).is_file())


def _pages(edition: str = "") -> list[str]:
    """Every page of an edition (the English one by default), as paths relative to the html
    folder."""
    root = HTML / edition
    if not (root / "index.html").is_file():
        return []
    pages = [p.relative_to(root) for p in root.rglob("*.html")]
    return sorted((Path(edition) / p).as_posix() for p in pages
                  if not p.parts[0].startswith("_") and p.parts[0] not in TRANSLATIONS
                  and p.as_posix() not in NOT_PAGES)


PAGES = _pages()
TRANSLATED_PAGES = [page for edition in TRANSLATIONS for page in _pages(edition)]


def _notebook_pages() -> list[str]:
    """The pages made from notebooks: those offering their .ipynb for download."""
    return [page for page in PAGES
            if re.search(r'href="[^"]*_sources/[^"]+\.ipynb"', (HTML / page).read_text("utf-8"))]


def test_the_book_is_built():
    # Fails rather than skips: a skipped browser test would let CI pass without a browser check.
    assert (HTML / "index.html").is_file(), (
        f"no built book at {HTML}: run `make book` first (or set GDBOOK_HTML to a built "
        "book's html folder)")
    assert len(PAGES) >= 2, f"only {PAGES} found under {HTML}"


# ---------------------------------------------------------------------------------------------
# Fixtures: a local server, the browser, and a page that records everything that goes wrong
# ---------------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test reports failures itself
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book at {HTML}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `python tools/setup_browser.py`"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        # a persistent context is the only way to give Chromium its own fresh user-data-dir
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


class Visit:
    """One page load: its response and the console errors and blocked requests it caused."""

    def __init__(self, context, base: str, page_path: str):
        self.base, self.path = base, page_path
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.requested: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda r: self.requested.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.route("**/*", self._only_local)
        self.response = self.page.goto(f"{base}/{page_path}", wait_until="load")

    def _only_local(self, route):
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def unexplained_errors(self) -> list[str]:
        return [e for e in self.console_errors if not _allowed(e)]

    def assert_clean(self):
        """No console errors beyond the allowed ones, and nothing asked of the network."""
        assert not self.unexplained_errors() and not self.blocked, (
            f"{self.path}: console errors {self.unexplained_errors()}; "
            f"blocked non-local requests {self.blocked}")


@pytest.fixture
def visit(server, browser):
    opened = []

    def open_page(page_path: str) -> Visit:
        v = Visit(browser, server, page_path)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.page.close()


# ---------------------------------------------------------------------------------------------
# Every page
# ---------------------------------------------------------------------------------------------

WAIT_FOR_MATHJAX = """async () => {
    await new Promise((resolve, reject) => {
        const started = Date.now();
        (function poll() {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise) return resolve();
            if (Date.now() - started > 30000) return reject(new Error('MathJax never started'));
            setTimeout(poll, 50);
        })();
    });
    await MathJax.startup.promise;
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        math: math.length,
        rendered: document.querySelectorAll('mjx-container').length,
        unrendered: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
        errors: Array.from(document.querySelectorAll('mjx-merror')).map(e => e.textContent.slice(0, 80)),
    };
}"""

IMAGES = """async () => {
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.complete ? null
        : new Promise(resolve => { img.onload = img.onerror = resolve; })));
    return images.map(img => ({src: (img.getAttribute('src') || '').slice(0, 100), id: img.id,
                               alt: img.getAttribute('alt'), width: img.naturalWidth}));
}"""


@pytest.mark.parametrize("page_path", PAGES + TRANSLATED_PAGES)
def test_page_loads_offline_with_math_images_and_no_console_errors(visit, page_path):
    v = visit(page_path)
    assert v.response is not None and v.response.status == 200, f"{page_path}: {v.response}"
    html = (HTML / page_path).read_text("utf-8")
    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', html, re.IGNORECASE)
    if redirect:  # index.html: Jupyter Book's redirect to the root page, tested on its own
        v.page.wait_for_url(f"**/{redirect.group(1)}")
        assert (Path(page_path).parent / redirect.group(1)).as_posix() in PAGES + TRANSLATED_PAGES
        v.assert_clean()
        return

    if 'class="math' in html:
        math = v.page.evaluate(WAIT_FOR_MATHJAX)
        assert math["math"] > 0 and math["rendered"] > 0, f"{page_path}: no rendered math {math}"
        assert math["rendered"] >= math["math"], f"{page_path}: {math}"
        assert not math["unrendered"], f"{page_path}: math left as TeX: {math['unrendered']}"
        assert not math["errors"], f"{page_path}: MathJax errors: {math['errors']}"

    images = v.page.evaluate(IMAGES)
    broken = [i for i in images if i["width"] == 0]
    assert not broken, f"{page_path}: images that did not load: {broken}"
    no_alt = [i for i in images if not (i["alt"] or "").strip()]
    assert not no_alt, f"{page_path}: images without alt text: {no_alt}"

    if page_path in TRANSLATED_PAGES:
        _assert_translated(v, page_path)

    v.page.wait_for_timeout(300)  # late console errors (deferred scripts, the animation player)
    v.assert_clean()
    assert not [u for u in v.failed if u not in v.blocked], f"{page_path}: failed requests {v.failed}"


def test_every_page_in_the_table_of_contents_was_built_in_every_edition():
    toc = HTML.parent.parent / "_toc.yml"  # the book's source folder, above _build/html
    if not toc.is_file():
        toc = REPO / "_toc.yml"
    files = re.findall(r"(?:root|file):\s*(\S+)", toc.read_text("utf-8"))
    assert files, f"no pages in {toc}"
    assert TRANSLATIONS == ["zh_TW"], f"translated editions found: {TRANSLATIONS}"
    for edition in ["", *TRANSLATIONS]:
        built = set(_pages(edition))
        missing = [f for f in files
                   if (Path(edition) / f"{Path(f).with_suffix('').as_posix()}.html").as_posix()
                   not in built]
        assert not missing, f"pages in {toc} with no html in {HTML / edition}: {missing}"


# ---------------------------------------------------------------------------------------------
# Interactive parts
# ---------------------------------------------------------------------------------------------

def test_a_solution_dropdown_opens_when_clicked(visit):
    pages = [p for p in PAGES if 'class="solution dropdown' in (HTML / p).read_text("utf-8")]
    assert pages, "no page has a dropdown solution (sphinx-exercise renders `solution dropdown`)"
    v = visit(pages[0])
    solution = v.page.locator("div.solution.dropdown").first
    body = solution.locator(":scope > :not(.admonition-title)").first
    solution.scroll_into_view_if_needed()
    v.page.wait_for_function("() => document.querySelector('div.solution.dropdown.toggle')")
    assert "toggle-hidden" in solution.get_attribute("class"), "the solution starts open"
    assert not body.is_visible(), "the solution body is visible before the click"
    # sphinx-togglebutton's chevron button (the title holds a link to the exercise)
    solution.locator("button.toggle-button").click()
    body.wait_for(state="visible", timeout=5000)
    assert "toggle-hidden" not in solution.get_attribute("class")
    v.assert_clean()


def test_an_animation_advances(visit):
    pages = [p for p in PAGES if "_anim_img" in (HTML / p).read_text("utf-8")]
    assert pages, "no page has a jshtml animation (lib.plots.animate_paths)"
    v = visit(pages[0])
    player = v.page.locator(".animation").first
    player.scroll_into_view_if_needed()
    image, slider = player.locator("img[id^=_anim_img]"), player.locator("input[id^=_anim_slider]")
    v.page.wait_for_function("el => el.getAttribute('src')", arg=image.element_handle())
    first_src, first_frame = image.get_attribute("src"), int(slider.input_value())

    player.get_by_role("button", name="Next frame").click()
    assert int(slider.input_value()) == first_frame + 1
    assert image.get_attribute("src") != first_src, "stepping did not change the picture"

    player.get_by_role("button", name="Play", exact=True).click()
    v.page.wait_for_function("([el, frame]) => Number(el.value) > frame + 2",
                             arg=[slider.element_handle(), first_frame + 1], timeout=10000)
    player.get_by_role("button", name="Pause").click()
    v.assert_clean()


EXPLORABLE_CHAPTERS = {"chapters/01_gradient_descent.html", "chapters/05_momentum.html",
                       "chapters/07_adam.html"}
TRACES = """t => JSON.stringify(t.map(
    d => [d.visible, Array.from(d.x || []).slice(0, 400), Array.from(d.y || []).slice(0, 400)]))"""
SNAPSHOT = f"id => ({TRACES})(document.getElementById(id)._fullData)"  # decoded arrays
CHANGED = f"([id, before]) => ({TRACES})(document.getElementById(id)._fullData) !== before"


def _explorable_pages() -> list[str]:
    return [p for p in PAGES if 'class="explorable"' in (HTML / p).read_text("utf-8")]


def test_the_gradient_descent_momentum_and_adam_chapters_have_explorable_figures():
    missing = EXPLORABLE_CHAPTERS - set(_explorable_pages())
    assert not missing, f"chapters without their explorable figure (lib.explore): {missing}"


@pytest.mark.parametrize("page_path", _explorable_pages())
def test_moving_an_explorable_figures_slider_and_buttons_changes_the_path(visit, page_path,
                                                                          capsys):
    v = visit(page_path)
    figures = v.page.locator("figure.explorable .js-plotly-plot")
    v.page.wait_for_function("() => window.Plotly && document.querySelector("
                             "'figure.explorable .js-plotly-plot .main-svg')", timeout=30000)
    weights = {}
    for k in range(figures.count()):
        plot = figures.nth(k)
        plot_id = plot.get_attribute("id")
        plot.scroll_into_view_if_needed()
        before = v.page.evaluate(SNAPSHOT, plot_id)
        rail = plot.locator(".slider-rail-rect").first
        box = rail.bounding_box()
        assert box, f"{page_path}: {plot_id} has no slider"
        v.page.mouse.click(box["x"] + 0.9 * box["width"], box["y"] + box["height"] / 2)
        v.page.wait_for_function(CHANGED, arg=[plot_id, before], timeout=10000)
        moved = v.page.evaluate(SNAPSHOT, plot_id)
        buttons = plot.locator(".updatemenu-button")
        if buttons.count() > 1:
            buttons.nth(1).click()
            v.page.wait_for_function(CHANGED, arg=[plot_id, moved], timeout=10000)
        figure_html = v.page.evaluate(
            "id => document.getElementById(id).closest('figure.explorable').outerHTML.length",
            plot_id)
        weights[plot_id] = figure_html
    plotly_js = (HTML / "_vendor" / "plotly.min.js").stat().st_size
    with capsys.disabled():
        print(f"\n{page_path}: explorable figures {weights} bytes of HTML each, "
              f"plus plotly.js {plotly_js} bytes once per page")
    v.assert_clean()
    assert any("/_vendor/plotly.min.js" in r for r in v.requested), "plotly.js not loaded locally"


def test_pages_without_explorable_figures_do_not_load_plotly(visit):
    plain = [p for p in PAGES if p.startswith("chapters/") and p not in _explorable_pages()]
    assert plain
    v = visit(plain[0])
    v.page.wait_for_timeout(300)
    assert not any("plotly" in r for r in v.requested), v.requested


# ---------------------------------------------------------------------------------------------
# Reader conveniences
# ---------------------------------------------------------------------------------------------

def test_chapter_pages_offer_their_notebook_and_binder_and_colab(visit):
    notebooks = _notebook_pages()
    assert notebooks, "no page offers a notebook download"
    for page_path in notebooks:
        html = (HTML / page_path).read_text("utf-8")
        source = Path(page_path).with_suffix(".ipynb").as_posix()
        assert f"_sources/{source}" in html, f"{page_path}: no download of {source}"
        # both launch buttons open this notebook in the repository _config.yml names, in
        # JupyterLab (Binder) or Colab
        assert (f'href="https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/{source}"'
                in html), f"{page_path}: no Binder button for {REPOSITORY}"
        assert (f'href="https://colab.research.google.com/github/{REPOSITORY}/blob/main/{source}"'
                in html), f"{page_path}: no Colab button for {REPOSITORY}"
    # the buttons are really there for a reader: in the page's header, and the download works
    v = visit(notebooks[0])
    links = v.page.evaluate("""() => Array.from(document.querySelectorAll(
        '.dropdown-launch-buttons a, .dropdown-download-buttons a')).map(a => a.href)""")
    assert any("mybinder.org" in u for u in links) and any("colab.research" in u for u in links)
    download = next(u for u in links if u.endswith(".ipynb") and "_sources" in u)
    assert v.page.request.get(download).status == 200, download
    v.assert_clean()


def test_markdown_pages_offer_their_markdown_source(visit):
    markdown_pages = [p for p in PAGES if (HTML / "_sources" / Path(p).with_suffix(".md")).is_file()]
    assert markdown_pages, "no page built from a .md file"
    for page_path in markdown_pages:
        source = Path(page_path).with_suffix(".md").as_posix()
        assert f'_sources/{source}"' in (HTML / page_path).read_text("utf-8"), page_path
    v = visit(markdown_pages[0])
    assert v.page.request.get(f"{v.base}/_sources/{Path(markdown_pages[0]).with_suffix('.md').as_posix()}").status == 200


def test_execution_times_page_lists_every_executed_notebook(visit):
    pages = [p for p in PAGES if "execution_times" in p]
    assert pages, "no execution-times page was built"
    v = visit(pages[0])
    assert v.response.status == 200
    rows = v.page.evaluate("""() => Array.from(document.querySelectorAll('table tbody tr'))
        .map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))""")
    headers = v.page.evaluate("""() => Array.from(document.querySelectorAll('table thead th'))
        .map(th => th.textContent.trim())""")
    assert "Document" in headers and any("Run Time" in h for h in headers), headers
    document, run_time = headers.index("Document"), next(
        i for i, h in enumerate(headers) if "Run Time" in h)
    listed = sorted(row[document] for row in rows)
    expected = sorted(Path(p).with_suffix("").as_posix() for p in _notebook_pages())
    assert listed == expected, f"exec table lists {listed}, the book's notebooks are {expected}"
    for row in rows:
        assert float(row[run_time]) > 0, row
    assert all("✅" in "".join(row) for row in rows), f"a notebook failed to execute: {rows}"


# ---------------------------------------------------------------------------------------------
# The translated editions
# ---------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
EDITION_LINK = re.compile(r'<p class="edition-link"><a href="([^"]+)"')
PASTED = re.compile(r'<span class="pasted-text">([^<]*)</span>')


def test_every_page_links_to_the_same_page_in_the_other_edition():
    for page_path in PAGES + TRANSLATED_PAGES:
        links = EDITION_LINK.findall((HTML / page_path).read_text("utf-8"))
        if not links:  # index.html only redirects
            assert page_path.endswith("index.html"), f"{page_path}: no link to the other edition"
            continue
        target = (HTML / page_path).parent / links[0]
        other = target.resolve().relative_to(HTML).as_posix()
        edition, _, rest = page_path.partition("/")
        same = rest if edition in TRANSLATIONS else f"{TRANSLATIONS[0]}/{page_path}"
        assert other == same and target.is_file(), f"{page_path} links to {other}"


def test_following_the_language_link_there_and_back(visit):
    v = visit(SCREENSHOT_CHAPTER)
    english_title = v.page.locator("h1").first.inner_text()
    v.page.locator("p.edition-link a").click()
    v.page.wait_for_url(f"**/{TRANSLATIONS[0]}/{SCREENSHOT_CHAPTER}")
    assert v.page.evaluate("document.documentElement.lang").startswith("zh")
    chinese_title = v.page.locator("h1").first.inner_text()
    assert CJK.search(chinese_title) and chinese_title != english_title
    v.page.locator("p.edition-link a").click()
    v.page.wait_for_url(f"**/{SCREENSHOT_CHAPTER}")
    assert "/zh_TW/" not in v.page.url
    assert v.page.locator("h1").first.inner_text() == english_title
    v.assert_clean()


NUMBER = re.compile(r"[-+−]?\d[\d,.]*(?:[eE][-+]?\d+)?%?|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")


def test_the_translations_show_the_same_computed_numbers():
    # glue references in translated text take the cross-document form (_ext/book_i18n.py); one
    # that failed would render empty, and the numbers would differ. (A glued phrase built by
    # code, a spread over seeds, is reworded in the edition's language: its numbers are not.)
    for page_path in TRANSLATED_PAGES:
        english = page_path.split("/", 1)[1]
        if english not in PAGES:
            continue
        ours = PASTED.findall((HTML / page_path).read_text("utf-8"))
        theirs = PASTED.findall((HTML / english).read_text("utf-8"))
        assert all(value.strip() for value in ours), f"{page_path}: an empty glued value"
        numbers = lambda values: sorted(n for v in values for n in NUMBER.findall(v))
        assert numbers(ours) == numbers(theirs), f"{page_path}: glued numbers differ from {english}"
        assert len(ours) == len(theirs), f"{page_path}: {len(ours)} glued values, {len(theirs)}"


UNTRANSLATED = r"""() => {
    const skip = '.cell_output, .highlight, .edition-link, .math, pre, code, .bd-sidebar, footer';
    const texts = [];
    for (const el of document.querySelectorAll('article p, article li, article h1, article h2,'
                                               + ' article h3, article .admonition-title')) {
        if (el.closest(skip)) continue;
        const clone = el.cloneNode(true);
        clone.querySelectorAll('.math, code, .pasted-text, a.reference.external')
             .forEach(n => n.remove());
        texts.push(clone.textContent.replace(/\s+/g, ' ').trim());
    }
    return texts;
}"""


def _assert_translated(v, page_path):
    """No English sentence left in a translated page's prose, and its exercise labels are in
    its language (run by the page-load test, on the page it has opened)."""
    english = [t for t in v.page.evaluate(UNTRANSLATED)
               if len(re.findall(r"[A-Za-z]{3,}", t)) >= 4 and not CJK.search(t)]
    assert not english, f"{page_path}: {len(english)} untranslated: {english[:5]}"
    labels = v.page.evaluate("""() => Array.from(document.querySelectorAll(
        '.exercise .admonition-title, .solution .admonition-title')).map(e => e.textContent)""")
    assert all("Exercise" not in t and "Solution" not in t for t in labels), labels
    assert all(CJK.search(t) for t in labels), labels


# ---------------------------------------------------------------------------------------------
# Screenshots (for people, not assertions)
# ---------------------------------------------------------------------------------------------

def test_screenshots_of_the_intro_and_a_chapter(visit):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chapter = SCREENSHOT_CHAPTER if SCREENSHOT_CHAPTER in PAGES else next(
        p for p in PAGES if p.startswith("chapters/"))
    shots = [(INTRO, "intro.png"), (chapter, "chapter.png")]
    shots += [(f"{edition}/{chapter}", f"chapter-{edition}.png") for edition in TRANSLATIONS]
    for page_path, name in shots:
        v = visit(page_path)
        assert v.response.status == 200
        if 'class="math' in (HTML / page_path).read_text("utf-8"):
            v.page.evaluate(WAIT_FOR_MATHJAX)
        target = SCREENSHOTS / name
        v.page.screenshot(path=str(target))
        assert target.stat().st_size > 10_000, f"{target} looks empty"
