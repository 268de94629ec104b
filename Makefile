# Budget-performance report suite. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?=
ARGS ?=

.PHONY: help setup system-deps reports ingest params test test-fast test-office lint lab bench clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml | system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed: install python3-venv (Debian) or use Python 3.11+ with ensurepip" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name budget-reports \
		--display-name "预算绩效报告 (budget-reports)" --env PATH "$(CURDIR)/$(VENV)/bin:$$PATH" >/dev/null
	@if git rev-parse --git-dir >/dev/null 2>&1; then $(VENV)/bin/nbstripout --install; fi
	@mkdir -p $(VENV)/etc/jupyter/labconfig && printf '%s\n' \
		'{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}' \
		> $(VENV)/etc/jupyter/labconfig/page_config.json
	@touch $(STAMP)

setup: system-deps $(STAMP) ## Create/update the project venv and system packages (idempotent)

system-deps: ## Check (and install with apt-get if missing) chromium, CJK fonts, poppler, venv
	@bash scripts/ensure-system-deps.sh

ingest: setup ## Parse data/raw/ into data/derived/ tables
	$(PY) -m helpers ingest

params: setup ## Regenerate params/ from the ingested catalogue
	$(PY) -m helpers params

reports: setup ## Set up, ingest and build every report (HTML, PDF, indexes)
	$(PY) -m helpers ingest
	$(PY) -m helpers build $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

test: setup ## Set up and run the whole test suite (all but the LibreOffice round trip)
	$(PY) -m pytest -m "not office" $(ARGS)

test-fast: setup ## Run the tests that need no kernel, browser, PDF or office suite
	$(PY) -m pytest -m "not slow and not office" $(ARGS)

test-office: setup ## Install LibreOffice Calc (headless) and run the workbook round trip through it
	@bash scripts/ensure-office.sh
	$(PY) -m pytest -m office $(ARGS)

lint: setup ## ruff (incl. docstrings), import-linter layering and notebook-cleanliness checks
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb

lab: setup ## Open JupyterLab on notebooks/ with the project kernel (budget-reports)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) \
		--MultiKernelManager.default_kernel_name=budget-reports explore.ipynb

bench: setup ## Benchmarks at 10 and 100 reports: naive chain, local batch, Dask (benchmarks/results/build.md)
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_build.py --sizes 10,100 $(ARGS)
	$(PY) benchmarks/bench_noop.py --reports 1006

clean: ## Remove derived data and reports (keeps the venv)
	rm -rf data/derived reports/*/ reports/*.html reports/*.json
