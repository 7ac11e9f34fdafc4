# Two commands on a fresh machine (Python 3.11 + pip):
#   make run    install, migrate, load the demo caisse if the database is empty, serve on 127.0.0.1:8000
#   make test   install and run the whole test suite (SQLite and PostgreSQL, and the browser
#               tests in Debian's Chromium, which it installs when run as root: `make chromium`)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint audit bench clean chromium messages screenshots

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
	@# As root (CI, a fresh container) the browser tests' Chromium is installed first.
	@[ -x /usr/bin/chromium ] || [ "$$(id -u)" != 0 ] || $(MAKE) --no-print-directory chromium
	$(BIN)/ruff check .
	$(BIN)/mypy caisse simulation web
	$(MAKE) --no-print-directory audit
	$(BIN)/pytest -q -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy caisse simulation web

# Known vulnerabilities of the installed dependencies: pip-audit, with PyPI's project-level JSON for
# what it could not audit, and a table of what was audited how (tools/audit.py). Fails on a known
# vulnerability only; a network that cannot answer is reported, not failed.
audit: $(STAMP)
	$(BIN)/python tools/audit.py

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium, never a browser
# it downloads). A system package, so it is not part of `make test`: without it the browser tests
# are skipped with that reason, except in CI (`.ci/run` installs it).
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "/usr/bin/chromium is installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi

# Refresh the translation catalogues after changing texts of the web pages, then translate the
# new msgids in web/locales/fr/LC_MESSAGES/messages.po (a test fails while one is missing).
messages: $(STAMP)
	$(BIN)/pybabel extract -F web/babel.cfg -k N_ --no-location --sort-output --project "Caisse commune" \
		--version 0.1.0 -w 100 -o web/locales/messages.pot .
	$(BIN)/pybabel update -i web/locales/messages.pot -d web/locales --ignore-obsolete --no-fuzzy-matching -w 100

# Retake the screenshots shown in the README (docs/screenshots/*.png) with the browser tests.
screenshots: $(STAMP)
	CAISSE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -m browser tests/browser

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/close_month.py
	$(BIN)/python benchmarks/payments.py
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/simulate.py

clean:
	rm -rf $(VENV) caisse.db caisse.db-wal caisse.db-shm .pytest_cache .hypothesis
