"""The whole permission matrix, and drafts kept from the public everywhere.

Roles: anonymous, viewer (logged in, no permissions), editor (Editors group), admin (superuser),
against every public page, every API endpoint and method, the admin's changelist, add, change and
delete pages, the work queue and the import view. Then: a draft of every kind of record never
reaches an anonymous visitor, on pages, API lists and details, CSV, Atom feeds, search, facet
counts, the home grid or the compare page: each anonymous response is the same with the drafts in
the database as without them.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "editor", "admin")
DRAFT = "DRAFTMARK"


@pytest.fixture
def records():
    """One published record of each kind around KAZ, a draft of each kind, and one unused
    reference row per reference model (which may be deleted)."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    theme = f.ThemeFactory(slug="expression", name="Freedom of expression")
    instrument = f.InstrumentFactory()
    theme.instruments.add(instrument)
    indicator = f.IndicatorFactory()
    source = f.SourceFactory(key="src-pub")
    published = {
        "source": source,
        "ratification": f.RatificationFactory(country=kaz, instrument=instrument, source=source),
        "review": f.ReviewFactory(country=kaz, source=source),
        "concern": f.ConcernFactory(country=kaz, themes=[theme], source=source),
        "claim": f.ClaimFactory(country=kaz, themes=[theme], source=source),
        "report": f.ReportFactory(country=kaz, themes=[theme], source=source),
        "pledge": f.PledgeFactory(country=kaz, source=source),
        "observation": f.ObservationFactory(country=kaz, indicator=indicator, source=source),
    }
    published["assessment"] = f.AssessmentFactory(
        concern=published["concern"], verdict="partially_implemented", source=source
    )
    published["reservation"] = m.Reservation.objects.create(
        key="res-pub",
        ratification=published["ratification"],
        kind="declaration",
        summary="A published declaration.",
        source=source,
        status=m.Editorial.PUBLISHED,
    )
    published["statussnapshot"] = m.StatusSnapshot.objects.create(
        key="snap-pub",
        country=kaz,
        instrument=instrument,
        as_of=dt.date(2022, 1, 1),
        as_of_precision="day",
        reported_status="party",
        source=source,
        status=m.Editorial.PUBLISHED,
    )
    f.StanceFactory(report=published["report"], claim=published["claim"])

    # Drafts, each carrying the marker in a text field and linked into the published data
    # (same country, theme, instrument) so that a leak would show in lists, counts and feeds.
    d = {"status": m.Editorial.DRAFT}
    draft_source = f.SourceFactory(key=f"src-{DRAFT}", title=f"{DRAFT} source", **d)
    other = f.InstrumentFactory(code="CAT", title="Convention against Torture", short_title="CAT")
    drafts = {
        "source": draft_source,
        "ratification": f.RatificationFactory(
            key=f"rat-{DRAFT}", country=kaz, instrument=other, locator=DRAFT, **d
        ),
        "review": f.ReviewFactory(country=kaz, symbol=f"CCPR/C/{DRAFT}/CO/9", **d),
        "concern": f.ConcernFactory(
            country=kaz, themes=[theme], summary=f"{DRAFT} concern about torture.", **d
        ),
        "claim": f.ClaimFactory(country=kaz, themes=[theme], summary=f"{DRAFT} claim.", **d),
        "report": f.ReportFactory(country=kaz, themes=[theme], summary=f"{DRAFT} report.", **d),
        "pledge": f.PledgeFactory(country=kaz, summary=f"{DRAFT} pledge.", **d),
        "observation": f.ObservationFactory(
            country=kaz, indicator=indicator, observed_on=dt.date(2023, 1, 1), locator=DRAFT, **d
        ),
        "assessment": f.AssessmentFactory(
            concern=published["concern"],
            rationale=f"{DRAFT} rationale.",
            verdict="regressed",
            assessed_on=dt.date(2024, 1, 1),
            **d,
        ),
        "reservation": m.Reservation.objects.create(
            key=f"res-{DRAFT}",
            ratification=published["ratification"],
            kind="reservation",
            summary=f"{DRAFT} reservation.",
            source=source,
            **d,
        ),
        "statussnapshot": m.StatusSnapshot.objects.create(
            key=f"snap-{DRAFT}",
            country=kaz,
            instrument=other,
            as_of=dt.date(2022, 1, 1),
            as_of_precision="day",
            reported_status="signatory",
            note=DRAFT,
            source=source,
            **d,
        ),
    }
    f.StanceFactory(report=drafts["report"], claim=published["claim"])
    f.StanceFactory(report=published["report"], claim=drafts["claim"])
    # Reference rows nothing points at, so that deleting them is allowed.
    spare = {
        "country": f.CountryFactory(code="ZZZ", iso2="ZZ", name="Spare country"),
        "body": f.BodyFactory(code="SPARE", name="Spare body"),
        "instrument": m.Instrument.objects.create(code="SPARE", title="Spare", short_title="S"),
        "theme": f.ThemeFactory(slug="spare", name="Spare theme"),
        "indicator": f.IndicatorFactory(slug="spare", name="Spare indicator"),
    }
    return {"published": published, "drafts": drafts, "spare": spare, "kaz": kaz}


def login(client, role, request):
    """The Django test client logged in as ``role`` (or left anonymous)."""
    users = {"viewer": "viewer", "editor": "editor", "admin": "superuser"}
    if role != "anonymous":
        client.force_login(request.getfixturevalue(users[role]))
    return client


# Every public page, given a published record of its kind: everyone may read it.
PAGES = [
    "/",
    "/countries/",
    "/countries/KAZ/",
    "/instruments/ICCPR/",
    "/instruments/CAT/",
    "/themes/expression/",
    "/compare/?countries=KAZ,KGZ",
    "/treaties/",
    "/concerns/",
    "/claims/",
    "/reports/",
    "/sources/",
    "/feeds/concerns/",
    "/feeds/claims/KAZ/",
    "/feeds/reports/theme/expression/",
    "/feeds/countries/KAZ/",
    "/api/",
    "/api/schema/",
    "/api/docs/",
    "/api/compare/?countries=KAZ,KGZ",
]
DETAIL_PAGES = ["concern", "claim", "report", "source"]

# API endpoints: (basename, kind of record, lookup attribute).
EDITORIAL = [
    "source",
    "ratification",
    "statussnapshot",
    "reservation",
    "review",
    "concern",
    "claim",
    "report",
    "assessment",
    "pledge",
    "observation",
]
REFERENCE = {"country": "code", "body": "code", "instrument": "code", "theme": "slug"}
REFERENCE["indicator"] = "slug"
API_PATHS = {
    "statussnapshot": "status-snapshots",
    "country": "countries",
    "body": "bodies",
    "observation": "observations",
}


def api_path(name: str) -> str:
    return "/api/" + API_PATHS.get(name, name + "s") + "/"


READ = dict.fromkeys(ROLES, 200)
# Drafts: editors and admins see them, everyone else is told there is no such record.
DRAFT_READ = {"anonymous": 404, "viewer": 404, "editor": 200, "admin": 200}
# Writes: anonymous and viewers are refused (403: the session scheme sends no challenge).
# An empty POST passes the permission check and fails validation (400); a PATCH of nothing
# succeeds (200); a DELETE of a record nothing depends on succeeds (204).
POST_EMPTY = {"anonymous": 403, "viewer": 403, "editor": 400, "admin": 400}
PATCH_EMPTY = {"anonymous": 403, "viewer": 403, "editor": 200, "admin": 200}
DELETE = {"anonymous": 403, "viewer": 403, "editor": 204, "admin": 204}
# The admin sends anyone who is not staff to its login page.
ADMIN = {"anonymous": 302, "viewer": 302, "editor": 200, "admin": 200}


def matrix(records):
    """Rows of (method, path, body, expected status by role)."""
    rows = [("GET", path, None, READ) for path in PAGES]
    for name in DETAIL_PAGES:
        pub, draft = records["published"][name], records["drafts"][name]
        rows += [("GET", f"/{name}s/{pub.pk}/", None, READ)]
        rows += [("GET", f"/{name}s/{draft.pk}/", None, DRAFT_READ)]
    for name in EDITORIAL:
        base = api_path(name)
        pub, draft = records["published"][name], records["drafts"][name]
        rows += [
            ("GET", base, None, READ),
            ("GET", base + "?format=csv", None, READ),
            ("GET", f"{base}{pub.pk}/", None, READ),
            ("GET", f"{base}{draft.pk}/", None, DRAFT_READ),
            ("POST", base, {}, POST_EMPTY),
            ("PATCH", f"{base}{pub.pk}/", {}, PATCH_EMPTY),
            ("DELETE", f"{base}{draft.pk}/", None, DELETE),
        ]
    for name, field in REFERENCE.items():
        base = api_path(name)
        spare = getattr(records["spare"][name], field)
        rows += [
            ("GET", base, None, READ),
            ("GET", f"{base}{spare}/", None, READ),
            ("POST", base, {}, POST_EMPTY),
            ("PATCH", f"{base}{spare}/", {}, PATCH_EMPTY),
            ("DELETE", f"{base}{spare}/", None, DELETE),
        ]
    for name in [*EDITORIAL, *REFERENCE]:
        model = (records["published"].get(name) or records["spare"].get(name))._meta.model
        obj = records["drafts"].get(name) or records["spare"][name]
        opts = model._meta
        rows += [
            ("GET", reverse(f"admin:tracker_{opts.model_name}_changelist"), None, ADMIN),
            ("GET", reverse(f"admin:tracker_{opts.model_name}_add"), None, ADMIN),
            ("GET", reverse(f"admin:tracker_{opts.model_name}_change", args=[obj.pk]), None, ADMIN),
            ("GET", reverse(f"admin:tracker_{opts.model_name}_delete", args=[obj.pk]), None, ADMIN),
        ]
    rows += [
        ("GET", reverse("admin:index"), None, ADMIN),
        ("GET", reverse("admin:work_queue"), None, ADMIN),
        ("GET", reverse("admin:tracker_import"), None, ADMIN),
        ("GET", reverse("admin:tracker_country_change", args=["KAZ"]), None, ADMIN),
    ]
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_every_page_endpoint_and_admin_view_answers_each_role_as_the_matrix_says(
    client, request, records, role
):
    login(client, role, request)
    wrong = []
    # Deletions last, so that every other row still finds its record.
    rows = sorted(matrix(records), key=lambda row: row[0] == "DELETE")
    for method, path, body, expected in rows:
        cache.clear()
        if method == "GET":
            response = client.get(path)
        else:
            call = getattr(client, method.lower())
            response = call(path, body, content_type="application/json")
        if response.status_code != expected[role]:
            wrong.append(f"{method} {path}: {response.status_code}, expected {expected[role]}")
    assert not wrong, "\n".join(wrong)
    assert len(rows) > 150


# What an anonymous visitor may fetch, with search, filters, formats and as-of dates.
PUBLIC_READS = [
    *PAGES,
    "/?lang=ru",
    "/countries/KAZ/?theme=expression",
    "/countries/kaz/?as_of=2010",
    "/countries/?region=central+asia",
    "/instruments/CAT/?as_of=2023-06",
    "/compare/?countries=KAZ,KGZ&as_of=2023",
    "/feeds/countries/kaz/",
    "/compare/?countries=KAZ,KGZ&theme=expression",
    "/treaties/?as_of=2023-01-01",
    "/concerns/?q=torture",
    f"/concerns/?q={DRAFT}",
    "/concerns/?country=KAZ&theme=expression",
    "/claims/?q=claim",
    f"/reports/?q={DRAFT}",
    f"/sources/?q={DRAFT}",
    "/feeds/concerns/KAZ/",
    "/feeds/reports/",
    "/feeds/claims/theme/expression/",
    *(api_path(name) for name in [*EDITORIAL, *REFERENCE]),
    *(api_path(name) + "?format=csv" for name in EDITORIAL),
    "/api/concerns/?q=torture",
    f"/api/claims/?q={DRAFT}",
    "/api/countries/KAZ/",
    "/api/themes/expression/",
    "/api/indicators/women-in-parliament/",
    "/api/compare/?countries=KAZ,KGZ&theme=expression",
    "/api/ratifications/?as_of=2023-01-01",
]
DRAFT_ORDER = [
    "assessment",
    "reservation",
    "statussnapshot",
    "observation",
    "pledge",
    "claim",
    "report",
    "concern",
    "review",
    "ratification",
    "source",
]


def _anonymous_view(client, paths) -> dict:
    """Each path's status and body, with the per-response CSRF token blanked out."""
    seen = {}
    for path in paths:
        cache.clear()
        response = client.get(path)
        body = response.content.decode()
        seen[path] = (
            response.status_code,
            re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", body),
        )
    return seen


def test_drafts_of_every_kind_never_reach_anonymous_visitors(client, records, editor):
    with_drafts = _anonymous_view(client, PUBLIC_READS)
    # A search for the marker echoes it in the search box; those pages are compared below.
    leaks = [p for p, (_, body) in with_drafts.items() if DRAFT in body and DRAFT not in p]
    assert not leaks

    # The drafts are really there and linked in: an editor sees them.
    client.force_login(editor)
    for path in ("/concerns/", "/reports/", "/api/claims/", "/api/assessments/"):
        cache.clear()
        assert DRAFT in client.get(path).content.decode(), path
    client.logout()

    # Counts, facets, grids and feeds are the same as if the drafts did not exist.
    for name in DRAFT_ORDER:
        type(records["drafts"][name]).objects.filter(pk=records["drafts"][name].pk).delete()
    without_drafts = _anonymous_view(client, PUBLIC_READS)
    changed = [path for path in PUBLIC_READS if with_drafts[path] != without_drafts[path]]
    assert not changed
    assert all(status == 200 for status, _ in with_drafts.values())
