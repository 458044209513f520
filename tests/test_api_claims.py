"""/api/claims/: filters, verification status, the reports for and against each claim."""

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    speech = f.ThemeFactory(slug="expression")
    law = f.ClaimFactory(
        key="law", country=kaz, themes=[speech], summary="Libel was decriminalised in 2020."
    )
    body = f.ClaimFactory(
        key="body", country=kaz, kind=m.Claim.Kind.INSTITUTION, summary="An ombudsman exists."
    )
    other = f.ClaimFactory(key="other", country=kgz, themes=[speech])
    f.AssessmentFactory(claim=law, verdict=m.Verification.CONTESTED)
    f.StanceFactory(claim=law, report=f.ReportFactory(key="r-for", country=kaz), stance="supports")
    f.StanceFactory(claim=law, report=f.ReportFactory(key="r-against", country=kaz))
    return law, body, other


def keys(response):
    assert response.status_code == 200, response.content
    return sorted(r["key"] for r in response.json()["results"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["body", "law", "other"]),
        ("country=KGZ", ["other"]),
        ("theme=expression", ["law", "other"]),
        ("kind=institution", ["body"]),
        ("verification=contested", ["law"]),
        ("verification=unverified", ["body", "other"]),
        ("q=libel", ["law"]),
    ],
)
def test_each_filter_narrows_the_list(client, data, query, expected):
    assert keys(client.get(f"/api/claims/?{query}")) == expected


def test_combined_filters_and_together(client, data):
    assert keys(client.get("/api/claims/?country=KAZ&theme=expression")) == ["law"]
    assert keys(client.get("/api/claims/?country=KGZ&verification=contested")) == []


def test_claim_shows_its_verification_and_the_reports_for_and_against(client, data):
    law, _, _ = data
    row = client.get(f"/api/claims/{law.pk}/").json()
    assert row["verification"] == "contested"
    stances = {s["report"]["key"]: s["stance"] for s in row["stances"]}
    assert stances == {"r-for": "supports", "r-against": "contradicts"}
    report = row["stances"][0]["report"]
    assert report["url"].startswith("http://testserver/api/reports/")
    assert report["page_url"].startswith("http://testserver/reports/")


def test_draft_reports_are_left_out_of_the_stances_for_anonymous(client, editor, data):
    law, _, _ = data
    m.Report.objects.filter(key="r-against").update(status=m.Editorial.DRAFT)
    row = client.get(f"/api/claims/{law.pk}/").json()
    assert [s["report"]["key"] for s in row["stances"]] == ["r-for"]
    client.force_login(editor)
    assert len(client.get(f"/api/claims/{law.pk}/").json()["stances"]) == 2


def test_unknown_verification_is_a_400_listing_the_choices(client, data):
    response = client.get("/api/claims/?verification=true")
    assert response.status_code == 400
    assert "corroborated" in response.json()["errors"]["verification"][0]
