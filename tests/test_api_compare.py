"""/api/compare/: countries side by side on a theme, and the theme x country grid."""

import csv
import datetime as dt
import io

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    theme = f.ThemeFactory(slug="torture", name="Torture")
    cat = f.InstrumentFactory(code="CAT", short_title="CAT")
    theme.instruments.add(cat)
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    f.RatificationFactory(country=kaz, instrument=cat, action_date=dt.date(1998, 8, 26))
    concern = f.ConcernFactory(country=kaz, themes=[theme])
    f.AssessmentFactory(concern=concern, verdict=m.Implementation.PARTIALLY_IMPLEMENTED)
    claim = f.ClaimFactory(country=kaz, themes=[theme])
    f.StanceFactory(claim=claim, report=f.ReportFactory(country=kaz, themes=[theme]))
    return theme


def test_compare_lists_each_country_in_the_order_asked(client, data):
    body = client.get("/api/compare/?countries=kgz,KAZ&theme=torture").json()
    assert [c["country"]["code"] for c in body["columns"]] == ["KGZ", "KAZ"]
    assert body["theme"]["slug"] == "torture"
    assert [i["code"] for i in body["instruments"]] == ["CAT"]


def test_compare_shows_status_concerns_claims_and_reports(client, data):
    kgz, kaz = client.get("/api/compare/?countries=KGZ,KAZ&theme=torture").json()["columns"]
    assert kaz["ratifications"][0]["status"] == "party"
    assert kaz["ratifications"][0]["ratification"]["action_date"] == "1998-08-26"
    # Nothing held on Kyrgyzstan and CAT: no data, not "none".
    assert kgz["ratifications"] == [
        {"instrument": "CAT", "status": "no_data", "ratification": None, "snapshot": None}
    ]
    assert kaz["concerns_by_implementation"] == {"partially_implemented": 1}
    assert kaz["concerns"][0]["page_url"].startswith("http://testserver/concerns/")
    (claim,) = kaz["claims"]
    assert claim["verification"] == "unverified"
    assert claim["stances"][0]["stance"] == "contradicts"
    assert claim["stances"][0]["report"]["url"].startswith("http://testserver/api/reports/")
    assert kgz["concerns"] == [] and kgz["claims"] == []


def test_compare_status_as_of_a_date_before_the_ratification(client, data):
    url = "/api/compare/?countries=KAZ&theme=torture&as_of=1998-08-25"
    body = client.get(url).json()
    assert body["as_of"] == "1998-08-25"
    assert body["columns"][0]["ratifications"][0]["status"] == "none"


def test_without_a_theme_the_grid_counts_per_theme_and_country(client, data):
    body = client.get("/api/compare/?countries=KAZ,KGZ").json()
    assert body["countries"] == ["KAZ", "KGZ"]
    ((row),) = body["rows"]
    kaz, kgz = row["cells"]
    assert (kaz["party"], kaz["instruments_total"], kaz["commitment"]) == (1, 1, "all")
    assert kgz["commitment"] == "none"
    assert kaz["concerns"] == {"partially_implemented": 1}
    assert kaz["claims"] == {"unverified": 1}
    assert kaz["concerns_url"] == "http://testserver/api/concerns/?country=KAZ&theme=torture"


def test_drafts_stay_out_of_the_comparison_for_anonymous(client, editor, data):
    m.Concern.objects.update(status=m.Editorial.DRAFT)
    url = "/api/compare/?countries=KAZ&theme=torture"
    assert client.get(url).json()["columns"][0]["concerns"] == []
    client.force_login(editor)
    assert len(client.get(url).json()["columns"][0]["concerns"]) == 1


def test_too_many_countries_is_a_400(client, data):
    codes = ",".join(f"X{chr(65 + i)}A" for i in range(13))
    response = client.get(f"/api/compare/?countries={codes}")
    assert response.status_code == 400
    assert "at most 12" in response.json()["detail"]


def csv_rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_compare_as_csv_has_a_row_per_country_and_record(client, data):
    response = client.get("/api/compare/?countries=KAZ,KGZ&theme=torture&format=csv")
    rows = csv_rows(response)
    assert [(r["country"], r["record"], r["subject"], r["status"]) for r in rows] == [
        ("KAZ", "treaty", "CAT", "party"),
        ("KAZ", "concern", m.Concern.objects.get().summary, "partially_implemented"),
        ("KAZ", "claim", m.Claim.objects.get().summary, "unverified"),
        ("KGZ", "treaty", "CAT", "no_data"),
    ]
    kaz_cat = rows[0]
    assert (kaz_cat["country_name"], kaz_cat["theme"], kaz_cat["date"]) == (
        "Kazakhstan",
        "torture",
        "1998-08-26",
    )
    assert kaz_cat["url"].startswith("http://testserver/api/ratifications/")
    assert rows[1]["url"].startswith("http://testserver/api/concerns/")


def test_the_grid_as_csv_has_a_row_per_theme_and_country(client, data):
    rows = csv_rows(client.get("/api/compare/?countries=KAZ,KGZ", HTTP_ACCEPT="text/csv"))
    assert [(r["theme"], r["country"], r["party"], r["concerns_total"]) for r in rows] == [
        ("torture", "KAZ", "1", "1"),
        ("torture", "KGZ", "0", "0"),
    ]
    assert rows[0]["concerns.partially_implemented"] == "1"


def test_compare_errors_stay_json_when_csv_was_asked_for(client, data):
    response = client.get("/api/compare/?countries=XYZ&format=csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_compare_as_of_takes_a_year_as_the_pages_do(client):
    f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    year = client.get("/api/compare/", {"countries": "KAZ,KGZ", "as_of": "2010"})
    day = client.get("/api/compare/", {"countries": "KAZ,KGZ", "as_of": "2010-12-31"})
    assert year.status_code == day.status_code == 200
    assert year.json() == day.json()
    assert client.get("/api/compare/", {"countries": "KAZ,KGZ", "as_of": "soon"}).status_code == 400
