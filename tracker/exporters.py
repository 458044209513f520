"""Exports of every kind of record as CSV or JSON, in the tracker's own re-importable format.

A column is a model field (the same format as ``seeds/``): foreign keys and many-to-many fields
hold natural keys (many-to-many values sorted and separated by ``;``), dates are written as
precisely as they are known, empty cells mean "no value". Columns come in model field order and
rows in natural-key order, so two exports of the same data are byte-identical. CSV rows end with
the ``url`` of the record's page where it has one; JSON leaves URLs out because they carry
database ids, and the JSON document is what re-imports to an identical database.
"""

import csv
import io
import json

from django.db import models
from django.http import QueryDict

from tracker import models as m
from tracker.seeds import KINDS

SKIPPED_FIELDS = {"created_at", "updated_at"}
JSON_FORMAT = "treaty-tracker"
JSON_VERSION = 1


class ExportError(ValueError):
    """A kind or filter the export cannot take; the message says what was expected."""


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would otherwise read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def formula_unquote(text: str) -> str:
    """Undo ``formula_safe`` when reading a CSV the tracker wrote."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


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
    if published_only and hasattr(model, "status"):
        queryset = queryset.filter(status=m.Editorial.PUBLISHED)
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
