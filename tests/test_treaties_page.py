"""The treaties page: status of any set of countries, as of any date, sortable."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(extra_countries: int = 0):
    iccpr = f.InstrumentFactory(position=1)
    cat = f.InstrumentFactory(
        code="CAT", title="Convention against Torture", short_title="CAT", position=2
    )
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(country=uzb, instrument=iccpr, action_date=dt.date(1995, 9, 28))
    f.RatificationFactory(country=uzb, instrument=cat, action_date=dt.date(1995, 9, 28))
    f.RatificationFactory(
        country=kgz,
        instrument=cat,
        action="",
        action_date=None,
        action_date_precision="",
        signature_date=dt.date(2008, 9, 1),
        signature_date_precision=m.Precision.DAY,
    )
    for _ in range(extra_countries):
        country = f.CountryFactory()
        f.RatificationFactory(country=country, instrument=iccpr)
    return kaz, kgz, uzb


def row_order(html: str, names) -> list[str]:
    body = html[html.index("<tbody>") :]
    return sorted(names, key=body.index)


def test_lists_every_country_by_default(client):
    build(2)
    html = client.get("/treaties/").content.decode()
    assert "5 countries" in html and html.count(">Country X") == 2


def test_countries_parameter_limits_the_rows(client):
    build(2)
    html = client.get("/treaties/", {"countries": "kaz,uzb"}).content.decode()
    assert "2 countries" in html and "Kyrgyzstan" not in html.split("<tbody>")[1]


def test_sort_by_instrument_puts_parties_first_earliest_first(client):
    build()
    html = client.get("/treaties/", {"sort": "ICCPR"}).content.decode()
    assert row_order(html, ["Kazakhstan", "Kyrgyzstan", "Uzbekistan"]) == [
        "Uzbekistan",
        "Kazakhstan",
        "Kyrgyzstan",
    ]
    assert 'aria-sort="ascending"' in html
    html = client.get("/treaties/", {"sort": "-name"}).content.decode()
    assert row_order(html, ["Kazakhstan", "Kyrgyzstan", "Uzbekistan"])[0] == "Uzbekistan"


def test_sort_by_number_of_parties(client):
    build()
    html = client.get("/treaties/", {"sort": "parties"}).content.decode()
    assert row_order(html, ["Kazakhstan", "Kyrgyzstan", "Uzbekistan"])[0] == "Uzbekistan"


def test_as_of_date_changes_statuses(client):
    build()
    html = client.get("/treaties/", {"as_of": "2000-01-01", "countries": "KAZ"}).content.decode()
    assert "s-party" not in html.split("<tbody>")[1]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "nope"}, "Unknown sort column: nope."),
        ({"countries": "QQQ"}, "Unknown country code: QQQ."),
        ({"as_of": "2020-13-01"}, "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, params, message):
    build()
    response = client.get("/treaties/", params)
    assert response.status_code == 400 and message in response.content.decode()


def test_drafts_only_for_editors(editor_client):
    kaz, *_ = build()
    cat = m.Instrument.objects.get(code="CAT")
    f.RatificationFactory(country=kaz, instrument=cat, status="draft")
    visitor = Client().get("/treaties/", {"countries": "KAZ"}).content.decode()
    assert visitor.split("<tbody>")[1].count("s-party") == 1
    editor = editor_client.get("/treaties/", {"countries": "KAZ"}).content.decode()
    assert editor.split("<tbody>")[1].count("s-party") == 2


def test_links_its_json_twin(client):
    build()
    html = client.get("/treaties/", {"countries": "KAZ", "as_of": "2010-01-01"}).content.decode()
    assert "/api/ratifications/?country=KAZ&amp;as_of=2010-01-01" in html


@pytest.mark.parametrize("extra", [0, 20])
def test_treaties_runs_a_fixed_number_of_queries(client, extra, django_assert_num_queries):
    build(extra)
    # countries, instruments, ratifications, the snapshots of cells without a record
    with django_assert_num_queries(4):
        assert client.get("/treaties/", {"sort": "CAT"}).status_code == 200


def test_as_of_takes_a_year_and_instrument_headers_link_to_their_pages(client):
    build()
    html = client.get("/treaties/", {"as_of": "1995"}).content.decode()
    assert "3 countries, as of 31 December 1995" in html
    assert 'href="/instruments/CAT/" aria-label="About CAT"' in html
