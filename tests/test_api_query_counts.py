"""Every API list and the comparison run the same number of queries at any data size."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    """n records of every kind for one country, each with the relations its serializer shows."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    theme = f.ThemeFactory(slug="torture")
    earlier = None
    for i in range(n):
        # Its own iso2: a sequenced code such as XKZ would otherwise take KAZ's or KGZ's.
        f.CountryFactory(iso2=f"Q{chr(65 + i)}")
        f.BodyFactory(code=f"B{i}")
        f.ThemeFactory()
        instrument = f.InstrumentFactory(code=f"INS{i}", short_title=f"I{i}")
        theme.instruments.add(instrument)
        ratification = f.RatificationFactory(country=kaz, instrument=instrument)
        m.Reservation.objects.create(
            key=f"res-{i}",
            ratification=ratification,
            kind="declaration",
            summary="Declares.",
            status="published",
            source=ratification.source,
        )
        m.StatusSnapshot.objects.create(
            key=f"snap-{i}",
            country=kaz,
            instrument=instrument,
            as_of=dt.date(2021, 1, 1),
            as_of_precision="day",
            reported_status="party",
            status="published",
            source=ratification.source,
        )
        f.ReviewFactory(country=kaz)
        f.ReportingStatusFactory(country=kaz, body__code=f"B{i}")
        concern = f.ConcernFactory(country=kaz, themes=[theme])
        if earlier:
            concern.previous.add(earlier)
        earlier = concern
        f.AssessmentFactory(concern=concern, verdict=m.Implementation.IMPLEMENTED)
        claim = f.ClaimFactory(country=kaz, themes=[theme])
        claim.concerns.add(concern)
        report = f.ReportFactory(country=kaz, themes=[theme])
        report.concerns.add(concern)
        f.StanceFactory(claim=claim, report=report)
        pledge = f.PledgeFactory(country=kaz)
        pledge.themes.add(theme)
        pledge.concerns.add(concern)
        f.ObservationFactory(country=kaz, indicator__slug=f"ind-{i}", indicator__themes=[theme])
    return kaz, theme


# (endpoint, expected queries, what they are)
LISTS = [
    ("countries", 2, "count, page"),
    ("bodies", 2, "count, page"),
    ("instruments", 2, "count, page"),
    ("themes", 3, "count, page, instruments"),
    ("sources", 2, "count, page"),
    ("ratifications", 3, "count, page with sources, reservations with sources"),
    ("status-snapshots", 2, "count, page with sources"),
    ("reservations", 2, "count, page with ratifications and sources"),
    ("reviews", 2, "count, page with sources"),
    ("reporting", 2, "count, page with sources"),
    ("concerns", 4, "count, page with sources and implementation, themes, previous"),
    ("claims", 5, "count, page with sources and verification, themes, concerns, stances+reports"),
    ("reports", 5, "count, page with sources, themes, concerns, stances"),
    ("assessments", 3, "count, page with sources, reports"),
    ("pledges", 4, "count, page with sources, themes, concerns"),
    ("indicators", 4, "count, page, themes, observations with sources"),
    ("observations", 2, "count, page with sources"),
]


@pytest.mark.parametrize("n", [1, 4])
@pytest.mark.parametrize(("endpoint", "queries", "what"), LISTS)
def test_list_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, n, endpoint, queries, what
):
    build(n)
    with django_assert_num_queries(queries):  # see ``what``
        response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] >= n


@pytest.mark.parametrize("n", [1, 4])
def test_filtered_list_adds_one_query_per_code_list(client, django_assert_num_queries, n):
    build(n)
    # country codes exist?, theme slugs exist?, count, page, themes, previous
    with django_assert_num_queries(6):
        response = client.get("/api/concerns/?country=KAZ&theme=torture&implementation=implemented")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 4])
def test_editor_list_adds_only_the_session_user_and_permissions(
    client, editor, django_assert_num_queries, n
):
    build(n)
    client.force_login(editor)
    # session, user, the user's own and group permissions (who sees drafts: read once per
    # request), count, page, themes, concerns, stances
    with django_assert_num_queries(9):
        response = client.get("/api/claims/")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 4])
def test_compare_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    build(n)
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    # countries, theme, then compare(): instruments, ratifications, snapshots, pledges,
    # concerns, concern themes, claims, claim themes, stances with reports, observations
    with django_assert_num_queries(12):
        response = client.get("/api/compare/?countries=KAZ,KGZ&theme=torture")
    assert response.status_code == 200
    assert len(response.json()["columns"][0]["concerns"]) == n


@pytest.mark.parametrize("n", [1, 4])
def test_grid_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    build(n)
    # countries, then theme_grid(): themes, theme instruments, ratifications and snapshots for
    # the statuses, stored counts
    with django_assert_num_queries(6):
        response = client.get("/api/compare/?countries=KAZ")
    assert response.status_code == 200
    rows = {row["theme"]["slug"]: row for row in response.json()["rows"]}
    assert len(rows) == n + 1
    assert rows["torture"]["cells"][0]["concerns"] == {"implemented": n}


@pytest.mark.parametrize("n", [1, 4])
def test_ordered_list_runs_the_same_queries(client, django_assert_num_queries, n):
    build(n)
    with django_assert_num_queries(4):  # count, page with sources, themes, previous
        response = client.get("/api/concerns/?ordering=-id")
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("n", [1, 4])
def test_ratifications_without_a_record_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, n
):
    build(n)
    # country codes exist?, records matching status (ids), instruments, countries, records
    # held (any status), snapshots with sources, the page's records, their reservations
    with django_assert_num_queries(8):
        response = client.get("/api/ratifications/?country=KAZ&status=none,no_data,party,signatory")
    assert response.status_code == 200
    assert response.json()["count"] == n  # KAZ has a record for each instrument
    # The same without the code check, and without the last two: no record is none today, so
    # the page holds cells only and no record is read.
    with django_assert_num_queries(5):
        response = client.get("/api/ratifications/?status=none,no_data")
    # every other country x instrument is a cell without a record
    assert response.json()["count"] == n * n  # n other countries x n instruments
