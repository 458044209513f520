"""OHCHR's ratification dashboard "underlying data": one instrument per file (.xlsx, .xls, .csv).

Title and notes rows come first; the header row starts with ``Country`` and has the columns
"Date of signature (dd/mm/yyyy)" and "Date of ratification/accession". Dates are day-precise. OHCHR
does not tell accession from ratification, so a new record says ``ratification`` and an existing
record's kind is kept. Countries are matched by OHCHR's English names (plus the alias file).
"""

import datetime as dt
import re
from pathlib import Path

from tracker import models as m
from tracker.importers.base import (
    SKIP,
    CountryNames,
    ImportDataError,
    ImportResult,
    normal,
    parse_day,
    progress,
    table_records,
)
from tracker.importers.ratifications import RatificationMerger

FILE_NAME = re.compile(r"UnderlyingData_([A-Za-z0-9-]+?)_OHCHR", re.IGNORECASE)
# OHCHR's short names for instruments where they differ from the tracker's codes.
OHCHR_CODES = {
    "CCPR": "ICCPR",
    "CCPR-OP1": "ICCPR-OP1",
    "CCPR-OP2-DP": "ICCPR-OP2",
    "CESCR": "ICESCR",
    "CESCR-OP": "ICESCR-OP",
    "CERD": "ICERD",
    "CED": "CPED",
    "CRC-OP-IC": "CRC-OP-IC",
    "CRC-OP-CP": "CRC-OP-IC",
    "CAT-OP": "OPCAT",
    "CMW": "CMW",
}
SIGNATURE = "Date of signature (dd/mm/yyyy)"
CONSENT = "Date of ratification/accession"


def instrument_for(path_name: str, instrument: str | None) -> str:
    """The instrument from ``--instrument`` or a name like ``UnderlyingData_CRPD_OHCHR_...``."""
    if instrument:
        return instrument.upper()
    match = FILE_NAME.search(path_name)
    if not match:
        raise ImportDataError(
            path_name,
            0,
            "",
            path_name,
            "a file named UnderlyingData_<CODE>_OHCHR_<date>, or --instrument CODE",
        )
    code = match.group(1).upper()
    return OHCHR_CODES.get(code, code)


def _date(name: str, line: int, column: str, text: str) -> tuple[dt.date, str] | None:
    if not text:
        return None
    try:
        return parse_day(text), m.Precision.DAY
    except ValueError:
        raise ImportDataError(name, line, column, text, "a date as dd/mm/yyyy") from None


def import_ohchr(
    path: Path, *, result: ImportResult, reason: str, instrument: str | None = None, name: str = ""
) -> None:
    """Fill in ratification records from one OHCHR dashboard file."""
    name = name or path.name
    code = instrument_for(name, instrument)
    if not m.Instrument.objects.filter(code=code).exists():
        raise ImportDataError(name, 0, "", code, "an instrument code in the tracker (--instrument)")
    countries = CountryNames()
    header, parsed, seen = None, [], {}
    for line, cells in table_records(path.read_bytes(), name):
        if header is None:
            # Title and notes rows come before the header; find it by its first cell.
            if cells and normal(cells[0]) == "country":
                header = [normal(c) for c in cells]
                try:
                    columns = (header.index(normal(SIGNATURE)), header.index(normal(CONSENT)))
                except ValueError:
                    raise ImportDataError(
                        name, line, "", ", ".join(cells), f"columns Country, {SIGNATURE}, {CONSENT}"
                    ) from None
            continue
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        country_name = cells[0].strip()
        country = countries.find(country_name)
        if country is None:
            raise ImportDataError(
                name,
                line,
                "Country",
                country_name,
                "a country name in the tracker (or an alias in seeds/country_aliases.csv)",
            )
        if country == SKIP:
            continue
        if country in seen:
            raise ImportDataError(
                name,
                line,
                "Country",
                country_name,
                f"one row per country (see line {seen[country]})",
            )
        seen[country] = line
        signature = _date(name, line, SIGNATURE, cells[columns[0]].strip())
        consent = _date(name, line, CONSENT, cells[columns[1]].strip())
        parsed.append((line, country, signature, consent))
    if header is None:
        raise ImportDataError(name, 0, "", "", f"a header row: Country, {SIGNATURE}, {CONSENT}")
    result.rows = len(parsed)

    source, created = m.Source.objects.get_or_create(
        key=f"ohchr-ratifications-{code.lower()}-{Path(name).stem.lower()}"[:120],
        defaults={
            "title": f"OHCHR ratification dashboard data: {code} ({name})",
            "kind": m.Source.Kind.DATASET,
            "publisher": "Office of the UN High Commissioner for Human Rights",
            "url": "https://indicators.ohchr.org/",
            "status": m.Editorial.PUBLISHED,
        },
    )
    result.count("sources", "created" if created else "unchanged")
    merger = RatificationMerger(source=source, reason=reason, result=result, key_prefix="ohchr")
    for line, country, signature, consent in progress(parsed, len(parsed), "ohchr"):
        if signature is None and consent is None:
            merger.report_newer(country, code, "no action")
            continue
        merger.offer(
            country, code, locator=f"{name}, row {line}", signature=signature, action_date=consent
        )
    merger.save()
