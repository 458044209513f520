"""``/api/reporting/``: each state's reporting to each treaty body, with ``overdue`` derived."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    ccpr = f.BodyFactory()
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    f.ReportingStatusFactory(
        key="kaz-ccpr",
        country=kaz,
        body=ccpr,
        last_report_symbol="CCPR/C/KAZ/3",
        next_report_due_on=dt.date(2031, 7, 24),
        next_report_due_on_precision=m.Precision.DAY,
        scheduled_review="",
    )
    f.ReportingStatusFactory(
        key="kaz-cat",
        country=kaz,
        body=cat,
        next_report_due_on=dt.date(2025, 1, 1),
        next_report_due_on_precision=m.Precision.YEAR,
        scheduled_review="84th session, July 2026",
    )
    f.ReportingStatusFactory(
        key="kgz-ccpr",
        country=kgz,
        body=ccpr,
        next_report_due_on=None,
        next_report_due_on_precision="",
    )
    f.ReportingStatusFactory(key="kaz-cat-draft", country=kgz, body=cat, status="draft")


def rows(response) -> dict:
    assert response.status_code == 200, response.content
    return {r["key"]: r for r in response.json()["results"]}


def test_lists_published_rows_with_overdue_judged_today(client):
    build()
    result = rows(client.get("/api/reporting/"))
    assert set(result) == {"kaz-ccpr", "kaz-cat", "kgz-ccpr"}
    assert result["kaz-ccpr"]["overdue"] is False
    assert result["kaz-cat"]["overdue"] is True  # due in 2025, today is later
    assert result["kgz-ccpr"]["overdue"] is None  # no due date recorded
    assert result["kaz-ccpr"]["last_report_symbol"] == "CCPR/C/KAZ/3"
    assert result["kaz-cat"]["scheduled_review"] == "84th session, July 2026"
    assert result["kaz-cat"]["source_detail"]["title"]


def test_filters_by_country_and_body(client):
    build()
    assert set(rows(client.get("/api/reporting/?country=KAZ"))) == {"kaz-ccpr", "kaz-cat"}
    assert set(rows(client.get("/api/reporting/?body=ccpr"))) == {"kaz-ccpr", "kgz-ccpr"}
    assert set(rows(client.get("/api/reporting/?country=KAZ&body=CAT"))) == {"kaz-cat"}


def test_unknown_country_code_is_a_400(client):
    build()
    assert client.get("/api/reporting/?country=ZZZ").status_code == 400


def test_as_of_sets_the_day_overdue_is_judged_on(client):
    build()
    # A year-only due date is overdue only once that whole year has passed.
    assert rows(client.get("/api/reporting/?as_of=2025-12-31"))["kaz-cat"]["overdue"] is False
    assert rows(client.get("/api/reporting/?as_of=2026-01-01"))["kaz-cat"]["overdue"] is True
    assert client.get("/api/reporting/?as_of=not-a-date").status_code == 400


def test_editors_see_drafts(editor_client):
    build()
    assert "kaz-cat-draft" in rows(editor_client.get("/api/reporting/"))
    assert "kaz-cat-draft" not in rows(Client().get("/api/reporting/"))


def test_is_read_only_even_for_editors(editor_client):
    build()
    response = editor_client.post("/api/reporting/", {"key": "x"}, content_type="application/json")
    assert response.status_code == 405


def test_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    build()
    # count, page with sources
    with django_assert_num_queries(2):
        assert client.get("/api/reporting/").status_code == 200


def test_overdue_follows_the_precision_of_the_due_date():
    row = m.ReportingStatus(
        next_report_due_on=dt.date(2027, 3, 1), next_report_due_on_precision="month"
    )
    assert row.overdue_on(dt.date(2027, 3, 31)) is False
    assert row.overdue_on(dt.date(2027, 4, 1)) is True
    row.next_report_due_on_precision = "day"
    assert row.overdue_on(dt.date(2027, 3, 2)) is True
    assert m.ReportingStatus().overdue_on(dt.date(2027, 1, 1)) is None
