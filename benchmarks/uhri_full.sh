#!/usr/bin/env bash
# The full-size UHRI import: a synthetic export of 267,548 records in the real JSON layout
# (benchmarks/make_uhri_real.py, seed 1), imported with --skip-invalid into a fresh SQLite
# database and into a throwaway PostgreSQL cluster (scripts/with-postgres, loopback only), each
# after the seeds; beside `sqlite-utils insert` of the same records into an empty SQLite file.
# Heavy (several minutes): not part of `make test` or `make bench`. Figures: benchmarks/RESULTS.md.
# UHRI_ROWS (default 267548) sets the size.
set -euo pipefail
cd "$(dirname "$0")/.."
B=var/bench
PY=.venv/bin/python
ROWS=${UHRI_ROWS:-267548}
JSON="$B/uhri-real-$ROWS.json"
mkdir -p "$B"
[ -s "$JSON" ] || $PY benchmarks/make_uhri_real.py "$ROWS" --seed 1 --out "$JSON"
ls -l "$JSON" >&2

import_into() {  # $1: label; DATABASE_URL set
  $PY manage.py migrate -v0
  $PY manage.py load_seeds >/dev/null
  /usr/bin/time -f "$1: %e s wall, %U s user, %S s system, peak %M KB" \
    $PY manage.py import uhri "$JSON" --skip-invalid --report "$B/uhri-skipped-$1.csv"
}

echo "== SQLite" >&2
rm -f "$B"/uhri-import.sqlite3*
DATABASE_URL="sqlite:///$PWD/$B/uhri-import.sqlite3" import_into sqlite

echo "== sqlite-utils insert (floor)" >&2
rm -f "$B/uhri-floor.db"
/usr/bin/time -f "sqlite-utils insert: %e s wall, %U s user, %S s system, peak %M KB" \
  .venv/bin/sqlite-utils insert "$B/uhri-floor.db" uhri "$JSON"

echo "== PostgreSQL" >&2
export -f import_into
export PY JSON B
scripts/with-postgres bash -c 'import_into postgresql'
