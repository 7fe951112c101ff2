# PharmaCRM — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= crm.settings.local

.PHONY: run test bench lint messages setup db demo clean-venv

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

## Database roles, database, migrations (idempotent).
db: setup
	@$(PY) manage.py preflight
	$(PY) manage.py db_bootstrap
	$(PY) manage.py migrate --no-input

## Demo tenants, users and data (idempotent).
demo: db
	$(PY) manage.py seed_demo

## Everything a developer needs, then web + worker + beat in the foreground.
run: demo
	@echo ""
	@echo "PharmaCRM is starting at http://127.0.0.1:8000/  (admin: /admin/, API docs: /api/docs/)"
	@$(PY) manage.py seed_demo --logins-only
	@echo ""
	$(VENV)/bin/honcho start -f Procfile

## The whole suite: unit, integration (PostgreSQL, Redis, a real Celery worker), browser e2e.
test: setup
	@$(PY) manage.py preflight --settings=crm.settings.test
	DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) -m pytest $(PYTEST_ARGS)

## Benchmarks (tests/bench): one `BENCH <name> <value> <unit>` line per figure. ONLY=<name> runs one.
bench: setup
	@$(PY) manage.py preflight --settings=crm.settings.test
	DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) -m tests.bench $(if $(ONLY),--only $(ONLY),)

lint: setup
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

## Refresh the translation catalogue after changing strings, then compile it.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --ignore='.venv/*' --ignore='tests/*' --ignore='staticfiles/*' --no-obsolete
	$(PY) manage.py compilemessages -l zh_Hans --ignore='.venv/*'

clean-venv:
	rm -rf $(VENV)
