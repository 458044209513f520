"""``kill -9`` of a UHRI import halfway leaves the SQLite database exactly as it was.

The import runs in its own process against a seeded database file; once it has started writing
(its uncommitted pages spill into the write-ahead log) it is killed with SIGKILL. Every table's row
count, a checksum of the concerns table and ``PRAGMA integrity_check`` are then what they were
before, and the next import succeeds.
"""

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )


def _state(path: Path) -> dict:
    """Row counts of every table and a checksum of the concerns, read from a fresh connection."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        digest = hashlib.sha256()
        for row in conn.execute("SELECT * FROM tracker_concern ORDER BY id"):
            digest.update(repr(row).encode())
        return {"counts": counts, "concerns_sha256": digest.hexdigest()}
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    # The check constraints use REGEXP, which Django registers on its own connections.
    conn.create_function(
        "REGEXP", 2, lambda pattern, value: value is not None and bool(re.search(pattern, value))
    )
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_killed_import_leaves_database_as_before_and_next_import_succeeds(tmp_path):
    db = tmp_path / "tracker.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    for step in (["migrate", "--noinput", "-v0"], ["load_seeds"]):
        done = _run(env, "manage.py", *step)
        assert done.returncode == 0, done.stderr
    big, small = tmp_path / "uhri-big.csv", tmp_path / "uhri-small.csv"
    for rows, target in ((60000, big), (500, small)):
        with open(target, "w") as out:
            subprocess.run(
                [sys.executable, "benchmarks/make_uhri.py", str(rows)],
                cwd=ROOT,
                stdout=out,
                check=True,
            )
    before = _state(db)
    wal = Path(f"{db}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0

    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import", "uhri", str(big)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the import's transaction has written pages to the log (well past a few rows),
    # then kill it without warning.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and importer.poll() is None:
        if wal.exists() and wal.stat().st_size > wal_before + 2_000_000:
            break
        time.sleep(0.02)
    assert importer.poll() is None, "the import finished before it could be killed"
    written = wal.stat().st_size - wal_before
    os.kill(importer.pid, signal.SIGKILL)
    assert importer.wait() == -signal.SIGKILL
    assert written > 2_000_000

    assert _integrity(db) == "ok"
    assert _state(db) == before

    done = _run(env, "manage.py", "import", "uhri", str(small))
    assert done.returncode == 0, done.stderr
    after = _state(db)
    assert after["counts"]["tracker_concern"] > before["counts"]["tracker_concern"]
    assert _integrity(db) == "ok"
