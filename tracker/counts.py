"""Derived data: each concern's and claim's current status, and the counts per country.

- ``refresh_current_status`` sets ``Concern.implementation`` and ``Claim.verification`` from
  their assessments (the verdict of the newest published editors' assessment).
- ``recount`` rewrites ``RecordCount``: how many concerns and claims a country has, by theme,
  by editorial status as the public sees it (``public_condition``) and by current status.

Nothing here runs by itself: the writes in ``tracker.services`` (and the bulk writers, the
importers and ``generate_world``) call ``changed()`` for the countries whose counted records
changed. Inside ``deferred()`` (imports, seed loading, bulk publishing) the countries are
collected and recounted once, at the end.

Pages read these rows instead of counting records: at 250,000 concerns, counting one busy
country's concerns theme by theme took 10 ms on SQLite, and the home grid's three countries
16 ms, on every request.
"""

import contextlib
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


def counted_fields(model) -> tuple[str, ...]:
    """The columns of a counted record whose change moves it in the counts: its country, its
    editorial status and what its public status rests on (``RESTS_ON``)."""
    names = ("country", "status", *model.RESTS_ON)
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


def recount(countries: Iterable[str | None] | QuerySet | None = None) -> None:
    """Rewrite the counts of ``countries`` (codes, or a query of codes such as the countries of
    some records; None: every country) from the records: two statements, a DELETE and an
    INSERT ... SELECT of the grouped counts, so no row travels through Python."""
    if isinstance(countries, QuerySet):
        countries = countries.order_by()
        marks, delete_params = countries.query.sql_with_params()
    elif countries is not None:
        countries = sorted({c for c in countries if c})
        if not countries:
            return
        marks, delete_params = ", ".join(["%s"] * len(countries)), tuple(countries)
    using = router.db_for_write(m.RecordCount)
    table = m.RecordCount._meta.db_table
    delete = f"DELETE FROM {table}"
    if countries is not None:
        delete += f" WHERE country_id IN ({marks})"
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
        cursor.execute(delete, () if countries is None else delete_params)
        cursor.execute(
            f"INSERT INTO {table} (record, country_id, theme_id, all_themes, status, outcome, n) "
            + " UNION ALL ".join(selects),
            params,
        )


class _Pending:
    """The countries to recount at the end of a ``deferred()`` block: codes, and queries of
    codes kept unevaluated (a single one becomes the recount's subquery)."""

    def __init__(self):
        self.every = False
        self.codes: set[str] = set()
        self.queries: list[QuerySet] = []

    def __bool__(self):
        return self.every or bool(self.codes or self.queries)

    def countries(self):
        if self.every:
            return None
        if not self.codes and len(self.queries) == 1:
            return self.queries[0]
        return self.codes.union(*self.queries)


_pending: ContextVar[_Pending | None] = ContextVar("tracker_counts_pending", default=None)


def changed(countries: Iterable[str | None] | QuerySet | None) -> None:
    """The counted records of ``countries`` (codes or a query of codes; None: any) changed:
    recount them now, or at the end of the enclosing ``deferred()`` block."""
    pending = _pending.get()
    if pending is None:
        recount(countries)
    elif countries is None:
        pending.every = True
    elif isinstance(countries, QuerySet):
        pending.queries.append(countries)
    else:
        pending.codes.update(c for c in countries if c)


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
        recount(pending.countries())


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
            changed(None if ids is None else records.values_list("country_id", flat=True))
    return written
