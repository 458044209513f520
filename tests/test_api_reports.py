"""/api/reports/: filters, including the stance a report takes on a given claim."""

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    speech = f.ThemeFactory(slug="expression")
    claim_a = f.ClaimFactory(country=kaz)
    claim_b = f.ClaimFactory(country=kaz)
    one = f.ReportFactory(key="one", country=kaz, themes=[speech], summary="Journalists jailed.")
    two = f.ReportFactory(key="two", country=kaz, summary="A blogger was fined.")
    three = f.ReportFactory(key="three", country=kgz, themes=[speech])
    # one supports A and contradicts B; two contradicts A
    f.StanceFactory(report=one, claim=claim_a, stance=m.Stance.Kind.SUPPORTS)
    f.StanceFactory(report=one, claim=claim_b, stance=m.Stance.Kind.CONTRADICTS)
    f.StanceFactory(report=two, claim=claim_a, stance=m.Stance.Kind.CONTRADICTS)
    concern = f.ConcernFactory(country=kgz)
    three.concerns.add(concern)
    return claim_a, claim_b, concern


def keys(client, query):
    response = client.get(f"/api/reports/?{query}")
    assert response.status_code == 200, response.content
    return sorted(r["key"] for r in response.json()["results"])


def test_each_filter_narrows_the_list(client, data):
    claim_a, claim_b, concern = data
    assert keys(client, "") == ["one", "three", "two"]
    assert keys(client, "country=KGZ") == ["three"]
    assert keys(client, "theme=expression") == ["one", "three"]
    assert keys(client, "q=blogger") == ["two"]
    assert keys(client, f"claim={claim_a.pk}") == ["one", "two"]
    assert keys(client, "stance=contradicts") == ["one", "two"]
    assert keys(client, f"concern={concern.pk}") == ["three"]


def test_claim_and_stance_match_the_same_stance(client, data):
    claim_a, claim_b, _ = data
    # "one" contradicts B but supports A: it must not count as contradicting A.
    assert keys(client, f"claim={claim_a.pk}&stance=contradicts") == ["two"]
    assert keys(client, f"claim={claim_b.pk}&stance=contradicts") == ["one"]


def test_combined_filters_and_together(client, data):
    assert keys(client, "country=KAZ&theme=expression") == ["one"]


def test_report_lists_its_stances_on_claims(client, data):
    claim_a, claim_b, _ = data
    (row,) = client.get("/api/reports/?q=jailed").json()["results"]
    assert {(s["claim"], s["stance"]) for s in row["stances"]} == {
        (claim_a.pk, "supports"),
        (claim_b.pk, "contradicts"),
    }


def test_claim_ids_must_be_numbers_and_exist(client, data):
    response = client.get("/api/reports/?claim=abc")
    assert response.status_code == 400
    assert response.json()["errors"]["claim"] == ["Not a whole number: abc."]
    response = client.get("/api/reports/?claim=999999")
    assert response.status_code == 400
    assert "999999" in response.json()["detail"]
