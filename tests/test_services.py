"""The writes of ``tracker.services`` keep the derived data (current status, stored counts)
themselves, only when something counted changed, in a fixed number of queries; the admin and
the API go through them; no signal receiver keeps business data."""

import ast
import datetime as dt
import weakref
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tracker import counts, services
from tracker import models as m

pytestmark = pytest.mark.django_db

TRACKER = Path(__file__).resolve().parent.parent / "tracker"


# Where the database has row locks (PostgreSQL), a write that rewrites a country's derived
# rows first takes its turn for that country (``counts._take_turn``): one query more.
TURN = 1 if connection.features.has_select_for_update else 0


def n(country, record="concern", **where) -> int:
    rows = m.RecordCount.objects.filter(record=record, country=country, all_themes=True, **where)
    return sum(rows.values_list("n", flat=True))


def assert_in_step():
    """The stored counts and theme links are what a full recount writes."""

    def stored():
        rows = []
        for model in (m.RecordCount, m.ConcernThemeLink, m.ClaimThemeLink):
            rows += [(model.__name__, *row[1:]) for row in model.objects.values_list()]
        return sorted(rows, key=str)

    before = stored()
    counts.recount()
    assert stored() == before


def touches_counts(queries) -> bool:
    return any("tracker_recordcount" in q["sql"] for q in queries)


@pytest.fixture
def kaz():
    return f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")


@pytest.fixture
def kgz():
    return f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")


def test_editing_a_concerns_summary_recounts_nothing(kaz, django_assert_num_queries):
    f.ConcernFactory(country=kaz, themes=[f.ThemeFactory()])
    concern = m.Concern.objects.get()  # as the admin and the API read it
    concern.summary = "Reworded in our own words."
    # UPDATE concern (not its current status); then the history (django-simple-history):
    # INSERT historical concern, a read of the links of each of the 3 tracked many-to-many
    # fields, INSERT the one theme link's history.
    with django_assert_num_queries(6) as captured:
        services.record_save(record=concern)
    assert not touches_counts(captured.captured_queries)
    assert m.Concern.objects.get().summary == "Reworded in our own words."
    assert_in_step()


def test_a_new_date_rewrites_the_concerns_theme_links_and_recounts_nothing(
    kaz, django_assert_num_queries
):
    f.ConcernFactory(country=kaz, themes=[f.ThemeFactory()], issued_on=dt.date(2020, 1, 2))
    concern = m.Concern.objects.get()
    concern.issued_on = dt.date(2021, 3, 4)
    # the 6 of an edit (above), then (its country's turn,) DELETE and INSERT its theme links
    # (ThemeLink): nothing counted moved, so the country's counts are left alone
    with django_assert_num_queries(8 + TURN) as captured:
        services.record_save(record=concern)
    assert not touches_counts(captured.captured_queries)
    assert m.ConcernThemeLink.objects.get().day == dt.date(2021, 3, 4)
    assert_in_step()


def test_moving_a_concern_to_another_country_recounts_both(kaz, kgz, django_assert_num_queries):
    f.ConcernFactory(country=kaz)
    concern = m.Concern.objects.get()
    assert (n("KAZ"), n("KGZ")) == (1, 0)
    concern.country = kgz
    # the 5 of a save with its history (as above, no theme link), DELETE and INSERT the two
    # countries' counts, DELETE and INSERT the concern's theme links (``ThemeLink``), each
    # rewrite after its turn
    with django_assert_num_queries(9 + 2 * TURN):
        services.record_save(record=concern)
    assert (n("KAZ"), n("KGZ")) == (0, 1)
    assert_in_step()


def test_a_change_of_themes_recounts_the_country(kaz):
    torture, speech = f.ThemeFactory(slug="torture"), f.ThemeFactory(slug="speech")
    concern = f.ConcernFactory(country=kaz, themes=[torture])
    services.record_links_save(record=concern, links={"themes": [speech]})
    rows = m.RecordCount.objects.filter(record="concern", all_themes=False)
    assert set(rows.values_list("theme_id", flat=True)) == {"speech"}
    assert_in_step()


def test_publishing_a_source_moves_its_concerns_into_the_public_counts(kaz):
    draft = f.SourceFactory(status=m.Editorial.DRAFT)
    f.ConcernFactory(country=kaz, source=draft)
    f.ClaimFactory(country=kaz, source=draft)
    # Published records citing a draft are not public (public_condition): counted as drafts.
    assert n("KAZ", status="published") == n("KAZ", "claim", status="published") == 0
    source = m.Source.objects.get(pk=draft.pk)
    source.status = m.Editorial.PUBLISHED
    services.record_save(record=source)
    assert n("KAZ", status="published") == n("KAZ", "claim", status="published") == 1
    assert_in_step()
    services.records_publish(records=m.Source.objects.all(), status=m.Editorial.DRAFT)
    assert n("KAZ", status="published") == 0 and n("KAZ", status="draft") == 1
    assert_in_step()


def test_publishing_a_review_moves_its_concerns(kaz):
    review = f.ReviewFactory(country=kaz, status=m.Editorial.DRAFT)
    f.ConcernFactory(country=kaz, review=review, body=review.body)
    assert n("KAZ", status="published") == 0
    assert services.records_publish(records=m.Review.objects.all()) == 1
    assert n("KAZ", status="published") == 1
    assert_in_step()


def test_publishing_a_source_makes_an_assessment_citing_it_current(kaz):
    draft = f.SourceFactory(status=m.Editorial.DRAFT)
    concern = f.ConcernFactory(country=kaz)
    f.AssessmentFactory(concern=concern, source=draft, verdict="implemented")
    assert m.Concern.objects.get().implementation == m.Implementation.NO_INFORMATION
    services.records_publish(records=m.Source.objects.filter(pk=draft.pk))
    assert m.Concern.objects.get().implementation == "implemented"
    assert n("KAZ", outcome="implemented") == 1
    assert_in_step()


def test_saving_an_assessment_sets_the_concerns_implementation_in_six_queries(
    kaz, django_assert_num_queries
):
    concern = f.ConcernFactory(country=kaz)
    assessment = f.AssessmentFactory.build(concern=concern, verdict="regressed")
    assessment.source.save()
    # INSERT assessment, INSERT its history, read its reports (the reports' history), UPDATE
    # the concern's implementation (only if it changes), (its country's turn,) DELETE and
    # INSERT its country's counts
    with django_assert_num_queries(6 + TURN):
        services.assessment_save(assessment=assessment)
    assert m.Concern.objects.get().implementation == "regressed"
    assert n("KAZ", outcome="regressed") == 1

    edited = m.Assessment.objects.get()  # as the admin and the API read it
    edited.verdict = "implemented"
    # UPDATE assessment, its history, its reports, UPDATE the concern, DELETE, INSERT counts
    with django_assert_num_queries(6 + TURN):
        services.record_save(record=edited)
    assert m.Concern.objects.get().implementation == "implemented"
    assert_in_step()

    edited.rationale = "A clearer rationale."
    # Nothing that picks the current status changed: the assessment and its history only.
    with django_assert_num_queries(3) as captured:
        services.record_save(record=edited)
    assert not touches_counts(captured.captured_queries)


def test_deleting_an_assessment_restores_the_previous_status(kaz):
    concern = f.ConcernFactory(country=kaz)
    f.AssessmentFactory(concern=concern, verdict="not_implemented", assessed_on=dt.date(2020, 1, 1))
    newer = f.AssessmentFactory(concern=concern, verdict="implemented")
    assert m.Concern.objects.get().implementation == "implemented"
    services.record_delete(record=m.Assessment.objects.get(pk=newer.pk))
    assert m.Concern.objects.get().implementation == "not_implemented"
    assert n("KAZ", outcome="not_implemented") == 1
    assert_in_step()


def test_a_plain_model_save_keeps_no_derived_data(kaz):
    """Nothing is hidden in signals: only the services keep the derived data."""
    concern = f.ConcernFactory(country=kaz)
    m.Assessment.objects.create(
        concern=concern,
        verdict="implemented",
        assessed_on=dt.date(2022, 1, 1),
        rationale="-",
        status=m.Editorial.PUBLISHED,
    )
    assert m.Concern.objects.get().implementation == m.Implementation.NO_INFORMATION
    counts.refresh_current_status(concerns=[concern.pk])
    assert m.Concern.objects.get().implementation == "implemented"
    assert_in_step()


def test_no_signal_receiver_of_the_tracker_keeps_business_data():
    allowed = {"tracker.cache"}  # cache invalidation only
    for signal in (pre_save, post_save, pre_delete, post_delete, m2m_changed):
        for _key, ref, *_rest in signal.receivers:
            receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
            module = getattr(receiver, "__module__", "")
            if module.startswith("tracker"):
                assert module in allowed, (signal, receiver)


def test_models_import_nothing_else_of_the_tracker():
    tree = ast.parse((TRACKER / "models.py").read_text())
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ]
    imported += [a.name for n_ in ast.walk(tree) if isinstance(n_, ast.Import) for a in n_.names]
    assert not [name for name in imported if name.startswith("tracker")]


# Bulk writes of counted records in runtime code, each with what keeps the counts after it.
BULK_WRITES_RECOUNTED = {
    "counts.py:refresh_current_status": "changed() for the rows it wrote",
    "importers/uhri.py:_concerns": "counts.changed(countries) for the concerns it wrote",
}


def _bulk_writes():
    """(file:function, call) of every queryset ``update()`` and ``bulk_update`` in runtime code
    on concerns or claims (or records named so)."""
    found = []
    for path in sorted(TRACKER.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(func):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                target = ast.unparse(call.func.value)
                if call.func.attr in ("update", "bulk_update") and (
                    "Concern" in target or "Claim" in target or "records" in target
                ):
                    name = f"{path.relative_to(TRACKER).as_posix()}:{func.name}"
                    found.append((name, ast.unparse(func)))
    return found


def test_every_bulk_write_of_counted_records_is_followed_by_a_recount():
    writes = _bulk_writes()
    assert writes, "the scan finds the known bulk writes"
    for name, source in writes:
        assert "changed(" in source or "recount(" in source, name
        assert name in BULK_WRITES_RECOUNTED, f"{name}: say what recounts after it"


def test_an_api_edit_of_a_summary_recounts_nothing(editor_client, kaz):
    concern = f.ConcernFactory(country=kaz)
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.patch(
            f"/api/concerns/{concern.pk}/",
            {"summary": "New words."},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert not touches_counts(captured.captured_queries)


def test_an_api_move_of_a_concern_recounts_both_countries(editor_client, kaz, kgz):
    concern = f.ConcernFactory(country=kaz)
    response = editor_client.patch(
        f"/api/concerns/{concern.pk}/", {"country": "KGZ"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert (n("KAZ"), n("KGZ")) == (0, 1)
    assert_in_step()


def test_an_api_assessment_sets_the_concerns_implementation(editor_client, kaz):
    concern = f.ConcernFactory(country=kaz)
    response = editor_client.post(
        "/api/assessments/",
        {
            "key": "kaz-assessment-1",
            "status": "published",
            "source": concern.source_id,
            "concern": concern.pk,
            "verdict": "partially_implemented",
            "assessed_on": "2023-05-01",
            "rationale": "Half of the recommendation applied.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert m.Concern.objects.get().implementation == "partially_implemented"
    assert n("KAZ", outcome="partially_implemented") == 1
    response = editor_client.delete(f"/api/assessments/{response.json()['id']}/")
    assert response.status_code == 204
    assert m.Concern.objects.get().implementation == m.Implementation.NO_INFORMATION
    assert_in_step()


def admin_data(concern, **changes):
    data = {
        "key": concern.key,
        "status": concern.status,
        "source": concern.source_id,
        "locator": concern.locator,
        "body": concern.body_id,
        "country": concern.country_id,
        "issued_on": concern.issued_on.isoformat(),
        "issued_on_precision": concern.issued_on_precision,
        "paragraph": concern.paragraph,
        "kind": concern.kind,
        "summary": concern.summary,
        "assessments-TOTAL_FORMS": "0",
        "assessments-INITIAL_FORMS": "0",
        "assessments-MIN_NUM_FORMS": "0",
        "assessments-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_an_admin_edit_recounts_only_when_something_counted_changed(editor_client, kaz, kgz):
    concern = f.ConcernFactory(country=kaz)
    url = reverse("admin:tracker_concern_change", args=[concern.pk])
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.post(url, admin_data(concern, summary="Reworded."))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not touches_counts(captured.captured_queries)
    theme = f.ThemeFactory(slug="torture")
    response = editor_client.post(url, admin_data(concern, country="KGZ", themes=[theme.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (n("KAZ"), n("KGZ")) == (0, 1)
    assert m.RecordCount.objects.filter(country="KGZ", theme=theme).exists()
    assert_in_step()


def test_an_admin_inline_assessment_sets_the_implementation(editor_client, kaz):
    concern = f.ConcernFactory(country=kaz)
    url = reverse("admin:tracker_concern_change", args=[concern.pk])
    data = admin_data(concern)
    data.update(
        {
            "assessments-TOTAL_FORMS": "1",
            "assessments-0-verdict": "implemented",
            "assessments-0-assessor": "editor",
            "assessments-0-assessed_on": "2024-01-01",
            "assessments-0-rationale": "Applied in full.",
            "assessments-0-status": "published",
            "assessments-0-key": "kaz-inline-assessment",
            "assessments-0-source": concern.source_id,
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert m.Concern.objects.get().implementation == "implemented"
    assert n("KAZ", outcome="implemented") == 1


def test_the_admin_publish_action_recounts_and_refuses_an_invalid_record(editor_client, kaz):
    f.ConcernFactory(country=kaz, status=m.Editorial.DRAFT)
    unsourced = f.ConcernFactory(country=kaz, status=m.Editorial.DRAFT, source=None)
    url = reverse("admin:tracker_concern_changelist")
    pks = list(m.Concern.objects.values_list("pk", flat=True))
    response = editor_client.post(url, {"action": "publish", "_selected_action": pks}, follow=True)
    assert response.status_code == 200
    assert "must cite its source" in response.content.decode()
    assert not m.Concern.objects.filter(status=m.Editorial.PUBLISHED).exists()  # none changed
    services.record_delete(record=unsourced)
    editor_client.post(url, {"action": "publish", "_selected_action": pks[:1]})
    assert n("KAZ", status="published") == 1
    assert_in_step()


def test_the_admin_bulk_delete_recounts(editor_client, kaz):
    f.ConcernFactory(country=kaz)
    f.ConcernFactory(country=kaz)
    url = reverse("admin:tracker_concern_changelist")
    pks = list(m.Concern.objects.values_list("pk", flat=True))
    response = editor_client.post(
        url, {"action": "delete_selected", "_selected_action": pks, "post": "yes"}
    )
    assert response.status_code == 302
    assert not m.Concern.objects.exists() and n("KAZ") == 0


def _write_part(queries) -> list[str]:
    """The queries of the write itself: from the first write of the record to the recount."""
    sqls = [q["sql"] for q in queries]
    first = next(i for i, q in enumerate(sqls) if q.startswith(("UPDATE", "INSERT")))
    last = max(i for i, q in enumerate(sqls) if q.startswith("INSERT INTO tracker_recordcount"))
    return sqls[first : last + 1]


def test_an_api_assessment_edit_writes_in_six_queries(
    editor_client, kaz, django_assert_num_queries
):
    assessment = f.AssessmentFactory(concern=f.ConcernFactory(country=kaz), verdict="implemented")
    # session, user, the user's own and group permissions, SAVEPOINT, the assessment locked
    # (get_object) and its reports; validation: the source and the concern exist, the key is
    # unique, the check constraint (SAVEPOINT, SELECT, RELEASE); the write (6, as
    # services.assessment_save, and the turn); the response read back: the assessment, its
    # reports; RELEASE
    with django_assert_num_queries(22 + TURN) as captured:
        response = editor_client.patch(
            f"/api/assessments/{assessment.pk}/",
            {"verdict": "regressed"},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert len(_write_part(captured.captured_queries)) == 6 + TURN
    assert m.Concern.objects.get().implementation == "regressed"
    assert_in_step()


def test_an_admin_assessment_edit_writes_in_six_queries(
    editor_client, kaz, django_assert_num_queries
):
    concern = f.ConcernFactory(country=kaz)
    assessment = f.AssessmentFactory(concern=concern, verdict="implemented")
    url = reverse("admin:tracker_assessment_change", args=[assessment.pk])
    data = {
        "key": assessment.key,
        "status": "published",
        "source": assessment.source_id,
        "locator": "para. 2",
        "concern": concern.pk,
        "verdict": "regressed",
        "assessor": "editor",
        "assessed_on": "2022-01-01",
        "rationale": "Reversed since.",
    }
    ContentType.objects.clear_cache()  # the same count whichever tests ran before
    # session, user, SAVEPOINT, the assessment, the user's own and group permissions, the
    # reports field's choices, the edited version (twice: form start and check), the source
    # and the concern chosen, their existence checks (2), the check constraint (SAVEPOINT,
    # SELECT, RELEASE), the key unique; the write (6, as services.assessment_save, and the
    # turn); its links
    # (the reports held, compared with the form's), recorded in the history row just written
    # (that row, its links as recorded, the links now: one row per save); the admin log entry
    # (its content type, INSERT); RELEASE
    with django_assert_num_queries(30 + TURN) as captured:
        response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    write = _write_part(captured.captured_queries)
    assert len(write) == 6 + TURN and not any("django_admin_log" in q for q in write)
    assert m.Concern.objects.get().implementation == "regressed"
    assert_in_step()


def test_an_edit_read_before_an_assessment_keeps_the_status_the_assessment_set(kaz):
    """Two editors at once: one opens a concern, the other saves an assessment of it, then the
    first saves the concern. The concern keeps the assessment's verdict, not the one the first
    editor's copy held (a derived column is never written back from a copy)."""
    f.ConcernFactory(country=kaz)
    held = m.Concern.objects.get()  # the first editor's copy
    assert held.implementation == "no_information"
    services.assessment_save(
        assessment=m.Assessment(
            key="a-1",
            concern=m.Concern.objects.get(),
            verdict="regressed",
            assessor="editor",
            assessed_on=dt.date(2023, 1, 1),
            rationale="Reversed since.",
            source=held.source,
            status="published",
        )
    )
    held.summary = "Reworded."
    services.record_save(record=held)
    stored = m.Concern.objects.get()
    assert (stored.summary, stored.implementation) == ("Reworded.", "regressed")
    assert_in_step()


def test_a_claim_edit_keeps_the_verification_likewise(kaz):
    f.ClaimFactory(country=kaz)
    held = m.Claim.objects.get()
    services.assessment_save(
        assessment=m.Assessment(
            key="a-1",
            claim=m.Claim.objects.get(),
            verdict="contradicted",
            assessor="editor",
            assessed_on=dt.date(2023, 1, 1),
            rationale="Reports contradict it.",
            source=held.source,
            status="published",
        )
    )
    held.summary = "Reworded."
    services.record_save(record=held)
    assert m.Claim.objects.values_list("summary", "verification").get() == (
        "Reworded.",
        "contradicted",
    )
    assert_in_step()
