# Two commands on a fresh clone: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# make demo PORT=8001 when 8000 is taken
PORT ?= 8000
demo: $(STAMP)
	@$(BIN)/crm demo --port $(PORT)

# One worker per core (pytest-xdist; a module, and all browser tests, on one worker: see
# tests/conftest.py); the slowest tests are listed at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadscope --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
