"""Read replicas: anonymous reads of tracker data go to streaming replicas, the rest to the primary.

Replicas are the ``replicaN`` databases made from ``DATABASE_REPLICA_URLS``. Reads use them only
inside a request that ``ReplicaMiddleware`` has cleared for it: a GET or HEAD, by a visitor who
is not staff, who has not written in the last ``REPLICA_PIN_SECONDS``. Everything else (writes,
editors, management commands, sessions and users) stays on the primary, so editors always read
their own writes, and a command never decides on data a replica has not caught up with yet.
"""

import random
from contextvars import ContextVar

from django.conf import settings

PIN_COOKIE = "tracker_primary"
_replica_allowed: ContextVar[bool] = ContextVar("tracker_replica_allowed", default=False)


def replicas() -> list[str]:
    """The configured replica aliases (empty when there are none)."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class ReplicaRouter:
    """Tracker models' reads to a replica when the current request allows it; writes to the
    primary; migrations only on the primary (replicas copy its schema)."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label == "tracker" and _replica_allowed.get():
            choices = replicas()
            if choices:
                return random.choice(choices)
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every database holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Lets safe anonymous requests read from replicas; pins writers to the primary for a while.

    After a request that may have written (any method but GET, HEAD, OPTIONS), the browser gets
    a short-lived cookie, so the page it is redirected to shows what it just saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in ("GET", "HEAD", "OPTIONS")
        allowed = (
            safe
            and bool(replicas())
            and PIN_COOKIE not in request.COOKIES
            and not (request.user.is_authenticated and request.user.is_staff)
        )
        token = _replica_allowed.set(allowed)
        try:
            response = self.get_response(request)
        finally:
            _replica_allowed.reset(token)
        if not safe and replicas():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
