"""A database outage answers 503 with Retry-After (a page, or JSON under /api/), never a 500 with
a trace, and the app recovers by itself once the database is back."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from tests.factories import CountryFactory

OUTAGES = [
    OperationalError("server closed the connection unexpectedly"),
    InterfaceError("connection already closed"),
]


def database_down(exc: Exception):
    """Every SQL statement Django sends fails the way a lost connection does."""
    return mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=exc)


@pytest.fixture
def country(db):
    return CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")


@pytest.mark.parametrize("exc", OUTAGES, ids=type)
def test_page_answers_503_page_when_database_is_down(client, country, exc, caplog):
    with database_down(exc) as execute:
        response = client.get("/countries/KAZ/")
    assert response.status_code == 503
    # One failed query, then no more: the 503 page itself needs no database.
    assert execute.call_count == 1
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Temporarily unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body
    # Outage pages keep the security headers.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    # The operator still sees what happened.
    assert "Database unavailable during GET /countries/KAZ/" in caplog.text


@pytest.mark.parametrize("exc", OUTAGES, ids=type)
def test_api_answers_503_json_when_database_is_down(client, country, exc):
    with database_down(exc) as execute:
        response = client.get("/api/countries/")
    assert response.status_code == 503
    assert execute.call_count == 1
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The database is unavailable for a moment. Please try again shortly."
    }


def test_api_write_answers_503_when_database_is_down(editor_client, country):
    with database_down(OperationalError("could not connect to server")):
        response = editor_client.post(
            "/api/themes/", {"slug": "torture", "name": "Torture"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("url", "content_type"), [("/", "text/html"), ("/api/", "application/json")]
)
def test_outage_inside_middleware_also_answers_503(db, url, content_type):
    # Raised before any view runs, so only the project's handler500 can turn it into a 503.
    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.contrib.sessions.middleware.SessionMiddleware.process_request",
        side_effect=OperationalError("database is locked"),
    ):
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.parametrize(
    ("url", "content_type"), [("/", "text/html"), ("/api/", "application/json")]
)
def test_other_errors_stay_500_without_a_trace(db, url, content_type):
    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.contrib.sessions.middleware.SessionMiddleware.process_request",
        side_effect=ValueError("a bug"),
    ):
        response = client.get(url)
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response["Content-Type"].startswith(content_type)
    assert b"a bug" not in response.content and b"Traceback" not in response.content


def test_app_recovers_when_database_comes_back(client, country):
    with database_down(OperationalError("the database system is starting up")):
        assert client.get("/countries/KAZ/").status_code == 503
        assert client.get("/api/countries/").status_code == 503
    page = client.get("/countries/KAZ/")
    assert page.status_code == 200
    assert "Kazakhstan" in page.content.decode()
    api = client.get("/api/countries/")
    assert api.status_code == 200
    assert "KAZ" in api.content.decode()
