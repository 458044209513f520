"""A claim's page: reports for and against, concerns answered, verification over time."""

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    claim = f.ClaimFactory(summary="Libel was decriminalised.", legal_reference="CC art. 130")
    concern = f.ConcernFactory(country=claim.country, summary="Criminal libel chills speech.")
    claim.concerns.add(concern)
    f.AssessmentFactory(claim=claim, verdict=m.Verification.CONTESTED, rationale="Reports differ.")
    for i in range(n):
        f.StanceFactory(
            claim=claim,
            stance="supports",
            report=f.ReportFactory(country=claim.country, summary=f"For {i}."),
        )
        f.StanceFactory(
            claim=claim,
            stance="contradicts",
            report=f.ReportFactory(country=claim.country, summary=f"Against {i}."),
        )
    return claim


def test_shows_reports_for_and_against_and_the_concern_it_answers(client):
    claim = build(1)
    html = client.get(claim.get_absolute_url()).content.decode()
    assert "Libel was decriminalised." in html and "CC art. 130" in html
    assert "For 0." in html and "Against 0." in html and "supports" in html
    assert "Criminal libel chills speech." in html and "contested" in html


def test_draft_reports_are_left_out_for_visitors(editor_client):
    claim = build(0)
    f.StanceFactory(claim=claim, report=f.ReportFactory(summary="Draft report.", status="draft"))
    assert "Draft report." not in Client().get(claim.get_absolute_url()).content.decode()
    assert "Draft report." in editor_client.get(claim.get_absolute_url()).content.decode()


def test_unknown_claim_is_404(client):
    assert client.get("/claims/999999/").status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_claim_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    claim = build(n)
    # claim with country and source; themes, assessments, their reports, concerns, stances
    with django_assert_num_queries(6):
        assert client.get(claim.get_absolute_url()).status_code == 200


def test_the_claim_and_report_pages_explain_their_badges(client):
    claim = f.ClaimFactory()
    report = f.ReportFactory(country=claim.country)
    f.StanceFactory(claim=claim, report=report)
    for url in (claim.get_absolute_url(), report.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "Key (how a report bears on a claim):" in html
        assert "Key (implementation, as the editors last assessed it):" in html
    assert (
        "Key (verification of the claim by independent reports):"
        in client.get(claim.get_absolute_url()).content.decode()
    )
