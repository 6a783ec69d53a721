# genomics-warehouse: the two README commands are `make demo` and `make test`.
# Each does its own set-up on a fresh machine with only Python 3.11+ and make:
# a virtualenv in .venv, uv inside it, then every package from the committed uv.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP  := $(VENV)/.installed

# Debian tools the tests use: bcftools stats as an independent oracle for variant summaries,
# and Debian's chromium for the dashboard's browser test (Playwright drives it; it never
# downloads a browser of its own). Each entry is COMMAND or COMMAND:PACKAGE when the Debian
# package is named differently from the command it provides.
SYSTEM_TOOLS := bcftools tabix chromium chromedriver:chromium-driver

# `make dashboard` serves the programme-reporting dashboard on localhost (after `make demo`).
DASHBOARD_PORT ?= 8050

.PHONY: setup system-deps demo dashboard test fuzz lint clean help

# The dbt manifest the Airflow DAGs render from (Cosmos LoadMode.DBT_MANIFEST): built at
# set-up, rebuilt whenever a dbt source changes, so parsing a DAG never runs dbt.
DBT_MANIFEST := dbt/target/manifest.json
DBT_SOURCES  := dbt/dbt_project.yml dbt/profiles.yml $(shell find dbt/models dbt/macros dbt/seeds dbt/snapshots dbt/tests -type f 2>/dev/null)

# Airflow for the quick path and the tests: its own SQLite metadata under .gwh/, our DAGs only.
export AIRFLOW_HOME ?= $(CURDIR)/.gwh/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__COSMOS__ENABLE_TELEMETRY ?= False

help:
	@echo "make demo   set up, simulate a programme, run the nightly pipeline, print where results are"
	@echo "make dashboard  serve the reporting dashboard on http://127.0.0.1:$(DASHBOARD_PORT)/ (after make demo)"
	@echo "make test   set up, then run the whole test suite"
	@echo "make fuzz   the fuzzing properties of every delivered-file reader, long and randomised"
	@echo "make lint   ruff, sqlfluff and the import contracts (lint-imports)"

$(STAMP): pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(BIN)/python
	touch $(STAMP)

$(DBT_MANIFEST): $(STAMP) $(DBT_SOURCES)
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/dbt parse --quiet --project-dir dbt --profiles-dir dbt
	touch $@

# The compiled block kernels (numba: loaders/ingest/blocks.py, variants/fastcount.py):
# compiled once at set-up into numba's on-disk cache, so no load (nor test) pays the compile.
KERNELS := $(VENV)/.kernels

$(KERNELS): $(STAMP) loaders/ingest/blocks.py variants/fastcount.py
	$(BIN)/python -c "from loaders.ingest.blocks import warm_up; warm_up()"
	$(BIN)/python -c "from variants.fastcount import warm_up; warm_up()"
	touch $@

setup: $(STAMP) system-deps $(DBT_MANIFEST) $(KERNELS)

system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do \
	  cmd="$${t%%:*}"; pkg="$${t#*:}"; command -v "$$cmd" >/dev/null || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: setup
	$(BIN)/python -m demo

# Serves the warehouse `make demo` built, unless WAREHOUSE_URL names another one.
dashboard: setup
	$(BIN)/python -m dashboards --port $(DASHBOARD_PORT) $(if $(WAREHOUSE_URL),,--demo)

test: setup
	$(BIN)/python -m pytest

# Every reader of delivered bytes and the loader end to end on damaged deliveries
# (tests/test_fuzz.py). `make test` runs a short fixed pass; this one explores
# FUZZ_EXAMPLES random examples per property (about 0.3 s each end to end). A crash found
# is kept by Hypothesis in .hypothesis/ and replayed first on the next run; add it to the
# tests as a regression case.
FUZZ_EXAMPLES ?= 500

fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_fuzz.py -q -p no:logging

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	cd dbt && ../$(BIN)/sqlfluff lint models macros tests snapshots
	$(BIN)/sqlfluff lint warehouse/sql

clean:
	rm -rf $(VENV) .gwh
