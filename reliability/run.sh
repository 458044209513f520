#!/usr/bin/env bash
# make reliability: the fault and load tests, on SQLite and on a throwaway PostgreSQL cluster.
# Figures go to var/reliability/*.json (and the terminal); any failed check fails the run.
# LOAD_SECONDS (default 60) sets the length of each load run; SKIP_KILL=1 leaves out the
# import-kill test (make test runs it with the rest of the suite already).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=var/reliability
mkdir -p "$OUT"
started=$(date +%s)

SECS=${LOAD_SECONDS:-60}

if [ -z "${SKIP_KILL:-}" ]; then
  echo "== kill -9 of an import halfway (SQLite)"
  $PY -m pytest -q tests/test_import_kill.py
fi

echo "== load: SQLite"
$PY reliability/load.py --duration "$SECS" --json "$OUT/load-sqlite.json"

echo "== load: PostgreSQL"
scripts/with-postgres $PY reliability/load.py --duration "$SECS" --json "$OUT/load-postgres.json"

echo "== PostgreSQL restarted under load"
scripts/with-postgres $PY reliability/load.py --duration 30 --restart-postgres \
  --json "$OUT/restart-postgres.json"

echo "== all reliability checks passed in $(( $(date +%s) - started )) s"
