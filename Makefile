# One command to run the app, one to run the tests; both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run serve test test-sqlite test-sqlite-heavy test-sqlite-rest test-postgres test-replica test-cluster reliability bench lint check-deploy clean messages compilemessages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

## Translations: the compiled .mo is committed; these rebuild it when the .po changes.
LOCALE_MO := locale/ru/LC_MESSAGES/django.mo
$(LOCALE_MO): locale/ru/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages -l ru --ignore=$(VENV) --ignore=node_modules

compilemessages: setup $(LOCALE_MO)

## make messages: collect new interface strings into locale/ru/LC_MESSAGES/django.po, then compile
messages: setup
	$(PY) manage.py makemessages -l ru --no-obsolete \
	  --ignore=$(VENV) --ignore=node_modules --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages -l ru --ignore=$(VENV) --ignore=node_modules

## Front-end packages, pinned by package.json and its lock: world-atlas's boundaries for the
## maps, axe-core for the browser tests' accessibility check
NODE := node_modules/.installed
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	touch $@

## make run: install, migrate, load the curated data, serve on http://127.0.0.1:8000
run: setup compilemessages $(NODE)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds
	$(MAKE) serve

## The admin's import runs inside its request: --timeout lets a large one finish
serve:
	$(VENV)/bin/gunicorn -c python:tracker.gunicorn_conf tracker.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 300 --no-control-socket \
	  --access-logfile -

## make test: install, lint, check migrations and deploy settings, run the suite on SQLite and
## PostgreSQL and the replica tests, two at a time, then the load and restart checks, then the
## cluster test. Two at a time, one per core (the README gives the times).
test: setup lint
	scripts/ensure-system-packages
	$(MAKE) compilemessages $(NODE)
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) check-deploy
	$(MAKE) -j2 --output-sync=target test-postgres test-sqlite-heavy test-sqlite-rest test-replica
	SKIP_KILL=1 $(MAKE) reliability
	$(MAKE) test-cluster

## make test-sqlite: the whole suite on SQLite in one process. make test runs it as two halves
## (the browser tests with the longest others beside the PostgreSQL run, then the rest), so that
## both cores stay busy until the end.
HEAVY = tests/browser tests/test_api_schema.py tests/test_import_kill.py tests/test_bad_input.py \
  tests/test_backup_restore.py
test-sqlite:
	$(PY) -m pytest -q

test-sqlite-heavy:
	$(PY) -m pytest -q $(HEAVY)

test-sqlite-rest:
	$(PY) -m pytest -q $(addprefix --ignore=,$(HEAVY))

test-postgres:
	scripts/with-postgres $(PY) -m pytest -q -m "not browser and not slow"

## make test-replica: the read-replica tests against a real primary and streaming replica
test-replica:
	scripts/with-postgres-replica $(PY) -m pytest -q tests/test_replica.py

## make test-cluster: Redis, a PostgreSQL primary and streaming replica, two gunicorn app servers
## behind HAProxy, all on loopback; 60 s of load while one app server is killed and restarted
## (about 2 minutes; part of make test). Figures in var/cluster/result.json.
test-cluster: setup
	scripts/ensure-system-packages
	scripts/with-postgres-replica $(PY) reliability/cluster.py --json var/cluster/result.json

## make reliability: kill -9 of an import, 60 s of load on SQLite and PostgreSQL, PostgreSQL
## restarted under load (about 3.5 minutes; part of make test)
reliability: setup
	scripts/ensure-system-packages
	reliability/run.sh

## make bench: world-scale benchmarks on SQLite and PostgreSQL, beside Datasette (not in make test)
bench: setup
	benchmarks/run.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

check-deploy:
	PRODUCTION=1 SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=tracker.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache
