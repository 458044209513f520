"""A concern's page: source, locator, themes, links both ways, assessments over time."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    theme = f.ThemeFactory(slug="torture", name="Torture")
    concern = f.ConcernFactory(
        summary="Torture in detention persists.",
        themes=[theme],
        locator="para. 14",
        recommendation="Investigate every complaint.",
    )
    earlier = f.ConcernFactory(country=concern.country, summary="Raised in the first cycle.")
    concern.previous.add(earlier)
    for i in range(n):
        f.AssessmentFactory(
            concern=concern,
            verdict=m.Implementation.NOT_IMPLEMENTED,
            assessed_on=dt.date(2018 + i, 1, 1),
            rationale=f"Assessment {i}.",
        )
        claim = f.ClaimFactory(country=concern.country, summary=f"Answering claim {i}.")
        claim.concerns.add(concern)
        report = f.ReportFactory(country=concern.country, summary=f"Bearing report {i}.")
        report.concerns.add(concern)
    return concern


def test_shows_source_locator_themes_and_assessments_newest_first(client):
    concern = build(2)
    html = client.get(concern.get_absolute_url()).content.decode()
    assert "Torture in detention persists." in html and "Investigate every complaint." in html
    assert concern.source.title in html and "para. 14" in html and "Torture" in html
    assert html.index("Assessment 1.") < html.index("Assessment 0.")
    assert "Added" in html  # no person has edited it (tests/test_citations.py: "Last edited")


def test_links_both_ways(client):
    concern = build(1)
    html = client.get(concern.get_absolute_url()).content.decode()
    assert "Answering claim 0." in html and "Bearing report 0." in html
    assert "Raised in the first cycle." in html
    earlier = m.Concern.objects.get(summary="Raised in the first cycle.")
    assert (
        "Torture in detention persists." in client.get(earlier.get_absolute_url()).content.decode()
    )


def test_draft_is_404_for_visitors_and_badged_for_editors(editor_client):
    concern = f.ConcernFactory(status="draft")
    assert Client().get(concern.get_absolute_url()).status_code == 404
    html = editor_client.get(concern.get_absolute_url()).content.decode()
    assert 'class="badge draft"' in html


def test_unknown_concern_is_404(client):
    assert client.get("/concerns/999999/").status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_concern_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    concern = build(n)
    # concern with body, review, source; themes, assessments, their reports, claims, reports,
    # pledges, earlier and later cycles
    with django_assert_num_queries(9):
        assert client.get(concern.get_absolute_url()).status_code == 200
