"""Exports of every kind of record as CSV or JSON, in the tracker's own re-importable format.

A column is a model field (the same format as ``seeds/``): foreign keys and many-to-many fields
hold natural keys (many-to-many values sorted and separated by ``;``), dates are written as
precisely as they are known, empty cells mean "no value". Columns come in model field order and
rows in natural-key order, so two exports of the same data are byte-identical. CSV rows end with
the ``url`` of the record's page where it has one; JSON leaves URLs out because they carry
database ids, and the JSON document is what re-imports to an identical database.
"""

import csv
import dataclasses
import datetime as dt
import io
import json
import re

from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker import models as m
from tracker.seeds import KINDS

SKIPPED_FIELDS = {"created_at", "updated_at"}
JSON_FORMAT = "treaty-tracker"
JSON_VERSION = 1


class ExportError(ValueError):
    """A kind or filter the export cannot take; the message says what was expected."""


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet that splits on another delimiter than ours (";" in most European locales, tabs,
# pipes) or on line breaks sees a new cell after each of these: what follows one is guarded too.
HIDDEN_FORMULA = re.compile(r"([,;\t\r\n|])([=+\-@])")
HIDDEN_QUOTED = re.compile(r"([,;\t\r\n|])'([=+\-@])")


def formula_safe(text: str) -> str:
    """``text`` with a ``'`` before anything a spreadsheet would read as a formula: at the start,
    and after a character some spreadsheet takes for a cell break (``x;=HYPERLINK(...)``)."""
    text = HIDDEN_FORMULA.sub(r"\1'\2", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def formula_unquote(text: str) -> str:
    """Undo ``formula_safe`` when reading a CSV the tracker wrote."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return HIDDEN_QUOTED.sub(r"\1\2", text)


def kinds() -> dict[str, tuple[type[models.Model], tuple[str, ...]]]:
    """Export kinds by name (``countries``, ``concerns``, ...), in load order."""
    return {kind: (model, natural_key) for kind, model, natural_key in KINDS}


def _precision_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.name.endswith("_precision")}


def columns(model) -> list[tuple[str, models.Field]]:
    """(column, field) pairs of a model, in field order: what an export writes."""
    precisions = _precision_fields(model)
    out = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.AutoField) or field.name in SKIPPED_FIELDS:
            continue
        if not field.editable:
            continue  # derived (a concern's implementation status): re-computed, not imported
        if field.name in precisions:
            continue  # written inside the date it qualifies
        out.append((field.name, field))
    for field in model._meta.many_to_many:
        if field.remote_field.through._meta.auto_created:
            out.append((field.name, field))
    return out


def _natural(model) -> str:
    return "key" if any(f.name == "key" for f in model._meta.fields) else model._meta.pk.attname


def _sort_keys(model, natural_key) -> list[str]:
    keys = []
    for name in natural_key:
        field = model._meta.get_field(name)
        keys.append(f"{name}__{_natural(field.related_model)}" if field.is_relation else name)
    return keys


def filtered(kind: str, params: dict[str, str] | None = None, *, published_only: bool = False):
    """The records of ``kind`` that the API's FilterSet for it lets through ``params``.

    Raises ``ExportError`` for an unknown kind, a filter the kind has no FilterSet for, or a bad
    filter value (with the FilterSet's own message).
    """
    from tracker import filters

    table = kinds()
    if kind not in table:
        raise ExportError(f"Unknown kind {kind!r}: expected one of {', '.join(table)}.")
    model, natural_key = table[kind]
    queryset = model._default_manager.all()
    if published_only and hasattr(queryset, "published"):
        # what the public sees (the one rule): not a published record resting on a draft
        queryset = queryset.published()
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    if params:
        filterset_class = getattr(filters, f"{model.__name__}Filter", None)
        if filterset_class is None:
            raise ExportError(f"{kind} cannot be filtered.")
        unknown = sorted(set(params) - set(filterset_class.base_filters))
        if unknown:
            raise ExportError(
                f"{kind} has no filter {', '.join(unknown)}: expected "
                f"{', '.join(filterset_class.base_filters)}."
            )
        data = QueryDict(mutable=True)
        data.update(params)
        filterset = filterset_class(data, queryset=queryset)
        if not filterset.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            raise ExportError(f"Bad filter value: {errors}")
        # A subquery keeps one row per record even when a filter joins a many-to-many table.
        queryset = model._default_manager.filter(pk__in=filterset.qs.values("pk"))
    return queryset.order_by(*_sort_keys(model, natural_key))


def rows(kind: str, queryset, *, base_url: str | None = None):
    """Rows of ``queryset`` as dicts of strings (m2m as sorted lists), in column order.

    With ``base_url``, rows of records that have a page end with its ``url``. Runs one query for
    the records, one per foreign-keyed model that has a ``key``, and one per many-to-many field.
    """
    model, _natural_key = kinds()[kind]
    cols = columns(model)
    precisions = _precision_fields(model)
    keys_of = {}
    for _name, field in cols:
        if field.is_relation and _natural(field.related_model) == "key":
            related = field.related_model
            if related not in keys_of:
                keys_of[related] = dict(related._default_manager.values_list("pk", "key"))
    records = list(queryset)
    linked = {}
    for name, field in cols:
        if not field.many_to_many:
            continue
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        linked[name] = {}
        links = through.objects.filter(**{f"{source}_id__in": queryset.values("pk")})
        for own, other in links.values_list(f"{source}_id", f"{target}_id"):
            value = keys_of[field.related_model][other] if field.related_model in keys_of else other
            linked[name].setdefault(own, []).append(str(value))
    with_url = base_url is not None and hasattr(model, "get_absolute_url")
    for record in records:
        row = {}
        for name, field in cols:
            if field.many_to_many:
                row[name] = sorted(linked[name].get(record.pk, []))
                continue
            value = getattr(record, field.attname)
            if value is None:
                row[name] = ""
            elif field.is_relation:
                related = field.related_model
                row[name] = keys_of[related][value] if related in keys_of else str(value)
            elif isinstance(field, models.DateField) and f"{name}_precision" in precisions:
                row[name] = m.format_partial_date(value, getattr(record, f"{name}_precision"))
            elif isinstance(field, models.DateField):
                row[name] = value.isoformat()
            elif isinstance(field, models.BooleanField):
                row[name] = "true" if value else "false"
            else:
                row[name] = str(value)
        if with_url:
            row["url"] = base_url.rstrip("/") + record.get_absolute_url()
        yield row


def to_csv(kind: str, queryset, *, base_url: str | None = None) -> str:
    """One kind as CSV text: a header of columns (and ``url``), then one line per record."""
    model, _ = kinds()[kind]
    header = [name for name, _field in columns(model)]
    if base_url is not None and hasattr(model, "get_absolute_url"):
        header.append("url")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows(kind, queryset, base_url=base_url):
        cells = (";".join(v) if isinstance(v, list) else v for v in row.values())
        writer.writerow([formula_safe(cell) for cell in cells])
    return out.getvalue()


def to_json(querysets: dict[str, object]) -> str:
    """Several kinds as one JSON document: ``{"format", "version", "kinds": {kind: [rows]}}``."""
    doc = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "kinds": {kind: list(rows(kind, qs)) for kind, qs in querysets.items()},
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


# Downloads: what a page shows, for people ------------------------------------------------------
#
# The "Download CSV" and "Download Excel" buttons of the lists, the treaty table and the compare
# page write the rows the page shows (every page of a list, with its filters) in readable
# columns: names and document symbols rather than ids, dates as precisely as they are known, the
# status words a reader sees, each record's address. The tracker's own re-importable format
# (above) and the API's tables (``tracker.renderers``) keep codes: they are for programs.

# A download holds at most this many rows; a longer list asks for narrower filters.
DOWNLOAD_LIMIT = 10_000
DOWNLOAD_FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a CSV file as UTF-8 (Cyrillic names intact) only when it starts with this mark.
BOM = "\ufeff"


@dataclasses.dataclass
class Table:
    """A download: a file name without its extension, a header of words and rows of text."""

    name: str
    header: list[str]
    rows: list[list[str]] = dataclasses.field(default_factory=list)


def csv_bytes(header: list[str], rows) -> bytes:
    """A table as a UTF-8 CSV file with a byte-order mark, formula-like cells quoted."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([formula_safe(str(h)) for h in header])
    writer.writerows([formula_safe(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows) -> bytes:
    """A table as one Excel sheet: a bold header, text cells, formula-like cells quoted as in the
    CSV, and control characters a sheet cannot hold dropped."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    def text(value) -> str:
        return ILLEGAL_CHARACTERS_RE.sub("", formula_safe(str(value)))

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=text(name))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([text(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_bytes(table: Table, fmt: str) -> tuple[bytes, str]:
    """The file's bytes and content type for ``fmt`` (``csv`` or ``xlsx``)."""
    if fmt == "xlsx":
        return xlsx_bytes(table.header, table.rows), XLSX_TYPE
    return csv_bytes(table.header, table.rows), "text/csv; charset=utf-8"


def file_name(kind: str, *parts, day: dt.date | None = None) -> str:
    """``concerns-KAZ-torture-2026-12-02``: the page, what it is filtered on (codes, slugs, as
    given), and the day of the download. Anything but letters, digits, ``.``, ``_`` and ``-``
    is left out, so that the name is safe in a header and on any disk."""
    words = [kind]
    for part in parts:
        values = part if isinstance(part, list | tuple) else [part]
        for value in values:
            cleaned = re.sub(r"[^A-Za-z0-9._-]+", "", str(value or ""))[:40]
            if cleaned:
                words.append(cleaned)
    words = words[:8]  # a long filter makes a long name, not an unreadable one
    words.append((day or dt.date.today()).isoformat())
    return "-".join(words)


def _words():
    # Imported here: the template tags import the models, which this module's top half
    # (read by management commands) does without.
    from tracker.templatetags.tracker_tags import STATUS_LABELS, local_name

    return STATUS_LABELS, local_name


def _source_cells(record, user) -> list[str]:
    """Title, document symbol and locator of the source a record cites, if the reader may see
    it (``sees_drafts``: a draft source is named to editors only)."""
    source = record.source
    if source is None or not (
        source.status == m.Editorial.PUBLISHED or m.sees_drafts(user, m.Source)
    ):
        return ["", "", record.locator]
    return [source.title, source.symbol, record.locator]


def _absolute(base_url: str, record) -> str:
    return base_url.rstrip("/") + record.get_absolute_url()


def _themes(record) -> str:
    _labels, local_name = _words()
    return "; ".join(local_name(t) for t in record.themes.all())


def _draft_column(user, model) -> bool:
    return m.sees_drafts(user, model)


def _editorial(record) -> str:
    return str(m.Editorial(record.status).label)


def _list_table(records, model, headings, cells, *, user, base_url: str, name: str) -> Table:
    """A list as people read it: each record's ``cells``, then its address, and for those who see
    drafts its editorial state."""
    drafts = _draft_column(user, model)
    header = [*headings, gettext_lazy("Address")] + (
        [gettext_lazy("Editorial state")] if drafts else []
    )
    rows = []
    for record in records:
        row = [*cells(record), _absolute(base_url, record)]
        if drafts:
            row.append(_editorial(record))
        rows.append([str(cell) for cell in row])
    return Table(name, [str(h) for h in header], rows)


SOURCE_HEADINGS = (
    gettext_lazy("Source"),
    gettext_lazy("Document symbol"),
    gettext_lazy("Where in the source"),
)


def concerns_table(records, *, user, base_url: str, name: str) -> Table:
    """The concerns list as people read it. ``records`` come with their country, body, review and
    source joined and their themes prefetched."""
    labels, local_name = _words()
    headings = [
        gettext_lazy("Country"),
        gettext_lazy("Body"),
        gettext_lazy("Kind"),
        gettext_lazy("Date"),
        gettext_lazy("Paragraph"),
        gettext_lazy("Implementation"),
        gettext_lazy("Summary"),
        gettext_lazy("What was recommended"),
        gettext_lazy("Themes"),
        gettext_lazy("Review"),
        gettext_lazy("Marked for follow-up"),
        *SOURCE_HEADINGS,
    ]

    def cells(c):
        return [
            local_name(c.country),
            local_name(c.body),
            c.get_kind_display(),
            m.format_partial_date(c.issued_on, c.issued_on_precision),
            c.paragraph,
            # A positive aspect has nothing to implement: the page shows no status for it.
            "" if c.kind == m.Concern.Kind.POSITIVE_ASPECT else labels.get(c.implementation, ""),
            c.summary,
            c.recommendation,
            _themes(c),
            c.review.symbol if c.review_id else "",
            _("yes") if c.follow_up else "",
            *_source_cells(c, user),
        ]

    return _list_table(records, m.Concern, headings, cells, user=user, base_url=base_url, name=name)


def claims_table(records, *, user, base_url: str, name: str) -> Table:
    """The claims list as people read it (country and source joined, themes prefetched)."""
    labels, local_name = _words()
    headings = [
        gettext_lazy("Country"),
        gettext_lazy("Kind"),
        gettext_lazy("Stated"),
        gettext_lazy("Action dated"),
        gettext_lazy("Verification"),
        gettext_lazy("Summary"),
        gettext_lazy("Legal reference"),
        gettext_lazy("Themes"),
        *SOURCE_HEADINGS,
    ]

    def cells(c):
        return [
            local_name(c.country),
            c.get_kind_display(),
            m.format_partial_date(c.stated_on, c.stated_on_precision),
            m.format_partial_date(c.action_on, c.action_on_precision),
            labels.get(c.verification, ""),
            c.summary,
            c.legal_reference,
            _themes(c),
            *_source_cells(c, user),
        ]

    return _list_table(records, m.Claim, headings, cells, user=user, base_url=base_url, name=name)


def reports_table(records, *, user, base_url: str, name: str) -> Table:
    """The reports list as people read it (country and source joined, themes prefetched)."""
    _labels, local_name = _words()
    headings = [
        gettext_lazy("Country"),
        gettext_lazy("Observed from"),
        gettext_lazy("Observed until"),
        gettext_lazy("Summary"),
        gettext_lazy("Themes"),
        *SOURCE_HEADINGS,
    ]

    def cells(r):
        return [
            local_name(r.country),
            m.format_partial_date(r.observed_from, r.observed_from_precision),
            m.format_partial_date(r.observed_to, r.observed_to_precision),
            r.summary,
            _themes(r),
            *_source_cells(r, user),
        ]

    return _list_table(records, m.Report, headings, cells, user=user, base_url=base_url, name=name)


def sources_table(records, *, user, base_url: str, name: str) -> Table:
    """The sources list as people read it."""
    headings = [
        gettext_lazy("Title"),
        gettext_lazy("Kind"),
        gettext_lazy("Publisher"),
        gettext_lazy("Author"),
        gettext_lazy("Published"),
        gettext_lazy("Document symbol"),
        gettext_lazy("Read it at"),
    ]

    def cells(s):
        return [
            s.title,
            s.get_kind_display(),
            s.publisher,
            s.author,
            m.format_partial_date(s.published_on, s.published_on_precision),
            s.symbol,
            s.document_link,
        ]

    return _list_table(records, m.Source, headings, cells, user=user, base_url=base_url, name=name)


LIST_TABLES = {
    "concerns": concerns_table,
    "claims": claims_table,
    "reports": reports_table,
    "sources": sources_table,
}


def treaty_words(r) -> tuple[str, str]:
    """A treaty table cell as words: the status a reader sees (``party``, ``no data``...) and
    the date it rests on at its precision (ratification or accession for a party, signature
    for a signatory; a source's year where only a source's statement is held)."""
    labels, _local_name = _words()
    if r is None:
        return str(labels[m.NO_DATA]), ""
    word = str(labels.get(r.status_as_of, r.status_as_of))
    if isinstance(r, m.SnapshotStatus):
        return word, str(r.action_date.year) if r.action_date else ""
    if r.status_as_of == m.TreatyStatus.PARTY:
        return word, r.action_display
    if r.status_as_of == m.TreatyStatus.SIGNATORY:
        return word, r.signature_display
    return word, ""


def treaties_table(rows, instruments, *, as_of: dt.date, name: str) -> Table:
    """The treaty table as shown: a row per country (in the page's order) with its number of
    parties and, per instrument, the status and its date (``party 2006-01-24``)."""
    from tracker.templatetags.tracker_tags import local_name, local_short_title

    header = [
        str(gettext_lazy("Country")),
        str(gettext_lazy("ISO code")),
        str(gettext_lazy("Status as of")),
    ]
    header += [str(gettext_lazy("Parties"))] + [local_short_title(i) for i in instruments]
    out = []
    for country, cells, parties in rows:
        row = [local_name(country), country.code, as_of.isoformat(), str(parties)]
        for r in cells:
            word, day = treaty_words(r)
            row.append(f"{word} {day}".strip())
        out.append(row)
    return Table(name, header, out)


def _figure(value) -> str:
    # As the page writes it: 12 for 12.00, 12.50 for 12.5.
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def compare_people_table(result, *, user, base_url: str, name: str) -> Table:
    """The compare page as shown: per country, a row for each treaty cell, pledge, count of
    concerns by implementation and of claims by verification, concern and claim listed (the
    newest the page shows) and indicator figure."""
    labels, local_name = _words()
    from tracker.templatetags.tracker_tags import local_short_title

    header = [
        gettext_lazy("Country"),
        gettext_lazy("Theme"),
        gettext_lazy("Status as of"),
        gettext_lazy("Row"),
        gettext_lazy("Subject"),
        gettext_lazy("Status or figure"),
        gettext_lazy("Date"),
        *SOURCE_HEADINGS,
        gettext_lazy("Address"),
    ]
    theme = local_name(result.theme) if result.theme else str(gettext_lazy("All themes"))
    as_of = result.as_of.isoformat()
    rows = []
    for column in result.columns:
        country = local_name(column.country)

        def add(section, subject, status, day, record=None, url="", country=country):
            source = _source_cells(record, user) if record is not None else ["", "", ""]
            rows.append([country, theme, as_of, str(section), subject, status, day, *source, url])

        for instrument, r in column.ratifications:
            word, day = treaty_words(r)
            record = r.snapshot if isinstance(r, m.SnapshotStatus) else r
            add(gettext_lazy("Treaty"), local_short_title(instrument), word, day, record)
        for p in column.pledges:
            add(
                gettext_lazy("Pledge"),
                p.summary,
                "",
                m.format_partial_date(p.made_on, p.made_on_precision),
                p,
            )
        for status, n in column.concerns_by_implementation.items():
            add(
                gettext_lazy("Concerns by implementation"),
                str(labels.get(status, status)),
                str(n),
                "",
            )
        for c in column.concerns:
            status = (
                "" if c.kind == m.Concern.Kind.POSITIVE_ASPECT else str(labels[c.implementation])
            )
            day = m.format_partial_date(c.issued_on, c.issued_on_precision)
            add(gettext_lazy("Concern"), c.summary, status, day, c, _absolute(base_url, c))
        for status, n in column.claims_by_verification.items():
            add(gettext_lazy("Claims by verification"), str(labels.get(status, status)), str(n), "")
        for c in column.claims:
            day = m.format_partial_date(c.stated_on, c.stated_on_precision)
            add(
                gettext_lazy("Claim"),
                c.summary,
                str(labels[c.verification]),
                day,
                c,
                _absolute(base_url, c),
            )
        for o in column.observations:
            figure = _figure(o.value) + (o.indicator.unit or "")
            add(gettext_lazy("Indicator"), local_name(o.indicator), figure, o.observed_display, o)
    return Table(name, [str(h) for h in header], rows)
