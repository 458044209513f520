"""The sources list: the API's SourceFilter, facets by kind and year, pagination."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    for i in range(n):
        f.SourceFactory(title=f"NGO report {i}")
        f.SourceFactory(
            title=f"Concluding observations {i}",
            kind=m.Source.Kind.UN_DOCUMENT,
            published_on=dt.date(2016, 8, 1),
            published_on_precision="month",
        )


def test_kind_and_year_filters(client):
    build(2)
    html = client.get("/sources/", {"kind": "un_document", "year": 2016}).content.decode()
    assert "2 records" in html and "Concluding observations 1" in html and "NGO report" not in html


def test_facets_by_kind_and_year(client):
    build(3)
    html = client.get("/sources/").content.decode()
    kinds = html[html.index('id="facet-kind"') :]
    assert "UN document" in kinds and "?kind=un_document" in kinds
    years = html[html.index('id="facet-year"') :]
    assert "2016" in years and "?year=2016" in years and '<span class="n">3</span>' in years


def test_bad_year_is_a_400(client):
    build(0)
    assert client.get("/sources/", {"year": "99999"}).status_code == 400


def test_drafts_only_for_editors(editor_client):
    f.SourceFactory(title="Unchecked source", status="draft")
    assert "Unchecked source" not in Client().get("/sources/").content.decode()
    assert "Unchecked source" in editor_client.get("/sources/").content.decode()


@pytest.mark.parametrize("n", [1, 15])
def test_sources_list_runs_a_fixed_number_of_queries(
    client, n, django_assert_num_queries, savepoints
):
    build(n)
    # count, page; facets: kind, year. Both counts run under a time limit (a savepoint each on
    # PostgreSQL).
    with django_assert_num_queries(4 + savepoints(2)):
        assert client.get("/sources/").status_code == 200
