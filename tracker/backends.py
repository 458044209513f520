"""Authentication backends."""

from axes.backends import AxesStandaloneBackend


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
