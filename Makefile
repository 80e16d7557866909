# Two commands do everything on a fresh machine: `make chat` and `make test`.
# Each target bootstraps its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# The chat needs no torch (its default encoder is numpy). The tests also cover the
# sentence-transformers engine: torch must arrive as the CPU build first, or pip pulls a CUDA one.
TORCH := torch==2.13.0

.PHONY: chat test lint unit install install-dev bench clean telegram lock

chat: install
	$(BIN)/trustcoach db upgrade --quiet
	$(BIN)/trustcoach chat $(ARGS)

test: install-dev lint unit

lint: install-dev
	$(BIN)/ruff check bot tests benchmarks docs
	$(BIN)/ruff format --check bot tests benchmarks docs
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/core_bench.py
	$(BIN)/python benchmarks/retrieval_bench.py
	$(BIN)/python benchmarks/emotion_bench.py
	$(BIN)/python benchmarks/reader_bench.py
	$(BIN)/python benchmarks/chart_bench.py
	$(BIN)/python benchmarks/telegram_bench.py

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock files (exact versions, hashes checked); `make lock` refreshes them.
$(VENV)/.installed: pyproject.toml requirements/app.lock | $(BIN)/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r requirements/app.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

# sentence-transformers (the `st` extra) is not in the lock: torch comes from its CPU build.
$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.lock
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet --require-hashes -r requirements/dev.lock
	$(PIP) install --quiet --no-deps -e .
	$(PIP) install --quiet -e '.[st]'
	touch $@

# Refresh the lock files after a change of dependencies in pyproject.toml (needs the registry).
LOCK := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --extra postgres
lock: install-dev
	$(LOCK) --upgrade -o requirements/app.lock pyproject.toml
	$(LOCK) --upgrade --extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
