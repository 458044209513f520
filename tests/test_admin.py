"""The admin as an editing tool: validation, history, work queue, comparison and query counts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db

INLINE = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def management(prefix):
    return {f"{prefix}-{k}": v for k, v in INLINE.items()}


def test_editor_can_add_a_concern_with_its_themes(editor_client):
    country, body, source = f.CountryFactory(), f.BodyFactory(), f.SourceFactory()
    themes = [f.ThemeFactory(), f.ThemeFactory()]
    response = editor_client.post(
        reverse("admin:tracker_concern_add"),
        {
            "key": "kaz-ccpr-2016-torture",
            "status": "published",
            "source": source.pk,
            "locator": "para. 24",
            "body": body.pk,
            "country": country.pk,
            "issued_on": "2016-07-21",
            "issued_on_precision": "day",
            "paragraph": "24",
            "kind": "concern",
            "themes": [t.pk for t in themes],
            "summary": "Torture complaints are rarely investigated.",
            **management("assessments"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    concern = m.Concern.objects.get(key="kaz-ccpr-2016-torture")
    assert set(concern.themes.all()) == set(themes)
    # One history row for the record, one for its themes (many-to-many history), both by the editor.
    assert {h.history_user.username for h in concern.history.all()} == {"editor"}
    assert {t.theme_id for t in concern.history.first().themes.all()} == {t.pk for t in themes}


def test_ratification_with_action_before_signature_is_refused_with_a_clear_message(editor_client):
    country, instrument, source = f.CountryFactory(), f.InstrumentFactory(), f.SourceFactory()
    response = editor_client.post(
        reverse("admin:tracker_ratification_add"),
        {
            "key": "xaa-iccpr",
            "status": "published",
            "source": source.pk,
            "locator": "row 1",
            "country": country.pk,
            "instrument": instrument.pk,
            "signature_date": "2003-12-02",
            "signature_date_precision": "day",
            "action": "ratification",
            "action_date": "2001-01-24",
            "action_date_precision": "day",
            **management("reservations"),
        },
    )
    assert response.status_code == 200
    assert "The action date cannot be before the signature date." in response.content.decode()
    assert not m.Ratification.objects.exists()


def test_year_only_date_must_be_stored_as_first_of_january():
    ratification = f.RatificationFactory()
    ratification.action_date, ratification.action_date_precision = dt.date(2006, 5, 3), "year"
    with pytest.raises(ValidationError, match="1 January"):
        ratification.full_clean()


def test_history_records_an_edit_and_can_revert_it(editor_client):
    claim = f.ClaimFactory(summary="Original wording.")
    url = reverse("admin:tracker_claim_change", args=[claim.pk])
    data = {
        "key": claim.key,
        "status": "published",
        "source": claim.source_id,
        "locator": "s. 2",
        "country": claim.country_id,
        "kind": "law",
        "summary": "Edited wording.",
        "stated_on": "2021-02-01",
        "stated_on_precision": "month",
        **management("stances"),
        **management("assessments"),
    }
    assert editor_client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.summary == "Edited wording."
    first = claim.history.earliest()
    history_page = editor_client.get(reverse("admin:tracker_claim_history", args=[claim.pk]))
    assert history_page.status_code == 200 and "editor" in history_page.content.decode()
    revert_url = reverse("admin:tracker_claim_simple_history", args=[claim.pk, first.history_id])
    form = editor_client.get(revert_url)
    assert form.status_code == 200 and "Original wording." in form.content.decode()
    data["summary"] = "Original wording."
    assert editor_client.post(revert_url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.summary == "Original wording." and claim.history.count() >= 3


def test_work_queue_lists_a_claim_without_report_until_one_is_linked(editor_client):
    claim = f.ClaimFactory(key="claim-lonely")
    url = reverse("admin:work_queue")
    assert "claim-lonely" in editor_client.get(url).content.decode()
    f.StanceFactory(claim=claim)
    assert "claim-lonely" not in editor_client.get(url).content.decode()


def test_work_queue_flags_assessments_older_than_the_latest_review(editor_client):
    concern = f.ConcernFactory()
    f.AssessmentFactory(
        key="old-assessment",
        concern=concern,
        verdict="not_implemented",
        assessed_on=dt.date(2020, 1, 1),
    )
    url = reverse("admin:work_queue")
    assert "old-assessment" not in editor_client.get(url).content.decode()
    f.ReviewFactory(country=concern.country, body=concern.body, adopted_on=dt.date(2022, 3, 1))
    assert "old-assessment" in editor_client.get(url).content.decode()


def test_anonymous_and_viewer_cannot_open_the_admin(client, viewer):
    assert client.get(reverse("admin:tracker_concern_changelist")).status_code == 302
    client.force_login(viewer)
    assert client.get(reverse("admin:tracker_concern_changelist")).status_code == 302


def build(n):
    theme = f.ThemeFactory()
    for i in range(n):
        country = f.CountryFactory()
        claim = f.ClaimFactory(country=country, themes=[theme])
        concern = f.ConcernFactory(country=country, themes=[theme])
        report = f.ReportFactory(country=country, themes=[theme])
        f.StanceFactory(claim=claim, report=report)
        f.AssessmentFactory(concern=concern, verdict="implemented")
        f.RatificationFactory(country=country, instrument=f.InstrumentFactory(code=f"I{i}"))
        f.ReviewFactory(country=country)
        f.ReportingStatusFactory(country=country)
        f.ObservationFactory(country=country)
        f.PledgeFactory(country=country)


CHANGELISTS = [
    # model name: queries = session, user, groups' permissions check is cached in one query,
    # the filtered count, the page of rows, and one per related-field list filter / prefetch.
    "country",
    "body",
    "instrument",
    "theme",
    "source",
    "ratification",
    "reservation",
    "pledge",
    "review",
    "reportingstatus",
    "concern",
    "claim",
    "report",
    "assessment",
    "observation",
    "statussnapshot",
    "indicator",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(model, superuser, client):
    client.force_login(superuser)
    url = reverse(f"admin:tracker_{model}_changelist")
    build(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    build(3)  # 1 row, then 4: a query per row would show as 3 more
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_concern_changelist_runs_a_fixed_number_of_queries(
    superuser, client, django_assert_num_queries
):
    client.force_login(superuser)
    build(5)
    # session, user, count, rows, themes prefetch, 4 filter choices (country, body, themes, years)
    with django_assert_num_queries(9):
        client.get(reverse("admin:tracker_concern_changelist"))


def test_country_change_page_shows_the_comparison_read_only(editor_client):
    theme = f.ThemeFactory(name="Torture")
    concern = f.ConcernFactory(themes=[theme], summary="Confessions extracted under duress.")
    claim = f.ClaimFactory(country=concern.country, themes=[theme])
    f.StanceFactory(claim=claim)
    page = editor_client.get(reverse("admin:tracker_country_change", args=[concern.country_id]))
    html = page.content.decode()
    assert "Commitments against reported practice" in html
    assert "Confessions extracted under duress." in html and "Torture" in html


def test_editors_change_the_uhri_theme_mapping_and_the_next_import_follows_it(
    editor_client, tmp_path
):
    from django.core.management import call_command

    f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.BodyFactory(code="CRC", name="Committee on the Rights of the Child")
    health = f.ThemeFactory(slug="health", name="Right to health")
    children = f.ThemeFactory(slug="rights-of-the-child", name="Rights of the child")
    mapping = m.ThemeAlias.objects.create(uhri_theme="Sexual & reproductive health", theme=children)
    url = reverse("admin:tracker_themealias_changelist")
    assert "Sexual &amp; reproductive health" in editor_client.get(url).content.decode()
    response = editor_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": mapping.pk,
            "form-0-theme": health.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mapping.refresh_from_db()
    assert mapping.theme_id == "health"
    path = tmp_path / "x.csv"
    path.write_text(
        "AnnotationId,Symbol,Text,Countries,Body,Themes\n"
        "t-1,CRC/C/KAZ/CO/5,Some text.,Kazakhstan,CRC,Sexual & reproductive health\n"
    )
    call_command("import", "uhri", str(path), stdout=__import__("io").StringIO())
    assert list(m.Concern.objects.get().themes.values_list("slug", flat=True)) == ["health"]


def test_editors_add_a_body_alias_on_the_body_and_imports_find_the_body_by_it(editor_client):
    from tracker.importers.uhri import Bodies

    body = f.BodyFactory(
        code="SR-FOOD", name="Special Rapporteur on the right to food", kind="special_procedure"
    )
    response = editor_client.post(
        reverse("admin:tracker_body_change", args=[body.pk]),
        {
            "code": "SR-FOOD",
            "name": body.name,
            "name_ru": "",
            "kind": "special_procedure",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-alias": "Rapporteur alimentation",
            "aliases-0-body": "SR-FOOD",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Bodies().find("Rapporteur alimentation") == "SR-FOOD"
    listing = editor_client.get(reverse("admin:tracker_bodyalias_changelist")).content.decode()
    assert "Rapporteur alimentation" in listing and "UN special procedure" in listing


@pytest.mark.parametrize("model", ["bodyalias", "themealias", "affectedperson", "sdgtarget"])
def test_vocabulary_changelists_run_the_same_queries_for_1_or_8_rows(model, superuser, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            body, theme = f.BodyFactory(code=f"B{m.Body.objects.count()}"), f.ThemeFactory()
            m.BodyAlias.objects.create(alias=f"alias of {body.code}", body=body)
            m.ThemeAlias.objects.create(uhri_theme=f"UHRI {theme.slug}", theme=theme)
            m.AffectedPerson.objects.create(slug=theme.slug, name=theme.name)
            m.SdgTarget.objects.create(code=f"1.{m.SdgTarget.objects.count()}", name="x")

    client.force_login(superuser)
    url = reverse(f"admin:tracker_{model}_changelist")
    add(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(7)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
