"""A list page and its JSON twin hold the same rows: page N of ``/concerns/?...`` and page N of
the ``/api/concerns/?...`` it links, with the same filters, for the same visitor."""

import re

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db

TWIN = re.compile(r'rel="alternate" type="application/json" href="([^"]+)"')
FACTORIES = {
    "concerns": f.ConcernFactory,
    "claims": f.ClaimFactory,
    "reports": f.ReportFactory,
    "sources": f.SourceFactory,
}


def page_rows(client, kind: str, query: str) -> tuple[list[int], str]:
    response = client.get(f"/{kind}/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    results = html.split('id="results"')[1] if 'id="results"' in html else html
    ids = re.findall(rf'<a href="/{kind}/(\d+)/"', results)
    twin = TWIN.search(html).group(1).replace("&amp;", "&")
    return [int(pk) for pk in dict.fromkeys(ids)], twin


@pytest.mark.parametrize("kind", FACTORIES)
@pytest.mark.parametrize("page", [1, 2])
def test_page_n_and_its_twin_hold_the_same_rows(client, kind, page):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    make = FACTORIES[kind]
    for i in range(30):
        if kind == "sources":
            make()
        else:
            make(country=kaz, summary=f"Record {i:02}.")
    ids, twin = page_rows(client, kind, f"?page={page}")
    assert "page_size=25" in twin
    rows = client.get(twin + f"&page={page}" if "page=" not in twin else twin).json()["results"]
    assert [r["id"] for r in rows] == ids
    assert len(ids) == (25 if page == 1 else 5)


def test_ticked_boxes_reach_the_twin_as_one_list(client):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    for country in (kaz, kgz, uzb):
        f.ConcernFactory(country=country)
    ids, twin = page_rows(client, "concerns", "?country=KAZ&country=KGZ")
    assert "country=KAZ,KGZ" in twin
    assert sorted(r["id"] for r in client.get(twin).json()["results"]) == sorted(ids)
    assert len(ids) == 2


def test_visitors_get_no_drafts_through_either(editor_client):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    published = f.ConcernFactory(country=kaz)
    draft = f.ConcernFactory(country=kaz, status="draft")
    ids, twin = page_rows(Client(), "concerns", "")
    assert ids == [r["id"] for r in Client().get(twin).json()["results"]] == [published.pk]
    ids, twin = page_rows(editor_client, "concerns", "")
    assert sorted(ids) == sorted(r["id"] for r in editor_client.get(twin).json()["results"])
    assert draft.pk in ids
