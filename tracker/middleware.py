"""Cross-cutting HTTP behaviour: security headers on every response, and a 503 instead of a 500
when the database is unreachable."""

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults

logger = logging.getLogger(__name__)

# The app serves every script and stylesheet itself and writes no inline script or style.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
}

# Relaxations by path prefix, each with its reason; scripts stay 'self' everywhere.
# - /admin/: Django's admin needs nothing (its scripts are files, its constants travel in data-
#   attributes), but django-simple-history's history page and our admin templates set a few
#   style attributes; `style-src-attr` allows attributes only, never a <style> block.
# - /api/docs/: Swagger UI's page carries an inline <style> block and its code writes style
#   attributes; its scripts come from our origin (the split view and the bundled files).
CSP_PATH_OVERRIDES = {
    "/admin/": {"style-src-attr": "'unsafe-inline'"},
    "/api/docs/": {"style-src": "'self' 'unsafe-inline'"},
}

# Browser features the tracker never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def content_security_policy(path: str) -> str:
    """The Content-Security-Policy header value for a request path."""
    directives = dict(CONTENT_SECURITY_POLICY)
    for prefix, overrides in CSP_PATH_OVERRIDES.items():
        if path.startswith(prefix):
            directives.update(overrides)
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and cross-origin isolation headers to every response.

    Django's SecurityMiddleware adds HSTS, nosniff, Referrer-Policy and
    Cross-Origin-Opener-Policy; XFrameOptionsMiddleware adds X-Frame-Options. A view that sets
    one of these headers itself keeps its own value.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = content_security_policy(request.path)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # XFrameOptionsMiddleware never sees static files, which WhiteNoise answers early.
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = "The database is unavailable for a moment. Please try again shortly."


# SQLite's result codes that mean the database file cannot be used just now (gone, full,
# read-only), as opposed to a statement it rejects ("no such function", "Expression tree is too
# large"), which SQLite also reports as an OperationalError. Busy and locked are not outages: see
# ``is_write_locked``.
SQLITE_OUTAGES = (
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
)
# PostgreSQL's SQLSTATE classes for a lost or refused connection, a server short of resources or
# shutting down; 57014 (a statement cancelled, e.g. by a time limit) is not an outage.
POSTGRES_OUTAGE_CLASSES = ("08", "53", "57")


# Another writer holds the lock (SQLite allows one at a time: an import's write phase, say)
# past the busy timeout; PostgreSQL's lock_not_available. The database is fine: the write can
# be sent again in a moment.
SQLITE_LOCK_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED")
POSTGRES_LOCK_STATES = ("55P03",)
WRITE_LOCKED_SECONDS = 10
WRITE_LOCKED_MESSAGE = _(
    "The database is busy writing another change (such as an import); nothing was saved. "
    "Save again in a moment."
)


def is_write_locked(exc: BaseException | None) -> bool:
    """True when a write waited for another writer's lock longer than the database allows."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    name = getattr(cause, "sqlite_errorname", None)
    if name is not None:
        return name.startswith(SQLITE_LOCK_CODES)
    return getattr(cause, "sqlstate", None) in POSTGRES_LOCK_STATES


def write_locked_response(request: HttpRequest) -> HttpResponse:
    """A 423 with Retry-After: JSON under /api/, otherwise a short page; nothing was saved."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(WRITE_LOCKED_MESSAGE)}, status=423)
    else:
        html = render_to_string("423.html", {"retry_after": WRITE_LOCKED_SECONDS})
        response = HttpResponse(html, status=423)
    response["Retry-After"] = str(WRITE_LOCKED_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_database_outage(exc: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached, not a bug (a write that
    waited too long for another writer's lock is ``is_write_locked``, not an outage)."""
    if is_write_locked(exc):
        return False
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    name = getattr(cause, "sqlite_errorname", None)
    if name is not None:
        return name.startswith(SQLITE_OUTAGES) or "no such table" in str(cause)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate[:2] in POSTGRES_OUTAGE_CLASSES and sqlstate != "57014"
    # No code to go by: the driver could not talk to the server at all.
    return True


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """A 503 with Retry-After: JSON under /api/, otherwise a page that needs no database."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": UNAVAILABLE_MESSAGE}, status=503)
    else:
        # Rendered without the request so no context processor can query the database again.
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A proxy or browser must never cache the outage page in place of the real one.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database connection error raised by a view into a 503 instead of a 500.

    Errors raised inside other middleware never reach ``process_exception``; ``server_error``
    below, the project's handler500, catches those.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if is_write_locked(exception):
            logger.warning("Write lock busy during %s %s", request.method, request.path)
            return write_locked_response(request)
        if not is_database_outage(exception):
            return None
        # Logged with its trace: "no such table" is an OperationalError too, and must be seen.
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        return database_unavailable_response(request)


class NulInAddress(Exception):
    """A NUL byte in the path or query string."""


class RejectNulBytesMiddleware:
    """Answers 400 to a request whose path or query string holds a NUL byte: no page or filter
    has a use for one, and PostgreSQL refuses it in any text value (a 500 deep in a query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return bad_request(request, NulInAddress())
        return self.get_response(request)


def bad_request(request: HttpRequest, exception) -> HttpResponse:
    """handler400, and the answer to a NUL byte: JSON under /api/ (as every API error is), the
    plain 400 page elsewhere. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413."""
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    if request.path.startswith("/api/"):
        if status == 413:
            detail = "The request body is too large."
        elif isinstance(exception, NulInAddress):
            detail = "Null characters are not allowed in the address."
        else:
            detail = "Bad request: the address or the body cannot be read."
        return JsonResponse({"detail": detail}, status=status)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the uncaught error was a database outage, a 423 when a write
    found the database locked by another, else the plain 500 page."""
    if is_write_locked(sys.exc_info()[1]):
        return write_locked_response(request)
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)


class LanguageMiddleware(LocaleMiddleware):
    """The language of a request: for pages, their URL's (``/ru/...`` is Russian, no prefix is
    English, whatever the visitor's cookie or browser says), so that a shared link reads the
    same for everyone and a cached page has one language; for the addresses outside the pages'
    ``i18n_patterns`` (the API, feeds, admin, the language cookie's endpoint), the language
    cookie or Accept-Language, as Django negotiates it."""

    NEGOTIATED = ("/api/", "/feeds/", "/admin/", "/i18n/")

    def process_request(self, request):
        if request.path_info.startswith(self.NEGOTIATED):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)
