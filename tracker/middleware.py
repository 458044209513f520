"""Cross-cutting HTTP behaviour: security headers on every response, and a 503 instead of a 500
when the database is unreachable."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

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


def is_database_outage(exc: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached or is busy, not a bug."""
    return isinstance(exc, OperationalError | InterfaceError)


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
        if not is_database_outage(exception):
            return None
        # Logged with its trace: "no such table" is an OperationalError too, and must be seen.
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        return database_unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the uncaught error was a database outage, else the plain 500 page."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse(render_to_string("500.html"), status=500)
