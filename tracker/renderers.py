"""The API's output formats: JSON (``FastJSONRenderer``) and CSV (``CSVRenderer``).

CSV, for every API list (``?format=csv`` or ``Accept: text/csv``): one row per record, the same
columns as the JSON: a nested object becomes ``parent.child`` columns (``source_detail.title``), a
list of codes or ids is joined with ``;``, a list of objects (reservations, stances) is written as
JSON in its cell. Links stay absolute URLs.
"""

import csv
import io
import json

import orjson
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from tracker.exporters import formula_safe

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
        if isinstance(field, serializers.Serializer):  # a nested object (not a list of them)
            header.extend(f"{name}.{sub}" for sub in field.fields)
        else:
            header.append(name)
    return header


class CSVRenderer(BaseRenderer):
    """Renders a page of results (or one record) as CSV with a header row."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        records = data.get("results", data) if isinstance(data, dict) else data
        if isinstance(records, dict):
            records = [records]
        rows = [flatten(r) for r in records]
        view = (renderer_context or {}).get("view")
        if view is not None and hasattr(view, "get_serializer"):
            header = columns_of(view.get_serializer())
        else:
            header = []
        # Any column the rows hold beyond the serializer's (none, normally) is kept, not lost.
        header = list(dict.fromkeys([*header, *(k for row in rows for k in row)]))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: formula_safe(v) for k, v in row.items()} for row in rows)
        return out.getvalue().encode(self.charset)
