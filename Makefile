# pmcourse: two commands do all setup on a fresh machine (python3 and make are all they need).
#   make lab    install if needed, then open the course in JupyterLab (ARGS=--no-browser for headless)
#   make test   install the dev extra if needed, then run every test
#   make test-fast  the inner loop: unit tests and docstring examples (no notebooks, browser or sweeps)
#   make bench  run every benchmark under benchmarks/ and print a table
#   make site   build the read-only course website into _site/ (notebooks executed, offline)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# stamps keyed on pyproject.toml: reinstall only when the dependencies change
HASH   := $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])")
RUN_STAMP := $(VENV)/.installed-run-$(HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(HASH)
# as root (CI, containers) jupyter refuses to start without --allow-root
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_ARGS ?=
ARGS ?=

.PHONY: lab test test-fast bench site install install-dev lint clean help

help:
	@echo "make lab    - open the course in JupyterLab (ARGS=--no-browser for a headless server)"
	@echo "make test   - run every test (unit, docstring examples, fairness, notebooks via nbval + papermill, browser)"
	@echo "make test-fast - unit tests and docstring examples only (no notebooks, browser or sweeps; < 1 min)"
	@echo "make bench  - run the benchmarks and print ratios against same-run baselines"
	@echo "make site   - build the static course website into _site/ (open _site/index.html)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-dev-* $(VENV)/.installed-run-*
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

lab: $(RUN_STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks \
		--LabApp.default_url=/lab/tree/00-orientation.ipynb $(ROOT_FLAG) $(ARGS)

# One pytest run over unit tests, every docstring example in pmcourse, fairness sweeps, notebook
# hygiene, papermill second-seed runs, nbval on every notebook and the browser tests; two workers
# (xdist), each file (notebook) kept whole.
test: $(DEV_STAMP)
	PMCOURSE_HOME=$$(mktemp -d) $(PY) -m pytest -n 2 --dist loadfile --nbval-lax \
		--doctest-modules tests notebooks pmcourse $(PYTEST_ARGS)

# The inner loop: everything but notebooks, browser tests and sweeps (marked slow).
test-fast: $(DEV_STAMP)
	PMCOURSE_FAST=1 PMCOURSE_HOME=$$(mktemp -d) $(PY) -m pytest -n 2 --dist loadfile --doctest-modules \
		-m "not slow and not browser and not notebooks" tests pmcourse $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(PY) benchmarks/run.py $(ARGS)

# Static, offline course site: every notebook executed at its default seed (papermill, practice
# mode, throwaway PMCOURSE_HOME), pages ending at the questions, toolkit reference from docstrings.
site: $(DEV_STAMP)
	$(PY) website/build.py --out _site $(ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check pmcourse tests benchmarks notebooks website
	$(VENV)/bin/ruff format --check pmcourse tests benchmarks notebooks website

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis _site test-artifacts
