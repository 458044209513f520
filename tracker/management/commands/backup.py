"""``manage.py backup PATH``: a consistent copy of the live database, taken without stopping
the app. SQLite uses its online backup API; PostgreSQL uses ``pg_dump -Fc``.

The helpers here are shared with ``restore``.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.sqlite3._functions import register as register_django_functions


def sqlite_open(path: Path) -> sqlite3.Connection:
    """Connect to an existing SQLite file (never creating one by mistake)."""
    if not path.is_file():
        raise CommandError(f"Database file {path} does not exist.")
    # Read-write even for reading: a read-only connection cannot open a WAL database whose
    # shared-memory file is missing.
    db = sqlite3.connect(path, timeout=20)
    # The SQL functions Django adds to its own connections (REGEXP and others): CHECK
    # constraints call them, and integrity_check evaluates every constraint.
    register_django_functions(db)
    return db


def sqlite_integrity(path: Path) -> str:
    """Result of ``PRAGMA integrity_check`` on a SQLite file: ``"ok"`` when it is sound."""
    db = sqlite_open(path)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()
    return "; ".join(row[0] for row in rows)


def sqlite_migrations(path: Path) -> set[tuple[str, str]]:
    """The (app, migration) pairs recorded in a SQLite file; raises CommandError if it has none."""
    db = sqlite_open(path)
    try:
        rows = db.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.DatabaseError as exc:
        raise CommandError(f"{path} is not a tracker database: {exc}.") from exc
    finally:
        db.close()
    return set(rows)


def postgres_env(settings_dict: dict) -> dict[str, str]:
    """Environment for the PostgreSQL client tools, from Django's connection settings.

    The password travels in the environment, never on the command line where ``ps`` shows it.
    """
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in [
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ]:
        values[variable] = options.get(option)
    env.update({name: str(value) for name, value in values.items() if value})
    return env


def run_tool(args: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client tool; its error output becomes the CommandError's message."""
    if shutil.which(args[0]) is None:
        raise CommandError(f"{args[0]} not found: install the PostgreSQL client tools.")
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{args[0]} failed (exit {result.returncode}): {result.stderr.strip()}")


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the live database to PATH (SQLite: online backup API; "
        "PostgreSQL: pg_dump custom format). Safe while the app is serving."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to write; replaced atomically if it exists.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args, path, database, **options):
        target = Path(path).resolve()
        if target.is_dir():
            raise CommandError(f"{target} is a directory; give a file name.")
        if not target.parent.is_dir():
            raise CommandError(f"Folder {target.parent} does not exist.")
        connection = connections[database]
        # Written beside the target and renamed into place, so a failed or interrupted backup
        # never leaves a half-written file under the real name.
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        # A backup holds API tokens, sessions and drafts: readable by its owner alone, from the
        # first byte (the mask covers files the copy and pg_dump create).
        mask = os.umask(0o077)
        try:
            if connection.vendor == "sqlite":
                self.backup_sqlite(connection, partial)
            elif connection.vendor == "postgresql":
                run_tool(
                    ["pg_dump", "--format=custom", f"--file={partial}"],
                    postgres_env(connection.settings_dict),
                )
            else:
                raise CommandError(f"No backup method for {connection.vendor} databases.")
            os.chmod(partial, 0o600)
            os.replace(partial, target)
        finally:
            os.umask(mask)
            partial.unlink(missing_ok=True)
        size = target.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up the {connection.vendor} database to {target} ({size:,} bytes)."
            )
        )

    def backup_sqlite(self, connection, partial: Path) -> None:
        source = sqlite_open(Path(connection.settings_dict["NAME"]))
        target = sqlite3.connect(partial)
        try:
            # One step (pages=-1) reads the whole database inside a single read transaction:
            # a snapshot of one moment. In WAL mode writers carry on meanwhile.
            source.backup(target, pages=-1)
            # The copy is one self-contained file, with no -wal file beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
        result = sqlite_integrity(partial)
        if result != "ok":
            raise CommandError(f"The copy failed its integrity check: {result}")
