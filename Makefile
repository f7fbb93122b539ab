# Core Monitor — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
export COREMON_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint unit bench images clean help

help:
	@echo "make run    set up and start Core Monitor on http://127.0.0.1:8080 (SQLite under ./data)"
	@echo "make test   set up everything (Docker engine, PostgreSQL, test images) and run every test"
	@echo "make lint   ruff + mypy --strict"
	@echo "make bench  benchmarks"

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

run: $(RUNTIME_STAMP)
	@mkdir -p $(COREMON_DATA_DIR)
	$(BIN)/coremon serve

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

images: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	./scripts/build-test-images.sh

test: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	./scripts/ensure-postgres.sh
	./scripts/build-test-images.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest $(PYTEST_ARGS)

unit: $(DEV_STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	./scripts/ensure-docker.sh
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .pytest_cache .ruff_cache
