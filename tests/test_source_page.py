"""A source's page: its details and the records that cite it."""

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db


def build(n: int):
    source = f.SourceFactory(
        title="Concluding observations on Kazakhstan",
        symbol="CCPR/C/KAZ/CO/2",
        url="https://example.org/doc",
    )
    for i in range(n):
        f.ConcernFactory(source=source, summary=f"Cited concern {i}.")
        f.ClaimFactory(source=source, summary=f"Cited claim {i}.")
        f.RatificationFactory(source=source, locator=f"row {i}")
    return source


def test_shows_details_and_citing_records(client):
    source = build(2)
    html = client.get(source.get_absolute_url()).content.decode()
    assert "CCPR/C/KAZ/CO/2" in html and "https://example.org/doc" in html
    assert "Cited concern 1." in html and "Cited claim 0." in html and "row 1" in html


def test_draft_citing_records_are_hidden_from_visitors(editor_client):
    source = build(0)
    f.ClaimFactory(source=source, summary="Draft citing claim.", status="draft")
    assert "Draft citing claim." not in Client().get(source.get_absolute_url()).content.decode()
    assert "Draft citing claim." in editor_client.get(source.get_absolute_url()).content.decode()


def test_draft_source_is_404_for_visitors(client):
    source = f.SourceFactory(status="draft")
    assert client.get(source.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_source_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    source = build(n)
    # source; citing records: ratifications, concerns, pledges, claims, reports, observations
    with django_assert_num_queries(7):
        assert client.get(source.get_absolute_url()).status_code == 200
