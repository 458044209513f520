"""The search page (``/search/?q=``) and its JSON twin: one box over every kind of record, the
results grouped by kind, under the same rules as the lists' ``q`` (``tracker.search``)."""

import re

import pytest
from django.db import connection

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan", name_ru="Кыргызстан")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    ccpr = f.BodyFactory(code="CCPR", name="Human Rights Committee")
    minorities = f.ThemeFactory(slug="ethnic-minorities", name="Ethnic minorities")
    torture = f.ThemeFactory(slug="torture", name="Torture", name_ru="Пытки")
    review = f.ReviewFactory(body=ccpr, country=kgz, symbol="CCPR/C/KGZ/CO/2")
    f.ReviewFactory(body=ccpr, country=kgz, symbol="CCPR/C/KGZ/CO/3")
    osh = f.ConcernFactory(
        key="osh",
        country=kgz,
        body=ccpr,
        review=review,
        themes=[minorities],
        summary="Uzbek-language media in Osh were closed after the June 2010 events.",
    )
    victims = f.ConcernFactory(
        key="victims",
        country=kgz,
        body=ccpr,
        summary="Violations during the ethnic violence were not fully investigated.",
        affected_groups="victims of the violence in southern Kyrgyzstan",
    )
    f.ConcernFactory(key="draft-osh", country=kgz, body=ccpr, summary="Osh draft.", status="draft")
    claim = f.ClaimFactory(country=kaz, summary="Torture is now a crime under the new code.")
    f.ClaimFactory(country=kaz, summary="Osh claim in draft.", status="draft")
    report = f.ReportFactory(country=kgz, summary="Observers in Osh documented detentions.")
    source = f.SourceFactory(
        title="Concluding observations on Kyrgyzstan", symbol="CCPR/C/KGZ/CO/2"
    )
    return locals()


def group(html: str, kind: str) -> str:
    start = html.index(f'id="results-{kind}"')
    return html[start : html.index("</section>", start)]


def test_the_query_shows_in_the_heading_and_results_are_grouped_by_kind(client, data):
    response = client.get("/search/", {"q": "Osh"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1>[^<]*“Osh”", html)
    assert data["osh"].get_absolute_url() in group(html, "concerns")
    assert data["report"].get_absolute_url() in group(html, "reports")
    assert 'id="results-claims"' not in html  # a kind with nothing found is left out


def test_a_document_symbol_finds_its_review_first(client, data):
    html = client.get("/search/", {"q": "CCPR/C/KGZ/CO/2"}).content.decode()
    reviews = group(html, "reviews")
    assert reviews.index("CCPR/C/KGZ/CO/2") < reviews.index("CCPR/C/KGZ/CO/3")
    # A review leads to its concerns.
    assert f"/concerns/?review={data['review'].pk}" in reviews
    assert data["source"].get_absolute_url() in group(html, "sources")
    # The concerns of the review are found by its symbol too, as on the concerns list.
    assert data["osh"].get_absolute_url() in group(html, "concerns")


def test_theme_names_and_affected_groups_are_searched_as_the_lists_search_them(client, data):
    html = client.get("/search/", {"q": "ethnic minorities"}).content.decode()
    assert "/themes/ethnic-minorities/" in group(html, "themes")
    assert data["osh"].get_absolute_url() in group(html, "concerns")
    listed = client.get("/concerns/", {"q": "ethnic minorities"}).content.decode()
    assert data["osh"].get_absolute_url() in listed
    assert data["victims"].get_absolute_url() not in listed  # "ethnic" alone is not enough
    listed = client.get("/concerns/", {"q": "southern"}).content.decode()
    assert data["victims"].get_absolute_url() in listed
    api = client.get("/api/concerns/", {"q": "southern"}).json()
    assert [r["key"] for r in api["results"]] == ["victims"]


def test_countries_and_themes_are_found_by_their_russian_names(client, data):
    html = client.get("/search/", {"q": "Пытки"}).content.decode()
    assert "/themes/torture/" in group(html, "themes")
    html = client.get("/search/", {"q": "кыргыз"}).content.decode()
    assert "/countries/KGZ/" in group(html, "countries")


def test_each_kind_links_to_all_its_matches_in_its_list(client, data):
    for n in range(7):
        f.ReportFactory(country=data["kgz"], summary=f"Detentions in Osh, case {n}.")
    html = client.get("/search/", {"q": "osh"}).content.decode()
    reports = group(html, "reports")
    assert reports.count("<li>") == 5  # a few per kind
    assert "/reports/?q=osh" in reports and "8" in re.search(
        r'href="/reports/\?q=osh">([^<]*)', reports
    ).group(1)


def test_anonymous_readers_see_published_records_only(client, editor, data):
    html = client.get("/search/", {"q": "osh"}).content.decode()
    assert "Osh draft." not in html and "Osh claim in draft." not in html
    client.force_login(editor)
    html = client.get("/search/", {"q": "osh"}).content.decode()
    assert "Osh draft." in html and "Osh claim in draft." in html


def test_a_published_concern_of_a_draft_review_is_not_found_by_its_symbol(client, data):
    data["review"].status = m.Editorial.DRAFT
    data["review"].save()
    html = client.get("/search/", {"q": "CCPR/C/KGZ/CO/2"}).content.decode()
    assert "CCPR/C/KGZ/CO/2</a>" not in html
    assert data["osh"].get_absolute_url() not in html


@pytest.mark.parametrize("q", ["a b c", " ".join(f"word{n}" for n in range(9))])
def test_a_search_that_cannot_run_is_a_400_with_the_reason(client, data, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and ("two letters" in html or "at most 8 words" in html)
    twin = client.get("/api/search/", {"q": q})
    assert twin.status_code == 400 and twin.json()["errors"]["q"]


def test_an_empty_search_shows_the_box_and_no_results(client, data):
    response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html and 'id="results-' not in html


def test_a_search_past_the_time_limit_is_a_400(client, data, settings):
    settings.SEARCH_TIME_LIMIT = 0
    response = client.get("/search/", {"q": "osh"})
    assert response.status_code == 400
    assert "longer than" in response.content.decode()
    assert client.get("/api/search/", {"q": "osh"}).status_code == 400


def test_the_search_page_runs_one_query_per_kind(client, data, django_assert_num_queries):
    # concerns, claims, reports, sources, reviews, themes, countries: each its first rows
    # with the number of all its matches (on PostgreSQL inside a transaction, as in a test, the
    # time limit's savepoint around them: SAVEPOINT, RELEASE)
    queries = 7 + (2 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(queries):
        assert client.get("/search/", {"q": "osh"}).status_code == 200
    for n in range(10):
        f.ConcernFactory(country=data["kgz"], summary=f"More about Osh, {n}.")
    with django_assert_num_queries(queries):
        assert client.get("/search/", {"q": "osh"}).status_code == 200
    with django_assert_num_queries(0):  # nothing to search, nothing read
        assert client.get("/search/").status_code == 200


def test_the_json_twin_has_the_same_groups(client, data):
    html = client.get("/search/", {"q": "osh"}).content.decode()
    twin = re.search(r'rel="alternate" type="application/json" href="([^"]+)"', html).group(1)
    assert twin == "/api/search/?q=osh"
    body = client.get(twin).json()
    assert body["q"] == "osh"
    assert body["results"]["concerns"]["count"] == 1
    assert body["results"]["concerns"]["results"][0]["page_url"].endswith(
        data["osh"].get_absolute_url()
    )
    assert body["results"]["concerns"]["list_url"].endswith("/concerns/?q=osh")
    assert body["results"]["claims"]["count"] == 0


def test_the_json_twin_refuses_unknown_parameters(client, data):
    response = client.get("/api/search/", {"q": "osh", "qq": "x"})
    assert response.status_code == 400 and "qq" in response.json()["errors"]


def test_the_search_page_is_rate_limited_like_the_lists(client, data, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "pages_anon": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    statuses = [client.get("/search/", {"q": "osh"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_every_page_has_the_search_box_in_its_header(client, data):
    for page in ("/", "/concerns/", "/countries/KGZ/"):
        html = client.get(page).content.decode()
        header = html[html.index('<header class="site">') : html.index("</header>")]
        assert 'role="search"' in header and 'action="/search/"' in header
        assert re.search(r'<label for="site-q"[^>]*>', header)


def test_the_page_works_in_russian(client, data):
    html = client.get("/ru/search/", {"q": "osh"}).content
    assert "Поиск" in html.decode()
