"""Importers: one module per format, all run through ``run_import`` in one transaction."""

import datetime as dt
import logging
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from tracker import counts
from tracker.cache import content_changed
from tracker.importers.base import ImportDataError, ImportResult

FORMATS = ("untc-extract", "ohchr-ratifications", "uhri", "tracker")

__all__ = ["FORMATS", "ImportDataError", "ImportResult", "run_import"]


def run_import(
    fmt: str,
    path: Path,
    *,
    dry_run: bool = False,
    instrument: str | None = None,
    publish: bool = False,
    as_of: tuple[dt.date, str] | None = None,
    name: str | None = None,
) -> ImportResult:
    """Import one file (or a UNTC folder) in one transaction; a dry run rolls it back.

    ``name`` is the file name to report and to read an instrument from (an upload's own name).
    Raises ``ImportDataError`` on the first bad value, having changed nothing.
    """
    from tracker.importers import ohchr, trackerfmt, uhri, untc

    path = Path(path)
    name = name or path.name
    result = ImportResult()
    reason = f"import {fmt}: {name}"[:100]  # the history's reason column holds 100
    if not path.exists():
        raise ImportDataError(name, 0, "", str(path.name), "an existing file or folder")
    if path.is_dir() and fmt != "untc-extract":
        raise ImportDataError(name, 0, "", name, "a file, not a folder")
    # Each country whose records changed is recounted once, at the end (tracker.counts).
    with transaction.atomic(), counts.deferred():
        if fmt == "untc-extract":
            kwargs = {"as_of": as_of} if as_of else {}
            untc.import_untc(path, result=result, reason=reason, instrument=instrument, **kwargs)
        elif fmt == "ohchr-ratifications":
            ohchr.import_ohchr(path, result=result, reason=reason, instrument=instrument, name=name)
        elif fmt == "uhri":
            uhri.import_uhri(path, result=result, reason=reason, publish=publish, name=name)
        elif fmt == "tracker":
            trackerfmt.import_tracker(path, result=result, reason=reason, name=name)
        else:
            raise ImportDataError(name, 0, "", fmt, f"a format: {', '.join(FORMATS)}")
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        after_import(result)
    return result


# Above this many new rows the tables' statistics are refreshed: right after a bulk load the
# planner still sees the tables as they were (on SQLite with no statistics it read the concerns
# through the two-valued status index, 8 s for a list page instead of 50 ms).
ANALYZE_AFTER_ROWS = 10_000


def after_import(result: ImportResult) -> None:
    """Bulk writes send no model signals: drop cached pages, and refresh statistics after a
    large load."""
    content_changed()
    created = sum(counter["created"] for counter in result.counts.values())
    if created >= ANALYZE_AFTER_ROWS:
        try:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        except DatabaseError:  # the import is committed: log it, do not report a failure
            logging.getLogger(__name__).exception("ANALYZE after an import failed")
