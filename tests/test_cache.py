"""Anonymous response cache (invalidated on every edit), conditional GET, CACHE_URL parsing."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from tests import factories as f
from tracker import models as m
from tracker.cache import content_changed, content_version
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


def test_cached_pages_carry_each_visitors_own_csrf_token(client, concern):
    first = client.get("/")
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    other = type(client)()
    second = other.get("/")
    assert second["X-Cache"] == "hit"
    token = second.cookies["csrftoken"].value
    # The language form of the cached page works for the second visitor.
    body = second.content.decode()
    form_token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert "__csrf_token__" not in body and form_token
    other.cookies["csrftoken"] = token
    response = other.post("/i18n/setlang/", {"language": "ru", "csrfmiddlewaretoken": form_token})
    assert response.status_code == 302


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
