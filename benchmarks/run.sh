#!/usr/bin/env bash
# make bench: build the world-scale database on SQLite and on PostgreSQL, then measure the API,
# the pages, full-text search and the UHRI import beside Datasette, sqlite-utils and the raw
# floor (benchmarks/bench.py). Loopback only; every load run is bounded. About ten minutes.
# BENCH_SECONDS (default 10) sets the length of each load run.
set -euo pipefail
cd "$(dirname "$0")/.."
B=var/bench
PY=.venv/bin/python
SECS=${BENCH_SECONDS:-10}
WORLD=(--concerns 250000 --claims 50000 --reports 100000 --seed 1)
mkdir -p "$B"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ ! -x "$B/venv/bin/datasette" ]; then
  python3 -m venv "$B/venv"
  "$B/venv/bin/pip" install --quiet datasette sqlite-utils
fi

{
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB memory, $(uname -sr)"
  echo "python: $($PY -c 'import platform; print(platform.python_version())')," \
    "sqlite: $($PY -c 'import sqlite3; print(sqlite3.sqlite_version)')," \
    "postgresql: $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/postgres" --version)"
  echo "datasette: $("$B/venv/bin/datasette" --version), wrk: $(wrk -v 2>&1 | head -n 1)"
} | tee "$B/machine.txt"

echo "== SQLite" >&2
rm -f "$B"/world.sqlite3*
export DATABASE_URL="sqlite:///$PWD/$B/world.sqlite3"
$PY manage.py migrate -v0
/usr/bin/time -f "generate_world on SQLite: %e s, peak %M KB" \
  $PY manage.py generate_world "${WORLD[@]}" | tail -n 1
$PY benchmarks/bench.py --label sqlite --seconds "$SECS" | tee "$B/results-sqlite.md"

echo "== PostgreSQL" >&2
scripts/with-postgres sh -c "
  $PY manage.py migrate -v0 &&
  /usr/bin/time -f 'generate_world on PostgreSQL: %e s, peak %M KB' \
    $PY manage.py generate_world ${WORLD[*]} | tail -n 1 &&
  $PY benchmarks/bench.py --label postgresql --seconds $SECS" | tee "$B/results-postgresql.md"
