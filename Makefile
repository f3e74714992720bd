# Two commands set everything up on a fresh machine (Linux or macOS, Python 3.10+):
#   make book   build the HTML book into _build/html (and its Traditional Chinese edition into
#               _build/html/zh_TW), executing every notebook once
#   make test   the lib tests, a warnings-as-errors book build (which executes every notebook,
#               once), the student notebooks top to bottom, and the offline browser test
# Both create .venv and install requirements.txt on first use (and again when it changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pytest-xdist workers; the notebooks are CPU-bound, so one per core
JOBS   ?= $(shell $(PYTHON) -c "import os; print(max(1, min(4, os.cpu_count() or 1)))")

# Tests and builds never wait on the network for MNIST (see lib/mnist.py).
export GDBOOK_OFFLINE ?= 1
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0

.PHONY: lab translations nbgrader nbgrader-course test-nbgrader test-bundle-full execute book test test-lib test-notebooks test-homework test-book test-browser homework benchmark clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 10), 'Python 3.10+ is needed, found ' + sys.version.split()[0]"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

# JupyterLab on the chapters, in the book's environment (so `lib` imports); start with
# chapters/01_gradient_descent.ipynb. LAB_ARGS passes options, e.g. LAB_ARGS=--no-browser.
# (As root, as in a container, JupyterLab needs --allow-root.)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=chapters $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Every notebook is executed once, $(JOBS) at a time, into the cache the build reads
# (_config.yml: execute_notebooks: cache); a notebook whose code, lib/ and requirements are
# unchanged is not executed again.
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py --jobs $(JOBS)

# Both editions, from the one execution: English in _build/html, Traditional Chinese in
# _build/html/zh_TW (tools/build_editions.py; the two Sphinx builds run side by side).
book: execute
	$(BIN)/python tools/build_editions.py
	@echo "Book: $(CURDIR)/_build/html/index.html (中文: $(CURDIR)/_build/html/zh_TW/index.html)"

# After an English edit: bring the catalogs in locale/ up to date and list what needs
# translating (new messages arrive untranslated, changed ones fuzzy); see CONTRIBUTING.md.
translations: $(STAMP)
	$(BIN)/python tools/translations.py update

# The book build executes every notebook (a cell that raises fails it), so nbval is not run
# again here; `make test-notebooks` still runs it on its own.
test: test-lib test-book test-homework test-browser

test-lib: $(STAMP)
	$(BIN)/python tools/nbgrader_metadata.py --check chapters/*.ipynb
	$(BIN)/pytest tests -n $(JOBS) -q -m "not browser and not homework and not served"

# Two notebooks run at once on a 2-core machine: one thread each, or they fight over the cores.
test-notebooks: export OMP_NUM_THREADS := 1
test-notebooks: $(STAMP)
	$(BIN)/pytest --nbval --nbval-current-env --nbval-cell-timeout=600 -p no:randomly \
		-n $(JOBS) --dist loadfile -q chapters

# nbgrader 0.9.6 in its own venv (pip's resolver finds no clash with .venv, but it brings a
# Jupyter server stack the book does not need); the notebooks it grades run on the book's
# kernel (tools/nbgrader_course.py writes a kernel spec pointing at .venv/bin/python).
NBGRADER_VENV  := .venv-nbgrader
NBGRADER_STAMP := $(NBGRADER_VENV)/.installed

$(NBGRADER_STAMP): tools/nbgrader-requirements.txt
	test -x $(NBGRADER_VENV)/bin/python || $(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install -r tools/nbgrader-requirements.txt
	touch $@

nbgrader: $(NBGRADER_STAMP)

# the student version of every chapter runs top to bottom with its stubs (tests/test_homework.py),
# the nbgrader round trip (release, autograde) and the student bundle's install-and-run
test-homework: export OMP_NUM_THREADS := 1
test-homework: $(STAMP) $(NBGRADER_STAMP)
	PATH="$(CURDIR)/$(NBGRADER_VENV)/bin:$$PATH" $(BIN)/pytest tests -q -m homework -n $(JOBS)

# the nbgrader round trip on every chapter (make test runs it on two), and the bundle installed
# from the registries into a fresh venv (make test reuses the book's packages)
test-nbgrader: export OMP_NUM_THREADS := 1
test-nbgrader: $(STAMP) $(NBGRADER_STAMP)
	GDBOOK_NBGRADER_CHAPTERS=all PATH="$(CURDIR)/$(NBGRADER_VENV)/bin:$$PATH" \
		$(BIN)/pytest tests -q -m nbgrader -n $(JOBS)

test-bundle-full: $(STAMP)
	GDBOOK_BUNDLE_FULL_INSTALL=1 $(BIN)/pytest tests -q -m bundle

# an nbgrader course built from the chapters, with the round trip run (release, autograde)
nbgrader-course: $(STAMP) $(NBGRADER_STAMP)
	$(BIN)/python tools/nbgrader_course.py roundtrip chapters _build/nbgrader

test-book: execute
	$(BIN)/python tools/build_editions.py --strict

test-browser: $(STAMP)
	$(BIN)/python tools/setup_browser.py
	$(BIN)/pytest tests -q -m "browser or served"

homework: $(STAMP)
	$(BIN)/python tools/make_homework.py chapters _build/homework
	$(BIN)/python tools/make_bundle.py _build/homework _build/homework.zip
	@echo "Student notebooks: $(CURDIR)/_build/homework/ (bundle: $(CURDIR)/_build/homework.zip)"

benchmark: $(STAMP)
	$(BIN)/python benchmarks/optimizer_step.py

clean:
	rm -rf _build
