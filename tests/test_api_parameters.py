"""Query parameters of the API: an unknown one, an unknown format or a bad ``ordering`` is a
400 naming it and what there is; ``ordering`` sorts every list, ties broken by id."""

import datetime as dt

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", region="Central Asia")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan", region="Central Asia")
    f.CountryFactory(code="AUT", iso2="AT", name="Austria", region="Western Europe")
    for country, day in ((kaz, dt.date(2020, 1, 1)), (kgz, dt.date(2021, 1, 1)), (kaz, None)):
        f.ClaimFactory(country=country, stated_on=day, stated_on_precision="day" if day else "")
    return kaz


def test_a_misspelt_filter_is_a_400_naming_it_and_the_known_parameters(client, data):
    response = client.get("/api/claims/?countyr=KAZ")
    assert response.status_code == 400
    body = response.json()
    (message,) = body["errors"]["countyr"]
    assert message.startswith("Unknown parameter. Known: country, theme, kind,")
    assert "page, page_size, ordering, format" in message
    assert "countyr" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/countries/KAZ/?country=KAZ",
        "/api/compare/?countries=KAZ&country=KAZ",
        "/api/?country=KAZ",
        "/api/ratifications/?country=KAZ&as_of=2020-01-01&asof=2020-01-01",
    ],
)
def test_every_endpoint_refuses_parameters_it_does_not_read(client, data, url):
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert "Unknown parameter" in response.json()["detail"]


def test_the_parameters_an_endpoint_reads_are_accepted(client, data):
    for url in (
        "/api/claims/?country=KAZ&page=1&page_size=2&ordering=id&format=json",
        "/api/ratifications/?country=KAZ&as_of=2020-01-01&status=party&action=ratification",
        "/api/ratifications/1/?as_of=2020-01-01",
        "/api/compare/?countries=KAZ&as_of=2020-01-01&format=json",
        "/api/?format=json",
    ):
        assert client.get(url).status_code in (200, 404), url


@pytest.mark.parametrize("url", ["/api/claims/?format=xml", "/api/compare/?countries=KAZ&format=x"])
def test_an_unknown_format_is_a_400_listing_the_formats(client, data, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    (message,) = response.json()["errors"]["format"]
    assert message.startswith("Unknown format: x")
    assert "json" in message and "csv" in message and "xlsx" in message


def codes(response):
    assert response.status_code == 200, response.content
    return [r["code"] for r in response.json()["results"]]


def test_ordering_sorts_a_list_ascending_or_descending(client, data):
    assert codes(client.get("/api/countries/")) == ["AUT", "KAZ", "KGZ"]  # by name
    assert codes(client.get("/api/countries/?ordering=-code")) == ["KGZ", "KAZ", "AUT"]
    assert codes(client.get("/api/countries/?ordering=-region,code")) == ["AUT", "KAZ", "KGZ"]


def test_ordering_breaks_ties_by_id_so_pages_are_stable(client, data):
    rows = client.get("/api/claims/?ordering=country").json()["results"]
    assert [r["country"] for r in rows] == ["KAZ", "KAZ", "KGZ"]
    kaz = [r["id"] for r in rows if r["country"] == "KAZ"]
    assert kaz == sorted(kaz)


def test_ordering_by_a_date_on_a_list_written_from_values(client, data):
    rows = client.get("/api/claims/?ordering=-stated_on&country=KAZ,KGZ").json()["results"]
    dated = [r["stated_on"] for r in rows if r["stated_on"]]
    assert dated == ["2021-01-01", "2020-01-01"]


@pytest.mark.parametrize("value", ["nme", "name,-populaton", "", "-"])
def test_ordering_by_an_unknown_field_is_a_400_naming_the_known_ones(client, data, value):
    response = client.get(f"/api/countries/?ordering={value}")
    assert response.status_code == 400
    (message,) = response.json()["errors"]["ordering"]
    assert "Known: name, code, region, un_member_since" in message


def test_ordering_by_more_than_three_fields_is_a_400(client, data):
    response = client.get("/api/countries/?ordering=name,code,region,un_member_since")
    assert response.status_code == 400
    assert "at most 3" in response.json()["detail"]


def test_a_search_of_concerns_cannot_be_reordered_and_says_so(client, data):
    response = client.get("/api/concerns/?q=torture&ordering=issued_on")
    assert response.status_code == 400
    assert "newest recorded first" in response.json()["errors"]["ordering"][0]


def test_ratifications_without_a_record_cannot_be_reordered_and_say_so(client, data):
    response = client.get("/api/ratifications/?status=none&ordering=action_date")
    assert response.status_code == 400
    assert "by country" in response.json()["errors"]["ordering"][0]


def test_the_browsable_api_still_renders_a_list(client, data):
    response = client.get("/api/countries/?format=api&ordering=code")
    assert response.status_code == 200
    assert b"Kazakhstan" in response.content


def test_an_unknown_address_with_parameters_is_still_a_404(client, data):
    response = client.get("/api/countryes/?country=KAZ")
    assert response.status_code == 404
    assert "No API endpoint" in response.json()["detail"]
