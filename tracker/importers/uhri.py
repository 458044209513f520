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
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker import models as m
from tracker.importers.base import (
    BATCH_SIZE,
    SKIP,
    THEME_ALIASES,
    CountryNames,
    ImportDataError,
    ImportResult,
    create_with_history,
    insert_rows,
    json_rows,
    normal,
    parse_day,
    progress,
    read_alias_file,
    rows_with_header,
    sniff,
    split_multi,
    table_records,
)

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


def read_rows(path: Path, name: str):
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
    """Create or update reviews, concerns and document sources from a UHRI export."""
    name = name or path.name
    countries, bodies, themes = CountryNames(), Bodies(), ThemeNames()
    status = m.Editorial.PUBLISHED if publish else m.Editorial.DRAFT
    entries, seen, skipped = [], {}, 0
    for row in read_rows(path, name):
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
            entries.append((external_id, code, parsed))

    source_ids = _sources(entries, result, reason)
    review_ids = _reviews(entries, source_ids, status, result, reason)
    _concerns(entries, source_ids, review_ids, status, result, reason)
    if skipped:
        result.notes.append(f"{skipped} rows name only states the tracker does not hold: skipped.")
    if themes.unmapped:
        listed = ", ".join(f"{t} ({n})" for t, n in themes.unmapped.most_common(10))
        result.notes.append(
            f"UHRI themes with no tracker theme (add them to seeds/theme_aliases.csv): {listed}"
        )


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


def _sources(entries, result: ImportResult, reason: str) -> dict[str, int]:
    """Source id per document symbol: the one the tracker has, or a new UN-document source."""
    existing = dict(m.Source.objects.exclude(symbol="").order_by("pk").values_list("symbol", "pk"))
    keys = set(m.Source.objects.values_list("key", flat=True))
    wanted: dict[str, object] = {}
    for _external_id, _code, parsed in entries:
        symbol = parsed["symbol"]
        if symbol in existing:
            continue
        # A document's date is the earliest its annotations give.
        dates = [d for d in (wanted.get(symbol), parsed["issued"]) if d]
        wanted[symbol] = min(dates) if dates else None
    new = []
    for symbol, issued in wanted.items():
        key = f"doc-{_slug(symbol)}"
        if key in keys:
            key = f"{key}-{hashlib.sha1(symbol.encode()).hexdigest()[:6]}"
        keys.add(key)
        new.append(
            m.Source(
                key=key,
                title=f"UN document {symbol}",
                kind=m.Source.Kind.UN_DOCUMENT,
                publisher="United Nations",
                symbol=symbol,
                published_on=issued,
                published_on_precision=m.Precision.DAY if issued else "",
                url=f"https://undocs.org/{symbol}",
                status=m.Editorial.PUBLISHED,
            )
        )
    for source in bulk_create_with_history(
        new, m.Source, batch_size=BATCH_SIZE, default_change_reason=reason
    ):
        existing[source.symbol] = source.pk
    result.count("sources", "created", len(new))
    result.count("sources", "unchanged", len({e[2]["symbol"] for e in entries}) - len(new))
    return existing


def _reviews(entries, source_ids, status, result: ImportResult, reason: str):
    """Review id per (symbol, country): existing reviews are kept as they are; missing ones made."""
    existing = {
        (symbol, country): pk
        for symbol, country, pk in m.Review.objects.values_list("symbol", "country_id", "pk")
    }
    keys = set(m.Review.objects.values_list("key", flat=True))
    new: dict[tuple[str, str], m.Review] = {}
    for _external_id, code, parsed in entries:
        pair = (parsed["symbol"], code)
        if pair in existing or pair in new:
            continue
        key = f"uhri-{_slug(parsed['symbol'])}-{code.lower()}"
        if key in keys:
            key = f"{key}-{hashlib.sha1(parsed['symbol'].encode()).hexdigest()[:6]}"
        keys.add(key)
        new[pair] = m.Review(
            key=key,
            body_id=parsed["body"],
            country_id=code,
            symbol=parsed["symbol"],
            adopted_on=parsed["issued"],
            adopted_on_precision=m.Precision.DAY if parsed["issued"] else "",
            source_id=source_ids[parsed["symbol"]],
            locator="UHRI export",
            status=status,
        )
    created = bulk_create_with_history(
        list(new.values()), m.Review, batch_size=BATCH_SIZE, default_change_reason=reason
    )
    for review in created:
        existing[(review.symbol, review.country_id)] = review.pk
    result.count("reviews", "created", len(new))
    pairs = {(e[2]["symbol"], e[1]) for e in entries}
    result.count("reviews", "unchanged", len(pairs) - len(new))
    return existing


def _concerns(entries, source_ids, review_ids, status, result: ImportResult, reason: str) -> None:
    through = m.Concern.themes.through
    current = {
        c.external_id: c
        for c in m.Concern.objects.filter(external_id__isnull=False)
        .order_by()
        .only("pk", "key", "external_id", "status", *CONCERN_FIELDS)
    }
    current_themes: dict[int, set[str]] = {}
    for concern_id, theme_id in through.objects.filter(
        concern__external_id__isnull=False
    ).values_list("concern_id", "theme_id"):
        current_themes.setdefault(concern_id, set()).add(theme_id)
    keys = set(m.Concern.objects.values_list("key", flat=True))
    now = timezone.now()
    new, changed, theme_rows, retheme = [], [], [], {}
    for external_id, code, parsed in progress(entries, len(entries), "uhri"):
        values = {
            "review_id": review_ids[(parsed["symbol"], code)],
            "body_id": parsed["body"],
            "country_id": code,
            "issued_on": parsed["issued"],
            "issued_on_precision": m.Precision.DAY if parsed["issued"] else "",
            "kind": parsed["kind"],
            "summary": parsed["text"],
            "affected_groups": parsed["affected"],
            "source_id": source_ids[parsed["symbol"]],
            "locator": f"UHRI annotation {parsed['annotation']}",
        }
        concern = current.get(external_id)
        if concern is None:
            key = f"uhri-{slugify(external_id.replace(':', '-'))}"
            if key in keys:
                raise ImportDataError(
                    parsed["file"],
                    parsed["line"],
                    "AnnotationId",
                    parsed["annotation"],
                    f"an annotation whose record key {key} is free",
                )
            keys.add(key)
            concern = m.Concern(key=key, external_id=external_id, status=status, **values)
            new.append(concern)
            retheme[external_id] = parsed["themes"]
            continue
        dirty = any(getattr(concern, f) != v for f, v in values.items())
        if dirty:
            for f, v in values.items():
                setattr(concern, f, v)
            concern.updated_at = now
            changed.append(concern)
        if current_themes.get(concern.pk, set()) != parsed["themes"]:
            retheme[external_id] = parsed["themes"]
            if not dirty:
                concern.updated_at = now
                changed.append(concern)
        if not dirty and external_id not in retheme:
            result.count("concerns", "unchanged")

    create_with_history(m.Concern, new, unique="external_id", reason=reason)
    if changed:
        bulk_update_with_history(
            changed,
            m.Concern,
            [*CONCERN_FIELDS, "updated_at"],
            batch_size=BATCH_SIZE,
            default_change_reason=reason,
        )
    by_external = {c.external_id: c.pk for c in new}
    by_external.update({c.external_id: c.pk for c in changed})
    stale = [by_external[e] for e in retheme if e in current]
    for start in range(0, len(stale), BATCH_SIZE):
        through.objects.filter(concern_id__in=stale[start : start + BATCH_SIZE]).delete()
    for external_id, slugs in retheme.items():
        concern_id = by_external[external_id]
        theme_rows.extend((concern_id, slug) for slug in sorted(slugs))
    # The link table's columns after its id: concern, theme.
    insert_rows(through, theme_rows, tuples=True)
    result.count("concerns", "created", len(new))
    result.count("concerns", "updated", len(changed))
