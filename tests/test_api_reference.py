"""Reference data by natural key: countries, instruments, bodies, themes, indicators."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", region="Central Asia")
    f.CountryFactory(code="FRA", iso2="FR", name="France", region="Western Europe")
    cat_body = f.BodyFactory(code="CAT", name="Committee against Torture")
    cat = f.InstrumentFactory(code="CAT", short_title="CAT", body=cat_body)
    theme = f.ThemeFactory(slug="torture", name="Torture")
    theme.instruments.add(cat)
    f.ObservationFactory(country=kaz, indicator__themes=[theme])
    return kaz


def test_country_by_iso_code_in_any_case(client, data):
    for code in ("KAZ", "kaz"):
        body = client.get(f"/api/countries/{code}/").json()
        assert body["name"] == "Kazakhstan"
        assert body["url"] == "http://testserver/api/countries/KAZ/"


def test_countries_filter_by_code_region_and_name(client, data):
    def codes(query):
        return [c["code"] for c in client.get(f"/api/countries/?{query}").json()["results"]]

    assert codes("") == ["FRA", "KAZ"]  # ordered by name
    assert codes("code=kaz") == ["KAZ"]
    assert codes("region=central asia") == ["KAZ"]
    assert codes("q=fran") == ["FRA"]


def test_instrument_body_and_theme_by_natural_key(client, data):
    assert client.get("/api/instruments/CAT/").json()["body"] == "CAT"
    assert client.get("/api/bodies/CAT/").json()["name"] == "Committee against Torture"
    assert client.get("/api/themes/torture/").json()["instruments"] == ["CAT"]
    assert client.get("/api/instruments/?theme=torture").json()["count"] == 1


def test_indicator_carries_its_observations(client, data):
    body = client.get("/api/indicators/women-in-parliament/").json()
    (observation,) = body["observations"]
    assert (observation["country"], observation["value"]) == ("KAZ", "27.00")
    assert observation["source_detail"]["url"].startswith("http://testserver/api/sources/")
