"""manage.py import ohchr-ratifications: OHCHR's dashboard data as CSV, XLSX and XLS."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import BodyFactory, CountryFactory, InstrumentFactory, RatificationFactory
from tracker import models as m

SAMPLES = Path(__file__).parent / "samples" / "ohchr"
GOOD = SAMPLES / "UnderlyingData_CRPD_OHCHR_20240101.csv"


@pytest.fixture
def reference(db):
    for code, iso2, name in [
        ("KAZ", "KZ", "Kazakhstan"),
        ("KGZ", "KG", "Kyrgyzstan"),
        ("UZB", "UZ", "Uzbekistan"),
        ("TJK", "TJ", "Tajikistan"),
        ("TUR", "TR", "Türkiye"),
    ]:
        CountryFactory(code=code, iso2=iso2, name=name)
    InstrumentFactory(code="CRPD", title="Convention on the Rights of Persons with Disabilities")


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import", "ohchr-ratifications", str(path), *args, stdout=out)
    return out.getvalue()


def sample_rows() -> list[list[str]]:
    with GOOD.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def as_date(text: str):
    day, month, year = (int(p) for p in text.split("/"))
    return dt.datetime(year, month, day)


def test_title_rows_are_skipped_and_dates_are_day_precise(reference):
    output = run(GOOD)
    kaz = m.Ratification.objects.get(country="KAZ", instrument="CRPD")
    assert (kaz.signature_date, kaz.signature_date_precision) == (dt.date(2008, 12, 11), "day")
    assert (kaz.action, kaz.action_date, kaz.action_date_precision) == (
        "ratification",
        dt.date(2015, 4, 21),
        "day",
    )
    # "Turkey" is an alias of Türkiye; the Holy See is not a member and is skipped.
    assert m.Ratification.objects.get(country="TUR").action_date == dt.date(2009, 9, 28)
    tjk = m.Ratification.objects.get(country="TJK")
    assert tjk.signature_date == dt.date(2018, 3, 22) and tjk.action_date is None
    assert "ratifications: 5 created, 0 updated, 0 unchanged" in output


def test_a_day_refines_a_year_and_keeps_the_kind_of_action(reference):
    record = RatificationFactory(
        country_id="KAZ",
        instrument_id="CRPD",
        action=m.Ratification.Action.ACCESSION,
        action_date=dt.date(2015, 1, 1),
        action_date_precision="year",
    )
    run(GOOD)
    record.refresh_from_db()
    assert (record.action, record.action_date, record.action_date_precision) == (
        "accession",
        dt.date(2015, 4, 21),
        "day",
    )
    assert record.history.first().history_change_reason == (
        "import ohchr-ratifications: UnderlyingData_CRPD_OHCHR_20240101.csv"
    )


def test_a_different_date_from_another_source_is_left_alone_and_reported(reference):
    record = RatificationFactory(
        country_id="KGZ",
        instrument_id="CRPD",
        action_date=dt.date(2019, 5, 15),
        action_date_precision="day",
    )
    output = run(GOOD)
    record.refresh_from_db()
    assert record.action_date == dt.date(2019, 5, 15)
    assert (
        "KGZ CRPD action date: the tracker holds 2019-05-15 from another source; "
        "the file says 2019-05-16" in output
    )


def test_a_second_import_changes_nothing(reference):
    run(GOOD)
    output = run(GOOD)
    assert "ratifications: 0 created, 0 updated, 5 unchanged" in output


def test_xlsx_with_date_cells(reference, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for values in sample_rows():
        if values and values[0] in {"Kazakhstan", "Kyrgyzstan"}:
            values = [values[0]] + [as_date(v) if v else None for v in values[1:]]
        sheet.append(values)
    path = tmp_path / "UnderlyingData_CRPD_OHCHR_20240101.xlsx"
    book.save(path)
    assert "ratifications: 5 created" in run(path)
    kgz = m.Ratification.objects.get(country="KGZ")
    assert kgz.action_date == dt.date(2019, 5, 16)


def test_legacy_xls(reference, tmp_path):
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("CRPD")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for r, values in enumerate(sample_rows()):
        for c, value in enumerate(values):
            if r > 4 and c > 0 and value and values[0] == "Uzbekistan":
                sheet.write(r, c, as_date(value), dates)
            else:
                sheet.write(r, c, value)
    path = tmp_path / "UnderlyingData_CRPD_OHCHR_20240101.xls"
    book.save(str(path))
    assert "ratifications: 5 created" in run(path)
    assert m.Ratification.objects.get(country="UZB").action_date == dt.date(2021, 6, 28)


def test_the_instrument_option_serves_files_with_other_names(reference, tmp_path):
    path = tmp_path / "crpd.csv"
    path.write_bytes(GOOD.read_bytes())
    with pytest.raises(CommandError, match="UnderlyingData_<CODE>_OHCHR_<date>"):
        run(path)
    run(path, "--instrument", "crpd")
    assert m.Ratification.objects.filter(instrument="CRPD").count() == 5


def test_a_bad_row_changes_nothing_and_says_where(reference):
    with pytest.raises(CommandError) as error:
        run(SAMPLES / "UnderlyingData_CRPD_OHCHR_bad.csv")
    assert str(error.value) == (
        "Nothing imported. UnderlyingData_CRPD_OHCHR_bad.csv, line 4, column "
        "'Date of ratification/accession': '2019-31-12' is not valid: expected a date as "
        "dd/mm/yyyy"
    )
    assert not m.Ratification.objects.exists()
    assert not m.Source.objects.exists()


def test_a_file_without_the_header_row_is_refused(reference, tmp_path):
    path = tmp_path / "UnderlyingData_CRPD_OHCHR_x.csv"
    path.write_text("Title only\nNation,Signed,Ratified\n")
    with pytest.raises(CommandError, match="expected a header row: Country"):
        run(path)


# Files as OHCHR's dashboard gives them (the layout of ../shared/data/REAL-FORMATS.md): a title
# row with the stamp, the header as spelled there, one row per state, a blank row, two footers,
# dates as Excel date cells. The dates of Tajikistan and the acceptances are invented for tests.
HEADER = [
    "Country",
    "Date of Signature (dd/mm/yyyy)",
    "Date of Ratification/Accession",
    "Date of acceptance of individual communications procedure",
    "Date of acceptance of inquiry procedure",
]
STAMP = "[Last Updated: 10/10/2025 11:26:54]"
FOOTERS = [
    "Definitions and metadata: "
    "http://www.ohchr.org/Documents/Issues/HRIndicators/MetadataRatificationStatus.pdf",
    "Source: Database of the United Nations Office of Legal Affairs (OLA) "
    "http://untreaty.un.org/ola",
]
ICESCR_TITLE = "International Covenant on Economic, Social and Cultural Rights"
ICESCR_STATES = [
    ["Holy See", None, None, None, None],
    ["Kazakhstan", dt.date(2003, 12, 2), 38741.0, None, None],  # a bare serial: 2006-01-24
    ["Kyrgyzstan", None, dt.date(1994, 10, 7), None, None],
    ["State of Palestine", None, dt.date(2014, 4, 2), None, None],
    ["Tajikistan", None, dt.date(1999, 1, 4), dt.date(2020, 3, 5), dt.date(2021, 6, 7)],
    ["Uzbekistan", None, dt.date(1995, 9, 28), None, None],
]
CAT_TITLE = (
    "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment"
)
CAT_STATES = [
    ["Kazakhstan", None, dt.date(1998, 8, 26), dt.date(2008, 2, 21), dt.date(1998, 8, 26)],
    ["Kyrgyzstan", None, dt.date(1997, 9, 5), None, dt.date(1997, 9, 5)],
    ["Uzbekistan", None, dt.date(1995, 9, 28), None, dt.date(1995, 9, 28)],
]
BODIES = {
    "ICESCR": ("CESCR", "Committee on Economic, Social and Cultural Rights"),
    "CAT": ("CAT", "Committee against Torture"),
    "ICCPR": ("CCPR", "Human Rights Committee"),
    "ICERD": ("CERD", "Committee on the Elimination of Racial Discrimination"),
    "CEDAW": ("CEDAW", "Committee on the Elimination of Discrimination against Women"),
    "CRC": ("CRC", "Committee on the Rights of the Child"),
    "CRPD": ("CRPD", "Committee on the Rights of Persons with Disabilities"),
    "CPED": ("CED", "Committee on Enforced Disappearances"),
    "CMW": ("CMW", "Committee on Migrant Workers"),
}


def instrument(code: str):
    body, name = BODIES[code]
    return InstrumentFactory(code=code, title=code, body=BodyFactory(code=body, name=name))


def downloaded(path: Path, title: str, states: list[list]) -> Path:
    """Write ``states`` to ``path`` (.xls or .xlsx) in the layout of a downloaded file."""
    rows = [[f"{title} {STAMP}"], HEADER, *states, [], [FOOTERS[0]], [FOOTERS[1]]]
    if path.suffix == ".xls":
        import xlwt

        book = xlwt.Workbook()
        sheet = book.add_sheet("Sheet1")
        day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, day)
                elif value is not None:
                    sheet.write(r, c, value)
        book.save(str(path))
    else:
        import openpyxl

        book = openpyxl.Workbook()
        for values in rows:
            book.active.append(values)
        book.save(path)
    return path


@pytest.fixture
def icescr_xls(reference, tmp_path):
    instrument("ICESCR")
    path = tmp_path / "UnderlyingData_ICESCR_OHCHR_10_10_2025.xls"
    return downloaded(path, ICESCR_TITLE, ICESCR_STATES)


def test_the_xls_as_downloaded_imports_past_its_title_blank_row_and_footers(icescr_xls):
    output = run(icescr_xls)
    assert "4 rows read" in output  # the Holy See and the State of Palestine are skipped
    assert "ratifications: 4 created, 0 updated, 0 unchanged" in output
    kaz = m.Ratification.objects.get(country="KAZ", instrument="ICESCR")
    # An Excel date cell and a bare serial number alike, at the precision of a day.
    assert (kaz.signature_date, kaz.signature_date_precision) == (dt.date(2003, 12, 2), "day")
    assert (kaz.action, kaz.action_date, kaz.action_date_precision) == (
        "ratification",
        dt.date(2006, 1, 24),
        "day",
    )
    assert kaz.locator == "UnderlyingData_ICESCR_OHCHR_10_10_2025.xls, row 4"
    assert m.Ratification.objects.get(country="UZB").action_date == dt.date(1995, 9, 28)
    # The stamp dates the source.
    source = kaz.source
    assert (source.published_on, source.published_on_precision) == (dt.date(2025, 10, 10), "day")
    assert source.title == "OHCHR ratification dashboard data: ICESCR, last updated 2025-10-10"


def test_the_acceptance_columns_become_acceptances_of_the_optional_protocol(icescr_xls):
    output = run(icescr_xls)
    assert "acceptances: 2 created, 0 updated, 0 unchanged" in output
    tjk = m.Ratification.objects.get(country="TJK", instrument="ICESCR")
    accepted = list(
        tjk.reservations.order_by("made_on").values_list(
            "kind", "article", "summary", "made_on", "made_on_precision", "status", "locator"
        )
    )
    row = "UnderlyingData_ICESCR_OHCHR_10_10_2025.xls, row 7"
    assert accepted == [
        (
            "acceptance",
            "Optional Protocol, communications",
            "Accepts individual communications to the Committee on Economic, Social and "
            "Cultural Rights.",
            dt.date(2020, 3, 5),
            "day",
            "published",
            row,
        ),
        (
            "acceptance",
            "Optional Protocol, inquiry",
            "Accepts inquiries by the Committee on Economic, Social and Cultural Rights.",
            dt.date(2021, 6, 7),
            "day",
            "published",
            row,
        ),
    ]
    assert m.Reservation.objects.filter(ratification__country="KAZ").count() == 0
    assert m.Reservation.history.first().history_change_reason == (
        "import ohchr-ratifications: UnderlyingData_ICESCR_OHCHR_10_10_2025.xls"
    )


def test_a_second_import_of_the_download_changes_nothing(icescr_xls):
    run(icescr_xls)
    output = run(icescr_xls)
    assert "sources: 0 created, 0 updated, 1 unchanged" in output
    assert "ratifications: 0 created, 0 updated, 4 unchanged" in output
    assert "acceptances: 0 created, 0 updated, 2 unchanged" in output
    assert m.Reservation.objects.count() == 2
    assert m.Reservation.history.count() == 2


def test_the_xlsx_as_downloaded_imports_with_its_date_cells(reference, tmp_path):
    instrument("CAT")
    path = downloaded(tmp_path / "UnderlyingData_CAT_OHCHR_10_10_2025.xlsx", CAT_TITLE, CAT_STATES)
    output = run(path)
    assert "ratifications: 3 created, 0 updated, 0 unchanged" in output
    assert "acceptances: 4 created, 0 updated, 0 unchanged" in output
    accepted = m.Reservation.objects.filter(ratification__country="KAZ").order_by("article")
    assert [(r.article, r.made_on, r.key) for r in accepted] == [
        ("art. 20", dt.date(1998, 8, 26), "kaz-cat-art20"),
        ("art. 22", dt.date(2008, 2, 21), "kaz-cat-art22"),
    ]
    assert "acceptances: 0 created, 0 updated, 4 unchanged" in run(path)


def test_an_acceptance_refines_a_less_precise_one_and_keeps_its_summary(reference, tmp_path):
    instrument("CAT")
    kaz = RatificationFactory(
        key="kaz-cat",
        country_id="KAZ",
        instrument_id="CAT",
        action=m.Ratification.Action.ACCESSION,
        action_date=dt.date(1998, 8, 26),
        action_date_precision="day",
    )
    held = m.Reservation.objects.create(
        key="kaz-cat-art22",
        ratification=kaz,
        kind="acceptance",
        article="art. 22",
        summary="Kazakhstan recognises the Committee's competence for communications.",
        made_on=dt.date(2008, 2, 1),
        made_on_precision="month",
        source=kaz.source,
        status="published",
    )
    path = downloaded(tmp_path / "UnderlyingData_CAT_OHCHR_10_10_2025.xlsx", CAT_TITLE, CAT_STATES)
    output = run(path)
    assert "acceptances: 3 created, 1 updated, 0 unchanged" in output
    held.refresh_from_db()
    assert (held.made_on, held.made_on_precision) == (dt.date(2008, 2, 21), "day")
    assert held.summary.startswith("Kazakhstan recognises")
    assert held.history.first().history_change_reason.startswith("import ohchr-ratifications")
    # A day is never replaced by a less precise or a different date from another source.
    held.made_on = dt.date(2008, 2, 20)
    held.source = kaz.source
    held.save()
    output = run(path)
    held.refresh_from_db()
    assert held.made_on == dt.date(2008, 2, 20)
    assert (
        "KAZ CAT art. 22 acceptance: the tracker holds 2008-02-20 from another source; the file "
        "says 2008-02-21" in output
    )


@pytest.mark.parametrize(
    "code, communications, inquiry",
    [
        ("ICESCR", "Optional Protocol, communications", "Optional Protocol, inquiry"),
        ("CEDAW", "Optional Protocol, communications", "Optional Protocol, inquiry"),
        (
            "CRC",
            "Optional Protocol on a communications procedure",
            "Optional Protocol on a communications procedure, inquiry",
        ),
        ("CRPD", "Optional Protocol, communications", "Optional Protocol, inquiry"),
        ("ICCPR", "first Optional Protocol", None),
        ("CAT", "art. 22", "art. 20"),
        ("ICERD", "art. 14", None),
        ("CPED", "art. 31", "art. 33"),
        ("CMW", "art. 77", None),
    ],
)
def test_each_instrument_s_columns_stand_for_its_own_procedures(
    reference, tmp_path, code, communications, inquiry
):
    instrument(code)
    day = dt.date(2010, 1, 1)
    row = ["Kazakhstan", None, dt.date(2005, 5, 5), dt.date(2010, 1, 1), dt.date(2011, 1, 1)]
    if inquiry is None:
        row[4] = None
    run(downloaded(tmp_path / f"UnderlyingData_{code}_OHCHR_10_10_2025.xls", code, [row]))
    accepted = m.Reservation.objects.filter(ratification__instrument=code)
    expected = {(communications, day)} | ({(inquiry, dt.date(2011, 1, 1))} if inquiry else set())
    assert {(r.article, r.made_on) for r in accepted} == expected
    assert {r.kind for r in accepted} == {"acceptance"}


def test_a_date_for_a_procedure_the_instrument_lacks_is_refused(reference, tmp_path):
    instrument("ICERD")
    row = ["Kazakhstan", None, dt.date(1998, 8, 26), None, dt.date(2008, 1, 1)]
    path = downloaded(tmp_path / "UnderlyingData_ICERD_OHCHR_10_10_2025.xls", "ICERD", [row])
    with pytest.raises(CommandError) as error:
        run(path)
    assert str(error.value) == (
        "Nothing imported. UnderlyingData_ICERD_OHCHR_10_10_2025.xls, line 3, column "
        "'Date of acceptance of inquiry procedure': '2008-01-01' is not valid: expected an "
        "empty cell: ICERD has no such procedure in the tracker"
    )
    assert not m.Ratification.objects.exists()


def test_icrmw_in_an_older_file_name_is_the_cmw(reference, tmp_path):
    instrument("CMW")
    row = ["Kyrgyzstan", None, dt.date(2003, 9, 29), None, None]
    run(downloaded(tmp_path / "UnderlyingData_ICRMW_OHCHR_01_01_2024.xls", "ICRMW", [row]))
    assert m.Ratification.objects.get(country="KGZ").instrument_id == "CMW"


def test_every_unknown_state_name_is_reported_at_once_and_nothing_is_saved(reference, tmp_path):
    instrument("ICESCR")
    states = [
        ["Kazakhstan", None, dt.date(2006, 1, 24), None, None],
        ["Freedonia", None, dt.date(2001, 1, 1), None, None],
        ["Ruritania", None, dt.date(2002, 2, 2), None, None],
    ]
    path = downloaded(tmp_path / "UnderlyingData_ICESCR_OHCHR_10_10_2025.xlsx", "T", states)
    with pytest.raises(CommandError) as error:
        run(path)
    assert str(error.value) == (
        "Nothing imported. UnderlyingData_ICESCR_OHCHR_10_10_2025.xlsx, line 4, column "
        "'Country': 'Freedonia (line 4); Ruritania (line 5)' is not valid: expected country "
        "names in the tracker, or country aliases (admin) (2 unknown)"
    )
    assert not m.Ratification.objects.exists() and not m.Source.objects.exists()


def test_an_acceptance_without_a_ratification_to_hold_it_is_reported(reference, tmp_path):
    instrument("CAT")
    row = ["Uzbekistan", None, None, dt.date(2010, 1, 1), None]
    path = downloaded(tmp_path / "UnderlyingData_CAT_OHCHR_10_10_2025.xls", CAT_TITLE, [row])
    output = run(path)
    assert not m.Reservation.objects.exists()
    assert (
        "UZB CAT art. 22: accepted on 2010-01-01, but the tracker holds no ratification to "
        "record it on" in output
    )


def test_the_stamp_dates_a_source_imported_before_it_was_read(icescr_xls):
    run(icescr_xls)
    m.Source.objects.update(published_on=None, published_on_precision="")
    output = run(icescr_xls)
    assert "sources: 0 created, 1 updated, 0 unchanged" in output
    source = m.Source.objects.get()
    assert (source.published_on, source.published_on_precision) == (dt.date(2025, 10, 10), "day")


def test_the_preview_reads_only_and_is_what_the_import_does(transactional_db, icescr_xls):
    from tests.test_import_locking import assert_preview_is_what_the_import_does

    plan = assert_preview_is_what_the_import_does("ohchr-ratifications", icescr_xls)
    # Acceptances rest on ratifications the same import creates: the preview lists them too.
    assert {"sources", "ratifications", "acceptances"} <= {c.kind for c in plan.changes}
