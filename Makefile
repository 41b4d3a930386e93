# Two entry points for a fresh machine with only Python 3.11+ and git:
#   make gate   - the acceptance gate over this repo's own slices
#   make test   - the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: gate test status lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

gate: $(STAMP)
	$(BIN)/pytest --lukhas-gate --lukhas-bundle lukhas-gate-bundle lukhas

test: $(STAMP)
	$(BIN)/pytest

status: $(STAMP)
	$(BIN)/lukhas-gate status --write

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/pytest benchmarks --benchmark-only -p no:randomly

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
