"""Read replicas: anonymous reads of tracker data go to streaming replicas, the rest to the primary.

Replicas are the ``replicaN`` databases made from ``DATABASE_REPLICA_URLS``. Reads use them only
inside a request that ``ReplicaMiddleware`` is handling: a GET or HEAD, by a visitor who is not
staff, who has not written in the last ``REPLICA_PIN_SECONDS``. Everything else (writes, editors,
management commands, sessions and users) stays on the primary, so editors always read their own
writes, and a command never decides on data a replica has not caught up with yet.

Who the visitor is gets decided at each read, not when the request comes in: the API
authenticates a token (``Authorization: Token ...``) only inside its view, and from then on the
request's user is the token's, so an editor calling the API is kept on the primary too.
"""

import random
from contextlib import ExitStack
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

PIN_COOKIE = "tracker_primary"
# Header naming the databases a request queried (DATABASE_QUERIES_HEADER=1; tests and diagnosis).
QUERIES_HEADER = "X-Database-Queries"
_request: ContextVar = ContextVar("tracker_replica_request", default=None)


def replicas() -> list[str]:
    """The configured replica aliases (empty when there are none)."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def _may_read_replica(request) -> bool:
    # request.user is read here, at the first tracker read: by then DRF has put the token's
    # user on the request. Loading a session's user queries auth tables, which stay on default.
    return (
        request.method in ("GET", "HEAD", "OPTIONS")
        and PIN_COOKIE not in request.COOKIES
        and not (request.user.is_authenticated and request.user.is_staff)
    )


class ReplicaRouter:
    """Tracker models' reads to a replica when the current request allows it; writes to the
    primary; migrations only on the primary (replicas copy its schema)."""

    def db_for_read(self, model, **hints):
        # API tokens are credentials, like sessions and users: read where they are written.
        if model._meta.app_label == "tracker" and model._meta.model_name != "apitoken":
            request = _request.get()
            choices = replicas()
            if request is not None and choices and _may_read_replica(request):
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
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS") and replicas():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


class QueryCountMiddleware:
    """With ``DATABASE_QUERIES_HEADER`` on, each response says how many queries the request sent
    to each database (``X-Database-Queries: default=0 replica1=6``), so that a test outside the
    process can tell which database served it. First in the list, so the count covers the whole
    request and a page answered from the response cache shows no query at all.
    """

    def __init__(self, get_response):
        if not settings.DATABASE_QUERIES_HEADER:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counts = dict.fromkeys(settings.DATABASES, 0)
        with ExitStack() as stack:
            for alias in counts:
                stack.enter_context(connections[alias].execute_wrapper(_counter(counts, alias)))
            response = self.get_response(request)
        response[QUERIES_HEADER] = " ".join(f"{alias}={n}" for alias, n in counts.items())
        return response


def _counter(counts: dict, alias: str):
    def count(execute, sql, params, many, context):
        counts[alias] += 1
        return execute(sql, params, many, context)

    return count
