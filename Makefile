# Two commands set everything up on a fresh machine (Linux or macOS, Python 3.10+):
#   make book   build the HTML book into _build/html, executing every notebook
#   make test   the lib tests, every notebook under nbval, a warnings-as-errors book build,
#               and the offline browser test of the built pages
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

.PHONY: book test test-lib test-notebooks test-homework test-book test-browser homework benchmark clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 10), 'Python 3.10+ is needed, found ' + sys.version.split()[0]"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --all
	@echo "Book: $(CURDIR)/_build/html/index.html"

test: test-lib test-notebooks test-homework test-book test-browser

test-lib: $(STAMP)
	$(BIN)/pytest tests -n $(JOBS) -q -m "not browser and not homework"

# Two notebooks run at once on a 2-core machine: one thread each, or they fight over the cores.
test-notebooks: export OMP_NUM_THREADS := 1
test-notebooks: $(STAMP)
	$(BIN)/pytest --nbval --nbval-current-env --nbval-cell-timeout=600 -p no:randomly \
		-n $(JOBS) --dist loadfile -q chapters

# the student version of every chapter runs top to bottom with its stubs (tests/test_homework.py)
test-homework: export OMP_NUM_THREADS := 1
test-homework: $(STAMP)
	$(BIN)/pytest tests -q -m homework -n $(JOBS)

test-book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

test-browser: $(STAMP)
	$(BIN)/python tools/setup_browser.py
	$(BIN)/pytest tests -q -m browser

homework: $(STAMP)
	$(BIN)/python tools/make_homework.py chapters _build/homework
	@echo "Student notebooks: $(CURDIR)/_build/homework/"

benchmark: $(STAMP)
	$(BIN)/python benchmarks/optimizer_step.py

clean:
	rm -rf _build
