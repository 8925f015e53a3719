# Two commands on a machine with only Python 3.11, git and make:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test test-unit bench bench-scale lint clean

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (first run only)..."
	@$(PY) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/skillfleet demo

test: setup
	$(BIN)/pytest -q -p no:cacheprovider

test-unit: setup
	$(BIN)/pytest -q tests/unit

bench: setup
	$(BIN)/python bench/merge_bench.py
	$(BIN)/python bench/real_bench.py

bench-scale: setup
	$(BIN)/python bench/scale_bench.py $(ARGS)

lint: setup
	$(BIN)/ruff check shared functions tests
	$(BIN)/mypy

clean:
	-@[ -x $(BIN)/skillfleet ] && $(BIN)/skillfleet db stop
	rm -rf .skillfleet build
