# Two commands on a fresh machine (Python 3.11 + pip):
#   make run    install, migrate, load the demo caisse if the database is empty, serve on 127.0.0.1:8000
#   make test   install and run the whole test suite (SQLite and PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/caisse db upgrade
	$(BIN)/caisse demo --if-empty
	$(BIN)/caisse serve --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy caisse
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy caisse

bench: $(STAMP)
	$(BIN)/python benchmarks/close_month.py

clean:
	rm -rf $(VENV) caisse.db caisse.db-wal caisse.db-shm .pytest_cache .hypothesis
