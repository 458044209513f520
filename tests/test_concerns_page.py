"""The concerns list: the API's ConcernFilter, facets with counts, pagination."""

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

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
    html = client.get("/concerns/", headers={"accept-language": "ru"}).content.decode()
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
def test_concerns_list_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    build(n)
    # country filter validation; count, page, themes of the page; facets: country,
    # implementation, theme, body, kind
    with django_assert_num_queries(9):
        assert client.get("/concerns/", {"country": "KAZ,KGZ"}).status_code == 200


def test_filter_form_has_readable_labels_with_search_first(client):
    build(0)
    html = client.get("/concerns/").content.decode()
    form = html[html.index('class="filter-form"') :]
    assert "is in" not in form and "[invalid name]" not in form
    assert form.index("Words in the text") < form.index("Countries")
