"""Rate limits per client, for the API and the HTML lists: DRF's throttles, with the client told
apart the way the login lockout does it."""

from array import array

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tracker.backends import client_ip


class _LiveRate:
    """Reads the rate from settings on each use, so a changed setting applies (tests, reloads)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _CompactHistory:
    """Keeps a client's request times as an array of floats rather than DRF's list. The cache
    pickles the history on every request: a list of thousands of times (a high rate, as in the
    benchmarks) took up to a millisecond a request, an array is copied as one block of bytes.
    An array has the list methods DRF uses, so the throttling itself is DRF's."""

    def throttle_success(self):
        if not isinstance(self.history, array):  # a new client, or a list cached before
            self.history = array("d", self.history)
        return super().throttle_success()


class _ClientAddress:
    """Identifies an anonymous client as the login lockout does (``tracker.backends.client_ip``):
    behind our proxy the address it appended, otherwise the socket's. DRF's own ``get_ident``
    trusts a raw ``X-Forwarded-For`` when ``NUM_PROXIES`` is unset, so any client could pick its
    own address, dodge the limit or turn it on someone else."""

    def get_ident(self, request):
        return client_ip(request)


class AnonThrottle(_ClientAddress, _LiveRate, _CompactHistory, AnonRateThrottle):
    pass


class UserThrottle(_ClientAddress, _LiveRate, _CompactHistory, UserRateThrottle):
    pass


class PageAnonThrottle(AnonThrottle):
    scope = "pages_anon"


class PageUserThrottle(UserThrottle):
    scope = "pages_user"


def page_throttle_wait(request) -> float | None:
    """For the HTML lists: None when the client may go on, else the seconds to wait. The same
    throttles as the API's, at the page rates (``PAGES_ANON_RATE``, ``PAGES_USER_RATE``)."""
    waits = [
        throttle.wait()
        for throttle in (PageAnonThrottle(), PageUserThrottle())
        if not throttle.allow_request(request, None)
    ]
    return max((w or 0 for w in waits), default=None) if waits else None
