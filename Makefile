# genomics-warehouse: the two README commands are `make demo` and `make test`.
# Each does its own set-up on a fresh machine with only Python 3.11+ and make:
# a virtualenv in .venv, uv inside it, then every package from the committed uv.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP  := $(VENV)/.installed

# Debian tools the tests use as independent oracles (bcftools stats for variant summaries).
SYSTEM_TOOLS := bcftools tabix

.PHONY: setup system-deps demo test lint clean help

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

setup: $(STAMP) system-deps

system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: setup
	$(BIN)/gwh demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check loaders dags tests bench
	$(BIN)/ruff format --check loaders dags tests bench

clean:
	rm -rf $(VENV) .gwh
