"""``manage.py restore PATH``: replace the live database's contents with a backup made by
``manage.py backup``. SQLite copies the file back with the online backup API; PostgreSQL runs
``pg_restore --clean --if-exists`` in one transaction, so a failed restore changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tracker.management.commands.backup import (
    postgres_env,
    run_tool,
    sqlite_integrity,
    sqlite_migrations,
    sqlite_open,
)


class Command(BaseCommand):
    help = (
        "Replace the live database's contents with a backup made by `manage.py backup`. "
        "Everything written since that backup is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Backup file written by `manage.py backup`.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, path, database, interactive, **options):
        source = Path(path).resolve()
        if not source.is_file():
            raise CommandError(f"Backup file {source} does not exist.")
        connection = connections[database]
        if connection.vendor not in {"sqlite", "postgresql"}:
            raise CommandError(f"No restore method for {connection.vendor} databases.")
        # Check the backup before touching the live database.
        if connection.vendor == "sqlite":
            result = sqlite_integrity(source)
            if result != "ok":
                raise CommandError(
                    f"{source} failed its integrity check, nothing restored: {result}"
                )
            sqlite_migrations(source)
        else:
            # Reads the archive's table of contents only: a damaged or foreign file fails here.
            run_tool(["pg_restore", "--list", str(source)], postgres_env(connection.settings_dict))
        if interactive:
            answer = input(
                f"This replaces every record in the {connection.vendor} database "
                f"{connection.settings_dict['NAME']!r} with the contents of {source}.\n"
                "Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        # Our own connections would hold locks (and, on SQLite, a stale view of the file).
        connections.close_all()
        if connection.vendor == "sqlite":
            self.restore_sqlite(source, Path(connection.settings_dict["NAME"]))
        else:
            run_tool(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={connection.settings_dict['NAME']}",
                    str(source),
                ],
                postgres_env(connection.settings_dict),
            )
        self.stdout.write(
            self.style.SUCCESS(f"Restored {source} into the {connection.vendor} database.")
        )
        self.warn_about_migrations(connection)

    def restore_sqlite(self, source: Path, live: Path) -> None:
        backup = sqlite_open(source)
        target = sqlite_open(live)
        try:
            # Copied page by page under the live file's own lock, so other processes see either
            # the old database or the restored one, never a mix, and keep their file handles.
            backup.backup(target, pages=-1)
        finally:
            target.close()
            backup.close()
        result = sqlite_integrity(live)
        if result != "ok":
            raise CommandError(f"The restored database failed its integrity check: {result}")

    def warn_about_migrations(self, connection) -> None:
        """A backup from an older release lacks newer migrations: say how to catch up."""
        applied = set(MigrationRecorder(connection).applied_migrations())
        known = set(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
        missing = known - applied
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(missing)} migration(s): run `manage.py migrate`."
                )
            )
