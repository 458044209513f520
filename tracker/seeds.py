"""Reading the curated data in ``seeds/``: one file per kind of record, CSV or YAML.

A column is a model field. Foreign keys and many-to-many fields hold natural keys (many-to-many
values separated by ``;``). Dates are written as precisely as they are known (``2008``, ``2008-06``
or ``2008-06-30``) and the loader stores the precision beside the date. Empty cells mean "no value".
"""

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models

from tracker import models as m

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

# Load order: a kind only refers to kinds above it.
KINDS: list[tuple[str, type[models.Model], tuple[str, ...]]] = [
    ("countries", m.Country, ("code",)),
    ("country_aliases", m.CountryAlias, ("alias",)),
    ("bodies", m.Body, ("code",)),
    ("body_aliases", m.BodyAlias, ("alias",)),
    ("instruments", m.Instrument, ("code",)),
    ("themes", m.Theme, ("slug",)),
    ("theme_aliases", m.ThemeAlias, ("uhri_theme",)),
    # Filled by UHRI imports rather than curated, but kinds all the same: exports carry them, so
    # that an export re-imports to an identical database.
    ("affected_persons", m.AffectedPerson, ("slug",)),
    ("sdg_targets", m.SdgTarget, ("code",)),
    ("indicators", m.Indicator, ("slug",)),
    ("sources", m.Source, ("key",)),
    ("ratifications", m.Ratification, ("key",)),
    ("snapshots", m.StatusSnapshot, ("key",)),
    ("reservations", m.Reservation, ("key",)),
    ("reviews", m.Review, ("key",)),
    ("reporting", m.ReportingStatus, ("key",)),
    ("concerns", m.Concern, ("key",)),
    ("pledges", m.Pledge, ("key",)),
    ("claims", m.Claim, ("key",)),
    ("reports", m.Report, ("key",)),
    ("stances", m.Stance, ("report", "claim")),
    ("assessments", m.Assessment, ("key",)),
    ("observations", m.Observation, ("key",)),
]

PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


@dataclass
class SeedError(Exception):
    """A seed value that cannot be loaded, with where it is."""

    file: str
    row: int
    column: str
    value: str
    expected: str

    def __str__(self):
        return (
            f"{self.file}, row {self.row}, column {self.column!r}: {self.value!r} is not valid "
            f"({self.expected})"
        )


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """``"2008"`` -> (2008-01-01, "year"); ``"2008-06"`` -> month; ``"2008-06-30"`` -> day."""
    match = PARTIAL_DATE.match(text.strip())
    if not match:
        raise ValueError("a date written YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    if day and not month:
        raise ValueError("a date written YYYY, YYYY-MM or YYYY-MM-DD")
    value = dt.date(int(year), int(month or 1), int(day or 1))
    precision = m.Precision.DAY if day else m.Precision.MONTH if month else m.Precision.YEAR
    return value, precision


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or YAML seed file as dictionaries of strings (None and "" mean empty)."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            # A line whose first cell starts with "#" is a comment for the file's readers.
            return [
                row
                for row in csv.DictReader(handle)
                if not (row.get(next(iter(row), ""), "") or "").lstrip().startswith("#")
            ]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    rows = []
    for item in data:
        row = {}
        for key, value in item.items():
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            row[key] = "" if value is None else str(value)
        rows.append(row)
    return rows


def seed_files(directory: Path = SEEDS_DIR):
    """(kind, model, natural key fields, path) for each seed file present, in load order.

    A kind is read from ``<kind>.csv`` and ``<kind>.yaml``, then from the files of a folder
    ``<kind>/`` in name order, so that a large or separately curated set (the world's treaty
    status, one country's reviews) can live in a file of its own.
    """
    for kind, model, natural_key in KINDS:
        paths = [directory / f"{kind}{suffix}" for suffix in (".csv", ".yaml")]
        folder = directory / kind
        if folder.is_dir():
            paths += sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".yaml"))
        for path in paths:
            if path.exists():
                yield kind, model, natural_key, path


def _precision_fields(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if f.name.endswith("_precision")}


# Columns named as a field was before it was renamed: files written then (seeds, tracker
# exports) still load.
RENAMED = {("concern", "position"): "upr_position"}


def convert_row(model, row: dict[str, str], lookups) -> tuple[dict, dict[str, list[str]]]:
    """Turn a row of strings into model field values and many-to-many natural keys.

    ``lookups(related_model, natural_key)`` returns the primary key of a related record.
    Raises ``ValueError`` with (column, value, expected) when a value does not fit.
    """
    values: dict = {}
    m2m: dict[str, list[str]] = {}
    precisions = _precision_fields(model)
    for column, raw in row.items():
        if column is None:
            raise ValueError("(extra cell)", raw, "no more cells than the header has")
        text = (raw or "").strip()
        column = RENAMED.get((model._meta.model_name, column), column)
        try:
            field = model._meta.get_field(column)
        except Exception as exc:
            raise ValueError(column, text, f"a field of {model.__name__}") from exc
        try:
            if field.many_to_many:
                m2m[column] = [v.strip() for v in text.split(";") if v.strip()]
            elif field.is_relation:
                values[field.attname] = lookups(field.related_model, text) if text else None
            elif isinstance(field, models.DateField) and f"{column}_precision" in precisions:
                if text:
                    values[column], values[f"{column}_precision"] = parse_partial_date(text)
                else:
                    values[column], values[f"{column}_precision"] = None, ""
            elif isinstance(field, models.BooleanField):
                if text.lower() not in {"", "true", "false", "yes", "no", "1", "0"}:
                    raise ValueError("true or false")
                values[column] = text.lower() in {"true", "yes", "1"}
            elif text == "" and field.null:
                values[column] = None
            else:
                values[column] = field.to_python(text) if text else field.get_default()
        except ValidationError as exc:
            raise ValueError(column, text, "; ".join(exc.messages)) from exc
        except ValueError as exc:
            if len(exc.args) == 3:
                raise
            raise ValueError(
                column, text, str(exc.args[0]) if exc.args else "a valid value"
            ) from exc
    return values, m2m
