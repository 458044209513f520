"""A report's page: the claims it bears on, the concerns, the assessments resting on it."""

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    report = f.ReportFactory(summary="Rallies dispersed, dozens detained.")
    for i in range(n):
        claim = f.ClaimFactory(country=report.country, summary=f"Assembly reform {i}.")
        f.StanceFactory(claim=claim, report=report, stance="contradicts")
        concern = f.ConcernFactory(country=report.country, summary=f"Assembly concern {i}.")
        report.concerns.add(concern)
        assessment = f.AssessmentFactory(claim=claim, verdict=m.Verification.CONTRADICTED)
        assessment.reports.add(report)
    return report


def test_shows_claims_concerns_and_assessments(client):
    report = build(1)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Rallies dispersed, dozens detained." in html
    assert "Assembly reform 0." in html and "contradicts" in html
    assert "Assembly concern 0." in html and "contradicted" in html


def test_draft_is_404_for_visitors(editor_client):
    report = f.ReportFactory(status="draft")
    assert Client().get(report.get_absolute_url()).status_code == 404
    assert editor_client.get(report.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_report_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    report = build(n)
    # report with country and source; themes, stances with claims, concerns, assessments
    with django_assert_num_queries(5):
        assert client.get(report.get_absolute_url()).status_code == 200
