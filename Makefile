# Siyu: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
DAG ?= siyu_warehouse
DATE ?= 2026-11-24

.PHONY: install demo test dag lint format bench up down clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/siyu demo $(ARGS)

# Two pytest workers (the suite is mostly subprocesses: dbt, Airflow, chromium); tests/conftest.py keeps
# each module on one worker and the demo's readers together, heaviest first. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --no-loadscope-reorder) $(ARGS)

dag: $(STAMP)
	$(BIN)/siyu dag $(DAG) $(DATE)

# The habits of .pre-commit-config.yaml on every file: ruff check and format, sqlfluff (dbt templater) on
# the models, mypy on the package. `$(BIN)/pre-commit install` runs them on each commit too.
lint: $(STAMP)
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

# Rewrite what lint can fix: the Python layout and imports, the models' SQL style.
format: $(STAMP)
	$(BIN)/ruff format plugins tests dags dbt_project scripts
	$(BIN)/ruff check --fix plugins tests dags dbt_project scripts
	$(BIN)/python scripts/sqlfluff_dbt.py fix dbt_project/models

bench: $(STAMP)
	$(BIN)/siyu bench $(ARGS)

up:
	docker compose up -d

down:
	docker compose down

clean:
	rm -rf data
