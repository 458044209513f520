"""Derived data: each concern's and claim's current status, and the counts per country.

- ``refresh_current_status`` sets ``Concern.implementation`` and ``Claim.verification`` from
  their assessments (the verdict of the newest published editors' assessment).
- ``recount`` rewrites ``RecordCount``: how many concerns and claims a country has, by theme,
  by editorial status as the public sees it (``public_condition``) and by current status; and
  the theme links with each record's country and date (``ConcernThemeLink``,
  ``ClaimThemeLink``), from which pages read the newest records of a theme.

Nothing here runs by itself: the writes in ``tracker.services`` (and the bulk writers, the
importers and ``generate_world``) call ``changed()`` for the countries whose counted records
changed (their counts and, unless ``links=False``, their theme links: a country's bulk writes
rewrite both), and ``relinked()`` for a single record whose themes, country, date or key
changed. Inside ``deferred()`` (imports, seed loading, bulk publishing) it is all collected
and written once, at the end.

Pages read these rows instead of counting records: at 250,000 concerns, counting one busy
country's concerns theme by theme took 10 ms on SQLite, and the home grid's three countries
16 ms, on every request.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from contextvars import ContextVar

from django.db import connections, models, router, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from tracker import models as m

# The counted records, with the field they are counted by.
OUTCOME: dict[type[m.Concern] | type[m.Claim], str] = {
    m.Concern: "implementation",
    m.Claim: "verification",
}
RECORD = {m.Concern: m.RecordCount.Record.CONCERN, m.Claim: m.RecordCount.Record.CLAIM}
# Their links that move them in the counts besides their own fields (``counted_fields``).
COUNTED_LINKS = ("themes",)
# Their theme links with country and date (``m.ThemeLink``), and the date they carry.
THEME_LINKS: dict[type[m.Concern] | type[m.Claim], tuple[type[m.ThemeLink], str]] = {
    m.Concern: (m.ConcernThemeLink, "issued_on"),
    m.Claim: (m.ClaimThemeLink, "stated_on"),
}


def counted_fields(model) -> tuple[str, ...]:
    """The columns of a counted record whose change moves it in the counts: its country, its
    editorial status and what its public status rests on (``RESTS_ON``)."""
    names = ("country", "status", *model.RESTS_ON)
    return tuple(model._meta.get_field(name).attname for name in names)


def linked_fields(model) -> tuple[str, ...]:
    """The columns of a counted record its theme links carry: its country, its date, its key."""
    names = ("country", THEME_LINKS[model][1], "key")
    return tuple(model._meta.get_field(name).attname for name in names)


def _grouped(model, countries, all_themes: bool):
    """One grouped SELECT of a counted model: a row per country, theme (unless ``all_themes``),
    status as the public sees it and current status, with every column named."""
    records = model._default_manager.all()
    if countries is not None:
        records = records.filter(country__in=countries)
    columns = {
        "c_country": F("country_id"),
        "c_theme": Value(None, output_field=models.CharField()) if all_themes else F("themes"),
        "c_shown": Case(
            When(m.public_condition(model), then=Value(m.Editorial.PUBLISHED)),
            default=Value(m.Editorial.DRAFT),
        ),
        "c_outcome": F(OUTCOME[model]),
    }
    grouped = records.annotate(**columns).values(*columns)
    return grouped.annotate(c_n=Count("pk")).order_by()


def _where(countries) -> tuple[str, tuple]:
    """A WHERE clause on ``country_id`` for ``countries`` (a list of codes or a query of codes;
    None: every country, no clause) and its parameters."""
    if countries is None:
        return "", ()
    if isinstance(countries, QuerySet):
        marks, params = countries.query.sql_with_params()
        return f" WHERE country_id IN ({marks})", tuple(params)
    return f" WHERE country_id IN ({', '.join(['%s'] * len(countries))})", tuple(countries)


def _take_turn(using: str, countries) -> None:
    """Writers of the same countries' derived rows take turns, until the end of their
    transactions: the rows of ``countries`` (codes, a query of codes, None for all) of the
    Country table are locked (``FOR NO KEY UPDATE``, which leaves records free to point at
    them), in code order so that two writers cannot each hold what the other waits for. A
    rewrite deletes a country's rows and inserts them again; on PostgreSQL a second writer's
    DELETE, blocked behind a first one's, did not see the rows the first one inserted, and both
    sets stayed. Where the database has no row locks (SQLite) its write transactions already
    take turns, and nothing is sent."""
    if not connections[using].features.has_select_for_update:
        return
    rows = m.Country.objects.using(using).select_for_update(no_key=True).order_by("code")
    if countries is not None:
        rows = rows.filter(code__in=countries)
    list(rows.values_list("code", flat=True))


def recount(countries: Iterable[str | None] | QuerySet | None = None, *, links=True) -> None:
    """Rewrite the counts of ``countries`` (codes, or a query of codes such as the countries of
    some records; None: every country) from the records, and their theme links unless
    ``links`` is false: a DELETE and an INSERT ... SELECT per table, so no row travels through
    Python."""
    if isinstance(countries, QuerySet):
        countries = countries.order_by()
    elif countries is not None:
        countries = sorted({c for c in countries if c})
        if not countries:
            return
    where, where_params = _where(countries)
    using = router.db_for_write(m.RecordCount)
    table = m.RecordCount._meta.db_table
    selects: list[str] = []
    params: list[str | int | None] = []
    for model in OUTCOME:
        # Per theme (a record under each of its themes; theme None: no theme), then in all.
        for all_themes in (False, True):
            sql, grouped_params = _grouped(model, countries, all_themes).query.sql_with_params()
            selects.append(
                "SELECT %s, c_country, c_theme, %s, c_shown, c_outcome, c_n "
                f"FROM ({sql}) grouped_{len(selects)}"
            )
            params += [RECORD[model].value, all_themes, *grouped_params]
    with transaction.atomic(using, savepoint=False), connections[using].cursor() as cursor:
        _take_turn(using, countries)
        cursor.execute(f"DELETE FROM {table}{where}", where_params)
        cursor.execute(
            f"INSERT INTO {table} (record, country_id, theme_id, all_themes, status, outcome, n) "
            + " UNION ALL ".join(selects),
            params,
        )
        if links:
            for model in THEME_LINKS:
                records = model._default_manager.all()
                if countries is not None:
                    records = records.filter(country__in=countries)
                _relink(cursor, model, records, where, where_params)


def _relink(cursor, model, records, where: str, where_params: tuple) -> None:
    """Rewrite the theme links of ``records`` (of ``model``): delete the link rows ``where``
    selects, insert those of the records."""
    link_table = THEME_LINKS[model][0]._meta.db_table
    cursor.execute(f"DELETE FROM {link_table}{where}", where_params)
    day = THEME_LINKS[model][1]
    sql, params = (
        records.values_list("pk", "themes", "country_id", day, "key")
        .order_by()
        .query.sql_with_params()
    )
    cursor.execute(
        f"INSERT INTO {link_table} (record_id, theme_id, country_id, day, key) {sql}", params
    )


def relink(model, ids: Iterable[int]) -> None:
    """Rewrite the theme links of these records of ``model`` (a concern or a claim whose
    themes, country, date or key changed): two statements."""
    ids = sorted({pk for pk in ids if pk is not None})
    if not ids:
        return
    using = router.db_for_write(THEME_LINKS[model][0])
    where = f" WHERE record_id IN ({', '.join(['%s'] * len(ids))})"
    with transaction.atomic(using, savepoint=False), connections[using].cursor() as cursor:
        _take_turn(using, model._default_manager.filter(pk__in=ids).values("country_id"))
        _relink(cursor, model, model._default_manager.filter(pk__in=ids), where, tuple(ids))


class _Countries:
    """Countries to recount at the end of a ``deferred()`` block: codes, and queries of codes
    kept unevaluated (a single one becomes the recount's subquery)."""

    def __init__(self):
        self.every = False
        self.codes: set[str] = set()
        self.queries: list[QuerySet] = []

    def __bool__(self):
        return self.every or bool(self.codes or self.queries)

    def add(self, countries) -> None:
        if countries is None:
            self.every = True
        elif isinstance(countries, QuerySet):
            self.queries.append(countries)
        else:
            self.codes.update(c for c in countries if c)

    def countries(self):
        if self.every:
            return None
        if not self.codes and len(self.queries) == 1:
            return self.queries[0]
        return self.codes.union(*self.queries)


class _Pending:
    """What a ``deferred()`` block changed: the countries whose counts (``counted``) and whose
    theme links as well (``linked``) are to be rewritten, and single records to relink."""

    def __init__(self):
        self.counted = _Countries()
        self.linked = _Countries()
        self.records: dict[type, set[int]] = defaultdict(set)

    def __bool__(self):
        return bool(self.counted or self.linked or any(self.records.values()))

    def write(self) -> None:
        if self.linked:
            recount(self.linked.countries())
        if self.counted and not self.linked.every:
            counted = self.counted.countries()
            linked = self.linked.countries() if self.linked else set()
            # Not again for countries whose links (and so counts) were just rewritten.
            if not (isinstance(counted, set) and isinstance(linked, set) and counted <= linked):
                recount(counted, links=False)
        if not self.linked.every:
            for model, ids in self.records.items():
                relink(model, ids)


_pending: ContextVar[_Pending | None] = ContextVar("tracker_counts_pending", default=None)


def changed(countries: Iterable[str | None] | QuerySet | None, *, links=True) -> None:
    """The counted records of ``countries`` (codes or a query of codes; None: any) changed:
    recount them now, or at the end of the enclosing ``deferred()`` block. ``links`` false: only
    what is counted of them moved (an editorial status, a current status), not their themes,
    dates or keys, so their theme links stay."""
    pending = _pending.get()
    if pending is None:
        recount(countries, links=links)
    else:
        (pending.linked if links else pending.counted).add(countries)


def relinked(record) -> None:
    """The themes, country, date or key of ``record`` (a concern or claim) changed: rewrite its
    theme links now, or at the end of the enclosing ``deferred()`` block."""
    pending = _pending.get()
    if pending is None:
        relink(type(record), [record.pk])
    else:
        pending.records[type(record)].add(record.pk)


@contextlib.contextmanager
def deferred():
    """Recount each changed country once, when the block ends, unless its transaction is to be
    rolled back (an error, a dry run). Nested blocks leave it to the outermost. Importers, the
    seed loader and the writes of ``tracker.services`` run inside one."""
    if _pending.get() is not None:
        yield
        return
    pending = _Pending()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if (
        pending
        and not transaction.get_connection(router.db_for_write(m.RecordCount)).needs_rollback
    ):
        pending.write()


def refresh_current_status(concerns=None, claims=None) -> int:
    """Set ``Concern.implementation`` and ``Claim.verification`` from the assessments: the
    verdict of the newest published editors' assessment, else ``no_information`` /
    ``unverified``. ``concerns`` and ``claims`` are ids (None: every record). Only rows whose
    status changes are written, and only then are their countries recounted. Returns the
    number of rows changed."""
    written = 0
    # ``link``: the assessment's foreign key to the record.
    for model, link, ids, default in (
        (m.Concern, "concern", concerns, m.Implementation.NO_INFORMATION),
        (m.Claim, "claim", claims, m.Verification.UNVERIFIED),
    ):
        field = OUTCOME[model]
        records = model._default_manager.all()
        if ids is not None:
            ids = {pk for pk in ids if pk is not None}
            if not ids:
                continue
            records = records.filter(pk__in=ids)
        current = Coalesce(m.latest_assessment(link), Value(default))
        n = records.filter(~Q(**{field: current})).update(**{field: current})
        if n:
            written += n
            # Their countries as a subquery of the recount: no query of its own.
            changed(
                None if ids is None else records.values_list("country_id", flat=True),
                links=False,
            )
    return written
