"""CSV export of API lists: same filters, same columns as the JSON, URLs in the rows."""

import csv
import io

import pytest

from tests import factories as f
from tracker.renderers import flatten

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    theme = f.ThemeFactory(slug="torture")
    for country in (kaz, kgz, kaz):
        claim = f.ClaimFactory(country=country, themes=[theme], summary='Says "done", twice.')
        f.StanceFactory(claim=claim, report=f.ReportFactory(country=country))


def parse(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("how", ["format", "accept"])
def test_csv_rows_match_the_json_with_the_same_filters(client, data, how):
    json_rows = client.get("/api/claims/?country=KAZ").json()["results"]
    if how == "format":
        response = client.get("/api/claims/?country=KAZ&format=csv")
    else:
        response = client.get("/api/claims/?country=KAZ", HTTP_ACCEPT="text/csv")
    rows = parse(response)
    assert len(rows) == len(json_rows) == 2
    for row, record in zip(rows, json_rows, strict=True):
        assert row == flatten(record)
    assert rows[0]["url"].startswith("http://testserver/api/claims/")
    assert rows[0]["source_detail.url"].startswith("http://testserver/api/sources/")
    assert rows[0]["themes"] == "torture"
    assert response["X-Total-Count"] == "2"


def test_csv_pages_like_the_json_and_says_where_the_next_page_is(client, data):
    response = client.get("/api/claims/?format=csv&page_size=2")
    assert len(parse(response)) == 2
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "format=csv" in response["Link"]


def test_an_empty_csv_still_has_its_header(client, data):
    response = client.get("/api/claims/?country=KGZ&theme=torture&kind=policy&format=csv")
    header = response.content.decode().splitlines()[0].split(",")
    assert parse(response) == []
    assert {"id", "summary", "verification", "source_detail.title", "url"} <= set(header)


def test_a_record_downloads_as_one_row(client, data):
    response = client.get("/api/countries/KAZ/?format=csv")
    (row,) = parse(response)
    assert (row["code"], row["page_url"]) == ("KAZ", "http://testserver/countries/KAZ/")


def test_errors_stay_json_when_csv_was_asked_for(client, data):
    response = client.get("/api/claims/?country=XYZ&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"]["country"] == ["Unknown country code: XYZ."]
