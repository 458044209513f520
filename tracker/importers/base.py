"""What every importer shares: the error type, the result, file readers, dates, names, progress.

An importer reads a file into plain rows, checks every row, and writes in bulk inside the one
transaction ``run_import`` opens; any bad value raises ``ImportDataError`` and nothing is saved
(the UHRI importer, asked to skip invalid rows, keeps the errors in ``ImportResult.skipped``
instead and goes on). Each importer takes ``write``: with ``write=False`` (the check phase) it
reads the file and the database, decides everything, counts and lists what it would create or
change, and writes nothing at all.
"""

import csv
import datetime as dt
import functools
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker import models as m

SEEDS_DIR = Path(__file__).resolve().parent.parent.parent / "seeds"
THEME_ALIASES = SEEDS_DIR / "theme_aliases.csv"

# Rows per bulk_create / bulk_update call: large enough to be fast, small enough for SQLite's
# limit on variables per statement.
BATCH_SIZE = 2000


@dataclass
class ImportDataError(Exception):
    """A value an import cannot take, with where it is and what was expected."""

    file: str
    line: int
    column: str
    value: str
    expected: str
    unit: str = "line"  # what ``line`` counts: "record" for the records of a JSON array

    def __str__(self):
        where = f"{self.file}, {self.unit} {self.line}" if self.line else self.file
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.value!r} is not valid: expected {self.expected}"


# Records an import lists one by one (the admin's preview shows them); past this, only counted.
CHANGES_LIMIT = 200


@dataclass
class Change:
    """One record an import creates or changes: its kind, model, natural key and the fields."""

    kind: str
    model: type
    key: str
    action: str  # "created" or "updated"
    fields: tuple[str, ...] = ()
    url: str = ""  # set after the import: the record's admin page


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    counts: dict[str, Counter] = field(default_factory=dict)
    left_alone: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    # Rows left out by an import run with ``skip_invalid``: the errors that would have stopped it.
    skipped: list[ImportDataError] = field(default_factory=list)
    # The first ``CHANGES_LIMIT`` records created or changed, and how many more there are.
    changes: list[Change] = field(default_factory=list)
    changes_more: int = 0

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def change(self, kind: str, model, key: str, action: str, fields=()) -> None:
        """List one record created or changed (``fields``: the names of what changes)."""
        if len(self.changes) < CHANGES_LIMIT:
            self.changes.append(Change(kind, model, str(key), action, tuple(fields)))
        else:
            self.changes_more += 1

    def lines(self) -> list[str]:
        """The summary as text lines: counts per kind, then what was left alone and why."""
        out = [f"{self.rows} rows read"]
        for kind, counter in self.counts.items():
            out.append(
                f"{kind}: {counter['created']} created, {counter['updated']} updated, "
                f"{counter['unchanged']} unchanged"
            )
        if self.left_alone:
            out.append(f"left alone ({len(self.left_alone)}):")
            out.extend(f"  {line}" for line in self.left_alone)
        out.extend(self.notes)
        if self.skipped:
            out.append(f"{len(self.skipped)} rows left out (--skip-invalid): see the report")
        return out

    def skipped_csv(self) -> str:
        """The rows left out, as CSV: file, line (or JSON record), column, value, why."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["file", "line", "record", "column", "value", "why"])
        for error in self.skipped:
            line, record = ("", error.line) if error.unit == "record" else (error.line, "")
            why = f"expected {error.expected}"
            writer.writerow([error.file, line, record, error.column, error.value, why])
        return out.getvalue()


# Reading files ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: its line (or sheet row, or JSON record number) and its cells by header."""

    line: int
    cells: dict[str, str]


def dataset_source(key: str, defaults: dict, *, write: bool) -> tuple[m.Source, bool]:
    """The source a dataset import cites, and whether it is new: created when ``write``; in a
    check (no ``write``) the stored one, or an unsaved stand-in whose id (never a real record's)
    lets the records citing it pass their checks."""
    if write:
        return m.Source.objects.get_or_create(key=key, defaults=defaults)
    source = m.Source.objects.filter(key=key).first()
    if source is None:
        return m.Source(pk=-1, key=key, **defaults), True
    return source, False


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text file as str; a file that is not UTF-8 is rejected with a clear error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sample = data[:20].decode("latin-1")
        raise ImportDataError(name, 0, "", sample, "a UTF-8 text file") from exc
    if "\x00" in text:
        raise ImportDataError(name, 0, "", text[:20], "a UTF-8 text file (found NUL bytes)")
    return text


def csv_records(data: bytes, name: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every CSV record; handles CRLF and quoted commas."""
    reader = csv.reader(io.StringIO(decode_text(data, name), newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise ImportDataError(name, reader.line_num, "", "", f"well-formed CSV ({exc})") from exc


def csv_file_records(
    path: Path, name: str, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """Like ``csv_records``, read from the file as it goes: memory stays flat for any size.

    Lines are decoded one by one so that a byte that is not UTF-8 is reported on its own line.
    A file whose lines end in a bare carriage return (old Mac style) is read whole instead.
    """
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if b"\r" in head and b"\n" not in head:
        yield from csv_records(path.read_bytes(), name, delimiter)
        return

    def lines(handle):
        # The checks decode_text makes on a whole file, made line by line.
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                sample = raw[max(exc.start - 10, 0) : exc.end + 10].decode("latin-1")
                raise ImportDataError(name, number, "", sample, "a UTF-8 text file") from exc
            if "\x00" in text:
                raise ImportDataError(
                    name, number, "", text[:20], "a UTF-8 text file (found NUL bytes)"
                )
            yield text

    with open(path, "rb") as handle:
        reader = csv.reader(lines(handle), delimiter=delimiter)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ImportDataError(
                name, reader.line_num, "", "", f"well-formed CSV ({exc})"
            ) from exc


def cell_text(value) -> str:
    """A spreadsheet cell as text; dates as ISO, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# Spreadsheets are zip archives (.xlsx) or whole-file binaries (.xls) that unpack in memory: a
# 4 MB upload can hold a sheet of gigabytes. These bound what one import reads; each can be
# raised through the setting of the same name (see the README's "Data in and out").
SHEET_MAX_UNPACKED_BYTES = 300_000_000
SHEET_MAX_RATIO = 100
SHEET_MAX_ROWS = 1_000_000
SHEET_MAX_COLUMNS = 100
# Parts smaller than this are not held to the ratio: tiny parts of real workbooks (an empty
# sheet, a shared-strings table of a few repeated words) can pack very tightly.
SHEET_RATIO_FLOOR = 1_000_000


@dataclass(frozen=True)
class SheetLimits:
    """What one spreadsheet may unpack to and hold, from the settings of the same names."""

    unpacked_bytes: int
    ratio: int
    rows: int
    columns: int

    @classmethod
    def from_settings(cls) -> "SheetLimits":
        from django.conf import settings

        return cls(
            unpacked_bytes=getattr(
                settings, "IMPORT_SHEET_MAX_UNPACKED_BYTES", SHEET_MAX_UNPACKED_BYTES
            ),
            ratio=getattr(settings, "IMPORT_SHEET_MAX_RATIO", SHEET_MAX_RATIO),
            rows=getattr(settings, "IMPORT_SHEET_MAX_ROWS", SHEET_MAX_ROWS),
            columns=getattr(settings, "IMPORT_SHEET_MAX_COLUMNS", SHEET_MAX_COLUMNS),
        )


def _size(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def check_zip_sizes(data: bytes, name: str, limits: SheetLimits) -> None:
    """Refuse a workbook whose parts would unpack beyond the limits, before anything unpacks.

    The sizes are those the archive declares; Python's zipfile never inflates a part beyond its
    declared size (a part that lies fails its checksum), so the declaration is a safe bound.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportDataError(name, 0, "", "", f"a readable .xlsx workbook ({exc})") from exc
    bomb = "; refused as a possible zip bomb"
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size > SHEET_RATIO_FLOOR and part.file_size > limits.ratio * packed:
            raise ImportDataError(
                name,
                0,
                "",
                f"{part.filename} unpacks from {_size(part.compress_size)} to "
                f"{_size(part.file_size)}, {part.file_size // packed:,} times as much",
                f"parts that unpack to at most {limits.ratio:,} times their packed size "
                f"(IMPORT_SHEET_MAX_RATIO){bomb}",
            )
    total = sum(part.file_size for part in parts)
    if total > limits.unpacked_bytes:
        raise ImportDataError(
            name,
            0,
            "",
            f"the workbook unpacks to {_size(total)}",
            f"a workbook that unpacks to at most {_size(limits.unpacked_bytes)} "
            f"(IMPORT_SHEET_MAX_UNPACKED_BYTES){bomb}",
        )


def _too_many_rows(name: str, number: int, limits: SheetLimits) -> ImportDataError:
    return ImportDataError(
        name,
        number,
        "",
        f"row {number:,}",
        f"a sheet of at most {limits.rows:,} rows (IMPORT_SHEET_MAX_ROWS)",
    )


def _blank(value) -> bool:
    return value is None or value == ""


def _capped(values, name: str, number: int, limits: SheetLimits, blank=_blank):
    """A row's values cut to the column limit; a value beyond it refuses the sheet."""
    if len(values) <= limits.columns:
        return values
    for offset, value in enumerate(values[limits.columns :]):
        if not blank(value):
            column = limits.columns + offset + 1
            raise ImportDataError(
                name,
                number,
                "",
                f"a value in column {column:,}",
                f"a sheet of at most {limits.columns:,} columns (IMPORT_SHEET_MAX_COLUMNS)",
            )
    return values[: limits.columns]


def xlsx_records(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cells) of the first worksheet of an .xlsx workbook, within the
    ``SheetLimits``: sizes checked before openpyxl reads anything, rows and columns while
    reading."""
    import openpyxl

    limits = SheetLimits.from_settings()
    check_zip_sizes(data, name, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        declared = sheet.max_column  # from the sheet's <dimension>, None without one
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportDataError(name, 0, "", "", f"a readable .xlsx workbook ({exc})") from exc
    # openpyxl pads every row to the declared width (or to its last cell without one): a
    # declared A1:XFD1 would make each row 16,384 values. One column past the limit is enough
    # to tell a sheet that uses it; a row past the row limit is enough to refuse the sheet.
    max_col = None if declared is not None and declared <= limits.columns else limits.columns + 1
    rows = sheet.iter_rows(max_col=max_col, max_row=limits.rows + 1, values_only=True)
    number = 0
    try:
        for number, values in enumerate(rows, start=1):
            if number > limits.rows:
                raise _too_many_rows(name, number, limits)
            yield number, [cell_text(v) for v in _capped(values, name, number, limits)]
    except ImportDataError:
        raise
    except Exception as exc:  # a part that fails its checksum, XML that does not parse
        raise ImportDataError(
            name, number + 1, "", "", f"a readable .xlsx workbook ({exc})"
        ) from exc
    finally:
        book.close()


def _blank_xls_cell(cell) -> bool:
    import xlrd

    return cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or cell.value == ""


def xls_records(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cells) of the first sheet of a legacy .xls workbook, within the
    ``SheetLimits``."""
    import xlrd

    limits = SheetLimits.from_settings()
    try:
        # Only the first sheet is parsed (on_demand), and rows hold the cells they have
        # (ragged_rows): xlrd otherwise pads every row to the widest one, so a single cell
        # declared at row 65,536 and column 256 cost 150 MB for a file of a few kilobytes.
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises several types for a damaged file
        raise ImportDataError(name, 0, "", "", f"a readable .xls workbook ({exc})") from exc
    if sheet.nrows > limits.rows:
        raise _too_many_rows(name, limits.rows + 1, limits)
    for index in range(sheet.nrows):
        number = index + 1
        cells = []
        for cell in _capped(sheet.row(index), name, number, limits, _blank_xls_cell):
            if cell.ctype == xlrd.XL_CELL_DATE:
                cells.append(cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
            else:
                cells.append(cell_text(cell.value))
        yield number, cells


def table_records(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    """Records of a CSV, .xlsx or .xls file, chosen by its content."""
    kind = sniff(data)
    if kind == "xlsx":
        return xlsx_records(data, name)
    if kind == "xls":
        return xls_records(data, name)
    return csv_records(data, name)


def sniff(data: bytes) -> str:
    """``xlsx`` (a zip holding ``[Content_Types].xml``), ``xls`` (OLE2), ``json`` or ``csv``."""
    if data[:4] == b"PK\x03\x04":
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "[Content_Types].xml" in archive.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def rows_with_header(
    records: Iterable[tuple[int, list[str]]], name: str, required: Iterable[str] = ()
) -> Iterator[Row]:
    """Rows as dictionaries keyed by the first record (the header); blank records are skipped.

    Columns are read by name, never by position, so a file missing an optional column works.
    """
    header: list[str] | None = None
    for line, cells in records:
        if header is None:
            header = [c.strip() for c in cells]
            missing = [c for c in required if c not in header]
            if missing:
                raise ImportDataError(name, line, "", ", ".join(header), f"columns {missing}")
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise ImportDataError(
                name, line, "", cells[len(header)], f"no more cells than the {len(header)} headers"
            )
        cells = cells + [""] * (len(header) - len(cells))
        yield Row(line, {h: cells[i].strip() for i, h in enumerate(header)})
    if header is None:
        raise ImportDataError(name, 0, "", "", "a header row")


def json_rows(data: bytes, name: str) -> Iterator[Row]:
    """Records of a JSON array of objects (or ``{"data": [...]}``), numbered from 1."""
    try:
        doc = json.loads(decode_text(data, name))
    except json.JSONDecodeError as exc:
        raise ImportDataError(name, exc.lineno, "", exc.msg, "valid JSON") from exc
    if isinstance(doc, dict):
        doc = next((v for v in doc.values() if isinstance(v, list)), None)
    if not isinstance(doc, list):
        raise ImportDataError(name, 0, "", "", "a JSON array of records")
    for number, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            raise ImportDataError(name, number, "", str(item)[:40], "a JSON object")
        cells = {}
        for key, value in item.items():
            if isinstance(value, list):
                value = ";".join(cell_text(v) for v in value)
            cells[str(key)] = cell_text(value)
        yield Row(number, cells)


# Values ----------------------------------------------------------------------------------------

DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


def parse_day(text: str) -> dt.date:
    """A day written ISO (``2016-07-21``, time ignored) or ``dd/mm/yyyy``; ValueError otherwise."""
    text = text.strip()
    match = ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = DMY.match(text)
        if not match:
            raise ValueError(text)
        day, month, year = (int(g) for g in match.groups())
    return dt.date(year, month, day)


MULTI = re.compile(r"[;\n]")


def split_multi(text: str) -> list[str]:
    """A multi-valued cell: values separated by ``;``, each possibly prefixed ``- ``."""
    values = []
    for part in MULTI.split(text or ""):
        part = part.strip()
        if part.startswith("- "):
            part = part[2:].strip()
        elif part == "-":
            part = ""
        if part:
            values.append(part)
    return values


@functools.lru_cache(maxsize=65536)  # an export repeats the same few hundred names
def normal(name: str) -> str:
    """A name folded for matching: case, accents, punctuation spacing and ``&`` ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def read_alias_file(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle)
            if not (row.get(next(iter(row)), "") or "").startswith("#")
        ]


SKIP = "-"


class CountryNames:
    """Finds a country's ISO3 code from its ISO2 code, its name or an alias (``CountryAlias``,
    editable in the admin, seeded from ``seeds/country_aliases.csv``): old codes (``TP``),
    former and variant names (``Swaziland``); an alias with no country names a state the tracker
    does not hold (an observer such as the Holy See), whose rows are skipped.
    """

    def __init__(self):
        self.codes: set[str] = set()
        self.by_iso2: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for code, iso2, name in m.Country.objects.values_list("code", "iso2", "name"):
            self.codes.add(code)
            self.by_iso2[iso2] = code
            self.by_name[normal(name)] = code
        self.aliases: dict[str, str] = {
            normal(alias): code or SKIP
            for alias, code in m.CountryAlias.objects.values_list("alias", "country_id")
        }

    def find(self, text: str) -> str | None:
        """ISO3 code, ``SKIP`` for a known non-tracked state, or None if unknown."""
        text = text.strip()
        if text.upper() in self.codes:
            return text.upper()
        if len(text) == 2 and text.upper() in self.by_iso2:
            return self.by_iso2[text.upper()]
        key = normal(text)
        return self.by_name.get(key) or self.aliases.get(key)


# Progress --------------------------------------------------------------------------------------


# Who else follows an import's progress: a function taking (label, rows done, rows expected or 0),
# set by the caller for the duration of one import (the admin streams it to the editor's page).
progress_listener: ContextVar[Callable[[str, int, int], None] | None] = ContextVar(
    "tracker_import_progress_listener", default=None
)


def progress_wanted(stream=None) -> bool:
    """True when someone watches: a terminal for the bar, or a ``progress_listener``."""
    stream = stream or sys.stderr
    return progress_listener.get() is not None or getattr(stream, "isatty", lambda: False)()


def progress(items: Iterable, total: int, label: str, stream=None) -> Iterator:
    """Yield ``items``, drawing a one-line bar on stderr when it is a terminal, and telling the
    ``progress_listener``, if any, every 1% of ``total`` (every 1,000 items without a total)
    and once more at the end."""
    stream = stream or sys.stderr
    listener = progress_listener.get()
    bar = bool(total) and getattr(stream, "isatty", lambda: False)()
    if not bar and listener is None:
        yield from items
        return
    step = max(total // 100, 1) if total else 1000
    number = 0
    for number, item in enumerate(items, start=1):
        if number % step == 0 or number == total:
            if bar:
                filled = 30 * min(number, total) // total
                stream.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {number}/{total}")
                stream.flush()
            if listener:
                listener(label, number, total)
        yield item
    if bar:
        stream.write("\n")
    if listener and number != total:
        listener(label, number, number)


# Fast bulk writes ------------------------------------------------------------------------------


def _adapter(field, connection):
    """A function turning a Python value of ``field`` into what the database driver takes."""
    from django.db import models

    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None


def insert_rows(model, objs, connection=None, *, tuples: bool = False) -> None:
    """INSERT ``objs`` with one prepared statement per batch (``executemany``; on PostgreSQL,
    value tuples go through ``COPY``).

    The ORM's ``bulk_create`` prepares every value through several layers per field, which
    dominates the time of an import of hundreds of thousands of rows; values here are already
    clean (the importer built them), so only dates and datetimes need the backend's adapter.
    ``auto_now`` fields must be set by the caller; primary keys are not returned. With
    ``tuples``, ``objs`` are value tuples in field order (cheaper than model instances).
    """
    from django.db import connection as default_connection
    from django.db import models

    connection = connection or default_connection
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    plan = [(f.attname, _adapter(f, connection)) for f in fields]
    with connection.cursor() as cursor:
        if tuples and connection.vendor == "postgresql":
            # psycopg's executemany still costs a round of protocol work per row; COPY streams
            # all of them (200,000 UHRI rows: 97 s to 51 s wall).
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for values in objs:
                    copy.write_row(values)
            return
        for start in range(0, len(objs), BATCH_SIZE):
            if tuples:
                cursor.executemany(sql, objs[start : start + BATCH_SIZE])
                continue
            batch = []
            for obj in objs[start : start + BATCH_SIZE]:
                row = []
                for attname, adapt in plan:
                    value = getattr(obj, attname)
                    row.append(adapt(value) if adapt and value is not None else value)
                batch.append(row)
            cursor.executemany(sql, batch)


def _in_chunks(values: list) -> Iterator[tuple[list, str]]:
    """``values`` in slices of ``BATCH_SIZE`` with the ``%s, %s, ...`` list each needs."""
    for start in range(0, len(values), BATCH_SIZE):
        chunk = values[start : start + BATCH_SIZE]
        yield chunk, ", ".join(["%s"] * len(chunk))


def matching(column: str, values: list) -> Iterator[tuple[str, list]]:
    """``column IN (values)`` as (condition, parameters) pairs to run one statement each: on
    PostgreSQL one ``column = ANY(%s)`` with all of them as an array (lists of thousands of
    parameters took PostgreSQL longer to plan than to run), elsewhere slices of ``BATCH_SIZE``."""
    from django.db import connection

    if connection.vendor == "postgresql":
        if values:
            yield f"{column} = ANY(%s)", [list(values)]
        return
    for chunk, marks in _in_chunks(values):
        yield f"{column} IN ({marks})", chunk


def history_from_rows(model, pks: list, *, history_type: str, date, reason: str) -> None:
    """Write a history row for each record in ``pks`` as it now stands, in SQL.

    ``INSERT ... SELECT`` copies the rows inside the database: nothing is read into Python, which
    is what makes history affordable for hundreds of thousands of imported records.
    """
    from django.db import connection

    history = model.history.model
    quote = connection.ops.quote_name
    kept = {f.column for f in history._meta.concrete_fields}  # not fields left out of history
    columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields if f.column in kept)
    head = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "
        f"history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
    )
    stamp = connection.ops.adapt_datetimefield_value(date)
    user = history_user_id()
    with connection.cursor() as cursor:
        for where, params in matching("id", pks):
            cursor.execute(f"{head} WHERE {where}", [stamp, reason, history_type, user, *params])


def history_user_id() -> int | None:
    """The signed-in user an import runs for, as django-simple-history finds it (the request
    its middleware, or the admin's import thread, put in ``HistoricalRecords.context``)."""
    from simple_history.models import HistoricalRecords

    user = getattr(getattr(HistoricalRecords.context, "request", None), "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def last_history_id(model) -> int:
    """The newest history row's id of ``model`` (0 for none): history rows above it are new."""
    found = model.history.model.objects.order_by("-history_id").values_list("history_id")[:1]
    return found[0][0] if found else 0


def m2m_history_from_rows(model, field: str, pks: list, *, after: int) -> None:
    """Record the links of ``field`` of each record in ``pks`` against its history row written
    since history id ``after`` (see ``last_history_id``).

    What django-simple-history does per saved record (a copy of each link row pointing at the
    new history row), done in one statement per batch. The id bound, rather than the history
    date, lets SQLite find the history rows by record id instead of scanning every row the
    import has dated so far.
    """
    from django.apps import apps
    from django.db import connection

    history = model.history.model
    through = model._meta.get_field(field).remote_field.through
    m2m_history = apps.get_model(model._meta.app_label, f"{history.__name__}_{field}")
    source = through._meta.get_field(model._meta.model_name).column
    target = next(
        f.column for f in through._meta.concrete_fields if f.is_relation and f.column != source
    )
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(m2m_history._meta.db_table)} (id, {source}, history_id, {target}) "
        f"SELECT t.id, t.{source}, h.history_id, t.{target} "
        f"FROM {quote(through._meta.db_table)} t "
        f"JOIN {quote(history._meta.db_table)} h ON h.id = t.{source} AND h.history_id > %s "
    )
    with connection.cursor() as cursor:
        for where, params in matching(f"t.{source}", pks):
            cursor.execute(f"{sql} WHERE {where}", [after, *params])


class FulltextPaused:
    """Within an import's transaction, index new concerns' text per batch instead of per row.

    On SQLite the trigger that indexes each inserted concern is dropped on entry and created again,
    from its own stored SQL, on a normal exit; ``index`` adds a batch of new concerns to the FTS5
    table in one statement. Dropping a trigger is part of the transaction: when the import fails
    and rolls back, the trigger and the index come back as they were. Other databases keep their
    own index (PostgreSQL's is a plain expression index) and ``index`` does nothing there.
    """

    TRIGGER = "tracker_concern_fts_insert"

    def __init__(self):
        self.sql = None

    def __enter__(self):
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                    [self.TRIGGER],
                )
                found = cursor.fetchone()
                if found:
                    self.sql = found[0]
                    cursor.execute(f"DROP TRIGGER {self.TRIGGER}")
        return self

    def index(self, pks: list) -> None:
        """Add the text of the concerns in ``pks`` (just inserted) to the full-text index."""
        from django.db import connection

        if not self.sql:
            return
        with connection.cursor() as cursor:
            for chunk, marks in _in_chunks(pks):
                cursor.execute(
                    "INSERT INTO tracker_concern_fts(rowid, summary, recommendation) SELECT id, "
                    f"summary, recommendation FROM tracker_concern WHERE id IN ({marks})",
                    chunk,
                )

    def __exit__(self, exc_type, exc, tb):
        from django.db import connection

        # After an error the rollback restores the trigger; creating it here would fail.
        if self.sql and exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql)
        return False


def write_with_history(
    model,
    created: list,
    updated: list,
    fields,
    *,
    reason: str,
    result: ImportResult,
    kind: str,
    write: bool = True,
) -> None:
    """Write an import's new and changed records of ``model`` in bulk, each with a history row
    giving ``reason``, and count them in ``result`` under ``kind``; with ``write=False`` only
    count them."""
    if write:
        bulk_create_with_history(
            created, model, batch_size=BATCH_SIZE, default_change_reason=reason
        )
        if updated:
            bulk_update_with_history(
                updated, model, fields, batch_size=BATCH_SIZE, default_change_reason=reason
            )
    result.count(kind, "created", len(created))
    result.count(kind, "updated", len(updated))


def changed_fields(before: dict, record) -> list[str]:
    """The names of the fields of ``record`` that differ from ``before`` (attname -> value),
    ``_id`` dropped from foreign keys."""
    return [
        name.removesuffix("_id") for name, value in before.items() if getattr(record, name) != value
    ]
