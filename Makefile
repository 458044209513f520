# One command to run the app, one to run the tests; both set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run serve test test-sqlite test-postgres test-replica reliability bench lint check-deploy clean messages compilemessages

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

## axe-core for the browser tests' accessibility check (package.json pins it)
node_modules/axe-core/axe.min.js: package.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	touch $@

## make run: install, migrate, load the curated data, serve on http://127.0.0.1:8000
run: setup compilemessages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds
	$(MAKE) serve

## The admin's import runs inside its request: --timeout lets a large one finish
serve:
	$(VENV)/bin/gunicorn tracker.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 300 --no-control-socket \
	  --access-logfile -

## make test: install, lint, check migrations and deploy settings, run the suite on SQLite and
## PostgreSQL (side by side) and the replica tests, then the load and restart checks
test: setup lint
	scripts/ensure-system-packages
	$(MAKE) compilemessages node_modules/axe-core/axe.min.js
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) check-deploy
	$(MAKE) -j3 --output-sync=target test-sqlite test-postgres test-replica
	SKIP_KILL=1 $(MAKE) reliability

test-sqlite:
	$(PY) -m pytest -q

test-postgres:
	scripts/with-postgres $(PY) -m pytest -q -m "not browser and not slow"

## make test-replica: the read-replica tests against a real primary and streaming replica
test-replica:
	scripts/with-postgres-replica $(PY) -m pytest -q tests/test_replica.py

## make reliability: kill -9 of an import, 60 s of load on SQLite and PostgreSQL, PostgreSQL
## restarted under load (about 3.5 minutes; part of make test)
reliability: setup
	scripts/ensure-system-packages
	reliability/run.sh

## make bench: world-scale benchmarks on SQLite and PostgreSQL, beside Datasette (not in make test)
bench: setup
	benchmarks/run.sh

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check-deploy:
	PRODUCTION=1 SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=tracker.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/static .pytest_cache
