"""Read-only cross-origin access to the API, so that a notebook or page on another site can read
published data from a browser.

Only reads (GET, HEAD, OPTIONS) under ``/api/``, for any origin (``Access-Control-Allow-Origin:
*``), and never with credentials: a request that carries a session cookie or an
``Authorization`` header (``tracker.cache.carries_credentials``) gets no CORS header, so a
browser never lets another site read an editor's answer (drafts), and such a request is not
served from or stored in the response cache either. A preflight is answered for reads only and
allows no credential header. Written here rather than added as a dependency: the policy is one
fixed rule, a few lines.
"""

from django.http import HttpResponse

from tracker.cache import carries_credentials

PREFIX = "/api/"
READS = ("GET", "HEAD", "OPTIONS")
# What a reader's script may send (besides the CORS-safelisted headers) and may read back.
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match"
EXPOSED_HEADERS = "X-Total-Count, Link, ETag, Retry-After"
PREFLIGHT_MAX_AGE = 86400  # a day


class ReadOnlyCorsMiddleware:
    """Adds ``Access-Control-Allow-Origin: *`` to credential-free reads of ``/api/`` and answers
    their preflight requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        asked = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if request.method == "OPTIONS" and asked and "HTTP_ORIGIN" in request.META:
            response = HttpResponse(status=204)
            if asked in READS:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = ", ".join(READS)
                response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            return response
        response = self.get_response(request)
        # With or without an Origin header, so that a shared cache holds one copy for both.
        if request.method in READS and not carries_credentials(request):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
