"""/api/: every endpoint with its address, and the docs page's overview."""

import pytest

from tracker.api import router

pytestmark = pytest.mark.django_db


def test_the_root_lists_every_endpoint_the_comparison_schema_and_docs(client):
    response = client.get("/api/")
    assert response.status_code == 200
    body = response.json()
    names = {prefix for prefix, _viewset, _basename in router.registry}
    assert names | {"compare", "schema", "docs"} == set(body)
    assert body["countries"] == "http://testserver/api/countries/"
    assert body["compare"] == "http://testserver/api/compare/"
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["schema"] == "http://testserver/api/schema/"


def test_every_list_the_root_names_answers(client):
    body = client.get("/api/").json()
    for name, url in body.items():
        if name in ("compare", "docs"):
            continue
        assert client.get(url).status_code == 200, name


def test_the_docs_open_with_paging_formats_errors_limits_and_authentication(client):
    description = client.get("/api/schema/?format=json").json()["info"]["description"]
    for words in (
        "**Paging.**",
        "**Formats.**",
        "`xlsx`",
        "**Errors**",
        "**Rate limits.**",
        "**Authentication.**",
        "`If-Match`",
        "`X-Change-Reason`",
        "ordering=",
    ):
        assert words in description
