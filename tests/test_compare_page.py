"""The compare page: 2 to 5 countries, one column each, the same rows, all state in the URL."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    theme = f.ThemeFactory(slug="expression", name="Freedom of expression")
    other = f.ThemeFactory(slug="torture", name="Torture")
    iccpr = f.InstrumentFactory()
    theme.instruments.add(iccpr)
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    f.RatificationFactory(country=kgz, instrument=iccpr, action_date=dt.date(1994, 10, 7))
    for country in (kaz, kgz, uzb):
        for i in range(n):
            concern = f.ConcernFactory(
                country=country, themes=[theme], summary=f"{country.code} concern {i}."
            )
            f.AssessmentFactory(concern=concern, verdict=m.Implementation.REGRESSED)
            claim = f.ClaimFactory(country=country, themes=[theme])
            f.StanceFactory(claim=claim, report=f.ReportFactory(country=country, themes=[theme]))
        f.ConcernFactory(country=country, themes=[other], summary=f"{country.code} on torture.")
    return theme


def test_one_column_per_country_in_the_order_asked(client):
    build(1)
    html = client.get("/compare/", {"countries": "UZB,KAZ", "theme": "expression"}).content.decode()
    caption_end = html.index("</thead>")
    head = html[html.index('class="compare"') : caption_end]
    assert head.index("Uzbekistan") < head.index("Kazakhstan") and "Kyrgyzstan" not in head
    assert "UZB concern 0." in html and "KAZ concern 0." in html
    assert "regressed" in html and "contradicts" in html


def test_theme_limits_rows_to_that_theme(client):
    build(1)
    html = client.get("/compare/", {"countries": "KAZ,KGZ", "theme": "expression"}).content.decode()
    assert "KAZ concern 0." in html and "KAZ on torture." not in html
    assert "1994" in html  # Kyrgyzstan party to the theme's instrument


def test_without_parameters_compares_the_focus_countries_on_all_themes(client):
    build(1)
    html = client.get("/compare/").content.decode()
    assert "KAZ on torture." in html and "UZB concern 0." in html


def test_form_submission_redirects_to_the_bookmarkable_address(client):
    build(0)
    response = client.get("/compare/?countries=kaz&countries=&countries=KGZ&theme=expression")
    assert response.status_code == 302
    assert response["Location"] == "/compare/?countries=KAZ,KGZ&theme=expression"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"countries": "KAZ"}, "Choose between 2 and 5 countries."),
        ({"countries": "KAZ,QQQ"}, "Unknown country code: QQQ."),
        ({"countries": "KAZ,KGZ", "theme": "nope"}, "Unknown theme: nope."),
    ],
)
def test_bad_choices_are_a_400_with_a_message(client, params, message):
    build(0)
    response = client.get("/compare/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_more_than_five_countries_is_refused(client):
    build(0)
    for code in ("AAA", "BBB", "CCC"):
        f.CountryFactory(code=code, iso2=code[:2])
    response = client.get("/compare/", {"countries": "KAZ,KGZ,UZB,AAA,BBB,CCC"})
    assert response.status_code == 400


def test_selector_keeps_the_current_choice(client):
    build(0)
    html = client.get("/compare/", {"countries": "KGZ,UZB", "theme": "torture"}).content.decode()
    assert '<option value="KGZ" selected>' in html and '<option value="UZB" selected>' in html
    assert '<option value="torture" selected>' in html


def test_only_published_records_for_visitors(editor_client):
    theme = build(0)
    kaz = m.Country.objects.get(code="KAZ")
    f.ClaimFactory(country=kaz, themes=[theme], summary="Unpublished claim.", status="draft")
    url = "/compare/?countries=KAZ,KGZ&theme=expression"
    assert "Unpublished claim." not in Client().get(url).content.decode()
    assert "Unpublished claim." in editor_client.get(url).content.decode()


def test_links_its_json_twin_with_the_same_parameters(client):
    build(0)
    html = client.get("/compare/", {"countries": "KAZ,KGZ", "theme": "expression"}).content.decode()
    assert "/api/compare/?countries=KAZ,KGZ&amp;theme=expression" in html


@pytest.mark.parametrize("n", [1, 6])
def test_compare_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    build(n)
    # countries asked for, themes, all countries for the selector; compare(): instruments,
    # ratifications, snapshots, pledges, observations, concerns, claims, their stances, the
    # stored counts
    with django_assert_num_queries(12):
        response = client.get("/compare/", {"countries": "KAZ,KGZ,UZB", "theme": "expression"})
        assert response.status_code == 200


def test_a_busy_country_shows_its_newest_ten_and_counts_them_all(client):
    theme = build(0)
    kaz = m.Country.objects.get(code="KAZ")
    for year in range(2001, 2013):
        concern = f.ConcernFactory(
            country=kaz, themes=[theme], issued_on=dt.date(year, 1, 1), summary=f"From {year}."
        )
        f.AssessmentFactory(concern=concern, verdict=m.Implementation.REGRESSED)
        f.ClaimFactory(country=kaz, themes=[theme], stated_on=dt.date(year, 1, 1))
    response = client.get("/compare/", {"countries": "KAZ,KGZ", "theme": "expression"})
    html = response.content.decode()
    assert "From 2012." in html and "From 2003." in html and "From 2002." not in html
    assert "All 12 concerns" in html and "All 12 claims" in html
    assert "/concerns/?country=KAZ&amp;theme=expression" in html
    kaz_column = response.context["result"].columns[0]
    assert kaz_column.concerns_by_implementation == {"regressed": 12}
    assert kaz_column.claims_by_verification == {"unverified": 12}


def test_counts_follow_an_edit_at_once(client):
    theme = build(0)
    kaz = m.Country.objects.get(code="KAZ")
    for _ in range(11):
        f.ConcernFactory(country=kaz, themes=[theme])
    url = "/compare/?countries=KAZ,KGZ&theme=expression"
    assert "All 11 concerns" in client.get(url).content.decode()
    f.ConcernFactory(country=kaz, themes=[theme])
    assert "All 12 concerns" in client.get(url).content.decode()


def test_treaty_status_is_as_of_the_date_asked_a_year_meaning_its_end(client):
    build(0)
    params = {"countries": "KAZ,KGZ", "theme": "expression"}
    html = client.get("/compare/", {**params, "as_of": "1994"}).content.decode()
    table = html.split('id="compare-caption"')[1]
    assert "as of 31 December 1994" in table
    assert table.count('class="badge s-party"') == 1  # Kyrgyzstan, bound 7 October 1994
    html = client.get("/compare/", {**params, "as_of": "1994-09"}).content.decode()
    table = html.split('id="compare-caption"')[1]
    assert "as of 30 September 1994" in table and 'class="badge s-party"' not in table
    assert "/api/compare/?countries=KAZ,KGZ&amp;theme=expression&amp;as_of=1994-09-30" in html
    assert client.get("/compare/", {**params, "as_of": "1994-13"}).status_code == 400


def test_theme_and_instrument_names_link_to_their_pages(client):
    build(0)
    html = client.get("/compare/", {"countries": "KAZ,KGZ", "theme": "expression"}).content.decode()
    assert '<a href="/themes/expression/">Freedom of expression</a>' in html
    assert '<a href="/instruments/ICCPR/">' in html
