"""The concerns list: the API's ConcernFilter, facets with counts, pagination."""

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m
from tracker import selectors

pytestmark = pytest.mark.django_db


def build(n: int):
    """n concerns per country: Kazakhstan's on torture and implemented, Kyrgyzstan's on nothing."""
    torture = f.ThemeFactory(slug="torture", name="Torture", name_ru="Пытки")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    for i in range(n):
        concern = f.ConcernFactory(country=kaz, body=cat, themes=[torture], summary=f"KAZ {i}.")
        f.AssessmentFactory(concern=concern, verdict=m.Implementation.IMPLEMENTED)
        f.ConcernFactory(country=kgz, summary=f"KGZ {i}.")
    return kaz, kgz


def facet(html: str, param: str) -> str:
    start = html.index(f'id="facet-{param}"')
    return html[start : html.index("</section>", start)]


def test_filters_are_the_apis(client):
    build(2)
    html = client.get("/concerns/", {"country": "kaz", "implementation": "implemented"}).content
    html = html.decode()
    assert "2 records" in html and "KAZ 1." in html and "KGZ 0." not in html


def test_facets_count_the_filtered_rows_and_link_to_filters(client):
    build(3)
    html = client.get("/concerns/").content.decode()
    countries = facet(html, "country")
    assert "Kazakhstan" in countries and '<span class="n">3</span>' in countries
    assert "?country=KAZ" in countries
    implementation = facet(html, "implementation")
    assert "no information" in implementation and "implemented" in implementation
    html = client.get("/concerns/", {"theme": "torture"}).content.decode()
    assert "Kyrgyzstan" not in facet(html, "country")
    # The active filter's entry removes it.
    assert 'aria-current="true"' in facet(html, "theme")


def test_theme_names_follow_the_language(client):
    build(1)
    html = client.get("/ru/concerns/").content.decode()
    assert "Пытки" in facet(html, "theme")


def test_pagination_and_a_page_out_of_range(client):
    build(20)  # 40 concerns, 25 a page
    html = client.get("/concerns/").content.decode()
    assert "Page 1 of 2" in html and "?page=2" in html
    assert "Page 2 of 2" in client.get("/concerns/", {"page": 2}).content.decode()
    assert client.get("/concerns/", {"page": 9}).status_code == 404


def test_unknown_filter_value_is_a_400_with_the_apis_message(client):
    build(1)
    response = client.get("/concerns/", {"country": "QQQ"})
    assert response.status_code == 400
    assert "QQQ" in response.content.decode()


def test_drafts_only_for_editors(editor_client):
    kaz, _ = build(0)
    f.ConcernFactory(country=kaz, summary="Draft one.", status="draft")
    assert "Draft one." not in Client().get("/concerns/").content.decode()
    assert "Draft one." in editor_client.get("/concerns/").content.decode()


def test_links_its_json_twin_with_the_same_parameters(client):
    build(0)
    html = client.get("/concerns/", {"country": "KAZ", "theme": "torture"}).content.decode()
    assert "/api/concerns/?country=KAZ&amp;theme=torture" in html


@pytest.mark.parametrize("n", [1, 15])
def test_concerns_list_runs_a_fixed_number_of_queries(
    client, n, django_assert_num_queries, savepoints
):
    build(n)
    # country filter validation; count (stored), page, themes of the page; facets: country,
    # implementation, theme (stored), body, kind; the filter form's named choices: countries,
    # bodies, themes, affected persons, SDG targets. The body and kind counts run under a time
    # limit (a savepoint each on PostgreSQL).
    with django_assert_num_queries(14 + savepoints(2)):
        assert client.get("/concerns/", {"country": "KAZ,KGZ"}).status_code == 200


def test_filter_form_has_readable_labels_with_search_first(client):
    build(0)
    html = client.get("/concerns/").content.decode()
    form = html[html.index('class="filter-form"') :]
    assert "is in" not in form and "[invalid name]" not in form
    assert form.index("Words in the text") < form.index("Countries")


def test_filters_by_body_kind_affected_persons_and_sdg_target(client):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    expert = f.BodyFactory(code="SR-FOOD", kind=m.Body.Kind.SPECIAL_PROCEDURE)
    children = m.AffectedPerson.objects.create(slug="children", name="Children")
    target = m.SdgTarget.objects.create(code="2.1", name="End hunger")
    fed = f.ConcernFactory(country=kaz, body=expert, summary="School meals for every child.")
    fed.affected_persons.set([children])
    fed.sdg_targets.set([target])
    f.ConcernFactory(country=kaz, summary="Another matter.")
    for query in ["body_kind=special_procedure", "affected=children", "sdg=2.1"]:
        html = client.get(f"/concerns/?{query}").content.decode()
        assert "1 record" in html and "School meals" in html and "Another matter" not in html
    form = client.get("/concerns/").content.decode()
    for label in ["Kind of body", "Affected persons", "SDG targets"]:
        assert label in form


def test_heading_says_what_is_filtered(client):
    build(1)
    html = client.get("/concerns/", {"country": "kaz", "theme": "torture"}).content.decode()
    assert "<h1>Concerns and recommendations — Kazakhstan, Torture</h1>" in html
    html = client.get("/concerns/", {"q": "KAZ", "year": "2016"}).content.decode()
    assert "<h1>Concerns and recommendations — 2016, “KAZ”</h1>" in html
    html = client.get("/concerns/", {"country": "KGZ", "kind": "positive_aspect"}).content
    assert "<h1>Concerns and recommendations — Kyrgyzstan, positive aspect</h1>" in html.decode()
    assert "<h1>Concerns and recommendations</h1>" in client.get("/concerns/").content.decode()


def test_an_empty_result_says_so_with_a_link_to_clear_the_filters(client):
    build(1)
    html = client.get("/concerns/", {"country": "KGZ", "theme": "torture"}).content.decode()
    assert "<h1>Concerns and recommendations — Kyrgyzstan, Torture</h1>" in html
    assert 'No concerns match these filters. <a href="?">Clear the filters</a>' in html


def test_an_empty_tracker_says_it_holds_no_concerns_yet(client):
    assert "The tracker holds no concerns yet." in client.get("/concerns/").content.decode()


def test_a_positive_aspect_carries_no_implementation_badge(client):
    kaz, _kgz = build(0)
    f.ConcernFactory(country=kaz, kind="positive_aspect", summary="Welcomes the new law.")
    html = client.get("/concerns/").content.decode()
    row = html.split('<ol class="records result-list"')[1].split("</ol>")[0]
    assert "Welcomes the new law." in row and 'class="badge' not in row


def test_the_matching_feed_is_in_the_head_and_in_view(client):
    build(1)
    html = client.get("/concerns/", {"country": "KAZ"}).content.decode()
    head = html.split("</head>")[0]
    assert 'type="application/atom+xml" href="/feeds/concerns/KAZ/"' in head
    assert 'href="/feeds/concerns/KAZ/" type="application/atom+xml">Subscribe' in html
    html = client.get("/concerns/", {"theme": "torture"}).content.decode()
    assert 'href="/feeds/concerns/theme/torture/"' in html.split("</head>")[0]
    assert 'href="/feeds/concerns/"' in client.get("/concerns/").content.decode()


def test_a_facet_shows_its_most_frequent_values_and_any_chosen(client):
    # 15 countries with 15 down to 1 concerns: the 12 busiest show, then "and 3 more"; a chosen
    # country among the others shows too.
    countries = [f.CountryFactory() for _ in range(15)]
    for i, country in enumerate(countries):
        for _ in range(15 - i):
            f.ConcernFactory(country=country)
    html = client.get("/concerns/").content.decode()
    listed = facet(html, "country")
    assert listed.count("<li>") == 12 and "and 3 more, in the filter form below" in listed
    assert countries[11].name in listed and countries[12].name not in listed
    chosen = facet(
        client.get("/concerns/", {"country": countries[14].code}).content.decode(), "country"
    )
    assert chosen.count("<li>") == 13 and countries[14].name in chosen and "and 2 more" in chosen


def test_large_counts_are_written_with_thousands_separators(client, monkeypatch):
    build(1)
    monkeypatch.setattr(selectors, "list_total", lambda *args, **kwargs: 250183)
    assert "250,183 records" in client.get("/concerns/").content.decode()
    russian = client.get("/ru/concerns/").content.decode()
    assert "250\xa0183 записи" in russian or "250 183 записи" in russian
