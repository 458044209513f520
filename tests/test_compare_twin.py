"""The compare page and its JSON twin (``/api/compare/?...&newest=10``) list the same records:
the newest ten concerns and claims per country, with the same counts by status."""

import datetime as dt
import re

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db

TWIN = re.compile(r'rel="alternate" type="application/json" href="([^"]+)"')


@pytest.fixture
def records():
    theme = f.ThemeFactory(slug="torture", name="Torture")
    other = f.ThemeFactory(slug="women", name="Women's rights")
    countries = [
        f.CountryFactory(code=code, iso2=code[:2], name=name)
        for code, name in (("KAZ", "Kazakhstan"), ("KGZ", "Kyrgyzstan"))
    ]
    for country in countries:
        for i in range(12):  # more than the ten a column shows
            f.ConcernFactory(country=country, themes=[theme if i % 3 else other])
            claim = f.ClaimFactory(country=country, themes=[theme])
            f.StanceFactory(claim=claim, report=f.ReportFactory(country=country))
        # The newest of all, so among the ten shown to those who may see it.
        f.ConcernFactory(
            country=country, themes=[theme], status="draft", issued_on=dt.date(2024, 1, 1)
        )
    return countries


@pytest.mark.parametrize("query", ["?countries=KAZ,KGZ&theme=torture", "?countries=KAZ,KGZ"])
@pytest.mark.parametrize("who", ["visitor", "editor"])
def test_the_twin_lists_what_the_page_shows(records, editor_client, query, who):
    client = Client() if who == "visitor" else editor_client
    response = client.get(f"/compare/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    twin = TWIN.search(html).group(1).replace("&amp;", "&")
    assert "newest=10" in twin
    data = client.get(twin).json()
    assert [c["country"]["code"] for c in data["columns"]] == ["KAZ", "KGZ"]
    # Per country: 8 published concerns on torture (12 on any theme) and one draft.
    held = (8 if "theme" in query else 12) + (who == "editor")
    for kind, shown in (("concerns", min(held, 10)), ("claims", 10)):
        linked = {int(pk) for pk in re.findall(rf'href="/{kind}/(\d+)/"', html)}
        listed = {r["id"] for column in data["columns"] for r in column[kind]}
        assert listed == linked
        assert [len(column[kind]) for column in data["columns"]] == [shown, shown]
    drafts = set(m.Concern.objects.filter(status="draft").values_list("pk", flat=True))
    listed = {r["id"] for column in data["columns"] for r in column["concerns"]}
    assert bool(listed & drafts) == (who == "editor")  # the draft is the newest
    # The counts cover every record the visitor may see, not only the ten listed.
    for column in data["columns"]:
        assert sum(column["concerns_by_implementation"].values()) == held


def test_the_twin_runs_as_many_queries_as_the_page(records, client, django_assert_num_queries):
    with django_assert_num_queries(11):
        response = client.get("/api/compare/?countries=KAZ,KGZ&theme=torture&newest=10")
    assert response.status_code == 200


def test_newest_is_a_whole_number_from_1_to_100(records, client):
    for bad in ("0", "101", "ten"):
        response = client.get(f"/api/compare/?countries=KAZ,KGZ&newest={bad}")
        assert response.status_code == 400 and "newest" in response.json()["errors"]
    # Without newest or theme: the theme x country grid, as before.
    grid = client.get("/api/compare/?countries=KAZ,KGZ").json()
    assert "columns" not in grid and grid["countries"] == ["KAZ", "KGZ"]
