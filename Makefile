# Core Monitor — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
export COREMON_DATA_DIR ?= $(CURDIR)/data
# The web console (frontend/, built into the package; see the web console section below).
UI_DEPS := frontend/node_modules/.installed
UI_DIST := src/core_monitor/ui/dist/index.html
UI_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts \
	frontend/tsconfig.json frontend/postcss.config.cjs -type f 2>/dev/null)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint unit bench corpus images clean help ui-build ui-test ui-unit ui-e2e api-client ui-check-client

help:
	@echo "make run    set up and start Core Monitor on http://127.0.0.1:8080 (SQLite under ./data)"
	@echo "make test   set up everything (Docker engine, PostgreSQL, test images) and run every test"
	@echo "make lint   ruff + mypy --strict"
	@echo "make bench  benchmarks"
	@echo "make corpus the real-world compose corpus: acceptance rate and refusals by reason"
	@echo "make ui-test       the web console's checks: client freshness, types, vitest, build, bundle size, e2e"
	@echo "make api-client    regenerate frontend/src/api/schema.d.ts from the backend's OpenAPI schema"

$(BIN)/python:
	@./scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUNTIME_STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@./scripts/install-compose.sh $(BIN)/python
	@touch $@

run: $(RUNTIME_STAMP) $(UI_DIST)
	@mkdir -p $(COREMON_DATA_DIR)
	@./scripts/ensure-demo-image.sh
	$(BIN)/coremon serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

images: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	./scripts/build-test-images.sh
	./scripts/build-middleware-images.sh
	./scripts/build-catalog-images.sh

test: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	./scripts/ensure-postgres.sh
	./scripts/ensure-sshd.sh
	./scripts/build-test-images.sh
	./scripts/build-middleware-images.sh
	@# The catalog's stand-in images (cached by recipe hash: seconds once built; CI=true fails on a failed build)
	./scripts/build-catalog-images.sh
	@# The production image's slow inputs (debootstrap base, wheelhouse) are made while lint
	@# and the web console's checks run; its test then waits on the build's lock, reuses them.
	@./scripts/build-base-image.sh --tools
	@mkdir -p build && { ./scripts/build-image.sh --prepare >build/prepare-image.log 2>&1 & }
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory ui-test
	$(BIN)/pytest --durations=30 $(PYTEST_ARGS)

unit: $(DEV_STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	$(BIN)/python -m benchmarks.run

corpus: $(DEV_STAMP)
	$(BIN)/python -m tests.support.corpus

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
	rm -rf frontend/node_modules src/core_monitor/ui/dist

# --------------------------------------------------------------------------- web console
# frontend/ is a Vite + React app; its build lands in the Python package (ui/dist, served at
# / by api/spa.py) and is never committed. `make run` rebuilds it when a source is newer.

$(UI_DEPS): frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "the web console needs node and npm (node 20+)" >&2; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(UI_DIST): $(UI_DEPS) $(UI_SOURCES)
	cd frontend && npx vite build --logLevel warn
	@touch $@

ui-build: $(UI_DIST)

api-client: $(RUNTIME_STAMP) $(UI_DEPS)
	./scripts/ui-api-client.sh write

ui-check-client: $(RUNTIME_STAMP) $(UI_DEPS)
	./scripts/ui-api-client.sh check

ui-unit: $(UI_DEPS)
	cd frontend && npx tsc -p . --noEmit
	cd frontend && npx vitest run

ui-e2e: $(RUNTIME_STAMP) $(UI_DIST)
	./scripts/ensure-chromium.sh
	./scripts/ensure-docker.sh
	./scripts/build-test-images.sh
	./scripts/build-middleware-images.sh
	./scripts/build-catalog-images.sh
	cd frontend && npx playwright test

ui-test: $(RUNTIME_STAMP) $(UI_DEPS)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory ui-check-client ui-unit ui-build && \
	node frontend/scripts/bundle-size.mjs && \
	$(MAKE) --no-print-directory ui-e2e && \
	echo "ui-test: passed in $$(( $$(date +%s) - start )) s"

