"""The country page and its JSON twin (``/api/countries/<code>/page/``) read through one
selector: the same records, the same treaty status, the same timeline, for the same visitor."""

import datetime as dt
import re

import pytest
from django.test import Client

from tests import factories as f
from tests.test_country_page import build

pytestmark = pytest.mark.django_db


def page_and_twin(client, query=""):
    page = client.get(f"/countries/KAZ/{query}")
    twin = client.get(f"/api/countries/KAZ/page/{query}")
    assert page.status_code == twin.status_code == 200
    return page.content.decode(), twin.json()


def linked(html: str, kind: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'href="/{kind}/(\d+)/"', html)}


def twin_ids(twin: dict, kind: str) -> set[int]:
    ids = {r["id"] for theme in twin["themes"] for r in theme[kind]}
    if kind == "claims":  # the timeline's claims are on the page too
        ids |= {int(e["page_url"].split("/")[2]) for e in twin["timeline"] if e["kind"] == "claim"}
    return ids


def test_the_twin_holds_the_rows_the_page_shows(client):
    kaz, theme = build(7)  # more than the five a theme shows
    html, twin = page_and_twin(client)
    assert twin["page_url"] == "/countries/KAZ/"
    assert twin_ids(twin, "concerns") == linked(html, "concerns")
    assert len(linked(html, "concerns")) == 5
    assert twin_ids(twin, "claims") == linked(html, "claims")
    [section] = twin["themes"]
    assert section["theme"] == theme.slug
    assert (section["concerns_total"], section["claims_total"]) == (7, 7)
    reports = {int(e["page_url"].split("/")[2]) for e in twin["timeline"] if e["kind"] == "report"}
    reports |= {r["report"] for t in twin["themes"] for c in t["claims"] for r in c["reports"]}
    assert reports == linked(html, "reports")
    # The timeline: the same events in the same order.
    for event in twin["timeline"]:
        assert event["text"].replace("'", "&#x27;")[:40] in html
    shown = re.findall(r'<time datetime="([\d-]+)"', html.split('id="timeline"')[1])
    assert shown[: len(twin["timeline"])] == [e["date"] for e in twin["timeline"]]


def test_treaty_status_agrees_for_any_date(client):
    build(1)
    for query, as_of, status in (
        ("?as_of=2005", "2005-12-31", "none"),
        ("?as_of=2007-06", "2007-06-30", "party"),
    ):
        html, twin = page_and_twin(client, query)
        assert twin["as_of"] == as_of
        [treaty] = [t for t in twin["treaties"] if t["ratification"]]
        assert treaty["status"] == status
        table = html.split('id="treaty-caption"')[1].split("</table>")[0]
        assert (f'class="badge s-{status}"' in table) and twin["treaties"][0]["other_statements"]


def test_visitors_and_editors_see_the_same_in_both(editor_client):
    kaz, theme = build(0)
    draft = f.ConcernFactory(country=kaz, themes=[theme], summary="Draft concern.", status="draft")
    draft_report = f.ReportFactory(country=kaz, themes=[theme], status="draft")
    claim = f.ClaimFactory(country=kaz, themes=[theme])
    f.StanceFactory(claim=claim, report=draft_report)
    f.ReviewFactory(country=kaz, status="draft", adopted_on=dt.date(2024, 1, 1))
    html, twin = page_and_twin(Client())
    assert draft.pk not in twin_ids(twin, "concerns") | linked(html, "concerns")
    assert "Draft concern." not in str(twin)
    assert all(
        r["report"] != draft_report.pk
        for t in twin["themes"]
        for c in t["claims"]
        for r in c["reports"]
    )
    assert all(e["kind"] != "review" for e in twin["timeline"])
    html, twin = page_and_twin(editor_client)
    assert draft.pk in twin_ids(twin, "concerns") & linked(html, "concerns")
    assert any(e["kind"] == "review" for e in twin["timeline"])


@pytest.mark.parametrize("n", [1, 6])
def test_the_twin_runs_as_many_queries_as_the_page(client, n, django_assert_num_queries):
    build(n)
    with django_assert_num_queries(17):  # the country, then the selector's 16
        assert client.get("/api/countries/KAZ/page/").status_code == 200


def test_unknown_country_date_or_parameter_is_said_so(client):
    build(0)
    assert client.get("/api/countries/kaz/page/").status_code == 200
    response = client.get("/api/countries/XYZ/page/")
    assert response.status_code == 404 and "XYZ" in response.json()["detail"]
    response = client.get("/api/countries/KAZ/page/?as_of=soon")
    assert response.status_code == 400 and "as_of" in response.json()["errors"]
    response = client.get("/api/countries/KAZ/page/?theme=torture")
    assert response.status_code == 400 and "theme" in response.json()["errors"]
