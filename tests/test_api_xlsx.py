"""``?format=xlsx``: every API list (and the comparison) as one Excel sheet, the CSV's table."""

import csv
import io

import openpyxl
import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    theme = f.ThemeFactory(slug="torture")
    for summary in ('Says "done".', "=HYPERLINK(1)", "Bell\x07 rings"):
        f.ClaimFactory(country=kaz, themes=[theme], summary=summary)
    return kaz


def sheet(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    (ws,) = book.worksheets
    return [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "url",
    [
        "/api/claims/?country=KAZ",
        "/api/countries/",
        "/api/ratifications/?status=no_data",
        "/api/compare/?countries=KAZ&theme=torture",
        "/api/compare/?countries=KAZ",
    ],
)
def test_the_sheet_has_the_csv_columns_and_rows(client, data, url):
    rows = sheet(client.get(f"{url}&format=xlsx" if "?" in url else f"{url}?format=xlsx"))
    expected = csv_table(client.get(url, HTTP_ACCEPT="text/csv"))
    # The sheet drops the control characters a sheet cannot hold; the CSV keeps them.
    assert rows == [[cell.replace("\x07", "") for cell in row] for row in expected]


def test_formulas_stay_text_in_the_sheet(client, data):
    rows = sheet(client.get("/api/claims/?format=xlsx&ordering=id"))
    summaries = [row[rows[0].index("summary")] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in summaries
    assert "Bell rings" in summaries


def test_a_sheet_pages_like_the_json(client, data):
    response = client.get("/api/claims/?format=xlsx&page_size=2")
    assert len(sheet(response)) == 1 + 2
    assert response["X-Total-Count"] == "3"
    assert "format=xlsx" in response["Link"]


def test_errors_stay_json_when_a_sheet_was_asked_for(client, data):
    response = client.get("/api/claims/?country=XYZ&format=xlsx")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
