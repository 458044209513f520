"""Anonymous response cache (invalidated on every edit), conditional GET, CACHE_URL parsing."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from tests import factories as f
from tracker import models as m
from tracker.cache import content_changed, content_version
from tracker.services import api_token_create
from tracker.settings import cache_from_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def response_cache(settings):
    settings.RESPONSE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def concern():
    return f.ConcernFactory(key="c1", summary="Deaths in custody are not investigated.")


def test_second_anonymous_request_is_served_from_the_cache(
    client, concern, django_assert_num_queries
):
    assert client.get("/api/concerns/")["X-Cache"] == "miss"
    with django_assert_num_queries(0):  # nothing: the response comes from the cache
        response = client.get("/api/concerns/")
    assert response["X-Cache"] == "hit"
    assert response.json()["results"][0]["key"] == "c1"


def test_an_edit_invalidates_cached_responses(client, concern):
    client.get("/api/concerns/")
    concern.summary = "Overcrowded prisons."
    concern.save()
    response = client.get("/api/concerns/")
    assert response["X-Cache"] == "miss"
    assert response.json()["results"][0]["summary"] == "Overcrowded prisons."


def test_many_to_many_changes_and_deletes_invalidate_too(concern):
    before = content_version()
    concern.themes.add(f.ThemeFactory())
    after_m2m = content_version()
    m.Concern.objects.filter(pk=concern.pk).first().delete()
    assert before < after_m2m < content_version()


def test_bulk_writers_invalidate_explicitly():
    before = content_version()
    content_changed()
    assert content_version() == before + 1
    cache.clear()  # an emptied cache starts again, never below a version pages were stored under
    content_changed()
    assert content_version() >= 2


def test_logged_in_users_are_never_served_from_the_cache(client, editor, concern):
    client.get("/api/concerns/")
    client.force_login(editor)
    response = client.get("/api/concerns/")
    assert "X-Cache" not in response


def test_formats_and_languages_are_cached_apart(client, concern):
    client.get("/api/concerns/")
    csv = client.get("/api/concerns/", HTTP_ACCEPT="text/csv")
    assert csv["X-Cache"] == "miss" and csv["Content-Type"].startswith("text/csv")
    russian = client.get("/api/concerns/", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian["X-Cache"] == "miss"


def test_public_pages_carry_no_csrf_token_so_every_visitor_gets_the_same_copy(client, concern):
    first = client.get("/")
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    # The language switch is a link (the language is in the URL): no form, no token, no cookie.
    assert b"csrfmiddlewaretoken" not in first.content and not first.cookies
    second = type(client)().get("/")
    assert second["X-Cache"] == "hit" and second.content == first.content
    russian = type(client)().get("/ru/")
    assert russian["X-Cache"] == "miss" and b'<html lang="ru">' in russian.content


def test_a_page_made_with_the_visitors_csrf_token_is_never_stored(client, concern):
    # The browsable API puts the visitor's token in a script block.
    first = client.get("/api/concerns/", HTTP_ACCEPT="text/html")
    assert first.status_code == 200 and "csrftoken" in first.cookies
    again = type(client)().get("/api/concerns/", HTTP_ACCEPT="text/html")
    assert "X-Cache" not in again and again.status_code == 200


def test_errors_are_not_cached(client):
    assert "X-Cache" not in client.get("/api/concerns/?country=ZZZ")
    assert "X-Cache" not in client.get("/api/concerns/?country=ZZZ")


def test_cache_is_off_when_no_lifetime_is_set(client, settings, concern):
    settings.RESPONSE_CACHE_SECONDS = 0
    assert "X-Cache" not in client.get("/api/concerns/")


def test_conditional_get_answers_not_modified(client, concern):
    etag = client.get("/api/concerns/")["ETag"]
    assert client.get("/api/concerns/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/1", "redis.RedisCache"),
        ("file:///tmp/tracker-cache", "filebased.FileBasedCache"),
    ],
)
def test_cache_url_picks_the_backend(url, backend):
    assert cache_from_url(url)["BACKEND"] == f"django.core.cache.backends.{backend}"


def test_cache_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="memcache"):
        cache_from_url("memcache://x")


# Attacks on the cache: credentials, per-visitor secrets, hosts ------------------------------


@pytest.fixture
def draft():
    return f.ConcernFactory(key="secret-draft", summary="Draft text.", status="draft")


@pytest.fixture
def token(editor):
    return api_token_create(user=editor)


def keys_of(response):
    return {row["key"] for row in response.json()["results"]}


def test_a_token_editors_response_is_never_stored_for_anonymous_visitors(
    client, concern, draft, token
):
    editor = client.get("/api/concerns/", HTTP_AUTHORIZATION=f"Token {token}")
    assert "secret-draft" in keys_of(editor) and "X-Cache" not in editor
    anonymous = client.get("/api/concerns/")
    assert keys_of(anonymous) == {"c1"} and anonymous["X-Cache"] == "miss"
    assert client.get(f"/api/concerns/{draft.pk}/").status_code == 404


def test_a_token_editor_is_never_served_the_anonymous_copy(client, concern, draft, token):
    assert client.get("/api/concerns/")["X-Cache"] == "miss"
    editor = client.get("/api/concerns/", HTTP_AUTHORIZATION=f"Token {token}")
    assert "X-Cache" not in editor and "secret-draft" in keys_of(editor)


@pytest.mark.parametrize(
    "credentials",
    [
        {"HTTP_AUTHORIZATION": "Token not-a-real-token"},
        {"HTTP_AUTHORIZATION": "Basic ZWRpdG9yOnNlY3JldA=="},
        {"HTTP_COOKIE": "sessionid=forged-or-expired"},
    ],
)
def test_requests_carrying_any_credentials_bypass_the_cache(client, concern, credentials):
    client.get("/api/concerns/")  # an anonymous copy is stored
    response = client.get("/api/concerns/", **credentials)
    assert "X-Cache" not in response


def _csrf_secrets_in(body: bytes) -> set[str]:
    """Every CSRF secret a masked token in the page unmasks to."""
    import re

    from django.middleware.csrf import _unmask_cipher_token

    return {_unmask_cipher_token(t.decode()) for t in re.findall(rb"[A-Za-z0-9]{64}", body)}


@pytest.mark.parametrize(("path", "accept"), [("/api/concerns/", "text/html")])
def test_no_cached_body_carries_another_visitors_csrf_secret(concern, path, accept):
    from django.test import Client

    first = Client()
    first.get(path, HTTP_ACCEPT=accept)
    first_secret = first.cookies["csrftoken"].value
    second = Client().get(path, HTTP_ACCEPT=accept)
    assert first_secret not in _csrf_secrets_in(second.content)


def test_the_cache_key_includes_the_host(client, concern):
    assert client.get("/api/concerns/", HTTP_HOST="localhost")["X-Cache"] == "miss"
    assert client.get("/api/concerns/", HTTP_HOST="127.0.0.1")["X-Cache"] == "miss"
    assert client.get("/api/concerns/", HTTP_HOST="127.0.0.1")["X-Cache"] == "hit"


def test_long_query_strings_are_not_cached(client, concern):
    response = client.get("/api/concerns/", {"q": "x" * 600})
    assert "X-Cache" not in response
