"""An import does not hold SQLite's write lock while it reads and checks its file, a preview never
takes it, and an editor who saves while another write holds it gets a message, not a 503.

SQLite allows one writer at a time, and the tracker's write transactions begin IMMEDIATE (they
take the lock at once). These tests need a real database file shared by several connections: the
test database (in memory) is copied to a file, and imports and editors run in child processes
against it, while this process probes the lock with ``BEGIN IMMEDIATE`` on a connection of its
own that does not wait (``timeout=0``): it fails at once whenever another connection holds it.
"""

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1500  # at 2 ms a row (the child slows its parser), 3 s to read the file per pass


@pytest.fixture
def database_file(transactional_db, tmp_path):
    """A copy of the test database, with a country, a body, a theme and a claim, in a file."""
    from django.db import connection

    from tests.factories import BodyFactory, ClaimFactory, CountryFactory, ThemeFactory
    from tracker.services import editor_create

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single write lock (PostgreSQL locks rows, not the database)")
    kaz = CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    BodyFactory(code="CAT", name="Committee against Torture")
    ThemeFactory(slug="torture", name="Torture")
    ClaimFactory(country=kaz, key="claim-one", summary="First summary.")
    editor_create(username="editor", password="editor-pass-1234", email="")
    path = tmp_path / "tracker.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("CREATE TABLE lock_probe (n INTEGER)")
    target.commit()
    target.close()
    return path


def _child(path: Path, function: str, *args: str, **popen):
    """Run ``function`` of this module in a child process on the database file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    code = f"import tests.test_import_locking as t; t.{function}(*{list(args)!r})"
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True, **popen)


def _can_write(path: Path) -> bool:
    """Whether a write can begin at once (no other connection holds the write lock)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    else:
        conn.execute("INSERT INTO lock_probe VALUES (1)")
        conn.execute("COMMIT")
        return True
    finally:
        conn.close()


def _probe_while_importing(path: Path, upload: Path, dry_run: bool) -> dict[str, list[bool]]:
    """Start an import in a child; while it parses, try to write, over and over. Returns, for
    each phase the child announced ("check", "write"), whether each try could write at once."""
    child = _child(
        path, "child_import", str(upload), "1" if dry_run else "", stdout=subprocess.PIPE
    )
    tries: dict[str, list[bool]] = {}
    phases: list[str] = []
    # The child's lines are read in a thread, so that the probing never waits for one.
    reader = threading.Thread(
        target=lambda: phases.extend(
            line.split()[1] for line in child.stdout if line.startswith("phase ")
        ),
        daemon=True,
    )
    reader.start()
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if phases:
            phase = phases[-1]
            could = _can_write(path)
            # Counted if the phase did not change during the try.
            if phases[-1] == phase and phase in ("check", "write"):
                tries.setdefault(phase, []).append(could)
        time.sleep(0.05)
    child.wait(timeout=30)
    assert child.returncode == 0
    return tries


def test_a_preview_never_takes_the_write_lock(database_file, tmp_path):
    upload = tmp_path / "uhri.csv"
    from tests.factories import uhri_csv

    upload.write_bytes(uhri_csv(ROWS))
    tries = _probe_while_importing(database_file, upload, dry_run=True)
    assert list(tries) == ["check"]  # a preview is the check phase alone
    assert len(tries["check"]) > 10
    assert all(tries["check"]), [i for i, ok in enumerate(tries["check"]) if not ok]
    conn = sqlite3.connect(database_file)
    assert conn.execute("SELECT count(*) FROM tracker_concern").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM lock_probe").fetchone()[0] >= len(tries["check"])


def test_others_write_at_once_while_an_import_checks_its_file(database_file, tmp_path):
    upload = tmp_path / "uhri.csv"
    from tests.factories import uhri_csv

    upload.write_bytes(uhri_csv(ROWS))
    tries = _probe_while_importing(database_file, upload, dry_run=False)
    # While the import reads and checks the file, every other write begins at once...
    assert len(tries["check"]) > 10 and all(tries["check"])
    # ...and only its write phase holds the lock (the probe does see a held lock).
    assert tries["write"] and not any(tries["write"])
    conn = sqlite3.connect(database_file)
    assert conn.execute("SELECT count(*) FROM tracker_concern").fetchone()[0] == ROWS
    assert conn.execute("SELECT count(*) FROM lock_probe").fetchone()[0] >= len(tries["check"])


def test_an_editor_saving_while_the_lock_is_held_gets_a_message_and_loses_nothing(
    database_file,
):
    child = _child(database_file, "child_editor", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    seen = json.loads(out.strip().splitlines()[-1])
    # The admin shows the form again, with what the editor typed and the reason.
    assert seen["admin_locked"]["status"] == 200
    assert seen["admin_locked"]["message"]
    assert seen["admin_locked"]["kept_input"]
    # The API says so in JSON with 423 and when to try again; never a 503.
    assert seen["api_locked"]["status"] == 423
    assert "busy writing another change" in seen["api_locked"]["detail"]
    assert int(seen["api_locked"]["retry_after"]) > 0
    # Nothing was saved while locked; once the lock is free, the same saves go through.
    assert seen["while_locked"] == {"theme": "Torture", "claim": "First summary."}
    assert seen["admin_again"] == 302 and seen["api_again"] == 200
    conn = sqlite3.connect(database_file)
    assert conn.execute("SELECT name FROM tracker_theme WHERE slug = 'torture'").fetchone() == (
        "Torture and ill-treatment",
    )
    assert conn.execute("SELECT summary FROM tracker_claim WHERE key = 'claim-one'").fetchone() == (
        "Second summary.",
    )


def _sqlite_error(name: str):
    """An OperationalError as Django raises it from SQLite, with SQLite's result code."""
    from django.db import OperationalError

    cause = sqlite3.OperationalError("database is locked")
    cause.sqlite_errorname = name
    error = OperationalError(*cause.args)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("name", "status"), [("SQLITE_BUSY", 423), ("SQLITE_IOERR", 503)])
@pytest.mark.parametrize(
    ("url", "content_type"), [("/", "text/html"), ("/api/", "application/json")]
)
def test_a_locked_database_is_told_apart_from_an_outage(db, name, status, url, content_type):
    from unittest import mock

    from django.test import Client

    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.contrib.sessions.middleware.SessionMiddleware.process_request",
        side_effect=_sqlite_error(name),
    ):
        response = client.get(url)
    assert response.status_code == status
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(content_type)
    if status == 423:
        assert b"Save again in a moment" in response.content


# The check phase of every format: reads only, and decides what the import then does -----------


@contextlib.contextmanager
def reads_only():
    """Fail any statement but a SELECT (a write, or a BEGIN or SAVEPOINT opening a transaction).

    For tests that commit (``transactional_db``): inside a test's transaction Django validates
    constraints under a savepoint, where in autocommit it opens no transaction at all.
    """
    from django.db import connection

    assert connection.get_autocommit(), "use transactional_db: no test transaction around it"

    def refuse(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise AssertionError(f"the check phase sent {sql[:60]!r}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def assert_preview_is_what_the_import_does(fmt: str, path: Path, **options):
    """A dry run sends nothing but SELECTs, and its counts and list of records are those of the
    import that follows."""
    from tracker.importers import run_import

    with reads_only():
        plan = run_import(fmt, path, dry_run=True, **options)
    done = run_import(fmt, path, **options)
    assert plan.counts == done.counts
    assert plan.changes and [(c.kind, c.key, c.action, c.fields) for c in plan.changes] == [
        (c.kind, c.key, c.action, c.fields) for c in done.changes
    ]
    return plan


def test_the_tracker_format_s_preview_reads_only_and_is_what_the_import_does(
    transactional_db, tmp_path
):
    from django.core.management import call_command

    from tests.test_export import build_world
    from tracker import models as m

    build_world(2)
    path = tmp_path / "tracker.json"
    call_command("export", "all", "--format", "json", "--output", str(path))
    m.Claim.objects.filter(key="kaz-claim-0").update(summary="Changed since.")
    m.Claim.objects.filter(key="kaz-claim-1").delete()
    plan = assert_preview_is_what_the_import_does("tracker", path)
    changed = {(c.key, c.action, c.fields) for c in plan.changes if c.kind == "claims"}
    assert ("kaz-claim-0", "updated", ("summary",)) in changed
    assert any(key == "kaz-claim-1" and action == "created" for key, action, _ in changed)


# What the child processes run ------------------------------------------------------------------


def _setup(timeout: float | None = None) -> None:
    import django
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    django.setup()
    if timeout is not None:  # the busy timeout (20 s in settings.py), shorter for the test
        settings.DATABASES["default"]["OPTIONS"]["timeout"] = timeout


def child_import(upload: str, dry_run: str) -> None:
    """Import a UHRI file with a slowed parser, printing ``phase check`` as it starts reading
    outside a transaction and ``phase write`` once a transaction holds the write lock."""
    _setup()
    from django.db import connection, transaction

    from tracker.importers import run_import, uhri

    parse = uhri._Parser.parse

    def slow_parse(self, row):
        if not connection.in_atomic_block and not getattr(self, "announced", False):
            self.announced = True
            print("phase check", flush=True)
        time.sleep(0.002)
        return parse(self, row)

    enter = transaction.Atomic.__enter__

    def announced_enter(self):
        if connection.in_atomic_block:
            return enter(self)
        # Said a while before the lock is taken, so that no try is put down to the wrong phase.
        print("phase begin", flush=True)
        time.sleep(0.3)
        enter(self)
        print("phase write", flush=True)

    write = uhri._Writer.write

    def slow_write(self, entries):
        if self.write_rows:
            time.sleep(1)  # long enough for a few tries while the lock is held
        return write(self, entries)

    uhri._Parser.parse = slow_parse
    uhri._Writer.write = slow_write
    transaction.Atomic.__enter__ = announced_enter
    result = run_import("uhri", Path(upload), dry_run=bool(dry_run))
    # Said before the connection closes: SQLite's checkpoint on the last close locks briefly.
    print("phase done", flush=True)
    print(json.dumps({k: dict(v) for k, v in result.counts.items()}), flush=True)


def _form_values(html: str) -> dict[str, str]:
    """The values a browser would send for the first POST form of an admin page."""
    from html.parser import HTMLParser

    values: dict[str, str] = {}

    class Form(HTMLParser):
        select = textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                values[a["name"]] = a.get("value") or ""
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and "selected" in a:
                values[self.select] = a.get("value") or ""
            elif tag == "textarea":
                self.textarea = a.get("name")
                values[self.textarea] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                values[self.textarea] += data

    Form().feed(html)
    return values


def child_editor() -> None:
    """An editor saves a theme in the admin and a claim through the API while another
    connection holds the write lock, then again once it is free; prints what happened."""
    _setup(timeout=0.5)
    from django.contrib.auth.models import User
    from django.test import Client

    from tracker import models as m

    client = Client()
    client.force_login(User.objects.get(username="editor"))
    theme_url = "/admin/tracker/theme/torture/change/"
    form = _form_values(client.get(theme_url).content.decode())
    form["name"] = "Torture and ill-treatment"
    claim = m.Claim.objects.get(key="claim-one")
    claim_url = f"/api/claims/{claim.pk}/"
    body = json.dumps({"summary": "Second summary."})

    holder = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # as an import's write phase does
    admin = client.post(theme_url, form)
    page = admin.content.decode()
    api = client.patch(claim_url, body, content_type="application/json")
    while_locked = {
        "theme": m.Theme.objects.get(slug="torture").name,
        "claim": m.Claim.objects.get(key="claim-one").summary,
    }
    holder.execute("ROLLBACK")
    holder.close()

    again = client.post(theme_url, form)
    api_again = client.patch(claim_url, body, content_type="application/json")
    print(
        json.dumps(
            {
                "admin_locked": {
                    "status": admin.status_code,
                    "message": "busy writing another change" in page,
                    "kept_input": 'value="Torture and ill-treatment"' in page,
                },
                "api_locked": {
                    "status": api.status_code,
                    "detail": api.json().get("detail", "") if api.status_code != 500 else "",
                    "retry_after": api.get("Retry-After", "0"),
                },
                "while_locked": while_locked,
                "admin_again": again.status_code,
                "api_again": api_again.status_code,
            }
        )
    )
