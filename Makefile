# Kring — build, run and test entry points.
#
#   make run     set up .venv and start a demo meeting on ./kring.db
#   make test    set up .venv (+ system packages), then lint, format check, mypy, pytest
#                (pytest with PostgreSQL and Redis: scripts/test-services.sh finds or sets them up)
#   make help    list every target
#
# KRING_* settings pass straight through, from the environment or the command line:
#   KRING_PORT=9000 make run        make run KRING_PUBLIC_URL=http://192.168.1.20:8000
#   make test PYTEST_ARGS='-k websocket -x'

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VPY := $(BIN)/python
PYTEST_ARGS ?=
RUN_ARGS ?=
# Set to 1 to skip scripts/ensure-system-deps.sh (if you manage those packages yourself).
SKIP_SYSTEM_DEPS ?=

STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: help run test test-lowest soak lint lint-js fmt schemas docs typecheck pytest system-deps venv venv-run .venv \
	bench bench-smoke clean distclean

help: ## Show this help
	@echo 'Kring. Main entry points: "make run" (demo server) and "make test" (full check).'
	@echo
	@grep -hE '^[a-zA-Z_.-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-13s %s\n", $$1, $$2}'

# --- run ------------------------------------------------------------------------

run: $(STAMP_RUN) ## Serve a demo meeting on ./kring.db (prints join URL + QR code)
	exec $(BIN)/kring serve --demo --dev $(RUN_ARGS)

# --- checks ---------------------------------------------------------------------

# pytest runs through scripts/test-services.sh: PostgreSQL and Redis on their loopback defaults when
# they answer (else set up as root on Debian, or the one command to run is printed), so a bare
# `make test` runs the PostgreSQL and Redis tests too instead of skipping them.
WITH_SERVICES := KRING_PYTHON=$(VPY) bash scripts/test-services.sh

# pytest runs in two passes. First everything but the timed trust rows on two worker processes
# (pytest-xdist, XDIST): every test has its own database (a file under tmp_path, or a PostgreSQL
# schema), free ports and a Redis channel of its own (tests/conftest.py). Serially the suite kept one of the two cores idle (1,405 CPU-s in 45:46 at
# load 4-11; 26:31 on two workers). Then the rows marked `serial` (SLOW, RATE, TEMPLATE: each a
# p99 against a bound) run alone, as their baseline must not share the machine with another
# worker's browser. XDIST= (empty) runs the first pass in one process too.
XDIST ?= -n 2
# pytest's exit status 5 is "no test collected" (a PYTEST_ARGS selection with no serial test in it).
PYTEST_TWO_PASSES = $(WITH_SERVICES) $(BIN)/pytest $(XDIST) -m 'not serial' $(PYTEST_ARGS) \
	&& { $(WITH_SERVICES) $(BIN)/pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]; }

test: $(STAMP_DEV) system-deps lint-js ## Lint (Python and JS), format check, type check and the pytest suite (with PostgreSQL and Redis)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(PYTEST_TWO_PASSES)

# The lowest versions pyproject.toml declares (uv's lowest-direct resolution: each direct
# dependency at its lower bound, what they pull in at its newest), in a venv of their own.
LOWEST ?= .venv-lowest
test-lowest: $(STAMP_DEV) system-deps ## The realtime and route tests on the lowest declared versions
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST)
	$(BIN)/uv pip install --quiet --python $(LOWEST)/bin/python --resolution lowest-direct -e '.[dev]'
	$(BIN)/uv pip list --python $(LOWEST)/bin/python | grep -iE '^(fastapi|starlette|uvicorn|websockets|sqlmodel|pydantic) '
	$(WITH_SERVICES) $(LOWEST)/bin/python -m pytest tests/realtime tests/routes -p no:cacheprovider $(PYTEST_ARGS)

pytest: $(STAMP_DEV) system-deps ## Only the pytest suite, in make test's two passes (PYTEST_ARGS=... passes through)
	$(PYTEST_TWO_PASSES)

lint: $(STAMP_DEV) ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP_DEV) ## Reformat and apply safe lint fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schemas: $(STAMP_DEV) ## Regenerate the kinds' parts of the template and export JSON Schemas (from server/kinds)
	$(BIN)/python scripts/generate_schemas.py

docs: $(STAMP_DEV) ## Regenerate the kinds' reference in docs/api.md (settings, answers, results; from server/kinds)
	$(BIN)/python scripts/generate_docs.py

typecheck: $(STAMP_DEV) ## mypy (strict, see pyproject.toml)
	$(BIN)/mypy

# ESLint for web/static/js (not vendor/), pinned in package.json and package-lock.json, which
# exist for development only: Kring serves no npm code it has not vendored.
STAMP_NODE := node_modules/.stamp
$(STAMP_NODE): package.json package-lock.json | system-deps
	@command -v npm >/dev/null 2>&1 || { echo 'make: npm is missing; install it: apt-get install -y nodejs npm' >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint-js: $(STAMP_NODE) ## ESLint on the pages' scripts (undefined names, unused variables)
	npx --no-install eslint --max-warnings 0 web/static/js

# --- virtualenv ---------------------------------------------------------------
# The stamps depend on pyproject.toml, so editing it reinstalls on the next run.

$(VPY):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Kring needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): pyproject.toml | $(VPY)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e .
	touch $@

# The dev install is a superset of the run install, so it satisfies both stamps.
$(STAMP_DEV): pyproject.toml | $(VPY)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

venv: $(STAMP_DEV) ## Create/refresh .venv with the dev extras
.venv: venv
venv-run: $(STAMP_RUN) ## Create/refresh .venv with runtime dependencies only

system-deps: ## Install/check Debian packages the tests need (chromium, libzbar0, ...)
ifneq ($(SKIP_SYSTEM_DEPS),1)
	bash scripts/ensure-system-deps.sh
endif

# make test runs these twelve reduced; make soak runs the whole trust suite (and the CSRF test)
# with them at full size. Both end with the trust figures table, a line for every row.
CSRF_TEST := tests/routes/test_accounts.py::test_csrf_every_facilitator_action_refused_cross_site_without_token
soak: $(STAMP_DEV) system-deps ## The trust suite, at full size: KILL9 20x500, SLOW 500, SIGTERM 500, RESYNC 1,000, DEDUP-RACE, ENUM, GUARD, QR-ROOM, STATEFUL, SCHEMA, TEMPLATE, HTTP
	KRING_SOAK=1 $(WITH_SERVICES) $(BIN)/pytest tests/trust $(CSRF_TEST) $(PYTEST_ARGS)

# --- benchmarks -----------------------------------------------------------------

bench: $(STAMP_DEV) ## Full benchmark run (python -m bench all)
	$(VPY) -m bench all

bench-smoke: $(STAMP_DEV) ## Quick benchmark sanity run (python -m bench smoke)
	$(VPY) -m bench smoke

# --- cleaning -------------------------------------------------------------------

clean: ## Remove .venv, caches and build output (keeps kring.db)
	rm -rf $(VENV) $(LOWEST) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage \
		build dist *.egg-info test-results
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## clean, and also delete the local database ./kring.db*
	rm -f kring.db kring.db-*
