"""manage.py import ohchr-ratifications: OHCHR's dashboard data as CSV, XLSX and XLS."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CountryFactory, InstrumentFactory, RatificationFactory
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
