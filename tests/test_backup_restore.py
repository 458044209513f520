"""`manage.py backup` and `manage.py restore` against a real database file or server: edits made
after a backup are gone after restoring it, everything else is exactly as it was, and a backup
taken while an editor is writing holds whole transactions only.

The commands run in subprocesses against their own database (a SQLite file; on PostgreSQL a
scratch database on the server in DATABASE_URL), because the suite's test database is in memory.
"""

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))


def manage(database_url: str, *args: str, timeout: int = 180) -> str:
    """Run manage.py against database_url; fail the test with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def snapshot(database_url: str) -> list[dict]:
    """Every row of every table, as dumpdata sees it (sorted, so order cannot differ)."""
    rows = json.loads(manage(database_url, "dumpdata", "--format=json"))
    return sorted(rows, key=lambda row: (row["model"], str(row["pk"])))


def postgres_admin():
    import psycopg

    params = dj_database_url.parse(SERVER_URL)
    return psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def postgres_url(name: str) -> str:
    params = dj_database_url.parse(SERVER_URL)
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    port = params["PORT"] or 5432
    return f"postgres://{params['USER']}{password}@{params['HOST']}:{port}/{name}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def template(request, tmp_path_factory):
    """A migrated database holding the curated seed data, made once per backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("backup") / "template.sqlite3"
        manage(f"sqlite:///{path}", "migrate", "--noinput", "-v0")
        manage(f"sqlite:///{path}", "load_seeds")
        yield ("sqlite", path)
        return
    if not ON_POSTGRES:
        pytest.skip("DATABASE_URL is not PostgreSQL (run under scripts/with-postgres)")
    name = f"backup_template_{secrets.token_hex(4)}"
    with postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    manage(postgres_url(name), "migrate", "--noinput", "-v0")
    manage(postgres_url(name), "load_seeds")
    yield ("postgresql", name)
    with postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live_url(template, tmp_path):
    """A fresh copy of the template database, standing in for the live one."""
    vendor, source = template
    if vendor == "sqlite":
        path = tmp_path / "live.sqlite3"
        shutil.copy(source, path)
        yield f"sqlite:///{path}"
        return
    name = f"backup_live_{secrets.token_hex(4)}"
    with postgres_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    yield postgres_url(name)
    with postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def integrity(path: Path) -> str:
    from tracker.management.commands.backup import sqlite_integrity

    return sqlite_integrity(path)


EDITS = """
from django.contrib.auth.models import User
from tests.factories import SourceFactory
from tracker import models as m

m.Country.objects.filter(code="KAZ").update(name="Edited after the backup")
m.Ratification.objects.order_by("pk").first().delete()
SourceFactory(key="after-backup", title="Written after the backup")
User.objects.create_user("late-editor")
"""


def test_restore_undoes_edits_made_after_the_backup_and_keeps_everything_else(live_url, tmp_path):
    before = snapshot(live_url)
    assert len(before) > 400  # the curated seeds, not an empty database
    backup = tmp_path / "tracker.backup"

    out = manage(live_url, "backup", str(backup))
    assert "Backed up" in out
    assert backup.stat().st_size > 0
    if live_url.startswith("sqlite"):
        assert integrity(backup) == "ok"

    manage(live_url, "shell", "-v0", "-c", EDITS)
    edited = snapshot(live_url)
    assert edited != before
    assert any(
        r["model"] == "tracker.source" and r["fields"]["key"] == "after-backup" for r in edited
    )

    out = manage(live_url, "restore", "--noinput", str(backup))
    assert "Restored" in out
    after = snapshot(live_url)
    # The edits are gone and every other row is back exactly as it was.
    assert after == before
    kaz = next(r for r in after if r["model"] == "tracker.country" and r["pk"] == "KAZ")
    assert kaz["fields"]["name"] == "Kazakhstan"
    assert not any(
        r["model"] == "auth.user" and r["fields"]["username"] == "late-editor" for r in after
    )
    if live_url.startswith("sqlite"):
        assert integrity(Path(live_url.removeprefix("sqlite:///"))) == "ok"


WRITER = """
import sys, time
from pathlib import Path
from django.db import transaction
from tracker import models as m

stop = Path({stop!r})
i = 0
while not stop.exists():
    with transaction.atomic():
        m.Theme.objects.create(slug=f"pair-{{i}}-a", name=f"Pair {{i}} A")
        time.sleep(0.01)  # keeps each transaction open long enough to be caught mid-way
        m.Theme.objects.create(slug=f"pair-{{i}}-b", name=f"Pair {{i}} B")
    i += 1
    if i == 1:
        print("started", flush=True)
print(i)
"""

COUNT_PAIRS = """
from tracker import models as m
a = m.Theme.objects.filter(slug__endswith="-a", slug__startswith="pair-").count()
b = m.Theme.objects.filter(slug__endswith="-b", slug__startswith="pair-").count()
print(a, b)
"""


def test_backup_of_a_database_being_written_holds_whole_transactions(live_url, tmp_path):
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-v0", "-c", WRITER.format(stop=str(stop))],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": live_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "started", writer.stderr.read()
        time.sleep(1)  # dozens of transactions committed, one open
        backup = tmp_path / "during-writes.backup"
        started = time.monotonic()
        manage(live_url, "backup", str(backup))
        backup_seconds = time.monotonic() - started
        time.sleep(1)  # more transactions after the backup
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out.split()[-1])

    manage(live_url, "restore", "--noinput", str(backup))
    a, b = (int(n) for n in manage(live_url, "shell", "-v0", "-c", COUNT_PAIRS).split())
    print(f"backup during writes: {a} of {written} transactions, backup took {backup_seconds:.2f}s")
    # Some transactions made it into the backup, later ones did not, none is half there.
    assert 0 < a < written
    assert a == b
    if live_url.startswith("sqlite"):
        assert integrity(Path(live_url.removeprefix("sqlite:///"))) == "ok"


# Bad input: clear errors, nothing changed ----------------------------------------------------


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path, db):
    from tests.factories import CountryFactory
    from tracker.models import Country

    CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"not a database" * 100)
    expected = (
        "pg_restore failed.*not .*valid archive"
        if ON_POSTGRES
        else "failed its integrity check, nothing restored"
    )
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(garbage), "--noinput")
    assert list(Country.objects.values_list("name", flat=True)) == ["Kazakhstan"]


def test_restore_refuses_a_sqlite_file_that_is_not_a_tracker_database(tmp_path, db):
    if ON_POSTGRES:
        pytest.skip("SQLite only")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(CommandError, match="is not a tracker database"):
        call_command("restore", str(other), "--noinput")


def test_restore_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.backup"), "--noinput")


def test_backup_refuses_a_folder_or_a_missing_folder(tmp_path, db):
    with pytest.raises(CommandError, match="is a directory"):
        call_command("backup", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "no-such-folder" / "x.backup"))


def test_a_backup_is_readable_by_its_owner_only(live_url, tmp_path):
    target = tmp_path / "tracker.backup"
    manage(live_url, "backup", str(target))
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_sqlite_database_the_app_opens_is_made_owner_only(live_url):
    if not live_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    path = Path(live_url.removeprefix("sqlite:///"))
    path.chmod(0o644)
    manage(live_url, "showmigrations", "tracker")  # opens the database
    assert path.stat().st_mode & 0o777 == 0o600
