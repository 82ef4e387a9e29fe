# Siyu: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
DAG ?= siyu_warehouse
DATE ?= 2026-11-24

.PHONY: install demo test test-all dag lint bench up down clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/siyu demo $(ARGS)

test: $(STAMP)
	$(BIN)/pytest $(ARGS)

dag: $(STAMP)
	$(BIN)/siyu dag $(DAG) $(DATE)

lint: $(STAMP)
	$(BIN)/ruff check plugins tests dags

bench: $(STAMP)
	$(BIN)/siyu bench $(ARGS)

up:
	docker compose up -d

down:
	docker compose down

clean:
	rm -rf data
