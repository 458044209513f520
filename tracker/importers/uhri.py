"""OHCHR's Universal Human Rights Index export (.csv, .xlsx or .json).

Columns: AnnotationId, Symbol, Text, DocumentId, PublicationDate, AnnotationType, Countries,
AffectedPersons, Themes, Sdgs, Regions, Body. The older export's ``Reccomending Body`` [sic] and
``Document Publication Date`` are read as Body and PublicationDate. Multi-valued cells hold values
separated by ``;``, each possibly written ``- value``.

Each annotation becomes one Concern per country it names (external id ``<AnnotationId>:<ISO3>``,
so a re-import updates it in place), under a Review per (Symbol, country) and citing the UN
document (a Source per Symbol, or the curated one with that symbol). UHRI themes map to the
tracker's themes by name, slug, or ``seeds/theme_aliases.csv`` (``uhri_theme,theme``).
"""

import hashlib
import re
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
    THEME_ALIASES,
    CountryNames,
    FulltextPaused,
    ImportDataError,
    ImportResult,
    Row,
    csv_file_records,
    history_from_rows,
    insert_rows,
    json_rows,
    last_history_id,
    m2m_history_from_rows,
    matching,
    normal,
    parse_day,
    progress,
    progress_wanted,
    read_alias_file,
    rows_with_header,
    sniff,
    split_multi,
    table_records,
)

# Rows parsed before each round of writes: fewer rounds cost fewer queries; memory grows with it.
ROWS_PER_WRITE = 10000

# Header (folded by ``normal`` without spaces) -> the column it stands for.
HEADERS = {
    "annotationid": "AnnotationId",
    "symbol": "Symbol",
    "documentsymbol": "Symbol",
    "text": "Text",
    "documentid": "DocumentId",
    "publicationdate": "PublicationDate",
    "documentpublicationdate": "PublicationDate",
    "annotationtype": "AnnotationType",
    "countries": "Countries",
    "country": "Countries",
    "affectedpersons": "AffectedPersons",
    "themes": "Themes",
    "sdgs": "Sdgs",
    "regions": "Regions",
    "body": "Body",
    "reccomendingbody": "Body",
    "recommendingbody": "Body",
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
    "concluding observation": m.Concern.Kind.CONCERN,
    "positive aspect": m.Concern.Kind.POSITIVE_ASPECT,
    "positive aspects": m.Concern.Kind.POSITIVE_ASPECT,
    "positive development": m.Concern.Kind.POSITIVE_ASPECT,
    "positive developments": m.Concern.Kind.POSITIVE_ASPECT,
}
CONCERN_FIELDS = [
    "review",
    "body",
    "country",
    "issued_on",
    "issued_on_precision",
    "kind",
    "summary",
    "affected_groups",
    "source",
    "locator",
]


class ThemeNames:
    """UHRI theme names to tracker theme slugs: the alias file first, then names and slugs."""

    def __init__(self, alias_file: Path = THEME_ALIASES):
        self.lookup: dict[str, str] = {}
        slugs = set()
        for slug, name in m.Theme.objects.values_list("slug", "name"):
            slugs.add(slug)
            self.lookup.setdefault(normal(slug), slug)
            self.lookup.setdefault(normal(name), slug)
        for row in read_alias_file(alias_file):
            if row.get("theme") in slugs:
                self.lookup[normal(row["uhri_theme"])] = row["theme"]
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
    """Body codes by code or name (``CCPR``, ``Human Rights Committee``, ``CCPR - ...``)."""

    def __init__(self):
        self.lookup = {}
        for code, name in m.Body.objects.values_list("code", "name"):
            self.lookup[normal(code)] = code
            self.lookup.setdefault(normal(name), code)

    def find(self, text: str) -> str | None:
        found = self.lookup.get(normal(text))
        if found is None and " - " in text:
            found = self.lookup.get(normal(text.split(" - ", 1)[0]))
        return found


def read_rows(path: Path, name: str) -> Iterator[Row]:
    """The export's rows with their cells under the canonical column names."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if sniff(head) == "csv":
        # CSV, the large case, is read as it streams; JSON and workbooks are read whole.
        records = csv_file_records(path, name)
        rows = rows_with_header(records, name)
    else:
        data = path.read_bytes()
        if sniff(data) == "json":
            rows = json_rows(data, name)
        else:
            rows = rows_with_header(table_records(data, name), name)
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
            raise ImportDataError(name, row.line, "", ", ".join(row.cells), f"columns {missing}")
        row.cells = cells
        yield row


def import_uhri(
    path: Path, *, result: ImportResult, reason: str, publish: bool = False, name: str = ""
) -> None:
    """Create or update reviews, concerns and document sources from a UHRI export.

    The file is read and written in rounds of ``ROWS_PER_WRITE`` rows, so memory does not grow
    with the file; the caller's transaction makes the whole file one change.
    """
    name = name or path.name
    countries, bodies, themes = CountryNames(), Bodies(), ThemeNames()
    status = m.Editorial.PUBLISHED if publish else m.Editorial.DRAFT
    seen: dict[str, int] = {}
    skipped = 0
    batch: list = []
    if connection.vendor == "postgresql":
        # The full-text GIN index queues new entries and merges the queue into the index each
        # time it outgrows this limit (4 MB by default): fewer, larger merges during a large
        # import. For this transaction only. (200,000 rows, profiled: 76 s to 67 s.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
    with FulltextPaused() as fulltext:
        writer = _Writer(result, reason, status, fulltext)
        for row in progress(read_rows(path, name), _line_estimate(path), "uhri"):
            result.rows += 1
            parsed = _parse(name, row, countries, bodies, themes)
            if not parsed["countries"]:
                skipped += 1
                continue
            for code in parsed["countries"]:
                external_id = f"{parsed['annotation']}:{code}"
                if external_id in seen:
                    raise ImportDataError(
                        name,
                        row.line,
                        "AnnotationId",
                        parsed["annotation"],
                        f"one row per annotation and country (also on line {seen[external_id]})",
                    )
                seen[external_id] = row.line
                batch.append((external_id, code, parsed))
            if len(batch) >= ROWS_PER_WRITE:
                writer.write(batch)
                batch = []
        writer.write(batch)
        writer.finish()
    if skipped:
        result.notes.append(f"{skipped} rows name only states the tracker does not hold: skipped.")
    if themes.unmapped:
        listed = ", ".join(f"{t} ({n})" for t, n in themes.unmapped.most_common(10))
        result.notes.append(
            f"UHRI themes with no tracker theme (add them to seeds/theme_aliases.csv): {listed}"
        )


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


def _parse(name, row, countries: CountryNames, bodies: Bodies, themes: ThemeNames) -> dict:
    cells = row.cells
    symbol = cells["Symbol"].strip()
    if not symbol or len(symbol) > 100:
        raise ImportDataError(name, row.line, "Symbol", symbol, "a document symbol (1-100 chars)")
    text = cells["Text"].strip()
    if not text:
        raise ImportDataError(name, row.line, "Text", text, "the text of the annotation")
    annotation = cells.get("AnnotationId", "").strip()
    if not annotation:
        # The older export has no AnnotationId: a digest of symbol and text is as stable.
        annotation = "h" + hashlib.sha1(f"{symbol}\n{text}".encode()).hexdigest()[:20]
    if len(annotation) > 55 or not re.fullmatch(r"[\w.\-]+", annotation):
        raise ImportDataError(
            name, row.line, "AnnotationId", annotation, "an identifier of letters, digits, - or _"
        )
    issued = None
    date_text = cells.get("PublicationDate", "").strip()
    if date_text:
        try:
            issued = parse_day(date_text)
        except ValueError:
            raise ImportDataError(
                name, row.line, "PublicationDate", date_text, "a date as YYYY-MM-DD or dd/mm/yyyy"
            ) from None
    kind_text = cells.get("AnnotationType", "")
    kind = KINDS.get(normal(kind_text))
    if kind is None:
        expected = "Recommendation, Concern or Positive aspect"
        raise ImportDataError(name, row.line, "AnnotationType", kind_text, expected)
    body = bodies.find(cells["Body"])
    if body is None:
        expected = "a body code or name (e.g. CCPR)"
        raise ImportDataError(name, row.line, "Body", cells["Body"], expected)
    codes = []
    names = split_multi(cells["Countries"])
    if not names:
        expected = "at least one country"
        raise ImportDataError(name, row.line, "Countries", cells["Countries"], expected)
    for country_name in names:
        code = countries.find(country_name)
        if code is None:
            raise ImportDataError(
                name,
                row.line,
                "Countries",
                country_name,
                "a country name in the tracker (or an alias in seeds/country_aliases.csv)",
            )
        if code != SKIP and code not in codes:
            codes.append(code)
    affected = "; ".join(split_multi(cells.get("AffectedPersons", "")))
    if len(affected) > 300:
        affected = affected[:297].rsplit(";", 1)[0] + "…"
    return {
        "annotation": annotation,
        "symbol": symbol,
        "text": text,
        "issued": issued,
        "kind": kind,
        "body": body,
        "countries": codes,
        "affected": affected,
        "themes": themes.find(split_multi(cells.get("Themes", ""))),
        "line": row.line,
        "file": name,
    }


def _slug(text: str) -> str:
    return slugify(text.replace("/", "-").replace(".", "-"))[:90]


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
        self.columns = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.days = [
            f.attname
            for f in fields
            if isinstance(f, DateField) and not isinstance(f, DateTimeField)
        ]
        stamp = connection.ops.adapt_datetimefield_value(now)
        self.defaults["created_at"] = self.defaults["updated_at"] = stamp

    def insert(self, records: list[dict]) -> dict[str, int]:
        """Insert ``records`` (each with a unique ``key``); their ids by key."""
        if not records:
            return {}
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

    def __init__(self, result: ImportResult, reason: str, status: str, fulltext: FulltextPaused):
        self.result, self.reason, self.status, self.fulltext = result, reason, status, fulltext
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
            self._sources(entries)
            self._reviews(entries)
            self._concerns(entries)

    def finish(self) -> None:
        """Counts, and the dates of documents whose earliest annotation came in a later batch."""
        fix = []
        for source in m.Source.objects.filter(symbol__in=list(self.earlier)):
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
        ids = self.sources.insert(new)
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
                "locator": "UHRI export",
                "status": self.status,
            }
        ids = self.reviews.insert(list(new.values()))
        for pair, values in new.items():
            self.review_ids[pair] = ids[values["key"]]
        self.result.count("reviews", "created", len(new))

    def _concerns(self, entries) -> None:
        """Insert new concerns, update changed ones, each with history rows and theme links.

        Queries per batch: the batch's existing concerns, their themes, taken keys; then the
        writes. New rows go in as value tuples through one prepared statement.
        """
        through = m.Concern.themes.through
        known = _lookup("external_id", [e[0] for e in entries])
        current = {}
        if known:  # a first import of these rows skips the fuller query
            current = {
                c.external_id: c
                for c in m.Concern.objects.filter(pk__in=list(known.values()))
                .order_by()
                .only("pk", "key", "external_id", "status", *CONCERN_FIELDS)
            }
        current_themes: dict[int, set[str]] = {}
        if current:
            pks = [c.pk for c in current.values()]
            for concern_id, theme_id in through.objects.filter(concern_id__in=pks).values_list(
                "concern_id", "theme_id"
            ):
                current_themes.setdefault(concern_id, set()).add(theme_id)
        wanted_keys = {
            e[0]: f"uhri-{slugify(e[0].replace(':', '-'))}" for e in entries if e[0] not in current
        }
        taken = _lookup("key", list(wanted_keys.values()))
        new_rows, new_themes, changed, retheme = [], {}, [], {}
        countries = set()  # whose counts change (tracker.counts)
        for external_id, code, parsed in entries:
            values = {
                "review_id": self.review_ids[(parsed["symbol"], code)],
                "body_id": parsed["body"],
                "country_id": code,
                "issued_on": parsed["issued"],
                "issued_on_precision": m.Precision.DAY if parsed["issued"] else "",
                "kind": parsed["kind"],
                "summary": parsed["text"],
                "affected_groups": parsed["affected"],
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
                row = {**self.defaults, **values}
                row.update(key=key, external_id=external_id, status=self.status)
                row["created_at"] = row["updated_at"] = self.stamp
                if row["issued_on"] is not None:
                    row["issued_on"] = self.adapt_day(row["issued_on"])
                new_rows.append(tuple(row[c] for c in self.columns))
                new_themes[external_id] = parsed["themes"]
                countries.add(code)
                continue
            dirty = any(getattr(concern, f) != v for f, v in values.items())
            if dirty:
                for f, v in values.items():
                    setattr(concern, f, v)
            if current_themes.get(concern.pk, set()) != parsed["themes"]:
                retheme[concern.pk] = parsed["themes"]
            if dirty or concern.pk in retheme:
                concern.updated_at = self.now
                changed.append(concern)
                countries.add(code)
            else:
                self.result.count("concerns", "unchanged")

        new_pks: dict[str, int] = {}
        if new_rows:
            insert_rows(m.Concern, new_rows, tuples=True)
            new_pks = _lookup("external_id", list(new_themes))
            self.fulltext.index(list(new_pks.values()))
        if changed:
            m.Concern.objects.bulk_update(changed, [*CONCERN_FIELDS, "updated_at"])
        changed_pks = [c.pk for c in changed]
        stale = list(retheme)
        if stale:
            through.objects.filter(concern_id__in=stale).delete()
        links = [(new_pks[e], slug) for e, slugs in new_themes.items() for slug in sorted(slugs)]
        links += [(pk, slug) for pk, slugs in retheme.items() for slug in sorted(slugs)]
        # The link table's columns after its id: concern, theme.
        insert_rows(through, links, tuples=True)
        after = last_history_id(m.Concern)
        for pks, kind in ((list(new_pks.values()), "+"), (changed_pks, "~")):
            history_from_rows(m.Concern, pks, history_type=kind, date=self.now, reason=self.reason)
        m2m_history_from_rows(m.Concern, "themes", [*new_pks.values(), *changed_pks], after=after)
        counts.changed(countries)
        self.result.count("concerns", "created", len(new_rows))
        self.result.count("concerns", "updated", len(changed))
