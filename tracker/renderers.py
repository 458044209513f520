"""The API's output formats: JSON (``FastJSONRenderer``), CSV (``CSVRenderer``) and Excel
(``XLSXRenderer``).

CSV, for every API list (``?format=csv`` or ``Accept: text/csv``): one row per record, the same
columns as the JSON: a nested object becomes ``parent.child`` columns (``source_detail.title``), a
list of codes or ids is joined with ``;``, a list of objects (reservations, stances) is written as
JSON in its cell. Links stay absolute URLs. ``?format=xlsx`` is the same table as one Excel sheet.

The comparison (``/api/compare/``) has its own table (``compare_table``): with a theme, one row
per country and record it shows (treaty cell, pledge, concern, claim, observation); without, one
row per theme and country of the grid.
"""

import csv
import io
import json

import orjson
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from tracker.exporters import formula_safe, xlsx_bytes

LIST_SEPARATOR = ";"


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer, byte for byte, written by orjson: encoding a page of 50 concerns with
    the standard library took about a tenth of the request.

    Dates, times and anything else orjson does not write itself go through DRF's encoder, so
    they read as before (``Z`` for UTC, lazy translations as text). Indented output (the
    browsable API, ``Accept: application/json; indent=4``) and whatever orjson refuses (an
    integer beyond 64 bits, very deep nesting) are left to DRF. Known differences, for data this
    API does not hold (it has no float fields): a float such as 1e-07 is written 1e-7, and NaN
    or infinity is written null where DRF refuses it.
    """

    _default = JSONEncoder().default
    _options = (
        orjson.OPT_PASSTHROUGH_DATETIME  # DRF writes UTC as Z, and any zero offset too
        | orjson.OPT_PASSTHROUGH_DATACLASS  # as DRF would (its encoder does not know them)
        | orjson.OPT_NON_STR_KEYS  # integer, boolean and null keys, as json.dumps writes them
    )

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is None
            or self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            text = orjson.dumps(data, default=self._default, option=self._options)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # DRF escapes these two line separators, so that the output is valid JavaScript too.
        if b"\xe2\x80\xa8" in text or b"\xe2\x80\xa9" in text:
            text = text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def flatten(record: dict) -> dict[str, str]:
    """One JSON record as a CSV row: nested objects one level deep become ``a.b`` columns."""
    row = {}
    for name, value in record.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                row[f"{name}.{sub}"] = _cell(sub_value)
        else:
            row[name] = _cell(value)
    return row


def columns_of(serializer) -> list[str]:
    """The CSV header a serializer produces, known even when there are no rows."""
    header = []
    for name, field in serializer.fields.items():
        if field.write_only:  # never written out, so no column either
            continue
        if isinstance(field, serializers.Serializer):  # a nested object (not a list of them)
            header.extend(f"{name}.{sub}" for sub, f in field.fields.items() if not f.write_only)
        else:
            header.append(name)
    return header


def record_table(data, renderer_context) -> tuple[list[str], list[dict[str, str]]]:
    """A page of results (or one record) as a header and rows of text cells."""
    records = data.get("results", data) if isinstance(data, dict) else data
    if isinstance(records, dict):
        records = [records]
    rows = [flatten(r) for r in records]
    view = (renderer_context or {}).get("view")
    if view is not None and hasattr(view, "get_serializer"):
        header = columns_of(view.get_serializer())
    else:
        header = []
    # Any column the rows hold beyond the serializer's (none, normally) is kept, not lost; an
    # empty one is a nested object that was null (a cell without a record has no source).
    known = set(header)
    extra = dict.fromkeys(k for row in rows for k, v in row.items() if k not in known and v)
    return [*header, *extra], rows


COMPARE_COLUMNS = [
    "country",
    "country_name",
    "theme",
    "as_of",
    "record",
    "id",
    "subject",
    "status",
    "date",
    "source",
    "url",
]


def _compare_row(column, data, record, item, subject, status, date) -> dict[str, str]:
    source = item.get("source_detail") or {}
    return {
        "country": column["country"]["code"],
        "country_name": column["country"]["name"],
        "theme": data["theme"]["slug"],
        "as_of": _cell(data["as_of"]),
        "record": record,
        "id": _cell(item.get("id")),
        "subject": _cell(subject),
        "status": _cell(status),
        "date": _cell(date),
        "source": _cell(source.get("title")),
        "url": _cell(item.get("url")),
    }


def compare_table(data, renderer_context=None) -> tuple[list[str], list[dict[str, str]]]:
    """The comparison as one table: per country, a row for each treaty cell, pledge, concern,
    claim and observation (with a theme); per theme and country, a row of counts (the grid)."""
    if "rows" in data:  # the grid
        rows = []
        for grid_row in data["rows"]:
            for cell in grid_row["cells"]:
                theme = {
                    "theme": grid_row["theme"]["slug"],
                    "theme_name": grid_row["theme"]["name"],
                }
                rows.append({**theme, "as_of": _cell(data["as_of"]), **flatten(cell)})
        header = list(dict.fromkeys(k for row in rows for k in row))
        return header or ["theme", "theme_name", "as_of", "country"], rows
    rows = []
    for column in data["columns"]:
        for cell in column["ratifications"]:
            item = cell["ratification"] or cell["snapshot"] or {}
            date = (item.get("action_date") or item.get("signature_date")) if item else None
            if cell["snapshot"]:
                date = cell["snapshot"]["as_of"]
            rows.append(
                _compare_row(column, data, "treaty", item, cell["instrument"], cell["status"], date)
            )
        for item in column["pledges"]:
            rows.append(
                _compare_row(column, data, "pledge", item, item["summary"], "", item["made_on"])
            )
        for item in column["concerns"]:
            rows.append(
                _compare_row(
                    column,
                    data,
                    "concern",
                    item,
                    item["summary"],
                    item["implementation"],
                    item["issued_on"],
                )
            )
        for item in column["claims"]:
            rows.append(
                _compare_row(
                    column,
                    data,
                    "claim",
                    item,
                    item["summary"],
                    item["verification"],
                    item["stated_on"],
                )
            )
        for item in column["observations"]:
            rows.append(
                _compare_row(
                    column,
                    data,
                    "observation",
                    item,
                    item["indicator"],
                    item["value"],
                    item["observed_on"],
                )
            )
    return COMPARE_COLUMNS, rows


class CSVRenderer(BaseRenderer):
    """Renders a page of results (or one record) as CSV with a header row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    table = staticmethod(record_table)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        header, rows = self.table(data, renderer_context)
        out = io.StringIO()
        writer = csv.DictWriter(
            out, fieldnames=header, restval="", extrasaction="ignore", lineterminator="\r\n"
        )
        writer.writeheader()
        writer.writerows({k: formula_safe(v) for k, v in row.items()} for row in rows)
        return out.getvalue().encode(self.charset)


class XLSXRenderer(BaseRenderer):
    """The same table as ``CSVRenderer``, as one Excel sheet (text cells, a bold header)."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"
    table = staticmethod(record_table)

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        header, rows = self.table(data, renderer_context)
        # Text as text: the same cells as the CSV, formulas quoted the same way.
        return xlsx_bytes(header, ([row.get(name, "") for name in header] for row in rows))


class CompareCSVRenderer(CSVRenderer):
    table = staticmethod(compare_table)


class CompareXLSXRenderer(XLSXRenderer):
    table = staticmethod(compare_table)
