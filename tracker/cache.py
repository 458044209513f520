"""Response cache for anonymous visitors, invalidated on every edit.

Cache plumbing only. One number, the content version, lives in the cache (shared by every app
server when ``CACHE_URL`` points at Redis). Any save, delete or many-to-many change of a tracker
model bumps it, and cached pages are stored under the version they were made from, so an edit
makes every older page unreachable at once; they expire on their own.

Writes that bypass signals (``bulk_create``, ``update()``, raw SQL in importers and
``generate_world``) call ``content_changed()`` themselves. ``RESPONSE_CACHE_SECONDS`` bounds
how long a page can be served in any case.

Only requests that carry no credentials of any kind are served from or stored in the cache
(``carries_credentials``): the middleware runs before DRF authenticates a token, so "not logged
in" is not enough. A response made with the visitor's CSRF token (a form that posts, the
browsable API's script block) is for that visitor alone and is not stored: public pages carry
no such form (the language is a link, tracker.urls).
"""

import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse

VERSION_KEY = "tracker:content-version"
# Longer URLs are answered but not stored: nobody bookmarks them, and each would be one more entry.
MAX_CACHED_PATH = 512


def content_version() -> int:
    """The current content version (1 until the first edit after the cache was emptied)."""
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def content_changed() -> None:
    """Make every cached page stale: call after writes that send no model signals."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache (emptied or evicted): start again above any old one
        cache.set(VERSION_KEY, content_version() + 1, timeout=None)


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def _bump_on_edit(sender, **kwargs):
    if sender._meta.app_label == "tracker":
        content_changed()
        # Again once the edit is committed: a page read by another server between the first
        # bump and the commit still showed the old data, and was stored under the new version.
        transaction.on_commit(content_changed, using=kwargs.get("using"))


def _key(request) -> str:
    # Host, language and Accept change the response (English/Russian; JSON/CSV/browsable API).
    varies = "\n".join(
        [
            request.get_host(),
            request.get_full_path(),
            request.LANGUAGE_CODE,
            request.META.get("HTTP_ACCEPT", ""),
        ]
    )
    digest = hashlib.sha256(varies.encode()).hexdigest()
    return f"tracker:page:{content_version()}:{digest}"


def carries_credentials(request) -> bool:
    """True when the request says who is asking, validly or not: an ``Authorization`` header
    (DRF's token or basic authentication, decided later, inside the view) or a session cookie.
    Such a request is answered for that visitor alone: never from the cache, never stored."""
    return bool(request.META.get("HTTP_AUTHORIZATION")) or (
        settings.SESSION_COOKIE_NAME in request.COOKIES
    )


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not carries_credentials(request)
        and not request.user.is_authenticated
        and CookieStorage.cookie_name not in request.COOKIES  # messages waiting to be shown
        and len(request.get_full_path()) <= MAX_CACHED_PATH
    )


def _cacheable_response(response) -> bool:
    control = response.get("Cache-Control", "")
    # Cookies (CSRF, session, messages) belong to one visitor.
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in control for word in ("private", "no-store", "no-cache"))
    )


def _uses_visitor_token(request) -> bool:
    """Whether the response was made with this visitor's CSRF token (``get_token`` asks for
    the cookie to be sent): it holds their secret, and is never stored for others."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


class AnonymousCacheMiddleware:
    """Serve anonymous GET requests from the cache; store what they would get otherwise.

    Sits after the authentication and locale middleware. Adds ``X-Cache: hit`` or ``miss``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.RESPONSE_CACHE_SECONDS
        if not seconds or not _cacheable_request(request):
            return self.get_response(request)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status, headers=headers)
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _cacheable_response(response) and not _uses_visitor_token(request):
            headers = {k: v for k, v in response.items() if k.lower() != "set-cookie"}
            cache.set(key, (response.status_code, headers, response.content), seconds)
            response["X-Cache"] = "miss"
        return response
