# Two entry points for a newcomer: `make demo` and `make test`.
# Both create the virtualenv themselves; nothing but Python 3.11+, make and git is assumed.

PYTHON ?= python3
VENV ?= .venv
SHARED ?= ../shared
DATA ?= $(SHARED)/data
DEMO_OUT ?= demo-output
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed


.PHONY: serve demo test test-sqlite test-postgres lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m cspkit.demo --data $(DATA) --out $(DEMO_OUT)

# The partnership web app on the demo's database and warehouse (run `make demo` first),
# so a meeting pack built with the button has the demo's police data.
serve: $(STAMP)
	CSPKIT_WAREHOUSE=$(abspath $(DEMO_OUT))/warehouse.duckdb $(BIN)/cspkit serve --database $(DEMO_OUT)/web.sqlite3

# Two lanes (scripts/run-tests, docs/testing.md): the whole suite with the web app on SQLite
# (after scripts/ensure-chromium installs Debian's chromium for the browser tests if
# missing), then tests/web on a throwaway PostgreSQL server on 127.0.0.1
# (scripts/test-postgres, started and stopped around it). Fails if either lane fails.
TESTS_ENV = PYTHON=$(abspath $(BIN))/python CSPKIT_SHARED_DATA=$(abspath $(DATA))

test: $(STAMP)
	$(TESTS_ENV) scripts/run-tests all

test-sqlite: $(STAMP)
	$(TESTS_ENV) scripts/run-tests sqlite

test-postgres: $(STAMP)
	$(TESTS_ENV) scripts/run-tests postgres

lint: $(STAMP)
	$(BIN)/ruff check cspkit tests benchmarks
	$(BIN)/ruff format --check cspkit tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py --data $(DATA)
	$(BIN)/python benchmarks/dashboard.py --data $(DATA)
	$(BIN)/python benchmarks/wards.py --data $(DATA)
	$(BIN)/python benchmarks/police_uk.py --data $(DATA) --rows 1000000
	$(BIN)/python benchmarks/web.py --threads 4,8,16

# Regenerate README.md, CHANGELOG.md and docs/ from docs/_generate/templates, running
# every example again (and `make demo`); scratch files go to $TMPDIR/cspkit-docs (default /tmp).
docs: $(STAMP)
	DOCS_PYTHON=$(abspath $(BIN))/python SHARED=$(abspath $(SHARED)) bash docs/_generate/generate.sh

clean:
	-scripts/test-postgres destroy
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .pg-test
