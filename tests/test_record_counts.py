"""The stored counts of concerns and claims (``RecordCount``) and their theme links
(``ThemeLink``) stay in step with the records through every kind of write of
``tracker.services``, the seed loader and the importers: a full recount afterwards changes
nothing."""

import datetime as dt
import io
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import (
    AssessmentFactory,
    BodyFactory,
    ClaimFactory,
    ConcernFactory,
    CountryFactory,
    ThemeFactory,
)
from tracker import counts, services
from tracker import models as m

pytestmark = pytest.mark.django_db


def stored() -> list[tuple]:
    """The stored counts and the theme links (``m.ThemeLink``), without their ids."""
    rows = list(
        m.RecordCount.objects.values_list(
            "record", "country_id", "theme_id", "all_themes", "status", "outcome", "n"
        )
    )
    for link in (m.ConcernThemeLink, m.ClaimThemeLink):
        rows += [
            (link.__name__, *row)
            for row in link.objects.values_list("record_id", "theme_id", "country_id", "day", "key")
        ]
    return sorted(rows, key=str)


def assert_in_step():
    before = stored()
    counts.recount()
    assert stored() == before


def n(record="concern", country="KAZ", theme=None, all_themes=False, **where) -> int:
    rows = m.RecordCount.objects.filter(
        record=record, country=country, theme=theme, all_themes=all_themes, **where
    )
    return sum(rows.values_list("n", flat=True))


@pytest.fixture
def world():
    kaz = CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    torture = ThemeFactory(slug="torture")
    speech = ThemeFactory(slug="freedom-of-expression")
    return kaz, kgz, torture, speech


def test_every_edit_of_a_concern_keeps_the_counts_in_step(world):
    kaz, kgz, torture, speech = world
    concern = ConcernFactory(country=kaz, themes=[torture, speech])
    assert n(theme=torture) == n(theme=speech) == 1
    assert n(all_themes=True, outcome="no_information") == 1  # once, not once per theme
    assert_in_step()

    services.record_links_save(record=concern, links={"themes": [torture]})
    assert n(theme=speech) == 0
    assert_in_step()
    services.record_links_save(record=concern, links={"themes": []})
    assert n(theme=None) == 1  # no theme now
    assert_in_step()

    concern.status = m.Editorial.DRAFT
    services.record_save(record=concern)
    assert n(all_themes=True, status="draft") == 1
    assert n(all_themes=True, status="published") == 0
    assert_in_step()

    concern.country = kgz
    services.record_save(record=concern)
    assert n(all_themes=True) == 0
    assert n(country="KGZ", all_themes=True) == 1
    assert_in_step()

    # Nothing counted moves, but the theme links carry the date and the key.
    concern.issued_on = dt.date(2001, 2, 3)
    services.record_save(record=concern)
    assert m.ConcernThemeLink.objects.get().day == dt.date(2001, 2, 3)
    assert_in_step()
    concern.key = "renamed-concern"
    services.record_save(record=concern)
    assert_in_step()

    assessment = AssessmentFactory(concern=concern, verdict=m.Implementation.REGRESSED)
    assert n(country="KGZ", all_themes=True, outcome="regressed") == 1
    assert_in_step()
    services.assessment_delete(assessment=assessment)
    assert n(country="KGZ", all_themes=True, outcome="no_information") == 1
    assert_in_step()

    services.record_delete(record=concern)
    assert stored() == []


def test_claims_are_counted_by_verification(world):
    kaz, _kgz, torture, _speech = world
    claim = ClaimFactory(country=kaz, themes=[torture])
    AssessmentFactory(claim=claim, verdict=m.Verification.CONTRADICTED)
    assert n("claim", theme=torture, outcome="contradicted") == 1
    assert n("concern", all_themes=True) == 0
    assert_in_step()
    services.record_delete(record=claim)
    assert stored() == []


def test_a_deleted_theme_leaves_its_records_counted_without_it(world):
    kaz, kgz, torture, speech = world
    ConcernFactory(country=kaz, themes=[speech])
    ConcernFactory(country=kgz, themes=[torture])
    services.record_delete(record=speech)  # its records have no theme left
    assert n(theme=None) == 1
    assert_in_step()


def test_a_deferred_block_recounts_once_at_its_end(world):
    kaz, _kgz, torture, _speech = world
    with counts.deferred():
        for _ in range(3):
            ConcernFactory(country=kaz, themes=[torture])
        assert stored() == []
        with counts.deferred():  # nested: the outer block recounts
            ConcernFactory(country=kaz)
        assert stored() == []
    assert n(theme=torture) == 3
    assert n(all_themes=True) == 4
    assert_in_step()


def test_a_failed_block_recounts_nothing(world):
    kaz, *_ = world
    with pytest.raises(RuntimeError), counts.deferred():
        ConcernFactory(country=kaz)
        raise RuntimeError
    assert stored() == []


def test_imports_and_seeds_keep_the_counts_in_step(db, tmp_path):
    call_command("load_seeds", stdout=io.StringIO())
    assert n(country="KAZ", all_themes=True) == m.Concern.objects.filter(country="KAZ").count()
    assert_in_step()

    BodyFactory(code="XYZ", name="A body")
    path = tmp_path / "uhri.csv"
    path.write_text(
        "AnnotationId,Symbol,Text,PublicationDate,Countries,Themes,Body\n"
        "a-1,XYZ/C/UZB/CO/1,Text one.,2020-01-02,Uzbekistan,Torture,XYZ\n"
        "a-2,XYZ/C/UZB/CO/1,Text two.,2020-01-02,Uzbekistan,,XYZ\n"
    )
    before = n(country="UZB", all_themes=True)
    call_command("import", "uhri", str(path), "--dry-run", stdout=io.StringIO())
    assert n(country="UZB", all_themes=True) == before
    call_command("import", "uhri", str(path), stdout=io.StringIO())
    assert n(country="UZB", all_themes=True, status="draft") == 2
    assert_in_step()


def test_the_migration_counts_what_is_there(world):
    kaz, _kgz, torture, _speech = world
    ConcernFactory(country=kaz, themes=[torture])
    m.RecordCount.objects.all().delete()
    from django.apps import apps

    fill = import_module("tracker.migrations.0007_record_counts").fill
    fill(apps, SimpleNamespace(connection=connection))  # with the migration's own models
    assert n(theme=torture) == 1
    assert_in_step()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite's write transactions take turns (IMMEDIATE)"
)
@pytest.mark.parametrize("rewrite", ["country", "record"])
def test_two_writers_rewriting_one_countrys_rows_at_once_leave_them_written_once(rewrite):
    # Each rewrite deletes a country's rows and inserts them again. On PostgreSQL a second
    # writer's DELETE, blocked by the first writer's uncommitted one, does not see the rows the
    # first one inserted: without a turn per country both sets stayed, every count doubled and
    # each record twice among the newest of its theme.
    import threading
    import time

    from django.db import connections, transaction

    kaz = CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    concern = ConcernFactory(country=kaz, themes=[ThemeFactory(slug="torture")])
    ClaimFactory(country=kaz, themes=[ThemeFactory(slug="torture")])
    written = threading.Event()

    def rewritten():
        if rewrite == "country":
            counts.recount(["KAZ"])
        else:
            counts.relink(m.Concern, [concern.pk])

    def first():
        try:
            with transaction.atomic():
                rewritten()
                written.set()
                time.sleep(0.5)  # uncommitted while the second writer starts
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert written.wait(10)
    with transaction.atomic():
        counts.recount(["KAZ"])
    thread.join()
    assert_in_step()
    assert m.ConcernThemeLink.objects.count() == 1
