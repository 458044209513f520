"""The tracker's own CSV (one kind per file) and JSON (any kinds) written by ``manage.py export``.

Records are matched on their natural keys, so re-importing an edited export updates records in
place and never duplicates them. Many-to-many links are set in a second pass, after every record
of the kind exists, so a concern can point at an earlier-cycle concern later in the same file.
"""

import itertools
import json
from pathlib import Path

from django.core.exceptions import ValidationError

from tracker import exporters
from tracker.importers.base import (
    ImportDataError,
    ImportResult,
    csv_records,
    decode_text,
    rows_with_header,
    sniff,
)
from tracker.seeds import convert_row
from tracker.services import NaturalKeys, _upsert


def _kind_for_header(header: set[str], name: str) -> str:
    """The kind whose export columns a CSV header holds (``url`` aside)."""
    header = header - {"url"}
    for kind, (model, _key) in exporters.kinds().items():
        if header == {column for column, _field in exporters.columns(model)}:
            return kind
    stem = Path(name).stem.split("-")[0].split("_")[0]
    if stem in exporters.kinds():
        return stem
    raise ImportDataError(
        name, 1, "", ", ".join(sorted(header)), "the columns of one kind from manage.py export"
    )


def read_document(path: Path, name: str) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """{kind: [(line or record number, row of strings)]} from a tracker CSV or JSON file."""
    data = path.read_bytes()
    if sniff(data) == "json":
        try:
            doc = json.loads(decode_text(data, name))
        except json.JSONDecodeError as exc:
            raise ImportDataError(name, exc.lineno, "", exc.msg, "valid JSON") from exc
        if not isinstance(doc, dict) or doc.get("format") != exporters.JSON_FORMAT:
            raise ImportDataError(name, 1, "format", str(doc)[:30], "a treaty-tracker export")
        out = {}
        for kind, items in (doc.get("kinds") or {}).items():
            if kind not in exporters.kinds() or not isinstance(items, list):
                raise ImportDataError(name, 0, "kinds", kind, "a kind from manage.py export")
            out[kind] = []
            for number, item in enumerate(items, start=1):
                if not isinstance(item, dict):
                    raise ImportDataError(name, number, kind, str(item)[:30], "a JSON object")
                out[kind].append((number, {k: _text(v) for k, v in item.items() if k != "url"}))
        return out
    table = list(rows_with_header(csv_records(data, name), name))
    header = set(table[0].cells) if table else set()
    if not table:
        raise ImportDataError(name, 1, "", "", "at least one record")
    kind = _kind_for_header(header, name)
    # Cells the export guarded against spreadsheet formulas get their own text back.
    unquote = exporters.formula_unquote
    return {
        kind: [(r.line, {k: unquote(v) for k, v in r.cells.items() if k != "url"}) for r in table]
    }


def _text(value) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def import_tracker(
    path: Path, *, result: ImportResult, reason: str, name: str = "", write: bool = True
) -> None:
    """Upsert every record of a tracker export on its natural key, kinds in load order (without
    ``write``, check and compare every record the same way, writing nothing)."""
    name = name or path.name
    document = read_document(path, name)
    keys = NaturalKeys()
    check = _Check(keys)
    for kind, (model, natural_key) in exporters.kinds().items():
        if kind not in document:
            continue
        pending = []
        for line, row in document[kind]:
            result.rows += 1
            try:
                values, m2m = convert_row(model, row, keys)
                outcome, fields, obj = check.record(model, natural_key, values, clean=not write)
                if write:
                    outcome = _upsert(model, natural_key, values, {}, keys, reason)
            except ValueError as exc:
                column, value, expected = (exc.args + ("", "", ""))[:3]
                raise ImportDataError(name, line, column, value, expected) from exc
            except ValidationError as exc:
                raise _validation_error(name, line, row, exc) from exc
            pending.append((line, row, values, m2m, outcome, fields, obj))
        for line, row, values, m2m, outcome, fields, obj in pending:
            if m2m:
                try:
                    relinked = check.links(obj, m2m)
                    if write:
                        _upsert(model, natural_key, values, m2m, keys, reason)
                except ValueError as exc:
                    column = next(iter(m2m))
                    raise ImportDataError(
                        name, line, column, row.get(column, ""), str(exc.args[0])
                    ) from exc
                if relinked and outcome == "unchanged":
                    outcome = "updated"
                fields = [*fields, *relinked]
            result.count(kind, outcome)
            if outcome != "unchanged":
                # The natural key as the file writes it (a key, a code, or the keys of the two
                # records a link row joins).
                label = " / ".join(row.get(name, "") for name in natural_key)
                result.change(kind, model, label, outcome, fields)


class _Check:
    """Compares a file's records with the tracker's without writing: what ``_upsert`` would do.

    Records the file creates get stand-in ids (negative, for numbered records), remembered so
    that later rows can point at them, and are checked in full except for references to other
    records that exist only in the file so far.
    """

    def __init__(self, keys: NaturalKeys):
        self.keys = keys
        self.new: dict[tuple, object] = {}  # (model, natural key values) -> the unsaved record
        self.stand_ins: dict[tuple, object] = {}  # (model, pk) -> a record only the file holds
        self.numbers = itertools.count(1)

    def record(self, model, natural_key, values: dict, *, clean: bool):
        """("created" / "updated" / "unchanged", fields that change, the record)."""
        lookup = {}
        for name in natural_key:
            field = model._meta.get_field(name)
            lookup[field.attname] = values[field.attname] if field.is_relation else values[name]
        held = (model, tuple(sorted(lookup.items())))
        obj = self.new.get(held) or model.objects.filter(**lookup).first()
        if obj is None:
            obj, outcome, fields = model(**values), "created", []
        else:
            fields = [a for a, v in values.items() if getattr(obj, a) != v]
            for attname in fields:
                setattr(obj, attname, values[attname])
            outcome = "updated" if fields else "unchanged"
        if clean and fields or clean and outcome == "created":
            exclude = []
            for f in model._meta.concrete_fields:
                planned = f.is_relation and self.stand_ins.get(
                    (f.related_model, getattr(obj, f.attname))
                )
                if planned:
                    # Not looked up in the database (it is not there yet); ``clean()`` reads it.
                    setattr(obj, f.name, planned)
                    exclude.append(f.name)
            obj.full_clean(exclude=exclude)
            if outcome == "created" and held not in self.new:
                if obj.pk is None:
                    obj.pk = -next(self.numbers)
                self.stand_ins[(model, obj.pk)] = obj
                self.new[held] = obj
                self.keys.remember(obj)
        names = [a.removesuffix("_id") for a in fields if not a.endswith("_precision")]
        return outcome, names, obj

    def links(self, obj, m2m: dict[str, list[str]]) -> list[str]:
        """The many-to-many fields of ``obj`` the file would change."""
        changed = []
        for name, natural_keys in m2m.items():
            field = obj._meta.get_field(name)
            wanted = {self.keys(field.related_model, k) for k in natural_keys}
            current = set()
            if obj.pk is not None and (type(obj), obj.pk) not in self.stand_ins:
                current = set(getattr(obj, name).values_list("pk", flat=True))
            if wanted != current:
                changed.append(name)
        return changed


def _validation_error(name, line, row, exc: ValidationError) -> ImportDataError:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        column = field.removesuffix("_precision")
        return ImportDataError(name, line, column, str(row.get(column, "")), " ".join(messages))
    return ImportDataError(name, line, "", "", " ".join(exc.messages))
