"""The UN Treaty Collection extract: one CSV per instrument, ``hr_status_<code>.csv``.

Columns (read by name; the CRC complaints protocol's file has no ``note``): ``iso2``, ``member``,
``state party``, ``year ratification or accession``, ``signatory``, ``no action``, ``status``,
``note``. The ``status`` column is trusted over the 0/1 flags, which disagree with it in a few rows.
Each row becomes a ``StatusSnapshot`` (what the extract said); party and signatory rows with a
year also fill in the ``Ratification`` record, by the rules in ``ratifications.py``.
"""

import datetime as dt
import re
from pathlib import Path

from django.utils import timezone

from tracker import models as m
from tracker.importers.base import (
    SKIP,
    CountryNames,
    ImportDataError,
    ImportResult,
    csv_records,
    dataset_source,
    progress,
    rows_with_header,
    write_with_history,
)
from tracker.importers.ratifications import RatificationMerger

FILE_CODES = {
    "cat": "CAT",
    "cedaw": "CEDAW",
    "cped": "CPED",
    "crc": "CRC",
    "crpd": "CRPD",
    "iccpr": "ICCPR",
    "iccpr_op1": "ICCPR-OP1",
    "iccpr_op2": "ICCPR-OP2",
    "icerd": "ICERD",
    "icescr": "ICESCR",
    "icescr_op": "ICESCR-OP",
    "icmw": "CMW",
    "op_cedaw": "CEDAW-OP",
    "op_crc_ac": "CRC-OP-AC",
    "op_crc_ic": "CRC-OP-IC",
    "op_crc_sc": "CRC-OP-SC",
    "op_crpd": "CRPD-OP",
    "opcat": "OPCAT",
}
FILE_NAME = re.compile(r"^hr_status_([a-z0-9_]+)\.csv$")
REQUIRED = ["iso2", "member", "year ratification or accession", "status"]
STATUSES = {
    "state party": m.TreatyStatus.PARTY,
    "signatory state": m.TreatyStatus.SIGNATORY,
    "no action": m.TreatyStatus.NONE,
}
YEAR_COLUMN = "year ratification or accession"
WORDS = {"party": "party", "signatory": "signatory", "none": "no action"}

SOURCE_KEY = "untc-extract-{year}"
SNAPSHOT_FIELDS = [
    "as_of",
    "as_of_precision",
    "reported_status",
    "reported_year",
    "note",
    "locator",
    "updated_at",
]


def instrument_for(path: Path, instrument: str | None) -> str:
    """The instrument code a file is about, from ``--instrument`` or its name."""
    if instrument:
        return instrument.upper()
    match = FILE_NAME.match(path.name.lower())
    if not match or match.group(1) not in FILE_CODES:
        raise ImportDataError(
            path.name, 0, "", path.name, "a file named hr_status_<code>.csv, or --instrument CODE"
        )
    return FILE_CODES[match.group(1)]


def extract_files(path: Path) -> list[Path]:
    """The CSV files to read: the folder's ``hr_status_*.csv`` files in order, or the one file."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if FILE_NAME.match(p.name.lower()))
        if not files:
            raise ImportDataError(path.name, 0, "", str(path.name), "hr_status_<code>.csv files")
        return files
    return [path]


def source_ensure(
    as_of: dt.date, precision: str, result: ImportResult, *, write: bool = True
) -> m.Source:
    """The dataset Source that snapshots and filled-in records cite (without ``write``, an
    unsaved one when the tracker has none yet)."""
    key = SOURCE_KEY.format(year=as_of.year)
    defaults = {
        "title": f"UN Treaty Collection extract: status of 18 human-rights treaties ({as_of.year})",
        "kind": m.Source.Kind.DATASET,
        "publisher": "World Politics Data Lab, from the UN Treaty Collection",
        "published_on": as_of,
        "published_on_precision": precision,
        "url": "https://github.com/world-politics-datalab/humanrights-treaties-ratification-status",
        "notes": "One CSV per instrument; years only; UN member states only.",
        "status": m.Editorial.PUBLISHED,
    }
    source, created = dataset_source(key, defaults, write=write)
    result.count("sources", "created" if created else "unchanged")
    if created:
        result.change("sources", m.Source, key, "created")
    return source


def import_untc(
    path: Path,
    *,
    result: ImportResult,
    reason: str,
    instrument: str | None = None,
    as_of: tuple[dt.date, str] = (dt.date(2022, 1, 1), m.Precision.YEAR),
    write: bool = True,
) -> None:
    """Read one extract file or a folder of them into snapshots and ratification records.

    ``as_of`` is the (date, precision) the extract is valid for: its snapshots' date. Without
    ``write``, decide and count the same, writing nothing.
    """
    as_of, as_of_precision = as_of
    files = extract_files(path)
    if instrument and len(files) > 1:
        raise ImportDataError(path.name, 0, "", instrument, "--instrument with a single file only")
    instruments = set(m.Instrument.objects.values_list("code", flat=True))
    countries = CountryNames()
    parsed, states_per_file, members = [], {}, {}
    for file in files:
        code = instrument_for(file, instrument)
        if code not in instruments:
            raise ImportDataError(file.name, 0, "", code, "an instrument code in the tracker")
        for row in rows_with_header(csv_records(file.read_bytes(), file.name), file.name, REQUIRED):
            item = _parse_row(file.name, row, code, countries)
            parsed.append(item)
            members[(file.name, row.line)] = row.cells["member"].strip()
            if item:
                states_per_file.setdefault(file.name, set()).add(item[2])
    result.rows = len(parsed)
    everyone = set().union(*states_per_file.values())
    for file_name, states in states_per_file.items():
        if states != everyone:
            missing = ", ".join(sorted(everyone - states))
            result.notes.append(f"{file_name} has no row for {missing} (the other files have).")

    source = source_ensure(as_of, as_of_precision, result, write=write)
    merger = RatificationMerger(source=source, reason=reason, result=result, key_prefix="untc")
    snapshots = {
        (s.country_id, s.instrument_id): s
        for s in m.StatusSnapshot.objects.filter(source_id=source.pk).order_by()
    }
    snapshot_keys = set(m.StatusSnapshot.objects.values_list("key", flat=True))
    new_snapshots, changed_snapshots, seen = [], [], set()
    now = timezone.now()
    for item in progress(parsed, len(parsed), "untc-extract"):
        if item is None:
            continue
        name, line, country, code, status, year, note = item
        where = f"{name}, line {line}"  # for the import's report, not for readers
        if (country, code) in seen:
            raise ImportDataError(name, line, "iso2", country, "one row per state in each file")
        seen.add((country, code))
        # Readers see the locator: the instrument's table and the state's row, in words.
        locator = f"{code} table, row for {members[(name, line)]}"
        values = {
            "as_of": as_of,
            "as_of_precision": as_of_precision,
            "reported_status": status,
            "reported_year": year,
            "note": note[:300],
            "locator": locator,
        }
        snapshot = snapshots.get((country, code))
        if snapshot is None:
            key = f"untc-{as_of.year}-{country}-{code}".lower()
            if key in snapshot_keys:
                raise ImportDataError(name, line, "iso2", country, f"a free snapshot key ({key})")
            result.change("snapshots", m.StatusSnapshot, key, "created")
            new_snapshots.append(
                m.StatusSnapshot(
                    key=key,
                    country_id=country,
                    instrument_id=code,
                    source=source,
                    status=m.Editorial.PUBLISHED,
                    **values,
                )
            )
        elif differ := [f for f, v in values.items() if getattr(snapshot, f) != v]:
            result.change("snapshots", m.StatusSnapshot, snapshot.key, "updated", differ)
            for f, v in values.items():
                setattr(snapshot, f, v)
            snapshot.updated_at = now
            changed_snapshots.append(snapshot)
        else:
            result.count("snapshots", "unchanged")

        label = f"{country} {code}"
        if status == m.TreatyStatus.PARTY and year:
            merger.offer(
                country, code, locator=locator, action_date=(dt.date(year, 1, 1), m.Precision.YEAR)
            )
        elif status == m.TreatyStatus.PARTY:
            why = f"party without a year in {where}; no date to record"
            result.left_alone.append(f"{label}: {why}")
            merger.report_newer(country, code, "party, without a year")
        elif status == m.TreatyStatus.SIGNATORY and year:
            merger.offer(
                country, code, locator=locator, signature=(dt.date(year, 1, 1), m.Precision.YEAR)
            )
        else:
            # The file shows less than the tracker may hold (a newer record): report it, unless
            # both agree the state has only signed.
            record = merger.existing(country, code)
            if not (status == m.TreatyStatus.SIGNATORY and record and not record.action_date):
                merger.report_newer(country, code, WORDS[status])

    write_with_history(
        m.StatusSnapshot,
        new_snapshots,
        changed_snapshots,
        SNAPSHOT_FIELDS,
        reason=reason,
        result=result,
        kind="snapshots",
        write=write,
    )
    merger.save(write=write)
    signatories = sum(1 for p in parsed if p and p[4] == m.TreatyStatus.SIGNATORY and not p[5])
    if signatories:
        result.notes.append(
            f"{signatories} signatory rows give no signature year: kept as snapshots only "
            "(an import never invents a date)."
        )


def _parse_row(name: str, row, code: str, countries: CountryNames):
    """(file, line, ISO3, instrument, status, year, note) for one row; None for a skipped state."""
    cells = row.cells
    status_text = cells["status"].strip().lower()
    if status_text not in STATUSES:
        raise ImportDataError(
            name, row.line, "status", cells["status"], "state party, signatory state or no action"
        )
    year_text = cells[YEAR_COLUMN]
    year = None
    if year_text:
        if not re.fullmatch(r"\d{4}", year_text) or not 1945 <= int(year_text) <= 2100:
            raise ImportDataError(name, row.line, YEAR_COLUMN, year_text, "a year such as 2008")
        year = int(year_text)
    country = countries.find(cells["iso2"]) or countries.find(cells["member"])
    if country is None:
        raise ImportDataError(
            name,
            row.line,
            "iso2",
            cells["iso2"],
            f"an ISO code or name of a country in the tracker (member {cells['member']!r}); "
            "add old codes and names as country aliases (admin)",
        )
    if country == SKIP:
        return None
    return name, row.line, country, code, STATUSES[status_text], year, cells.get("note", "")
