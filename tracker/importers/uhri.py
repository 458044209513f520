"""OHCHR's Universal Human Rights Index export (.json, .xlsx or .csv), as the index exports it.

JSON (``export-full-en.json``): one array of records keyed ``AnnotationId``, ``AnnotationType``
(``- Recommendations``, ``- Concerns/Observations``), ``Body`` (``- CRC``), ``Countries``,
``Themes``, ``AffectedPersons``, ``Sdgs`` (lists), ``Symbol``, ``Text`` (starting with the
paragraph number, possibly HTML), ``PublicationDate``, ``PublicationDateOnUhri`` and, for the UPR,
``UprCycle``, ``UprPositions``, ``UprRecommendingCountry``, ``UprSession``. It is read as it
streams (ijson): memory does not grow with the file.

Excel: one sheet of 16 columns (``Text, Countries Concerned, Reccomending Body [sic], Document
Symbol, Themes, Affected Persons, Sdgs, Document Publication Date, UPR Reccomending States, UPR
Position, Type, OHCHR Annotation Id, UPR Session, Regions Concerned, Recommending Regions, Date
of publication on UHRI``); multi-valued cells hold one ``- value`` per line.

CSV: the JSON's keys (or the Excel headers) as the header, comma- or semicolon-separated;
multi-valued cells separated by ``;`` or new lines, each possibly written ``- value``.

Each annotation becomes one Concern per country it names (external id ``<AnnotationId>:<ISO3>``,
the same from every format, so a re-import in another format updates it in place), under a
Review per (Symbol, country) and citing the UN document (a Source per Symbol, or the curated
one with that symbol). Bodies are found by code, name or ``BodyAlias``; themes by the editable
mapping ``ThemeAlias`` (seeded from ``seeds/theme_aliases.csv``), name or slug; affected persons
and SDG targets are vocabularies the import extends.

With ``skip_invalid`` a row that cannot be placed is left out and listed in
``result.skipped`` instead of stopping the import.
"""

import contextlib
import hashlib
import html
import itertools
import pickle
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.db import connection
from django.db.models import AutoField, DateField, DateTimeField
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from tracker import counts
from tracker import models as m
from tracker.importers.base import (
    SKIP,
    CountryNames,
    FulltextPaused,
    ImportDataError,
    ImportResult,
    Row,
    cell_text,
    csv_file_records,
    history_from_rows,
    insert_rows,
    last_history_id,
    m2m_history_from_rows,
    matching,
    normal,
    parse_day,
    progress,
    progress_listener,
    progress_wanted,
    rows_with_header,
    sniff,
    table_records,
)

# Rows parsed before each round of writes: fewer rounds cost fewer queries; memory grows with it.
ROWS_PER_WRITE = 10000

# Header (folded by ``normal`` without spaces) -> the column it stands for.
HEADERS = {
    "annotationid": "AnnotationId",
    "ohchrannotationid": "AnnotationId",
    "symbol": "Symbol",
    "documentsymbol": "Symbol",
    "text": "Text",
    "documentid": "DocumentId",
    "publicationdate": "PublicationDate",
    "documentpublicationdate": "PublicationDate",
    "publicationdateonuhri": "PublicationDateOnUhri",
    "dateofpublicationonuhri": "PublicationDateOnUhri",
    "annotationtype": "AnnotationType",
    "type": "AnnotationType",
    "countries": "Countries",
    "country": "Countries",
    "countriesconcerned": "Countries",
    "affectedpersons": "AffectedPersons",
    "themes": "Themes",
    "sdgs": "Sdgs",
    "regions": "Regions",
    "regionsconcerned": "Regions",
    "body": "Body",
    "reccomendingbody": "Body",
    "recommendingbody": "Body",
    "uprcycle": "UprCycle",
    "uprpositions": "UprPositions",
    "uprposition": "UprPositions",
    "uprrecommendingcountry": "UprRecommendingCountry",
    "uprrecommendingstates": "UprRecommendingCountry",
    "upreccomendingstates": "UprRecommendingCountry",
    "uprreccomendingstates": "UprRecommendingCountry",
    "uprsession": "UprSession",
}
REQUIRED = ("Symbol", "Text", "Countries", "Body")
KINDS = {
    "": m.Concern.Kind.RECOMMENDATION,
    "recommendation": m.Concern.Kind.RECOMMENDATION,
    "recommendations": m.Concern.Kind.RECOMMENDATION,
    "concern": m.Concern.Kind.CONCERN,
    "concerns": m.Concern.Kind.CONCERN,
    "observation": m.Concern.Kind.CONCERN,
    "observations": m.Concern.Kind.CONCERN,
    "concerns observations": m.Concern.Kind.CONCERN,
    "concern observation": m.Concern.Kind.CONCERN,
    "concluding observation": m.Concern.Kind.CONCERN,
    "positive aspect": m.Concern.Kind.POSITIVE_ASPECT,
    "positive aspects": m.Concern.Kind.POSITIVE_ASPECT,
    "positive development": m.Concern.Kind.POSITIVE_ASPECT,
    "positive developments": m.Concern.Kind.POSITIVE_ASPECT,
}
POSITIONS = {
    "supported": m.Concern.Position.SUPPORTED,
    "accepted": m.Concern.Position.SUPPORTED,
    "supported in part": m.Concern.Position.SUPPORTED_IN_PART,
    "partially supported": m.Concern.Position.SUPPORTED_IN_PART,
    "supported partially": m.Concern.Position.SUPPORTED_IN_PART,
    "noted": m.Concern.Position.NOTED,
}
CONCERN_FIELDS = [
    "review",
    "body",
    "country",
    "issued_on",
    "issued_on_precision",
    "paragraph",
    "kind",
    "summary",
    "affected_groups",
    "recommending_state",
    "upr_position",
    "upr_session",
    "published_on_uhri",
    "source",
    "locator",
]
# Many-to-many fields the import sets: field -> the parsed row's key holding the target ids.
LINKS = {"themes": "themes", "affected_persons": "affected", "sdg_targets": "sdgs"}


class ThemeNames:
    """UHRI theme names to tracker theme slugs: the editors' mapping (``ThemeAlias``) first, then
    the themes' own names and slugs."""

    def __init__(self):
        self.lookup: dict[str, str] = {}
        for slug, name in m.Theme.objects.values_list("slug", "name"):
            self.lookup.setdefault(normal(slug), slug)
            self.lookup.setdefault(normal(name), slug)
        for name, slug in m.ThemeAlias.objects.values_list("uhri_theme", "theme_id"):
            self.lookup[normal(name)] = slug
        self.unmapped: Counter = Counter()

    def find(self, names: list[str]) -> set[str]:
        found = set()
        for name in names:
            slug = self.lookup.get(normal(name))
            if slug:
                found.add(slug)
            else:
                self.unmapped[name] += 1
        return found


class Bodies:
    """Body codes by code, name or alias (``CCPR``, ``Human Rights Committee``, ``SR Torture``,
    ``CCPR - ...``)."""

    def __init__(self):
        self.lookup = {}
        for code, name in m.Body.objects.values_list("code", "name"):
            self.lookup[normal(code)] = code
            self.lookup.setdefault(normal(name), code)
        for alias, code in m.BodyAlias.objects.values_list("alias", "body_id"):
            self.lookup[normal(alias)] = code

    def find(self, text: str) -> str | None:
        found = self.lookup.get(normal(text))
        if found is None and " - " in text:
            found = self.lookup.get(normal(text.split(" - ", 1)[0]))
        return found


class Vocabulary:
    """Affected persons by name: the ones the tracker has, and new ones this import adds.

    Names are matched folded (``Women & girls`` is ``Women and girls``); a new name gets a slug
    of its own, and is inserted with the round of writes that first uses it."""

    def __init__(self):
        self.by_name: dict[str, str] = {}
        self.slugs: set[str] = set()
        for slug, name in m.AffectedPerson.objects.values_list("slug", "name"):
            self.by_name[normal(name)] = slug
            self.slugs.add(slug)
        self.new: list[tuple[str, str, str]] = []  # (slug, name, name_ru) to insert

    def slugs_for(self, names: list[str]) -> set[str]:
        found = set()
        for name in names:
            key = normal(name)
            slug = self.by_name.get(key)
            if slug is None:
                slug = slugify(key)[:110] or "group"
                if slug in self.slugs:
                    slug = f"{slug[:100]}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
                self.by_name[key] = slug
                self.slugs.add(slug)
                self.new.append((slug, name[:200], ""))
            found.add(slug)
        return found

    def flush(self) -> None:
        if self.new:
            # Parsed in the check phase: leave out a group someone added since.
            there = set(
                m.AffectedPerson.objects.filter(slug__in=[n[0] for n in self.new]).values_list(
                    "slug", flat=True
                )
            )
            insert_rows(m.AffectedPerson, [n for n in self.new if n[0] not in there], tuples=True)
            self.new = []


SDG = re.compile(r"^(\d{1,2}(?:\.[0-9a-z]{1,2})?)(?:\s*[-–:]\s*(.*))?$", re.IGNORECASE)


class SdgTargets:
    """SDG targets by code, from labels such as ``16.2 - Protect children from abuse...``."""

    def __init__(self):
        self.codes = set(m.SdgTarget.objects.values_list("code", flat=True))
        self.new: list[tuple[str, str]] = []

    def codes_for(self, labels: list[str]) -> set[str] | str:
        """The codes of ``labels``, or the first label that names no target."""
        found = set()
        for label in labels:
            match = SDG.match(label.strip())
            if not match:
                return label
            code = match.group(1).lower()
            if code not in self.codes:
                self.codes.add(code)
                self.new.append((code, (match.group(2) or "").strip()[:400]))
            found.add(code)
        return found

    def flush(self) -> None:
        if self.new:
            there = set(
                m.SdgTarget.objects.filter(code__in=[n[0] for n in self.new]).values_list(
                    "code", flat=True
                )
            )
            insert_rows(m.SdgTarget, [n for n in self.new if n[0] not in there], tuples=True)
            self.new = []


# Values ------------------------------------------------------------------------------------

PREFIXED = re.compile(r"(?:^|[;\n])\s*-\s+")
PLAIN = re.compile(r"[;\n]")


def values_of(cell) -> list[str]:
    """A multi-valued cell as its values: a JSON list as it is; text with one ``- value`` per
    line (Excel) or ``;``-separated (older CSV). Where every value is written ``- value``, only
    those prefixes separate values, so ``Children: definition; general principles`` stays one."""
    if isinstance(cell, list):
        parts = [cell_text(v) for v in cell]
    elif not cell:
        return []
    else:
        text = str(cell).strip()
        parts = PREFIXED.split(text) if text.startswith("- ") else PLAIN.split(text)
    values = []
    for part in parts:
        part = part.strip()
        if part.startswith("- "):
            part = part[2:].strip()
        if part and part != "-":
            values.append(part)
    return values


def one_value(cell) -> str:
    """A single-valued cell, which the JSON may still hold as a list or with a ``- `` prefix."""
    found = values_of(cell) if isinstance(cell, list) else [str(cell or "").strip()]
    text = found[0] if found else ""
    return text[2:].strip() if text.startswith("- ") else text


BLOCK = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


def plain_text(text: str) -> str:
    """An annotation's text without its HTML: tags dropped (paragraph and line breaks kept as
    new lines), entities such as ``&nbsp;`` decoded, runs of spaces made one."""
    if "<" in text:
        text = TAG.sub("", BLOCK.sub("\n", text))
    if "&" in text:
        text = html.unescape(text)
    text = SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


# ``143.12 Ratify ...`` (a UPR recommendation), ``4.The Committee ...``, ``12. (a) ...``
NUMBERED = re.compile(r"^(\d{1,4}\.\d{1,3})\s+(?=\S)|^(\d{1,4}(?:\.\d{1,3})?)\.\s*(?=\S)")


def paragraph_of(text: str) -> tuple[str, str]:
    """(paragraph number, the text after it); ("", text) when the text does not start with one."""
    match = NUMBERED.match(text)
    if not match:
        return "", text
    return match.group(1) or match.group(2), text[match.end() :]


# Reading -----------------------------------------------------------------------------------


def read_rows(path: Path, name: str) -> Iterator[Row]:
    """The export's rows with their cells under the canonical column names.

    JSON and CSV are read as they stream; a workbook is read by ``table_records``. A JSON row is
    numbered by its record (1 for the array's first), others by their line or sheet row.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    kind = sniff(head)
    if kind == "csv":
        records = csv_file_records(path, name, delimiter=csv_delimiter(head))
        rows = rows_with_header(records, name)
    elif kind == "json":
        rows = json_file_rows(path, name)
    else:
        rows = rows_with_header(table_records(path.read_bytes(), name), name)
    columns: dict[str, str | None] = {}
    for row in rows:
        cells = {}
        for header, value in row.cells.items():
            if header not in columns:
                columns[header] = HEADERS.get(normal(header).replace(" ", ""))
            if columns[header]:
                cells[columns[header]] = value
        missing = [c for c in REQUIRED if c not in cells]
        if missing:
            raise ImportDataError(
                name, row.line, "", ", ".join(row.cells), f"columns {missing}", _unit(kind)
            )
        row.cells = cells
        yield row


def _shown(cell) -> str:
    """A cell as an error or the report shows it: a JSON list as its values."""
    return "; ".join(cell_text(v) for v in cell) if isinstance(cell, list) else cell_text(cell)


def _unit(kind: str) -> str:
    return "record" if kind == "json" else "line"


def csv_delimiter(head: bytes) -> str:
    """``;`` when the header line holds more semicolons than commas (Excel in most European
    locales and in Russian writes them), else ``,``."""
    first = head.split(b"\n", 1)[0]
    return ";" if first.count(b";") > first.count(b",") else ","


def json_file_rows(path: Path, name: str) -> Iterator[Row]:
    """The records of a JSON array (or of the first array in an object, ``{"data": [...]}``),
    parsed as the file streams, numbered from 1. A value that breaks the JSON, bad UTF-8
    included, is reported with the number of the record it is in."""
    import ijson

    with path.open("rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        prefix = "item"
        if start == b"{":
            handle.seek(0)
            prefix = _array_key(handle, name)
        handle.seek(0)
        if handle.read(3) != b"\xef\xbb\xbf":
            handle.seek(0)
        number = 0
        try:
            for number, item in enumerate(ijson.items(handle, prefix, use_float=True), start=1):
                if not isinstance(item, dict):
                    raise ImportDataError(
                        name, number, "", str(item)[:40], "a JSON object", "record"
                    )
                yield Row(number, {str(k): v for k, v in item.items()})
        except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
            raise ImportDataError(
                name, number + 1, "", str(exc)[:80], "valid JSON in UTF-8", "record"
            ) from exc


def _array_key(handle, name: str) -> str:
    """The ijson prefix of the records of the first array under a key of the top object."""
    import ijson

    try:
        for prefix, event, _value in ijson.parse(handle):
            if event == "start_array" and prefix and "." not in prefix:
                return f"{prefix}.item"
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        raise ImportDataError(name, 0, "", str(exc)[:80], "valid JSON in UTF-8") from exc
    raise ImportDataError(name, 0, "", "", "a JSON array of records")


# Importing ---------------------------------------------------------------------------------


def import_uhri(
    path: Path,
    *,
    result: ImportResult,
    reason: str,
    publish: bool = False,
    name: str = "",
    skip_invalid: bool = False,
    write: bool = True,
    spill: "Spill | None" = None,
) -> None:
    """Create or update reviews, concerns and document sources from a UHRI export (with
    ``write=False``, decide and count the same without writing, and keep the rows as parsed in
    ``spill``, if given, for ``write_spilled``).

    The file is read and written in rounds of ``ROWS_PER_WRITE`` rows, so memory does not grow
    with the file; the caller's transaction makes the whole file one change. With
    ``skip_invalid`` a row that cannot be placed is recorded in ``result.skipped`` and the others
    are imported; without it the first such row raises ``ImportDataError``.
    """
    name = name or path.name
    parser = _Parser(name)
    with path.open("rb") as handle:
        parser.unit = _unit(sniff(handle.read(4096)))
    status = m.Editorial.PUBLISHED if publish else m.Editorial.DRAFT
    seen: dict[str, int] = {}
    only_elsewhere = 0
    batch: list = []
    if write and connection.vendor == "postgresql":
        # The full-text GIN index queues new entries and merges the queue into the index each
        # time it outgrows this limit (4 MB by default): fewer, larger merges during a large
        # import. For this transaction only. (200,000 rows, profiled: 76 s to 67 s.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
    with FulltextPaused() if write else contextlib.nullcontext() as fulltext:
        writer = _Writer(result, reason, status, fulltext, parser, write=write)
        for row in progress(read_rows(path, name), _line_estimate(path), "uhri"):
            result.rows += 1
            try:
                parsed = parser.parse(row)
                if not parsed["countries"]:
                    only_elsewhere += 1
                    if skip_invalid:  # listed, so that the report holds every row left out
                        raise ImportDataError(
                            name,
                            row.line,
                            "Countries",
                            "; ".join(parsed["country_names"]),
                            "a state the tracker holds (it does not hold these)",
                            parser.unit,
                        )
                    continue
                entries = []
                for code in parsed["countries"]:
                    external_id = f"{parsed['annotation']}:{code}"
                    if external_id in seen:
                        raise ImportDataError(
                            name,
                            row.line,
                            "AnnotationId",
                            parsed["annotation"],
                            f"one row per annotation and country (also in {parser.unit} "
                            f"{seen[external_id]})",
                            parser.unit,
                        )
                    entries.append((external_id, code, parsed))
            except ImportDataError as error:
                if not skip_invalid:
                    raise
                result.skipped.append(error)
                continue
            for external_id, _code, _parsed in entries:
                seen[external_id] = row.line
            batch.extend(entries)
            if len(batch) >= ROWS_PER_WRITE:
                writer.write(batch)
                if spill is not None:
                    spill.add(batch)
                batch = []
        writer.write(batch)
        if spill is not None:
            spill.add(batch)
            spill.parser = parser
        writer.finish()
    if only_elsewhere and not skip_invalid:
        result.notes.append(
            f"{only_elsewhere} rows name only states the tracker does not hold: skipped."
        )
    if parser.themes.unmapped:
        listed = ", ".join(f"{t} ({n})" for t, n in parser.themes.unmapped.most_common(10))
        result.notes.append(
            f"UHRI themes with no tracker theme (map them in the admin's theme mappings): {listed}"
        )
    if parser.positions:
        listed = ", ".join(f"{t} ({n})" for t, n in parser.positions.most_common(5))
        result.notes.append(f"UPR positions not recognised, left blank: {listed}")


class Spill:
    """The rows of an export as the check phase parsed them, in rounds, in a temporary file.

    The write phase reads them back instead of parsing the file again, so the write lock is
    held only while the rows are written (60,000 rows on SQLite: 18 s to 11 s). Rows were parsed
    against the names (countries, bodies, theme mappings) as they stood during the check; what
    each row creates or changes is decided again under the lock.
    """

    def __init__(self):
        # Closed (and so removed) by ``close``, which run_import calls in any case.
        self.file = tempfile.TemporaryFile(prefix="tracker-import-")  # noqa: SIM115
        self.rounds = 0
        self.entries = 0
        self.parser: _Parser | None = None

    def add(self, batch: list) -> None:
        if batch:
            pickle.dump(batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.rounds += 1
            self.entries += len(batch)

    def __iter__(self) -> Iterator[list]:
        self.file.seek(0)
        for _ in range(self.rounds):
            yield pickle.load(self.file)  # written by this process, just now

    def close(self) -> None:
        self.file.close()


def write_spilled(
    spill: Spill, *, plan: ImportResult, result: ImportResult, reason: str, publish: bool
) -> None:
    """Write the rows the check phase kept (``import_uhri(..., spill=...)``), inside the
    caller's transaction, deciding against the database as it now stands."""
    status = m.Editorial.PUBLISHED if publish else m.Editorial.DRAFT
    parser = spill.parser
    result.rows, result.skipped, result.notes = plan.rows, plan.skipped, list(plan.notes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as in import_uhri
            cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
    listener = progress_listener.get()
    done = 0
    with FulltextPaused() as fulltext:
        writer = _Writer(result, reason, status, fulltext, parser, write=True)
        for batch in spill:
            writer.write(batch)
            done += len(batch)
            if listener:
                listener("uhri", done, spill.entries)
        writer.finish()


def _line_estimate(path: Path) -> int:
    """Lines in a CSV file but the header (its rows, or more when a cell spans lines) for the
    progress bar and the admin's status line; 0 otherwise."""
    if not progress_wanted():
        return 0
    breaks, last = 0, b"\n"
    with path.open("rb") as handle:
        if sniff(handle.read(4096)) != "csv":
            return 0
        handle.seek(0)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            breaks += chunk.count(b"\n")
            last = chunk[-1:]
    return max(breaks - (last == b"\n"), 0)


class _Parser:
    """Checks one row and turns it into the values of its concerns (``parse``)."""

    def __init__(self, name: str):
        self.name = name
        self.unit = "line"
        self.countries, self.bodies, self.themes = CountryNames(), Bodies(), ThemeNames()
        self.affected, self.sdgs = Vocabulary(), SdgTargets()
        self.positions: Counter = Counter()

    def error(self, row, column: str, value, expected: str) -> ImportDataError:
        return ImportDataError(self.name, row.line, column, str(value), expected, self.unit)

    def day(self, row, column: str):
        text = one_value(row.cells.get(column, ""))
        if not text:
            return None
        try:
            return parse_day(text)
        except ValueError:
            raise self.error(row, column, text, "a date as YYYY-MM-DD or dd/mm/yyyy") from None

    def parse(self, row: Row) -> dict:
        cells = row.cells
        symbol = one_value(cells["Symbol"])
        if not symbol or len(symbol) > 100:
            raise self.error(row, "Symbol", symbol, "a document symbol (1-100 chars)")
        raw_text = cell_text(cells["Text"])
        if not raw_text:
            raise self.error(row, "Text", raw_text, "the text of the annotation")
        paragraph, text = paragraph_of(plain_text(raw_text))
        if not text:
            raise self.error(row, "Text", raw_text[:80], "the text of the annotation")
        annotation = one_value(cells.get("AnnotationId", ""))
        if not annotation:
            # The older export has no AnnotationId: a digest of symbol and text is as stable.
            annotation = "h" + hashlib.sha1(f"{symbol}\n{raw_text}".encode()).hexdigest()[:20]
        if len(annotation) > 55 or not re.fullmatch(r"[\w.\-]+", annotation):
            raise self.error(
                row, "AnnotationId", annotation, "an identifier of letters, digits, - or _"
            )
        issued = self.day(row, "PublicationDate")
        on_uhri = self.day(row, "PublicationDateOnUhri")
        kind_text = one_value(cells.get("AnnotationType", ""))
        kind = KINDS.get(normal(kind_text))
        if kind is None:
            expected = "Recommendations, Concerns/Observations or Positive aspects"
            raise self.error(row, "AnnotationType", kind_text, expected)
        body_text = one_value(cells["Body"])
        body = self.bodies.find(body_text)
        if body is None:
            expected = "a body code, name or alias (e.g. CCPR)"
            raise self.error(row, "Body", body_text, expected)
        names = values_of(cells["Countries"])
        if not names:
            raise self.error(row, "Countries", _shown(cells["Countries"]), "at least one country")
        codes = []
        for country_name in names:
            code = self.countries.find(country_name.rstrip("*").strip())
            if code is None:
                raise self.error(
                    row,
                    "Countries",
                    country_name,
                    "a country name in the tracker (or a country alias, admin)",
                )
            if code != SKIP and code not in codes:
                codes.append(code)
        affected_names = values_of(cells.get("AffectedPersons", ""))
        affected = "; ".join(affected_names)
        if len(affected) > 300:
            affected = affected[:297].rsplit(";", 1)[0] + "…"
        sdgs = self.sdgs.codes_for(values_of(cells.get("Sdgs", "")))
        if isinstance(sdgs, str):
            raise self.error(row, "Sdgs", sdgs, "an SDG target written '16.2 - its title'")
        position_text = one_value(cells.get("UprPositions", ""))
        position = POSITIONS.get(normal(position_text), "")
        if position_text and not position:
            self.positions[position_text] += 1
        recommending = None
        for state in values_of(cells.get("UprRecommendingCountry", "")):
            found = self.countries.find(state.rstrip("*").strip())
            if found and found != SKIP:
                recommending = found
                break
        # Last, once the row is known good: a new name joins the vocabulary.
        affected_slugs = self.affected.slugs_for(affected_names)
        return {
            "annotation": annotation,
            "symbol": symbol,
            "text": text,
            "paragraph": paragraph,
            "issued": issued,
            "on_uhri": on_uhri,
            "kind": kind,
            "body": body,
            "countries": codes,
            "country_names": names,
            "affected_text": affected,
            "affected": affected_slugs,
            "sdgs": sdgs,
            "themes": self.themes.find(values_of(cells.get("Themes", ""))),
            "position": position,
            "recommending": recommending,
            "session": ", ".join(values_of(cells.get("UprSession", "")))[:40],
            "cycle": one_value(cells.get("UprCycle", ""))[:40],
            "line": row.line,
            "file": self.name,
        }


def _slug(text: str) -> str:
    return slugify(text.replace("/", "-").replace(".", "-"))[:90]


def _target_column(through) -> str:
    """The column of a concern's link table that points at the other side."""
    return next(
        f.attname
        for f in through._meta.concrete_fields
        if f.is_relation and f.related_model is not m.Concern
    )


def _lookup(column: str, values: list[str], table: str = "tracker_concern") -> dict[str, int]:
    """Ids by ``column`` (``external_id`` or ``key``) for those of ``values`` in ``table``.

    Plain SQL: the ORM's preparation of thousands of parameters per batch cost more than the
    query itself.
    """
    found = {}
    with connection.cursor() as cursor:
        for where, params in matching(column, values):
            cursor.execute(f"SELECT {column}, id FROM {table} WHERE {where}", params)
            found.update(cursor.fetchall())
    return found


class _NewRecords:
    """Inserts new records of ``model`` from dictionaries of values, with "created" history rows.

    Used for sources and reviews: django-simple-history's ``bulk_create_with_history`` went
    through the ORM per object and took a fifth of the import's time for a few thousand rows.
    """

    def __init__(self, model, now, reason: str):
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
        self.model, self.now, self.reason = model, now, reason
        self.stand_ins = itertools.count(1)
        self.columns = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.days = [
            f.attname
            for f in fields
            if isinstance(f, DateField) and not isinstance(f, DateTimeField)
        ]
        stamp = connection.ops.adapt_datetimefield_value(now)
        self.defaults["created_at"] = self.defaults["updated_at"] = stamp

    def insert(self, records: list[dict], result: ImportResult, kind: str, write: bool):
        """Insert ``records`` (each with a unique ``key``); their ids by key. Without ``write``,
        nothing is inserted and the ids are stand-ins (negative, never a real record's)."""
        for values in records:
            result.change(kind, self.model, values["key"], "created")
        if not records:
            return {}
        if not write:
            return {r["key"]: -next(self.stand_ins) for r in records}
        rows = []
        for values in records:
            row = {**self.defaults, **values}
            for name in self.days:
                if row[name] is not None:
                    row[name] = connection.ops.adapt_datefield_value(row[name])
            rows.append(tuple(row[c] for c in self.columns))
        insert_rows(self.model, rows, tuples=True)
        ids = _lookup("key", [r["key"] for r in records], self.model._meta.db_table)
        history_from_rows(
            self.model, list(ids.values()), history_type="+", date=self.now, reason=self.reason
        )
        return ids


class _Writer:
    """Writes batches of parsed rows: sources and reviews first, then concerns with history."""

    def __init__(
        self,
        result: ImportResult,
        reason: str,
        status: str,
        fulltext: FulltextPaused,
        parser: "_Parser",
        *,
        write: bool = True,
    ):
        self.result, self.reason, self.status, self.fulltext = result, reason, status, fulltext
        self.parser, self.write_rows = parser, write
        self.now = timezone.now()
        self.sources = _NewRecords(m.Source, self.now, reason)
        self.reviews = _NewRecords(m.Review, self.now, reason)
        self.source_ids = dict(
            m.Source.objects.exclude(symbol="").order_by("pk").values_list("symbol", "pk")
        )
        self.source_keys = set(m.Source.objects.values_list("key", flat=True))
        self.review_ids = {
            (symbol, country): pk
            for symbol, country, pk in m.Review.objects.values_list("symbol", "country_id", "pk")
        }
        self.review_keys = set(m.Review.objects.values_list("key", flat=True))
        self.symbols: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self.new_sources: dict[str, object] = {}  # symbol -> date given, of sources made here
        self.earlier: dict[str, object] = {}  # symbol -> an earlier date a later batch gave
        self.concern_keys: set[str] = set()
        fields = [f for f in m.Concern._meta.concrete_fields if not isinstance(f, AutoField)]
        self.columns = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        ops = connection.ops
        self.stamp = ops.adapt_datetimefield_value(self.now)
        self.adapt_day = ops.adapt_datefield_value

    def write(self, entries) -> None:
        if entries:
            if self.write_rows:
                # New affected-persons groups and SDG targets first: the links point at them.
                self.parser.affected.flush()
                self.parser.sdgs.flush()
            self._sources(entries)
            self._reviews(entries)
            self._concerns(entries)

    def finish(self) -> None:
        """Counts, and the dates of documents whose earliest annotation came in a later batch."""
        fix = []
        # Without writing, the sources to fix are new ones: counted as created already.
        earlier = list(self.earlier) if self.write_rows else []
        for source in m.Source.objects.filter(symbol__in=earlier):
            source.published_on = self.earlier[source.symbol]
            source.published_on_precision = m.Precision.DAY
            fix.append(source)
        if fix:
            bulk_update_with_history(
                fix,
                m.Source,
                ["published_on", "published_on_precision"],
                default_change_reason=self.reason,
            )
        result = self.result
        result.count("sources", "created", len(self.new_sources))
        result.count("sources", "unchanged", len(self.symbols) - len(self.new_sources))
        made = result.counts.get("reviews", {}).get("created", 0)
        result.count("reviews", "unchanged", len(self.pairs) - made)

    def _sources(self, entries) -> None:
        """A source per document symbol: the one the tracker has, or a new UN-document source."""
        wanted: dict[str, object] = {}
        for _external_id, _code, parsed in entries:
            symbol, issued = parsed["symbol"], parsed["issued"]
            self.symbols.add(symbol)
            if symbol in self.source_ids:
                # A document's date is the earliest its annotations give, in any batch.
                if symbol in self.new_sources and issued:
                    best = self.earlier.get(symbol, self.new_sources[symbol])
                    if best is None or issued < best:
                        self.earlier[symbol] = issued
                continue
            dates = [d for d in (wanted.get(symbol), issued) if d]
            wanted[symbol] = min(dates) if dates else None
        new = []
        for symbol, issued in wanted.items():
            key = f"doc-{_slug(symbol)}"
            if key in self.source_keys:
                key = f"{key}-{hashlib.sha1(symbol.encode()).hexdigest()[:6]}"
            self.source_keys.add(key)
            new.append(
                {
                    "key": key,
                    "title": f"UN document {symbol}",
                    "kind": m.Source.Kind.UN_DOCUMENT,
                    "publisher": "United Nations",
                    "symbol": symbol,
                    "published_on": issued,
                    "published_on_precision": m.Precision.DAY if issued else "",
                    "url": f"https://undocs.org/{symbol}",
                    "status": m.Editorial.PUBLISHED,
                }
            )
            self.new_sources[symbol] = issued
        ids = self.sources.insert(new, self.result, "sources", self.write_rows)
        for values in new:
            self.source_ids[values["symbol"]] = ids[values["key"]]

    def _reviews(self, entries) -> None:
        """A review per (symbol, country): existing reviews are kept as they are."""
        new: dict[tuple[str, str], dict] = {}
        for _external_id, code, parsed in entries:
            pair = (parsed["symbol"], code)
            self.pairs.add(pair)
            if pair in self.review_ids or pair in new:
                continue
            key = f"uhri-{_slug(parsed['symbol'])}-{code.lower()}"
            if key in self.review_keys:
                key = f"{key}-{hashlib.sha1(parsed['symbol'].encode()).hexdigest()[:6]}"
            self.review_keys.add(key)
            new[pair] = {
                "key": key,
                "body_id": parsed["body"],
                "country_id": code,
                "symbol": parsed["symbol"],
                "adopted_on": parsed["issued"],
                "adopted_on_precision": m.Precision.DAY if parsed["issued"] else "",
                "source_id": self.source_ids[parsed["symbol"]],
                "cycle": parsed["cycle"],
                "locator": "UHRI export",
                "status": self.status,
            }
        ids = self.reviews.insert(list(new.values()), self.result, "reviews", self.write_rows)
        for pair, values in new.items():
            self.review_ids[pair] = ids[values["key"]]
        self.result.count("reviews", "created", len(new))

    def _concerns(self, entries) -> None:
        """Insert new concerns, update changed ones, each with history rows and their links to
        themes, affected persons and SDG targets.

        Queries per batch: the batch's existing concerns, their links, taken keys; then the
        writes. New rows go in as value tuples through one prepared statement.
        """
        known = _lookup("external_id", [e[0] for e in entries])
        current = {}
        if known:  # a first import of these rows skips the fuller query
            current = {
                c.external_id: c
                for c in m.Concern.objects.filter(pk__in=list(known.values()))
                .order_by()
                .only("pk", "key", "external_id", "status", *CONCERN_FIELDS)
            }
        # field -> concern id -> the ids it links to now
        current_links: dict[str, dict[int, set[str]]] = {field: {} for field in LINKS}
        if current:
            pks = [c.pk for c in current.values()]
            for field in LINKS:
                through = m.Concern._meta.get_field(field).remote_field.through
                target = _target_column(through)
                for concern_id, target_id in through.objects.filter(concern_id__in=pks).values_list(
                    "concern_id", target
                ):
                    current_links[field].setdefault(concern_id, set()).add(target_id)
        wanted_keys = {
            e[0]: f"uhri-{slugify(e[0].replace(':', '-'))}" for e in entries if e[0] not in current
        }
        taken = _lookup("key", list(wanted_keys.values()))
        new_rows, new_links, changed = [], {}, []
        relink: dict[str, dict[int, set[str]]] = {field: {} for field in LINKS}
        countries = set()  # whose counts change (tracker.counts)
        for external_id, code, parsed in entries:
            values = {
                "review_id": self.review_ids[(parsed["symbol"], code)],
                "body_id": parsed["body"],
                "country_id": code,
                "issued_on": parsed["issued"],
                "issued_on_precision": m.Precision.DAY if parsed["issued"] else "",
                "paragraph": parsed["paragraph"][:20],
                "kind": parsed["kind"],
                "summary": parsed["text"],
                "affected_groups": parsed["affected_text"],
                "recommending_state_id": parsed["recommending"],
                "upr_position": parsed["position"],
                "upr_session": parsed["session"],
                "published_on_uhri": parsed["on_uhri"],
                "source_id": self.source_ids[parsed["symbol"]],
                "locator": f"UHRI annotation {parsed['annotation']}",
            }
            concern = current.get(external_id)
            if concern is None:
                key = wanted_keys[external_id]
                if key in taken or key in self.concern_keys:
                    raise ImportDataError(
                        parsed["file"],
                        parsed["line"],
                        "AnnotationId",
                        parsed["annotation"],
                        f"an annotation whose record key {key} is free",
                    )
                self.concern_keys.add(key)
                self.result.change("concerns", m.Concern, key, "created")
                row = {**self.defaults, **values}
                row.update(key=key, external_id=external_id, status=self.status)
                row["created_at"] = row["updated_at"] = self.stamp
                for day in ("issued_on", "published_on_uhri"):
                    if row[day] is not None:
                        row[day] = self.adapt_day(row[day])
                new_rows.append(tuple(row[c] for c in self.columns))
                new_links[external_id] = parsed
                countries.add(code)
                continue
            differ = [f for f, v in values.items() if getattr(concern, f) != v]
            for f in differ:
                setattr(concern, f, values[f])
            for field, key in LINKS.items():
                if current_links[field].get(concern.pk, set()) != parsed[key]:
                    relink[field][concern.pk] = parsed[key]
                    differ.append(field)
            if differ:
                concern.updated_at = self.now
                changed.append(concern)
                countries.add(code)
                fields = [f.removesuffix("_id") for f in differ]
                self.result.change("concerns", m.Concern, concern.key, "updated", fields)
            else:
                self.result.count("concerns", "unchanged")

        if not self.write_rows:
            self.result.count("concerns", "created", len(new_rows))
            self.result.count("concerns", "updated", len(changed))
            return
        new_pks: dict[str, int] = {}
        if new_rows:
            insert_rows(m.Concern, new_rows, tuples=True)
            new_pks = _lookup("external_id", list(new_links))
            self.fulltext.index(list(new_pks.values()))
        if changed:
            m.Concern.objects.bulk_update(changed, [*CONCERN_FIELDS, "updated_at"])
        changed_pks = [c.pk for c in changed]
        linked = set()  # fields some new concern links through
        for field, key in LINKS.items():
            through = m.Concern._meta.get_field(field).remote_field.through
            stale = list(relink[field])
            if stale:
                through.objects.filter(concern_id__in=stale).delete()
            links = [
                (new_pks[e], target)
                for e, parsed in new_links.items()
                for target in sorted(parsed[key])
            ]
            if links:
                linked.add(field)
            links += [(pk, t) for pk, targets in relink[field].items() for t in sorted(targets)]
            if links:  # the link table's columns after its id: concern, then the target
                insert_rows(through, links, tuples=True)
        after = last_history_id(m.Concern)
        for pks, kind in ((list(new_pks.values()), "+"), (changed_pks, "~")):
            history_from_rows(m.Concern, pks, history_type=kind, date=self.now, reason=self.reason)
        # Each new history row gets a copy of the record's links, as django-simple-history
        # keeps them; a field no new concern links through has nothing to copy for them.
        for field in LINKS:
            pks = [*(new_pks.values() if field in linked else ()), *changed_pks]
            if pks:
                m2m_history_from_rows(m.Concern, field, pks, after=after)
        counts.changed(countries)
        self.result.count("concerns", "created", len(new_rows))
        self.result.count("concerns", "updated", len(changed))
