#!/usr/bin/env bash
# make reliability: the fault and load tests, on SQLite and on a throwaway PostgreSQL cluster.
# Figures go to var/reliability/*.json (and the terminal); any failed check fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=var/reliability
mkdir -p "$OUT"
started=$(date +%s)

echo "== kill -9 of an import halfway (SQLite)"
$PY -m pytest -q tests/test_import_kill.py

echo "== load: SQLite"
$PY reliability/load.py --json "$OUT/load-sqlite.json"

echo "== load: PostgreSQL"
scripts/with-postgres $PY reliability/load.py --json "$OUT/load-postgres.json"

echo "== PostgreSQL restarted under load"
scripts/with-postgres $PY reliability/load.py --duration 30 --restart-postgres \
  --json "$OUT/restart-postgres.json"

echo "== all reliability checks passed in $(( $(date +%s) - started )) s"
