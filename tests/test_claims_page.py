"""The claims list: the API's ClaimFilter, facets with counts, pagination."""

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    theme = f.ThemeFactory(slug="expression", name="Freedom of expression")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    for i in range(n):
        claim = f.ClaimFactory(country=kaz, themes=[theme], summary=f"Contested {i}.")
        f.AssessmentFactory(claim=claim, verdict=m.Verification.CONTESTED)
        f.ClaimFactory(country=kaz, kind=m.Claim.Kind.POLICY, summary=f"Unverified {i}.")
    return kaz


def test_verification_filter_and_facet(client):
    build(2)
    html = client.get("/claims/", {"verification": "contested"}).content.decode()
    assert "2 records" in html and "Contested 0." in html and "Unverified 0." not in html
    facet = html[html.index('id="facet-verification"') :]
    assert "contested" in facet


def test_kind_facet_counts_all_kinds(client):
    build(3)
    html = client.get("/claims/").content.decode()
    facet = html[html.index('id="facet-kind"') :]
    assert "law" in facet and "policy" in facet and '<span class="n">3</span>' in facet


def test_unknown_verification_is_a_400(client):
    build(0)
    assert client.get("/claims/", {"verification": "true"}).status_code == 400


def test_drafts_only_for_editors(editor_client):
    kaz = build(0)
    f.ClaimFactory(country=kaz, summary="Draft claim.", status="draft")
    assert "Draft claim." not in Client().get("/claims/").content.decode()
    assert "Draft claim." in editor_client.get("/claims/").content.decode()


@pytest.mark.parametrize("n", [1, 15])
def test_claims_list_runs_a_fixed_number_of_queries(
    client, n, django_assert_num_queries, savepoints
):
    build(n)
    # count (stored), page, themes of the page; facets: country, verification, theme (stored),
    # kind; the filter form's named choices: countries, themes. The kind count runs under a time
    # limit (a savepoint on PostgreSQL).
    with django_assert_num_queries(9 + savepoints(1)):
        assert client.get("/claims/").status_code == 200
