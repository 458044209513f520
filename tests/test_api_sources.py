"""/api/sources/: kind, year and full-text filters; drafts only for editors."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    f.SourceFactory(
        key="co", kind="un_document", title="Concluding observations", symbol="CCPR/C/KAZ/CO/2"
    )
    f.SourceFactory(key="hrw", title="World Report", published_on=dt.date(2023, 1, 1))
    f.SourceFactory(key="draft", title="Unchecked blog post", status=m.Editorial.DRAFT)


def keys(client, query=""):
    """The keys of the sources listed. The API does not show source keys (they name how the
    curated data was put together), so they are looked up by id."""
    response = client.get(f"/api/sources/?{query}")
    assert response.status_code == 200, response.content
    ids = [r["id"] for r in response.json()["results"]]
    return sorted(m.Source.objects.filter(pk__in=ids).values_list("key", flat=True))


def test_each_filter_narrows_the_list(client, data):
    assert keys(client) == ["co", "hrw"]
    assert keys(client, "kind=un_document") == ["co"]
    assert keys(client, "year=2023") == ["hrw"]
    assert keys(client, "q=ccpr/c/kaz") == ["co"]
    assert keys(client, "kind=ngo&year=2021") == []


def test_editors_see_draft_sources(client, editor, data):
    client.force_login(editor)
    assert keys(client, "q=blog") == ["draft"]


def test_source_links_to_its_page_and_document(client, data):
    (row,) = client.get("/api/sources/?kind=un_document").json()["results"]
    assert row["page_url"] == f"http://testserver/sources/{row['id']}/"
    assert row["url"] == f"http://testserver/api/sources/{row['id']}/"


def test_unknown_kind_is_a_400(client, data):
    response = client.get("/api/sources/?kind=blog")
    assert response.status_code == 400
    assert "blog" in response.json()["detail"]
