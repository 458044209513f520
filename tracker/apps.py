import os

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Treaty compliance tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the signal handlers that invalidate cached pages on every edit, in every
        # process (server, commands, tests), not only where the middleware is loaded. (Cache
        # invalidation is the only work left to signals: derived data is kept by the writes
        # in tracker.services.)
        from tracker import cache  # noqa: F401

        connection_created.connect(_sqlite_owner_only, dispatch_uid="tracker-sqlite-owner-only")


def _sqlite_owner_only(sender, connection, **kwargs):
    """A SQLite file (and its -wal, -shm files) holds API tokens and sessions: owner-only,
    wherever DATABASE_URL puts it."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for path in (name, f"{name}-wal", f"{name}-shm"):
        if os.path.exists(path) and os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)
