"""Counts of concerns and claims per country (``RecordCount``), kept in step with the records.

Every save or delete of a concern or claim, every change of its themes and every change of its
current status (``refresh_current_status``) recounts its country: one grouped query over that
country's records, then its rows rewritten, in the writer's transaction. Writers that send no
signals (the UHRI importer's SQL, ``generate_world``) call ``changed()`` themselves. Inside
``deferred()`` (imports, seed loading) the countries are collected and each is recounted once,
at the end.

Pages read these rows instead of counting records: at 250,000 concerns, counting one busy
country's concerns theme by theme took 10 ms on SQLite, and the home grid's three countries
16 ms, on every request.
"""

import contextlib
from collections.abc import Iterable
from contextvars import ContextVar

from django.apps import apps as global_apps
from django.db import connections, router, transaction
from django.db.models import Count
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from tracker import models as m

OUTCOME = {m.Concern: "implementation", m.Claim: "verification"}
THEME_LINKS = {model.themes.through: model for model in OUTCOME}
EVERY_COUNTRY = "*"
_pending: ContextVar[set | None] = ContextVar("tracker_counts_pending", default=None)


def recount(countries: Iterable[str] | None = None, *, apps=global_apps) -> None:
    """Rewrite the counts of ``countries`` (codes; None: every country) from the records.
    ``apps``: a migration's model registry (migration 0007 fills the table with this)."""
    codes = None if countries is None else sorted({c for c in countries if c})
    if codes == []:
        return
    counted = apps.get_model("tracker", "RecordCount")
    using = router.db_for_write(counted)
    rows = []
    for name, outcome in (("concern", "implementation"), ("claim", "verification")):
        records = apps.get_model("tracker", name)._default_manager.using(using)
        if codes is not None:
            records = records.filter(country__in=codes)
        # Per theme (a record under each of its themes; theme None: no theme), then in all.
        for columns, all_themes in ((("themes",), False), ((), True)):
            grouped = records.values("country_id", "status", outcome, *columns)
            for row in grouped.annotate(n=Count("pk")).order_by():
                rows.append(
                    counted(
                        record=name,
                        country_id=row["country_id"],
                        theme_id=row.get("themes"),
                        all_themes=all_themes,
                        status=row["status"],
                        outcome=row[outcome],
                        n=row["n"],
                    )
                )
    table = counted._meta.db_table
    with transaction.atomic(using, savepoint=False), connections[using].cursor() as cursor:
        # Plain SQL: a model delete would read every row first to send signals for it.
        if codes is None:
            cursor.execute(f"DELETE FROM {table}")
        else:
            marks = ", ".join(["%s"] * len(codes))
            cursor.execute(f"DELETE FROM {table} WHERE country_id IN ({marks})", codes)
        counted._default_manager.using(using).bulk_create(rows, batch_size=1000)


def changed(countries: Iterable[str] | None) -> None:
    """The records of ``countries`` (None: any) changed: recount them now, or at the end of the
    enclosing ``deferred()`` block."""
    pending = _pending.get()
    if pending is None:
        recount(countries)
    elif countries is None:
        pending.add(EVERY_COUNTRY)
    else:
        pending.update(countries)


@contextlib.contextmanager
def deferred():
    """Recount each changed country once, when the block ends, unless its transaction is to be
    rolled back (an error, a dry run). Nested blocks leave it to the outermost."""
    if _pending.get() is not None:
        yield
        return
    pending: set = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if (
        pending
        and not transaction.get_connection(router.db_for_write(m.RecordCount)).needs_rollback
    ):
        recount(None if EVERY_COUNTRY in pending else pending)


@receiver(pre_save)
def _note_country(sender, instance, **kwargs):
    """Moved to another country, a record leaves the old one's counts too."""
    if sender in OUTCOME and instance.pk is not None:
        before = sender._base_manager.using(kwargs["using"]).filter(pk=instance.pk)
        instance._country_before = before.values_list("country_id", flat=True).first()


@receiver(post_save)
@receiver(post_delete)
def _record_changed(sender, instance, **kwargs):
    if sender in OUTCOME:
        changed({instance.country_id, getattr(instance, "_country_before", None)})
    elif sender is m.Theme and "created" not in kwargs:  # a theme deleted: its records move
        changed(None)


@receiver(m2m_changed)
def _themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if sender not in THEME_LINKS or not action.startswith("post_"):
        return
    if not reverse:
        changed({instance.country_id})
    elif pk_set:  # theme.concerns.add(...): the countries of those records
        records = THEME_LINKS[sender].objects.using(kwargs["using"]).filter(pk__in=pk_set)
        changed(set(records.values_list("country_id", flat=True)))
    else:
        changed(None)
