"""Spreadsheet imports within limits: a workbook that would unpack to too much, or a sheet with too
many rows or columns, is refused with a clear error before it costs memory (``SheetLimits``)."""

import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.factories import InstrumentFactory
from tracker import models as m
from tracker.admin_import import UPLOADS
from tracker.importers.base import ImportDataError, table_records

NS = "http://schemas.openxmlformats.org/"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{NS}package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        f'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        f'spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{NS}package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{NS}officeDocument/2006/relationships/officeDocument" '
        f'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{NS}spreadsheetml/2006/main" xmlns:r="{NS}officeDocument/2006/'
        f'relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{NS}package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{NS}officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
ROW = (
    b'<row><c t="inlineStr"><is><t>Kazakhstan</t></is></c>'
    b'<c t="inlineStr"><is><t>Investigate all allegations of torture.</t></is></c></row>'
)


def bomb(rows: int) -> bytes:
    """An .xlsx whose one sheet repeats the same row: it packs about 250 to 1."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, text in PARTS.items():
            archive.writestr(part, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{NS}spreadsheetml/2006/main"><sheetData>'.encode())
            for _ in range(rows // 1000):
                sheet.write(ROW * 1000)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def read_all(data: bytes, name: str = "upload.xlsx") -> list:
    return list(table_records(data, name))


def measured(data: bytes, name: str = "upload.xlsx") -> tuple[str, float, int]:
    """The error reading ``data`` raises, the seconds it took and the peak memory it used."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportDataError) as error:
            read_all(data, name)
        return str(error.value), time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def xlsx(rows: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for values in rows:
        book.active.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls(rows: list[list]) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_that_unpacks_far_beyond_its_size_is_refused_before_it_is_read():
    data = bomb(200_000)  # 27 MB of sheet in about 100 KB
    message, seconds, peak = measured(data)
    assert re.fullmatch(
        r"upload\.xlsx: 'xl/worksheets/sheet1\.xml unpacks from [\d,]+ bytes to 26\.8 MB, "
        r"\d{3} times as much' is not valid: expected parts that unpack to at most 100 times "
        r"their packed size \(IMPORT_SHEET_MAX_RATIO\); refused as a possible zip bomb",
        message,
    )
    # Only the archive's directory was read: nothing was unpacked.
    assert seconds < 5
    assert peak < 2 * len(data) + 1_000_000


def test_a_workbook_that_unpacks_past_the_size_limit_is_refused(settings):
    settings.IMPORT_SHEET_MAX_UNPACKED_BYTES = 100_000
    data = xlsx([[f"row {i}", f"value {i * 7919}"] for i in range(5000)])
    message, seconds, peak = measured(data)
    assert re.fullmatch(
        r"upload\.xlsx: 'the workbook unpacks to [\d,]+ bytes' is not valid: expected a "
        r"workbook that unpacks to at most 100,000 bytes \(IMPORT_SHEET_MAX_UNPACKED_BYTES\); "
        r"refused as a possible zip bomb",
        message,
    )
    assert seconds < 5 and peak < 2 * len(data) + 1_000_000
    settings.IMPORT_SHEET_MAX_UNPACKED_BYTES = 10_000_000
    assert len(read_all(data)) == 5000


@pytest.mark.parametrize("build, name", [(xlsx, "upload.xlsx"), (xls, "upload.xls")])
def test_a_sheet_longer_than_the_row_limit_is_refused(settings, build, name):
    settings.IMPORT_SHEET_MAX_ROWS = 50
    data = build([["Country", "Date"]] + [[f"State {i}", "01/01/2000"] for i in range(50)])
    with pytest.raises(ImportDataError) as error:
        read_all(data, name)
    assert str(error.value) == (
        f"{name}, line 51: 'row 51' is not valid: expected a sheet of at most 50 rows "
        "(IMPORT_SHEET_MAX_ROWS)"
    )
    assert len(read_all(build([["Country"]] * 50), name)) == 50


@pytest.mark.parametrize("build, name", [(xlsx, "upload.xlsx"), (xls, "upload.xls")])
def test_a_sheet_wider_than_the_column_limit_is_refused(settings, build, name):
    settings.IMPORT_SHEET_MAX_COLUMNS = 10
    data = build([["Country", "Date"], ["Kazakhstan", "01/01/2000"] + [f"c{i}" for i in range(11)]])
    with pytest.raises(ImportDataError) as error:
        read_all(data, name)
    assert str(error.value) == (
        f"{name}, line 2: 'a value in column 11' is not valid: expected a sheet of at most 10 "
        "columns (IMPORT_SHEET_MAX_COLUMNS)"
    )


def test_empty_formatted_cells_past_the_column_limit_are_ignored(settings):
    import openpyxl
    from openpyxl.styles import Font

    settings.IMPORT_SHEET_MAX_COLUMNS = 10
    book = openpyxl.Workbook()
    book.active.append(["Country", "Date"])
    book.active.append(["Kazakhstan", "01/01/2000"])
    book.active.cell(row=2, column=16384).font = Font(bold=True)  # declares A1:XFD2
    out = io.BytesIO()
    book.save(out)
    rows = read_all(out.getvalue())
    assert rows == [
        (1, ["Country", "Date"] + [""] * 8),
        (2, ["Kazakhstan", "01/01/2000"] + [""] * 8),
    ]


def test_an_xls_cell_at_the_far_corner_costs_no_memory():
    # One number at the last row and column of a 5 KB file: xlrd padded every row to it
    # (150 MB, 11 s) before it read rows as they are.
    data = xls([["Country"]] + [[None]] * 65534 + [[None] * 255 + [1]])
    message, _seconds, peak = measured(data, "upload.xls")
    assert message == (
        "upload.xls, line 65536: 'a value in column 256' is not valid: expected a sheet of at "
        "most 100 columns (IMPORT_SHEET_MAX_COLUMNS)"
    )
    assert peak < 30_000_000  # the time, under tracemalloc, says little on a busy machine


@pytest.mark.django_db
def test_the_import_command_refuses_a_bomb_and_saves_nothing(tmp_path):
    InstrumentFactory(code="CRPD")
    path = tmp_path / "UnderlyingData_CRPD_OHCHR_10_10_2025.xlsx"
    path.write_bytes(bomb(200_000))
    with pytest.raises(CommandError, match="refused as a possible zip bomb"):
        call_command("import", "ohchr-ratifications", str(path), stdout=io.StringIO())
    assert not m.Source.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_admin_upload_of_a_bomb_shows_the_error_and_saves_nothing(editor_client):
    InstrumentFactory(code="CRPD")
    name = "UnderlyingData_CRPD_OHCHR_10_10_2025.xlsx"
    upload = SimpleUploadedFile(name, bomb(200_000))
    response = editor_client.post(
        "/admin/import/", {"format": "ohchr-ratifications", "file": upload}
    )
    html = b"".join(response.streaming_content).decode()
    assert "Nothing would be imported: " in html
    assert "refused as a possible zip bomb" in html
    assert "Confirm the import" not in html
    assert not m.Source.objects.exists() and not m.Ratification.objects.exists()
    assert not list(Path(UPLOADS).glob(f"*/{name}"))
