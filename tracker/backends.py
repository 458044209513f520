"""Authentication backends, the API's token authentication, and the client address used to
throttle logins and API clients."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that arrive over HTTP.

    ``authenticate()`` calls without a request (the shell, management commands, the test
    client's ``login()``) are not attempts from a client address, so there is nothing to
    count or lock; axes itself would raise an error for them. The next backend in
    AUTHENTICATION_BACKENDS checks the password as usual.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The client's address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind a trusted proxy (BEHIND_PROXY=1) it is the right-most X-Forwarded-For entry: the one
    our proxy appended. Entries to its left come from the client and may be forged. Otherwise
    the socket's address; X-Forwarded-For is then whatever the client chose to send.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <token>``, checked against the stored digest
    (``tracker.models.ApiToken``): the database holds no usable token. An expired token, or one
    of an inactive user, is refused like an unknown one."""

    def authenticate_credentials(self, key):
        from django.utils import timezone

        from tracker.models import ApiToken
        from tracker.services import api_token_digest

        token = ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()
        if (
            token is None
            or not token.user.is_active
            or (token.expires_at is not None and token.expires_at <= timezone.now())
        ):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return (token.user, token)
