"""/api/ratifications/: filters, treaty status as of a date, nested reservations."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    cat = f.InstrumentFactory(code="CAT", short_title="CAT")
    iccpr = f.InstrumentFactory(code="ICCPR")
    signed = dt.date(2003, 12, 2)
    f.RatificationFactory(
        country=kaz,
        instrument=iccpr,
        signature_date=signed,
        signature_date_precision="day",
        action=m.Ratification.Action.RATIFICATION,
        action_date=dt.date(2006, 1, 24),
    )
    f.RatificationFactory(country=kaz, instrument=cat, action_date=dt.date(1998, 8, 26))
    f.RatificationFactory(
        country=kgz,
        instrument=cat,
        signature_date=dt.date(2020, 1, 1),
        signature_date_precision="year",
        action="",
        action_date=None,
        action_date_precision="",
    )
    return kaz, kgz


def pairs(response):
    assert response.status_code == 200, response.content
    return [(r["country"], r["instrument"], r["status"]) for r in response.json()["results"]]


def test_each_filter_narrows_the_list(client, data):
    assert len(pairs(client.get("/api/ratifications/"))) == 3
    assert pairs(client.get("/api/ratifications/?country=kgz")) == [("KGZ", "CAT", "signatory")]
    assert {p[0] for p in pairs(client.get("/api/ratifications/?instrument=CAT"))} == {
        "KAZ",
        "KGZ",
    }
    assert pairs(client.get("/api/ratifications/?action=ratification")) == [
        ("KAZ", "ICCPR", "party")
    ]
    assert pairs(client.get("/api/ratifications/?status=signatory")) == [
        ("KGZ", "CAT", "signatory")
    ]


def test_combined_filters_and_together(client, data):
    url = "/api/ratifications/?country=KAZ,KGZ&instrument=CAT&status=party"
    assert pairs(client.get(url)) == [("KAZ", "CAT", "party")]


def test_status_as_of_a_date_before_and_after_the_ratification(client, data):
    before = client.get("/api/ratifications/?country=KAZ&instrument=ICCPR&as_of=2006-01-23")
    on_the_day = client.get("/api/ratifications/?country=KAZ&instrument=ICCPR&as_of=2006-01-24")
    assert pairs(before) == [("KAZ", "ICCPR", "signatory")]
    assert pairs(on_the_day) == [("KAZ", "ICCPR", "party")]
    assert on_the_day.json()["results"][0]["as_of"] == "2006-01-24"


def test_dates_read_as_they_stood_on_the_as_of_date(client, data):
    (row,) = client.get("/api/ratifications/?instrument=ICCPR&as_of=2005-01-01").json()["results"]
    assert row["signature_date"] == "2003-12-02"
    assert (row["action"], row["action_date"], row["action_date_precision"]) == ("", None, "")
    (row,) = client.get("/api/ratifications/?instrument=ICCPR&as_of=2000-01-01").json()["results"]
    assert (row["status"], row["signature_date"]) == ("none", None)


def test_status_filter_uses_the_as_of_date(client, data):
    url = "/api/ratifications/?status=none&as_of=1990-01-01"
    assert len(pairs(client.get(url))) == 3


def test_row_carries_codes_precisions_source_and_links(client, data):
    (row,) = client.get("/api/ratifications/?country=KGZ").json()["results"]
    assert row["signature_date_precision"] == "year"
    assert row["source_detail"]["url"].startswith("http://testserver/api/sources/")
    assert row["url"] == f"http://testserver/api/ratifications/{row['id']}/"
    assert row["page_url"] == "http://testserver/countries/KGZ/"


def test_reservations_are_nested_and_drafts_hidden_from_anonymous(client, editor, data):
    ratification = m.Ratification.objects.get(country="KAZ", instrument="CAT")
    for key, status in (("pub", "published"), ("draft", "draft")):
        m.Reservation.objects.create(
            key=key,
            ratification=ratification,
            kind="acceptance",
            article="22",
            summary="Accepts individual complaints.",
            status=status,
            source=ratification.source,
        )
    url = f"/api/ratifications/{ratification.pk}/"
    assert [r["key"] for r in client.get(url).json()["reservations"]] == ["pub"]
    client.force_login(editor)
    assert len(client.get(url).json()["reservations"]) == 2


def test_unknown_codes_and_bad_values_are_400_naming_them(client, data):
    response = client.get("/api/ratifications/?country=KAZ,XYZ,QQQ")
    assert response.status_code == 400
    assert response.json()["errors"]["country"] == ["Unknown country code: XYZ, QQQ."]
    response = client.get("/api/ratifications/?status=ratified")
    assert response.status_code == 400
    assert "ratified" in response.json()["detail"]
    response = client.get("/api/ratifications/?as_of=24.01.2006x")
    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]


@pytest.fixture
def uzb_with_no_action_statement(data):
    """Uzbekistan: no record at all; a source's dated statement of no action on the CAT."""
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    m.StatusSnapshot.objects.create(
        key="snap-uzb-cat",
        country=uzb,
        instrument_id="CAT",
        as_of=dt.date(2022, 8, 1),
        as_of_precision="month",
        reported_status="none",
        status="published",
        source=f.SourceFactory(),
        locator="CAT table, row for Uzbekistan",
    )
    return uzb


def test_status_none_lists_the_instruments_without_a_record_one_row_each(
    client, uzb_with_no_action_statement
):
    rows = client.get("/api/ratifications/?status=none&country=UZB").json()["results"]
    assert [(r["country"], r["instrument"], r["status"]) for r in rows] == [("UZB", "CAT", "none")]
    (row,) = rows
    assert (row["id"], row["url"], row["action_date"]) == (None, None, None)
    assert row["locator"] == "CAT table, row for Uzbekistan"
    assert row["source_detail"]["url"].startswith("http://testserver/api/sources/")
    assert row["page_url"] == "http://testserver/countries/UZB/"


def test_status_no_data_lists_the_cells_the_tracker_holds_nothing_on(
    client, uzb_with_no_action_statement
):
    response = client.get("/api/ratifications/?status=no_data")
    assert pairs(response) == [("KGZ", "ICCPR", "no_data"), ("UZB", "ICCPR", "no_data")]
    assert response.json()["results"][0]["source_detail"] is None


def test_status_none_gives_every_instrument_of_a_state_a_row_with_records_in_order(
    client, uzb_with_no_action_statement
):
    url = "/api/ratifications/?status=none,no_data,party,signatory&as_of=2000-01-01"
    rows = pairs(client.get(url))
    assert len(rows) == 3 * 2  # three states, two instruments: one row per cell
    assert rows[:2] == [("KAZ", "CAT", "party"), ("KAZ", "ICCPR", "none")]
    assert rows[-2:] == [("UZB", "CAT", "none"), ("UZB", "ICCPR", "no_data")]


def test_status_none_pages_through_records_and_cells_alike(client, uzb_with_no_action_statement):
    url = "/api/ratifications/?status=none,no_data&as_of=1990-01-01&page_size=4"
    first = client.get(url).json()
    assert first["count"] == 6
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 4 and len(second["results"]) == 2
    cells = [(r["country"], r["instrument"]) for r in first["results"] + second["results"]]
    assert len(set(cells)) == 6


def test_status_none_as_csv_has_the_list_columns(client, uzb_with_no_action_statement):
    response = client.get("/api/ratifications/?status=none&country=UZB&format=csv")
    header, row = response.content.decode().splitlines()
    assert header.split(",")[:5] == ["id", "key", "country", "instrument", "status"]
    assert ",UZB,CAT,none," in row


def test_status_none_with_an_action_lists_records_only(client, uzb_with_no_action_statement):
    assert pairs(client.get("/api/ratifications/?status=none&action=accession")) == []


def test_a_cell_without_a_source_has_no_column_of_its_own_in_the_csv(client, data):
    response = client.get("/api/ratifications/?status=no_data&format=csv")
    header, row = response.content.decode().splitlines()
    assert "source_detail" not in header.split(",")
    assert len(row.split(",")) == len(header.split(","))


@pytest.mark.parametrize(("as_of", "end"), [("2010", "2010-12-31"), ("2010-06", "2010-06-30")])
def test_as_of_takes_a_year_or_a_month_as_the_pages_do(client, as_of, end):
    year = client.get("/api/ratifications/", {"as_of": as_of})
    day = client.get("/api/ratifications/", {"as_of": end})
    assert year.status_code == day.status_code == 200
    assert year.json()["results"] == day.json()["results"]
    assert client.get("/api/ratifications/", {"as_of": "2010-13"}).status_code == 400
