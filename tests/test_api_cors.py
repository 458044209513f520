"""Read-only CORS on /api/: any origin may read published data from a browser, never with
credentials, and never a write."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "https://notebooks.example.org"}


@pytest.fixture
def kaz():
    return f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")


def test_an_anonymous_read_is_readable_from_any_origin(client, kaz):
    response = client.get("/api/countries/", **ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "X-Total-Count" in response["Access-Control-Expose-Headers"]


def test_a_cached_answer_carries_the_header_too(client, kaz):
    client.get("/api/countries/KAZ/")
    response = client.get("/api/countries/KAZ/", **ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_reads_only_and_no_credential_header(client, kaz):
    response = client.options("/api/concerns/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", **ORIGIN)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "authorization" not in response["Access-Control-Allow-Headers"].lower()
    refused = client.options("/api/concerns/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **ORIGIN)
    assert "Access-Control-Allow-Origin" not in refused


def test_a_request_with_a_session_gets_no_cors_header(client, editor, kaz):
    client.force_login(editor)
    response = client.get("/api/countries/", **ORIGIN)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_request_with_a_token_gets_no_cors_header(client, kaz):
    response = client.get("/api/countries/", HTTP_AUTHORIZATION="Token abc", **ORIGIN)
    assert "Access-Control-Allow-Origin" not in response


def test_writes_and_pages_outside_the_api_get_no_cors_header(client, kaz):
    write = client.post("/api/countries/", {"code": "UZB"}, **ORIGIN)
    assert write.status_code == 403
    assert "Access-Control-Allow-Origin" not in write
    page = client.get("/countries/KAZ/", **ORIGIN)
    assert "Access-Control-Allow-Origin" not in page
