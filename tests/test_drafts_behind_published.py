"""A published record that points at a draft never shows the draft to the public.

The rule (``EditorialQuerySet.published``): a record is public when it is published and so is
every record it rests on (its source; a concern's review; an assessment's concern or claim; a
reservation's ratification). Many-to-many links (an assessment's reports, a claim's concerns) show
only what the visitor may see. Id filters answer for a draft id exactly as for an unknown one.
"""

import re

import pytest
from django.core.cache import cache

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db

MARK = "HIDDENDRAFT"
DRAFT = {"status": m.Editorial.DRAFT}


@pytest.fixture
def web():
    """Published records around KAZ, each pointing at a draft of another kind."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    theme = f.ThemeFactory(slug="expression", name="Freedom of expression")
    instrument = f.InstrumentFactory()
    theme.instruments.add(instrument)
    source = f.SourceFactory(key="src-pub", title="Published source")
    draft_source = f.SourceFactory(
        key="src-draft",
        title=f"{MARK} source title",
        publisher=f"{MARK} publisher",
        symbol=f"{MARK}/1",
        url="https://example.org/HIDDENDRAFT",
        **DRAFT,
    )
    draft_review = f.ReviewFactory(
        country=kaz, symbol=f"CCPR/C/{MARK}/CO/1", source=source, **DRAFT
    )
    # Ids of six digits, so that comparing pages can replace them without touching anything else.
    draft_concern = f.ConcernFactory(
        id=424242, country=kaz, themes=[theme], summary=f"{MARK} concern.", source=source, **DRAFT
    )
    draft_claim = f.ClaimFactory(
        id=434343, country=kaz, themes=[theme], summary=f"{MARK} claim.", source=source, **DRAFT
    )
    draft_report = f.ReportFactory(
        country=kaz, themes=[theme], summary=f"{MARK} report.", source=source, **DRAFT
    )
    draft_ratification = f.RatificationFactory(
        country=kaz, instrument=instrument, locator=MARK, source=source, **DRAFT
    )
    # Published records resting on the drafts.
    on_draft_source = f.ConcernFactory(
        country=kaz, themes=[theme], summary=f"Cites a draft source {MARK}-x.", source=draft_source
    )
    on_draft_review = f.ConcernFactory(
        country=kaz,
        themes=[theme],
        summary="Part of a draft review.",
        review=draft_review,
        source=source,
    )
    judging_draft = f.AssessmentFactory(
        concern=draft_concern,
        rationale="Judges a draft concern.",
        verdict="implemented",
        source=source,
    )
    claim = f.ClaimFactory(country=kaz, themes=[theme], summary="A published claim.", source=source)
    claim.concerns.add(draft_concern)
    report = f.ReportFactory(
        country=kaz, themes=[theme], summary="A published report.", source=source
    )
    report.concerns.add(draft_concern)
    f.StanceFactory(report=report, claim=draft_claim, stance=m.Stance.Kind.SUPPORTS)
    f.StanceFactory(report=draft_report, claim=claim)
    concern = f.ConcernFactory(
        country=kaz, themes=[theme], summary="A published concern.", source=source
    )
    resting_on_draft_report = f.AssessmentFactory(
        concern=concern, rationale="Rests on reports.", verdict="implemented", source=source
    )
    resting_on_draft_report.reports.add(draft_report, report)
    reservation = m.Reservation.objects.create(
        key="res-on-draft",
        ratification=draft_ratification,
        kind="declaration",
        summary="A declaration on a draft ratification.",
        source=source,
        status=m.Editorial.PUBLISHED,
    )
    # A published reporting row citing the draft source: the country page names its source.
    reporting = f.ReportingStatusFactory(
        country=kaz, body=f.BodyFactory(code="CCPR"), scheduled_review="Next", source=draft_source
    )
    return {
        "kaz": kaz,
        "reporting": reporting,
        "draft_concern": draft_concern,
        "draft_claim": draft_claim,
        "draft_report": draft_report,
        "on_draft_source": on_draft_source,
        "on_draft_review": on_draft_review,
        "judging_draft": judging_draft,
        "claim": claim,
        "report": report,
        "concern": concern,
        "assessment": resting_on_draft_report,
        "reservation": reservation,
    }


def public_paths(web):
    ids = {name: obj.pk for name, obj in web.items() if hasattr(obj, "pk") and name != "kaz"}
    return [
        "/",
        "/countries/KAZ/",
        "/countries/KAZ/?theme=expression",
        "/compare/?countries=KAZ,KGZ&theme=expression",
        "/concerns/",
        "/claims/",
        "/reports/",
        "/sources/",
        "/treaties/",
        f"/concerns/{ids['concern']}/",
        f"/claims/{ids['claim']}/",
        f"/reports/{ids['report']}/",
        "/feeds/concerns/KAZ/",
        "/feeds/reports/",
        "/api/concerns/",
        "/api/concerns/?format=csv",
        "/api/claims/",
        "/api/claims/?format=csv",
        "/api/reports/",
        "/api/assessments/",
        "/api/assessments/?format=csv",
        "/api/reservations/",
        "/api/sources/",
        "/api/reviews/",
        "/api/reporting/",
        "/api/countries/KAZ/page/",
        f"/api/claims/{ids['claim']}/",
        f"/api/reports/{ids['report']}/",
        f"/api/assessments/{ids['assessment']}/",
        "/api/compare/?countries=KAZ,KGZ&theme=expression",
    ]


def test_no_public_response_shows_a_draft_behind_a_published_record(client, web):
    leaks = []
    for path in public_paths(web):
        cache.clear()
        response = client.get(path)
        assert response.status_code == 200, path
        if MARK in response.content.decode():
            found = re.findall(rf".{{0,60}}{MARK}.{{0,40}}", response.content.decode())
            leaks.append(f"{path}: {found[:2]}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("name", ["on_draft_source", "on_draft_review"])
def test_a_published_concern_resting_on_a_draft_is_not_public(client, web, editor, name):
    pk = web[name].pk
    assert client.get(f"/concerns/{pk}/").status_code == 404
    assert client.get(f"/api/concerns/{pk}/").status_code == 404
    client.force_login(editor)
    assert client.get(f"/concerns/{pk}/").status_code == 200


def test_an_assessment_of_a_draft_concern_is_not_public(client, web):
    assert client.get(f"/api/assessments/{web['judging_draft'].pk}/").status_code == 404


def test_a_reservation_on_a_draft_ratification_is_not_public(client, web):
    assert client.get(f"/api/reservations/{web['reservation'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "param", "draft"),
    [
        ("/api/claims/", "concern", "draft_concern"),
        ("/api/reports/", "claim", "draft_claim"),
        ("/api/reports/", "concern", "draft_concern"),
        ("/api/assessments/", "concern", "draft_concern"),
        ("/claims/", "concern", "draft_concern"),
        ("/reports/", "claim", "draft_claim"),
    ],
)
def test_an_id_filter_answers_for_a_draft_as_for_an_unknown_id(client, web, path, param, draft):
    extra = {"stance": "supports"} if param == "claim" else {}
    unknown = client.get(path, {param: 999999, **extra})
    drafted = client.get(path, {param: web[draft].pk, **extra})
    assert drafted.status_code == unknown.status_code == 400

    def shown(response, key):
        body = response.content.decode().replace(str(key), "N")
        return re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", body)

    assert shown(drafted, web[draft].pk) == shown(unknown, 999999)


def test_editors_may_filter_by_their_drafts(client, web, editor):
    client.force_login(editor)
    response = client.get("/api/reports/", {"claim": web["draft_claim"].pk, "stance": "supports"})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [web["report"].pk]


def test_staff_outside_the_editors_group_see_only_published_records(client, web):
    from django.contrib.auth.models import User

    staff = User.objects.create_user("staffer", password="staff-pass-1234", is_staff=True)
    client.force_login(staff)
    assert client.get(f"/api/concerns/{web['draft_concern'].pk}/").status_code == 404
    assert MARK not in client.get("/concerns/").content.decode()
    assert client.get("/admin/work-queue/").status_code in (302, 403)


def test_stored_counts_leave_out_records_resting_on_drafts(client, web):
    # The pages' stored counts and the lists agree: both leave the hidden records out.
    from django.db.models import Sum

    listed = client.get("/api/concerns/", {"country": "KAZ"}).json()["count"]
    counted = m.RecordCount.objects.filter(
        record="concern", country="KAZ", all_themes=True, status=m.Editorial.PUBLISHED
    ).aggregate(n=Sum("n"))["n"]
    assert listed == counted == 1  # only "A published concern"
