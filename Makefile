# Sozialraum-Monitor — the two commands a newcomer needs:
#   make up     set everything up, build the demo warehouse, serve Dagster UI (:3000) and Superset (:8088)
#   make test   run the linters (make lint) and every test
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
BOOT := var/bootstrap
UV := $(BOOT)/bin/uv
export DAGSTER_HOME := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: up test lint setup build docs dagster superset-setup browser clean

up: setup superset-setup build docs
	@bash superset/manage.sh up
	@echo "Superset: http://localhost:8088  ·  Dagster UI: http://localhost:3000  (Strg+C beendet beide)"
	@trap 'bash superset/manage.sh down' EXIT INT TERM; \
	  $(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

test: lint superset-setup browser
	$(VENV)/bin/pytest

# ruff (config: pyproject.toml) and sqlfluff (config: dbt_project/.sqlfluff); both must report nothing
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/tests dbt_project/macros

setup: $(VENV)/.synced

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else "Python 3.11–3.13 is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: every package is byte-compiled once at install (about 10 s), so no process (build, dbt,
# Dagster, tests) compiles its imports from source again, also where PYTHONDONTWRITEBYTECODE is set (e.g. many
# container images): 2 s less start-up for each dbt and each build process (benchmarks/README.md)
# then the dbt project is parsed anew (the installed dbt may have changed) with the builds' profile
# (orchestration/transform/dbt.py: ensure_manifest), so a build's dbt parses only what changed since
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	rm -f dbt_project/target/manifest.json
	$(VENV)/bin/python -c "from orchestration.transform.dbt import ensure_manifest; ensure_manifest()"
	@touch $@

build: setup browser
	$(VENV)/bin/sozialmonitor build

# dbt through the build's wrapper, from the project's parse state (parses only what changed, like a build)
docs: setup
	mkdir -p var/dbt_docs && cp dbt_project/target/partial_parse.msgpack var/dbt_docs/
	SOZIALMONITOR_WAREHOUSE=$(CURDIR)/var/out/warehouse.duckdb $(VENV)/bin/sozialmonitor-dbt docs generate --quiet --project-dir dbt_project --profiles-dir dbt_project --target-path $(CURDIR)/var/dbt_docs
	@echo "dbt-Dokumentation: $(VENV)/bin/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project --target-path $(CURDIR)/var/dbt_docs --port 8081"

superset-setup:
	bash superset/manage.sh setup

# Debian's chromium (dashboards in the browser tests, profile PDFs) and poppler-utils (pdftotext: the PDF tests)
browser:
	@command -v chromium >/dev/null && command -v pdftotext >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils; }

clean:
	rm -rf var/out var/landing var/dagster var/dbt_docs dbt_project/target
