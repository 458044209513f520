"""Importers: one module per format, all run through ``run_import``: checked whole without a
write, then written in one transaction."""

import contextlib
import datetime as dt
import logging
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from tracker import counts
from tracker.cache import content_changed
from tracker.importers.base import ImportDataError, ImportResult, progress_listener

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
    skip_invalid: bool = False,
) -> ImportResult:
    """Import one file (or a UNTC folder): check it whole, then write it in one transaction.

    The check phase reads the file and the database and writes nothing, in no transaction: on
    SQLite, whose write transactions here begin IMMEDIATE (``settings.py``), it takes no write
    lock, so other editors save as usual while it runs. It finds every bad value and decides
    what would be created, updated and left unchanged. A dry run (the admin's preview) is that
    phase alone. Otherwise the write phase reads the file again and writes it in one
    transaction, deciding afresh under the write lock (what others saved meanwhile is seen).

    ``name`` is the file name to report and to read an instrument from (an upload's own name).
    Raises ``ImportDataError`` on the first bad value, having changed nothing; with
    ``skip_invalid`` (UHRI exports) rows that cannot be placed are left out instead and listed
    in ``result.skipped``.
    """
    path = Path(path)
    name = name or path.name
    reason = f"import {fmt}: {name}"[:100]  # the history's reason column holds 100
    if not path.exists():
        raise ImportDataError(name, 0, "", str(path.name), "an existing file or folder")
    if path.is_dir() and fmt != "untc-extract":
        raise ImportDataError(name, 0, "", name, "a file, not a folder")
    if skip_invalid and fmt != "uhri":
        raise ImportDataError(
            name, 0, "", fmt, "the uhri format (the only one --skip-invalid takes)"
        )
    if fmt not in FORMATS:
        raise ImportDataError(name, 0, "", fmt, f"a format: {', '.join(FORMATS)}")
    options = {
        "fmt": fmt,
        "path": path,
        "reason": reason,
        "instrument": instrument,
        "publish": publish,
        "as_of": as_of,
        "name": name,
        "skip_invalid": skip_invalid,
    }
    from tracker.importers import uhri

    # A UHRI export, possibly hundreds of thousands of rows, is parsed once: the check phase
    # keeps the parsed rows on disk and the write phase writes them, so that the write lock is
    # held for the writes alone. The other formats are small and read again.
    spill = uhri.Spill() if fmt == "uhri" and not dry_run else None
    try:
        plan = ImportResult()
        _run_importer(result=plan, write=False, spill=spill, **options)
        if dry_run:
            return plan
        result = ImportResult()
        # Each country whose records changed is recounted once, at the end (tracker.counts).
        with _progress_labelled("writing"), transaction.atomic(), counts.deferred():
            if spill is not None:
                uhri.write_spilled(spill, plan=plan, result=result, reason=reason, publish=publish)
            else:
                _run_importer(result=result, write=True, **options)
    finally:
        if spill is not None:
            spill.close()
    after_import(result)
    return result


def _run_importer(
    *, fmt, path, result, reason, write, instrument, publish, as_of, name, skip_invalid, spill=None
) -> None:
    from tracker.importers import ohchr, trackerfmt, uhri, untc

    if fmt == "untc-extract":
        kwargs = {"as_of": as_of} if as_of else {}
        untc.import_untc(
            path, result=result, reason=reason, instrument=instrument, write=write, **kwargs
        )
    elif fmt == "ohchr-ratifications":
        ohchr.import_ohchr(
            path, result=result, reason=reason, instrument=instrument, name=name, write=write
        )
    elif fmt == "uhri":
        uhri.import_uhri(
            path,
            result=result,
            reason=reason,
            publish=publish,
            name=name,
            skip_invalid=skip_invalid,
            write=write,
            spill=spill,
        )
    else:
        trackerfmt.import_tracker(path, result=result, reason=reason, name=name, write=write)


@contextlib.contextmanager
def _progress_labelled(phase: str):
    """Tell the progress listener, if any, which phase a step belongs to (``uhri, writing``)."""
    listener = progress_listener.get()
    if listener is None:
        yield
        return
    token = progress_listener.set(lambda label, *step: listener(f"{label}, {phase}", *step))
    try:
        yield
    finally:
        progress_listener.reset(token)


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
