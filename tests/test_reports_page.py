"""The reports list: the API's ReportFilter, facets with counts, pagination."""

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def build(n: int):
    theme = f.ThemeFactory(slug="assembly", name="Peaceful assembly")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    claim = f.ClaimFactory(country=kaz)
    for i in range(n):
        f.StanceFactory(
            claim=claim,
            report=f.ReportFactory(country=kaz, themes=[theme], summary=f"Detentions {i}."),
        )
        f.ReportFactory(country=uzb, summary=f"Uzbek report {i}.")
    return claim


def test_stance_on_a_claim_filters_reports(client):
    claim = build(2)
    html = client.get("/reports/", {"claim": claim.pk, "stance": "contradicts"}).content.decode()
    assert "2 records" in html and "Detentions 1." in html and "Uzbek report" not in html


def test_country_facet_counts(client):
    build(3)
    html = client.get("/reports/").content.decode()
    facet = html[html.index('id="facet-country"') :]
    assert "Uzbekistan" in facet and '<span class="n">3</span>' in facet


def test_bad_claim_id_is_a_400(client):
    build(0)
    assert client.get("/reports/", {"claim": "abc"}).status_code == 400


def test_drafts_only_for_editors(editor_client):
    build(0)
    f.ReportFactory(country_id="KAZ", summary="Draft report.", status="draft")
    assert "Draft report." not in Client().get("/reports/").content.decode()
    assert "Draft report." in editor_client.get("/reports/").content.decode()


@pytest.mark.parametrize("n", [1, 15])
def test_reports_list_runs_a_fixed_number_of_queries(
    client, n, django_assert_num_queries, savepoints
):
    build(n)
    # count, page, themes of the page; facets: country, theme; the filter form's named
    # choices: countries, themes. Both counts run under a time limit (a savepoint each on
    # PostgreSQL).
    with django_assert_num_queries(7 + savepoints(2)):
        assert client.get("/reports/").status_code == 200
