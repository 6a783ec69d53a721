# genomics-warehouse: the two README commands are `make demo` and `make test`.
# Each does its own set-up on a fresh machine with only Python 3.11+ and make:
# a virtualenv in .venv, uv inside it, then every package from the committed uv.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint clean help

help:
	@echo "make demo   set up, simulate a programme, run the nightly pipeline, print where results are"
	@echo "make test   set up, then run the whole test suite"
	@echo "make lint   ruff + sqlfluff"

$(STAMP): pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(BIN)/python
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/gwh demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check loaders dags tests bench
	$(BIN)/ruff format --check loaders dags tests bench

clean:
	rm -rf $(VENV) .gwh
