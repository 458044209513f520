"""OHCHR's ratification dashboard "underlying data": one instrument per file (.xls, .xlsx, .csv).

A file as downloaded: row 1 is the instrument's title followed by ``[Last Updated: dd/mm/yyyy
hh:mm:ss]`` (kept as the source's date); row 2 the header, ``Country``, ``Date of Signature
(dd/mm/yyyy)``, ``Date of Ratification/Accession`` and two acceptance columns; one row per state;
a blank row; two footer rows ("Definitions and metadata: ...", "Source: ..."). Older files put
title and notes rows before the header and lack the acceptance columns. Headers are matched
without regard to case. Dates are Excel date cells in a workbook (bare serial numbers are read
too) and dd/mm/yyyy in CSV, all day-precise.

OHCHR does not tell accession from ratification, so a new record says ``ratification`` and an
existing record's kind is kept. The acceptance columns become acceptances (``Reservation`` of kind
``acceptance``) of the procedure they stand for in that instrument (``PROCEDURES``), on the
state's ratification record, merged by the same date rules as ratifications. Countries are
matched by OHCHR's English names, then the alias file; every unknown name is reported at once.
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
    dataset_source,
    normal,
    parse_day,
    progress,
    table_records,
    write_with_history,
)
from tracker.importers.ratifications import RatificationMerger, merge_date

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
    "ICRMW": "CMW",  # older downloads
}
SIGNATURE = "Date of Signature (dd/mm/yyyy)"
CONSENT = "Date of Ratification/Accession"
COMMUNICATIONS = "Date of acceptance of individual communications procedure"
INQUIRY = "Date of acceptance of inquiry procedure"
STAMP = re.compile(r"\[\s*Last Updated:\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
FOOTER = re.compile(r"^(definitions and metadata|source)\s*:", re.IGNORECASE)
# An Excel serial day number (days since 30 December 1899): five digits, 1927 to 2173.
SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)

# What each acceptance column stands for, per instrument: the article (or protocol) recorded on
# the acceptance. For the Covenant on Economic, Social and Cultural Rights and the conventions on
# women, children and persons with disabilities it is their Optional Protocol's procedure; for
# the Covenant on Civil and Political Rights its first Optional Protocol.
PROCEDURES: dict[str, dict[str, str]] = {
    "ICESCR": {
        COMMUNICATIONS: "Optional Protocol, communications",
        INQUIRY: "Optional Protocol, inquiry",
    },
    "CEDAW": {
        COMMUNICATIONS: "Optional Protocol, communications",
        INQUIRY: "Optional Protocol, inquiry",
    },
    "CRC": {
        COMMUNICATIONS: "Optional Protocol on a communications procedure",
        INQUIRY: "Optional Protocol on a communications procedure, inquiry",
    },
    "CRPD": {
        COMMUNICATIONS: "Optional Protocol, communications",
        INQUIRY: "Optional Protocol, inquiry",
    },
    "ICCPR": {COMMUNICATIONS: "first Optional Protocol"},
    "CAT": {COMMUNICATIONS: "art. 22", INQUIRY: "art. 20"},
    "ICERD": {COMMUNICATIONS: "art. 14"},
    "CPED": {COMMUNICATIONS: "art. 31", INQUIRY: "art. 33"},
    "CMW": {COMMUNICATIONS: "art. 77"},
}
ACCEPTANCE_FIELDS = ["made_on", "made_on_precision", "source", "locator", "updated_at"]


def instrument_for(path_name: str, instrument: str | None) -> str:
    """The instrument from ``--instrument`` or a name like ``UnderlyingData_CRPD_OHCHR_...``."""
    if instrument:
        code = instrument.upper()
    else:
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


def parse_date(text: str) -> dt.date:
    """A dd/mm/yyyy or ISO day, or an Excel serial day number; ValueError otherwise."""
    serial = SERIAL.match(text)
    if serial:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))
    return parse_day(text)


def _date(name: str, line: int, column: str, text: str) -> tuple[dt.date, str] | None:
    if not text:
        return None
    try:
        return parse_date(text), m.Precision.DAY
    except ValueError:
        raise ImportDataError(name, line, column, text, "a date as dd/mm/yyyy") from None


def _stamp(cells: list[str]) -> dt.date | None:
    """The day of a ``[Last Updated: 10/10/2025 11:26:54]`` stamp in a title row, if any."""
    for cell in cells:
        match = STAMP.search(cell)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def _is_footer(cells: list[str]) -> bool:
    return (
        bool(cells)
        and bool(FOOTER.match(cells[0].strip()))
        and not any(c.strip() for c in cells[1:])
    )


def import_ohchr(
    path: Path,
    *,
    result: ImportResult,
    reason: str,
    instrument: str | None = None,
    name: str = "",
    write: bool = True,
) -> None:
    """Fill in ratification records, and acceptances of procedures, from one OHCHR file
    (without ``write``, decide and count the same, writing nothing)."""
    name = name or path.name
    code = instrument_for(name, instrument)
    found = m.Instrument.objects.filter(code=code).select_related("body").first()
    if found is None:
        raise ImportDataError(name, 0, "", code, "an instrument code in the tracker (--instrument)")
    procedures = PROCEDURES.get(code, {})
    countries = CountryNames()
    header, parsed, seen, unknown, stamp = None, [], {}, [], None
    for line, cells in table_records(path.read_bytes(), name):
        if header is None:
            # Title and notes rows come before the header; find it by its first cell.
            if cells and normal(cells[0]) == "country":
                # Columns are found by name, without regard to case; errors name them as the
                # file spells them.
                header = [normal(c) for c in cells]
                try:
                    columns = [header.index(normal(SIGNATURE)), header.index(normal(CONSENT))]
                except ValueError:
                    raise ImportDataError(
                        name, line, "", ", ".join(cells), f"columns Country, {SIGNATURE}, {CONSENT}"
                    ) from None
                columns += [
                    header.index(normal(t)) if normal(t) in header else None
                    for t in (COMMUNICATIONS, INQUIRY)
                ]
                spelled = [cells[i].strip() if i is not None else "" for i in columns]
            else:
                stamp = stamp or _stamp(cells)
            continue
        if not any(c.strip() for c in cells) or _is_footer(cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        country_name = cells[0].strip()
        country = countries.find(country_name)
        if country is None:
            unknown.append((line, country_name))
            continue
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
        signature = _date(name, line, spelled[0], cells[columns[0]].strip())
        consent = _date(name, line, spelled[1], cells[columns[1]].strip())
        acceptances = []
        for index, column, title in zip(
            columns[2:], spelled[2:], (COMMUNICATIONS, INQUIRY), strict=True
        ):
            made = _date(name, line, column, cells[index].strip()) if index is not None else None
            if made is None:
                continue
            if title not in procedures:
                raise ImportDataError(
                    name,
                    line,
                    column,
                    cells[index].strip(),
                    f"an empty cell: {code} has no such procedure in the tracker",
                )
            acceptances.append((procedures[title], title, made))
        parsed.append((line, country, signature, consent, acceptances))
    if header is None:
        raise ImportDataError(name, 0, "", "", f"a header row: Country, {SIGNATURE}, {CONSENT}")
    if unknown:
        raise ImportDataError(
            name,
            unknown[0][0],
            "Country",
            "; ".join(f"{text} (line {line})" for line, text in unknown),
            f"country names in the tracker, or country aliases (admin) ({len(unknown)} unknown)",
        )
    result.rows = len(parsed)

    source = _source(code, name, stamp, reason, result, write=write)
    merger = RatificationMerger(source=source, reason=reason, result=result, key_prefix="ohchr")
    for line, country, signature, consent, _acceptances in progress(parsed, len(parsed), "ohchr"):
        if signature is None and consent is None:
            merger.report_newer(country, code, "no action")
            continue
        merger.offer(
            country, code, locator=f"{name}, row {line}", signature=signature, action_date=consent
        )
    merger.save(write=write)
    _save_acceptances(
        found,
        parsed,
        source=source,
        reason=reason,
        result=result,
        name=name,
        procedures=procedures,
        merger=merger,
        write=write,
    )


def _source(
    code: str, name: str, stamp: dt.date | None, reason: str, result: ImportResult, *, write=True
) -> m.Source:
    """The file's source record; the ``Last Updated`` stamp, when there is one, is its date.
    Without ``write``, an unsaved one when the tracker has none yet."""
    title = f"OHCHR ratification dashboard data: {code}"
    if stamp:
        title += f", last updated {stamp.isoformat()}"
    dated = (stamp, m.Precision.DAY) if stamp else (None, "")
    key = f"ohchr-ratifications-{code.lower()}-{Path(name).stem.lower()}"[:120]
    defaults = {
        "title": title,
        "kind": m.Source.Kind.DATASET,
        "publisher": "Office of the UN High Commissioner for Human Rights",
        "url": "https://indicators.ohchr.org/",
        "published_on": dated[0],
        "published_on_precision": dated[1],
        "status": m.Editorial.PUBLISHED,
    }
    source, created = dataset_source(key, defaults, write=write)
    if created:
        result.count("sources", "created")
        result.change("sources", m.Source, key, "created")
    elif stamp and (source.published_on, source.published_on_precision) != dated:
        # Imported before the stamp was read: date it now.
        source.published_on, source.published_on_precision = dated
        source.title = title
        source._change_reason = reason
        source.full_clean()
        if write:
            source.save()
        result.count("sources", "updated")
        result.change("sources", m.Source, key, "updated", ["published_on", "title"])
    else:
        result.count("sources", "unchanged")
    return source


def _acceptance_key(ratification: m.Ratification, article: str, keys: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", article.lower().replace("art. ", "art")).strip("-")
    key = f"{ratification.key}-{slug}"[:114]
    if key in keys:
        key = f"ohchr-{key}"
    keys.add(key)
    return key


def _summary(instrument: m.Instrument, title: str) -> str:
    body = instrument.body.name if instrument.body_id else "treaty body"
    if title == COMMUNICATIONS:
        return f"Accepts individual communications to the {body}."
    return f"Accepts inquiries by the {body}."


def _save_acceptances(
    instrument: m.Instrument,
    parsed: list,
    *,
    source: m.Source,
    reason: str,
    result: ImportResult,
    name: str,
    procedures: dict[str, str],
    merger: RatificationMerger,
    write: bool = True,
) -> None:
    """Create or refine the acceptances the file gives, on the ratifications just merged
    (without ``write``, on those the merger would create too, writing nothing)."""
    offered = [(line, country, a) for line, country, _s, _c, acc in parsed for a in acc]
    if not offered:
        return
    states = {country for _l, country, *_ in parsed}
    if write:
        ratifications = {
            r.country_id: r
            for r in m.Ratification.objects.filter(instrument=instrument, country__in=states)
        }
    else:
        ratifications = {
            country: r
            for (country, code), r in merger.records.items()
            if code == instrument.code and country in states
        }
    existing = {
        (r.ratification_id, normal(r.article)): r
        for r in m.Reservation.objects.filter(
            ratification__in=[r.pk for r in ratifications.values() if r.pk],
            kind=m.Reservation.Kind.ACCEPTANCE,
        )
    }
    keys = set(m.Reservation.objects.values_list("key", flat=True))
    created, updated, now = [], [], timezone.now()
    for line, country, (article, title, (day, precision)) in offered:
        label = f"{country} {instrument.code} {article}"
        ratification = ratifications.get(country)
        if ratification is None:
            result.left_alone.append(
                f"{label}: accepted on {day.isoformat()}, but the tracker holds no ratification "
                "to record it on"
            )
            continue
        locator = f"{name}, row {line}"
        # A ratification the check phase would create has no id yet: its key stands for it.
        held = (ratification.pk or ratification.key, normal(article))
        record = existing.get(held)
        if record is None:
            record = m.Reservation(
                key=_acceptance_key(ratification, article, keys),
                ratification=ratification,
                kind=m.Reservation.Kind.ACCEPTANCE,
                article=article,
                summary=_summary(instrument, title),
                made_on=day,
                made_on_precision=precision,
                source=source,
                locator=locator,
                status=m.Editorial.PUBLISHED,
            )
            # The ratification and the source were just read or written: no need to look them up.
            record.full_clean(
                exclude=["ratification", "source"],
                validate_unique=False,
                validate_constraints=False,
            )
            existing[held] = record
            created.append(record)
            result.change("acceptances", m.Reservation, record.key, "created")
            continue
        take, why = merge_date(
            record.made_on,
            record.made_on_precision,
            day,
            precision,
            record.source_id == source.pk,
        )
        if why:
            result.left_alone.append(f"{label} acceptance: {why}")
        if not take or (record.made_on, record.made_on_precision) == (day, precision):
            result.count("acceptances", "unchanged")
            continue
        record.made_on, record.made_on_precision = day, precision
        record.source, record.locator, record.updated_at = source, locator, now
        result.change("acceptances", m.Reservation, record.key, "updated", ["made_on"])
        record.full_clean(
            exclude=["ratification", "source"], validate_unique=False, validate_constraints=False
        )
        updated.append(record)
    write_with_history(
        m.Reservation,
        created,
        updated,
        ACCEPTANCE_FIELDS,
        reason=reason,
        result=result,
        kind="acceptances",
        write=write,
    )
