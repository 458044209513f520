"""Response cache for anonymous visitors, invalidated on every edit.

Cache plumbing only. One number, the content version, lives in the cache (shared by every app
server when ``CACHE_URL`` points at Redis). Any save, delete or many-to-many change of a tracker
model bumps it, and cached pages are stored under the version they were made from, so an edit
makes every older page unreachable at once; they expire on their own.

Writes that bypass signals (``bulk_create``, ``update()``, raw SQL in importers and
``generate_world``) call ``content_changed()`` themselves. ``RESPONSE_CACHE_SECONDS`` bounds
how long a page can be served in any case.
"""

import hashlib
import re

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import get_token

VERSION_KEY = "tracker:content-version"
# The language form on every page carries a CSRF token tied to the visitor's cookie: the
# cached copy holds this marker instead, and each visitor gets their own token put back.
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_MARKER = b"__csrf_token__"


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


def _key(request) -> str:
    # Language and Accept change the response (English/Russian; JSON/CSV/browsable API).
    varies = "\n".join(
        [request.get_full_path(), request.LANGUAGE_CODE, request.META.get("HTTP_ACCEPT", "")]
    )
    digest = hashlib.sha256(varies.encode()).hexdigest()
    return f"tracker:page:{content_version()}:{digest}"


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and CookieStorage.cookie_name not in request.COOKIES  # messages waiting to be shown
    )


def _cacheable_response(response) -> bool:
    control = response.get("Cache-Control", "")
    # Cookies other than the CSRF one (session, messages) belong to one visitor.
    other_cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
    return (
        response.status_code == 200
        and not response.streaming
        and not other_cookies
        and not any(word in control for word in ("private", "no-store", "no-cache"))
    )


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
            if CSRF_MARKER in content:
                content = content.replace(CSRF_MARKER, get_token(request).encode())
            response = HttpResponse(content, status=status, headers=headers)
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _cacheable_response(response):
            content = CSRF_INPUT.sub(rb"\1" + CSRF_MARKER + rb"\2", response.content)
            headers = {k: v for k, v in response.items() if k.lower() != "set-cookie"}
            cache.set(key, (response.status_code, headers, content), seconds)
            response["X-Cache"] = "miss"
        return response
