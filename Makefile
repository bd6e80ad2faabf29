# Two commands do all set-up on a fresh machine:
#   make book   - virtual environment, install, execute every chapter (PROFILE=quick), render HTML
#   make test   - virtual environment, install, run the test suite
VENV ?= .venv
PYTHON ?= python3
PROFILE ?= quick
# Notebooks `make book` executes at a time (the cores shared out among them; CI: 2).
JOBS ?= 1
# torch and torchvision versions that work together (on this project's CPU machines they install from disk).
TORCH ?= torch==2.14.1 torchvision==0.29.1
BIN := $(VENV)/bin

# Data root: $ADVCLUST_DATA if set, else the shared copy beside the repository, else ./data.
ADVCLUST_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),$(abspath data))
export ADVCLUST_DATA
# Decoded-data caches (never inside a shared data root): a git-ignored folder of the clone.
export ADVCLUST_CACHE ?= $(abspath .cache)
export OMP_NUM_THREADS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: book test check-notebooks sync-notebooks toc bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[test,sweep]"
	touch $@

# Both first fetch the datasets the chapters need (MNIST, Fashion-MNIST, USPS, ORL) where they are missing, and
# check their checksums. Offline without them, `book` stops at once with the list and the fetch commands;
# `test` runs anyway and skips the tests that need them, saying which and how to fetch them.
book: $(BIN)/.installed
	$(BIN)/advclust book --fetch --profile $(PROFILE) --jobs $(JOBS)

test: $(BIN)/.installed
	$(BIN)/advclust book --fetch --data-only || echo "[make test] data missing: the tests that need it are skipped"
	$(BIN)/python -m pytest -q -n auto  # one pytest-xdist worker per core, one thread each

# CI: every notebook's .py and .ipynb agree (chapter pages NN_name and sections NNx_name), no committed
# .ipynb carries outputs, every name places its notebook in the book, and _toc.yml is up to date.
check-notebooks: $(BIN)/.installed
	$(BIN)/python -m advclust.notebooks check

# After editing notebooks/*.py: refresh the paired .ipynb files.
sync-notebooks: $(BIN)/.installed
	$(BIN)/jupytext --sync notebooks/*.py

# After adding, renaming or removing a notebook: derive _toc.yml from the notebook files.
toc: $(BIN)/.installed
	$(BIN)/python -m advclust.notebooks toc

bench: $(BIN)/.installed
	$(BIN)/advclust bench

clean:
	rm -rf _build chapters
