"""Text search: what a search box's words mean, and the one place that knows each database's index.

Every search goes through ``matching(queryset, text)``: the words of ``text`` (``terms``) must all
appear in the record's search fields, each word in any of them. A concern's summary and
recommendation, the large table's long texts, are searched through a full-text index (SQLite FTS5,
migration 0002; a GIN index on a stored ``tsvector`` on PostgreSQL, migration 0005); every other
field, with ``icontains``: the other records' texts (a few thousand rows at most), and the short
fields a concern is also found by (its affected groups, its review's document symbol, the names
of its themes and affected persons). Names across a many-to-many relation are matched through the
small vocabulary table and its link table, one ``IN`` subquery each, so a record is never
repeated once per theme.

What a visitor can send is bounded before any SQL is built:
- words are what ``\\w+`` finds (punctuation and the index's operators never reach it), compared
  without case, each counted once;
- one-letter words are dropped (a one-letter prefix matches nearly every row); two-letter words
  match whole words only, longer words also match as the start of a word;
- more than ``MAX_TERMS`` distinct words is refused with a message (``SearchError``), as is a
  search left with no word at all;
- and ``time_limit()`` stops any query that runs past ``settings.SEARCH_TIME_LIMIT`` seconds, on
  both databases, raising ``SearchTimeout``.
"""

import re
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connections, models, transaction
from django.db.models import Case, Count, Q, When, Window
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker import models as m

MAX_TERMS = 8
MIN_PREFIX = 3  # shorter words match whole words only
MAX_WORD = 40  # longer "words" are cut: no real word is longer, and each is one index lookup

THEME_NAMES = ("themes__name", "themes__name_ru")

# The fields each model searches with ``q`` (``icontains``); a concern's summary and
# recommendation go through the full-text index besides these.
SEARCH_FIELDS = {
    m.Concern: (
        "affected_groups",
        "review__symbol",
        *THEME_NAMES,
        "affected_persons__name",
        "affected_persons__name_ru",
    ),
    m.Claim: ("summary", "legal_reference", *THEME_NAMES),
    m.Report: ("summary", *THEME_NAMES),
    m.Source: ("title", "publisher", "author", "symbol"),
    m.Review: ("symbol", "cycle", "body__name"),
    m.Theme: ("name", "name_ru"),
    m.Country: ("name", "name_ru", "code"),
}


class SearchError(ValueError):
    """A search that cannot be run as written; the message says why, for the person asking."""


class SearchTimeout(Exception):
    """A search query ran past ``settings.SEARCH_TIME_LIMIT`` and was stopped."""

    def __str__(self):
        return str(
            _(
                "This search took longer than %(seconds)s seconds and was stopped. Use more "
                "specific words, or narrow it with the filters."
            )
            % {"seconds": settings.SEARCH_TIME_LIMIT}
        )


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool  # also matches words that start with it


def terms(text: str) -> list[Term]:
    """The distinct words of a search, in the order written. Raises ``SearchError`` for more
    than ``MAX_TERMS`` of them, or when the text has words but none that can be searched."""
    words = list(dict.fromkeys(w[:MAX_WORD] for w in re.findall(r"\w+", text.casefold())))
    kept = [w for w in words if len(w) >= 2]
    if words and not kept:
        raise SearchError(_("Search words need at least two letters."))
    if len(kept) > MAX_TERMS:
        raise SearchError(
            ngettext(
                "Search for at most %(max)d word (this search has %(count)d).",
                "Search for at most %(max)d words (this search has %(count)d).",
                MAX_TERMS,
            )
            % {"max": MAX_TERMS, "count": len(kept)}
        )
    return [Term(w, len(w) >= MIN_PREFIX) for w in kept]


def matching(queryset, text: str):
    """Rows of ``queryset`` holding every search word of ``text`` (see ``terms``), each word in
    any of the model's search fields."""
    found = terms(text)
    if not found:
        return queryset
    model = queryset.model
    sqlite = connections[queryset.db].vendor == "sqlite"
    if model is m.Concern:
        return queryset.filter(_concern_condition(queryset.db, found, sqlite))
    # One filter() with one condition per word: a filter() call per word rebuilt the query
    # each time (quadratic in the number of words).
    return queryset.filter(*[_fields_condition(model, term, sqlite) for term in found])


def _fields_condition(model, term: Term, sqlite: bool) -> Q:
    """``term`` is in one of the model's ``SEARCH_FIELDS``."""
    either = Q()
    for field in SEARCH_FIELDS[model]:
        either |= _contains(model, field, term.word)
        if sqlite and not term.word.isascii():
            # SQLite's LIKE ignores the case of ASCII letters only: "кыргыз" would miss
            # "Кыргызстан". The capitalised word finds the names that start with it.
            either |= _contains(model, field, term.word[0].upper() + term.word[1:])
    return either


def _concern_condition(alias: str, found: list[Term], sqlite: bool) -> Q:
    """Every word in the concern's text (the full-text index) or in one of its other search
    fields, written for each database's index.

    SQLite reads each word's matches from FTS5 once, as a set, and a row is then one lookup
    per word. PostgreSQL reads a row's stored vector instead, so the condition lets it do so
    once: either the text holds every word (as a text-only search), or some word is in
    another field (cheap checks, rarely true) and only then is each word checked on its own.
    Word by word for every row read the vector once per word, which pushed the worst allowed
    searches (eight common prefixes) past the time limit there."""
    elsewhere = [_fields_condition(m.Concern, term, sqlite) for term in found]
    if sqlite:
        return Q(
            *[
                Q(_concern_text_matches(alias, [t])) | c
                for t, c in zip(found, elsewhere, strict=True)
            ]
        )
    any_elsewhere = Q()
    for condition in elsewhere:
        any_elsewhere |= condition
    # The cheap checks first: a word found in another field needs no look at the vector.
    each_word = [
        c | Q(_concern_text_matches(alias, [t])) for t, c in zip(found, elsewhere, strict=True)
    ]
    return Q(_concern_text_matches(alias, found)) | (any_elsewhere & Q(*each_word))


def _contains(model, path: str, word: str) -> Q:
    """``path`` contains ``word``. Across a many-to-many field (``themes__name``) the match is
    an ``IN`` over the link table: a join would repeat the record once per matching name."""
    first, _sep, rest = path.partition("__")
    field = model._meta.get_field(first)
    if field.many_to_many and rest:
        links = field.remote_field.through.objects.filter(
            **{f"{field.m2m_reverse_field_name()}__{rest}__icontains": word}
        )
        return Q(pk__in=links.values(field.m2m_field_name()))
    if field.many_to_one and rest:
        # Likewise through the small table's ids: no join to repeat for every row read.
        related = field.related_model._default_manager.filter(**{f"{rest}__icontains": word})
        return Q(**{f"{first}__in": related.values("pk")})
    return Q(**{f"{path}__icontains": word})


def _concern_text_matches(alias: str, found: list[Term]) -> RawSQL:
    """The concerns whose summary or recommendation holds every one of ``found``, through the
    database's full-text index."""
    vendor = connections[alias].vendor
    table = m.Concern._meta.db_table
    fts = m.CONCERN_FTS
    if vendor == "sqlite":
        match = " ".join(f'"{t.word}"' + ("*" if t.prefix else "") for t in found)
        sql = f"{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
    elif vendor == "postgresql":
        match = " & ".join(t.word + (":*" if t.prefix else "") for t in found)
        # The stored column: a match checked row by row reads the vector, where the expression
        # had to parse the text again (1.2 s instead of 20 s for a whole scan).
        sql = f"{table}.search_vector @@ to_tsquery('simple', %s)"
    else:
        raise NotImplementedError(f"no full-text search for {vendor}")
    return RawSQL(sql, [match], output_field=models.BooleanField())


# Time limit ------------------------------------------------------------------------------------

SQLITE_PROGRESS_STEPS = 10_000  # virtual-machine steps between two looks at the clock
# Statements the limit never stops: a transaction's own bookkeeping, such as the rollback to a
# savepoint that undoes a cancelled statement.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "BEGIN")


@contextmanager
def time_limit(seconds: float | None = None):
    """Stop any query, on any database, that runs past ``seconds`` (default
    ``settings.SEARCH_TIME_LIMIT``) from now: it raises ``SearchTimeout`` instead.

    SQLite checks the clock from its progress handler and interrupts the statement; PostgreSQL
    gets a ``statement_timeout`` of the time left before each statement, reset after it.
    """
    seconds = settings.SEARCH_TIME_LIMIT if seconds is None else seconds
    deadline = time.monotonic() + seconds

    def limited(execute, sql, params, many, context):
        connection = context["connection"]
        if sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            return execute(sql, params, many, context)  # e.g. undoing a cancelled statement
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchTimeout()
        raw = connection.connection
        if connection.vendor == "sqlite":
            raw.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_PROGRESS_STEPS)
            try:
                return execute(sql, params, many, context)
            except OperationalError as exc:
                if "interrupted" in str(exc):
                    raise SearchTimeout() from exc
                raise
            finally:
                raw.set_progress_handler(None, 0)
        if connection.vendor == "postgresql":
            # Inside a transaction SET LOCAL ends with it (or with its savepoint, if the
            # statement fails); outside one the limit is set, then reset after the statement.
            local = connection.in_atomic_block
            # The driver's own cursor, not through this wrapper; its errors (the server going
            # away between two statements) made Django's, so that an outage is still a 503.
            with connection.wrap_database_errors, raw.cursor() as cursor:
                scope = "LOCAL " if local else ""
                cursor.execute(f"SET {scope}statement_timeout = {max(1, int(left * 1000))}")
            try:
                return execute(sql, params, many, context)
            except OperationalError as exc:
                if getattr(exc.__cause__, "sqlstate", None) == "57014":  # query_canceled
                    raise SearchTimeout() from exc
                raise
            finally:
                # Reset in a transaction too: SET LOCAL would outlive the savepoint's release
                # and stop the transaction's later statements (a test's closing constraint
                # check). A failed statement's transaction is aborted: its savepoint's rollback
                # undoes the SET LOCAL instead.
                aborted = raw.info.transaction_status.name == "INERROR"
                if not raw.closed and not aborted:
                    with connection.wrap_database_errors, raw.cursor() as cursor:
                        cursor.execute("RESET statement_timeout")
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for alias in connections:
            connection = connections[alias]
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                # A cancelled statement aborts the transaction it runs in: in a savepoint, the
                # rest of the request (its 400 answer, a test's next request) can still query.
                stack.enter_context(transaction.atomic(using=alias))
            stack.enter_context(connection.execute_wrapper(limited))
        yield


# Everything at once: the search page --------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of record the search page looks through."""

    name: str  # also the list page's URL name, where there is one (``list_page``)
    model: type
    order: tuple[str, ...]
    shown: int  # results shown on the search page; the rest are a link away
    list_page: bool  # whether a page lists this kind filtered by ``q``
    exact: str = ""  # a field whose exact match comes first (a document symbol)


KINDS = (
    Kind("concerns", m.Concern, ("-issued_on", "key"), 5, True),
    Kind("claims", m.Claim, ("-stated_on", "key"), 5, True),
    Kind("reports", m.Report, ("-observed_from", "key"), 5, True),
    Kind("sources", m.Source, ("-published_on", "key"), 5, True, exact="symbol"),
    # No page lists reviews or themes: there are a few dozen of each per country.
    Kind("reviews", m.Review, ("-adopted_on", "symbol"), 10, False, exact="symbol"),
    Kind("themes", m.Theme, ("position", "slug"), 10, False),
    Kind("countries", m.Country, ("name",), 5, True),
)


@dataclass
class Found:
    kind: Kind
    count: int  # every match the user may see
    rows: list  # the first ``kind.shown`` of them


def everything(user, text: str) -> list[Found]:
    """Each kind's first matches for ``text`` and how many there are, for the search page and
    its twin: one query per kind (the count comes with the rows, as a window over them). Only
    what ``user`` may see (``visible_to``) is searched. Raises ``SearchError`` as ``terms``
    does; run it under ``time_limit()``."""
    terms(text)  # refuse a search that cannot run before any query
    exact = text.strip()
    found = []
    for kind in KINDS:
        records = kind.model._default_manager
        if hasattr(records, "visible_to"):
            records = records.visible_to(user)
        rows = matching(records.all(), text)
        order = list(kind.order)
        if kind.exact:
            first = Case(When(**{f"{kind.exact}__iexact": exact}, then=0), default=1)
            rows, order = rows.annotate(exact_first=first), ["exact_first", *order]
        rows = list(rows.annotate(found=Window(Count("pk"))).order_by(*order)[: kind.shown])
        found.append(Found(kind, rows[0].found if rows else 0, rows))
    return found
