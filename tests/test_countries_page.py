"""The country index ``/countries/``: every state, its region, its counts, a region filter."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def build():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", region="Central Asia")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan", region="Central Asia")
    f.CountryFactory(code="FRA", iso2="FR", name="France", region="Western Europe")
    theme = f.ThemeFactory(slug="torture", name="Torture")
    f.ConcernFactory(country=kaz, themes=[theme])
    f.ConcernFactory(country=kaz, themes=[theme])
    f.ConcernFactory(country=kaz, summary="A DRAFTMARK concern.", status="draft")
    f.ClaimFactory(country=kaz)
    f.ReportFactory(country=kaz)
    return kaz


def test_every_state_is_listed_with_its_region_and_counts(client):
    build()
    html = client.get("/countries/").content.decode()
    assert "3 countries" in html
    for name in ("Kazakhstan", "Kyrgyzstan", "France"):
        assert f">{name}</a>" in html
    assert '<a href="/concerns/?country=KAZ">2</a>' in html  # the draft is not counted
    assert '<a href="/claims/?country=KAZ">1</a>' in html
    assert '<a href="/reports/?country=KAZ">1</a>' in html


def test_region_filter_narrows_the_list_and_says_so(client):
    build()
    html = client.get("/countries/", {"region": "central asia"}).content.decode()
    assert "<h1>Countries — central asia</h1>" in html
    assert "2 countries" in html and ">France</a>" not in html
    assert 'href="/api/countries/?region=central+asia"' in html


def test_an_unknown_region_says_nothing_matches(client):
    build()
    html = client.get("/countries/", {"region": "Atlantis"}).content.decode()
    assert "No countries match these filters." in html


def test_the_menu_links_the_country_index(client):
    build()
    assert '<a href="/countries/">Countries</a>' in client.get("/").content.decode()


def test_countries_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    kaz = build()
    # countries; regions with counts; stored concern and claim counts; reports per country
    with django_assert_num_queries(4):
        assert client.get("/countries/").status_code == 200
    for _ in range(4):
        f.CountryFactory(region="Central Asia")
        f.ReportFactory(country=kaz)
    with django_assert_num_queries(4):
        assert client.get("/countries/").status_code == 200
