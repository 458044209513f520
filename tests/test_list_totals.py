"""A list's total and its counts by country, theme and current status come from the stored counts
(``selectors.stored_rows``) when the filters allow it. They must be what counting the rows the
visitor may see gives: drafts, and published records resting on a draft source, are counted for
editors only, on the API and the pages alike."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tracker import counts, selectors
from tracker import models as m

pytestmark = pytest.mark.django_db

IMPLEMENTED = m.Implementation.IMPLEMENTED


@pytest.fixture
def records():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    torture = f.ThemeFactory(slug="torture", name="Torture")
    women = f.ThemeFactory(slug="women", name="Women")
    hidden = f.SourceFactory(status=m.Editorial.DRAFT)
    for i in range(9):
        concern = f.ConcernFactory(
            country=kaz if i % 3 else kgz,
            themes=[[torture], [women], [torture, women]][i % 3],
            status=m.Editorial.DRAFT if i == 4 else m.Editorial.PUBLISHED,
            source=hidden if i == 5 else f.SourceFactory(),
            summary=f"Concern {i}.",
        )
        if i % 2:
            f.AssessmentFactory(concern=concern, verdict=IMPLEMENTED)
        f.ClaimFactory(country=kaz if i % 2 else kgz, themes=[torture] if i % 3 else [])
    return kaz, kgz


@pytest.fixture(params=["anonymous", "editor"])
def visitor(request, editor):
    """(client, user) of an anonymous visitor, then of an editor, who sees drafts."""
    client = Client()
    if request.param == "anonymous":
        return client, None
    client.force_login(editor)
    return client, editor


FILTERS = [
    {},
    {"country": "KAZ"},
    {"country": "KAZ,KGZ"},
    {"theme": "torture"},
    {"theme": "women", "country": "kgz"},
    {"implementation": "implemented"},
    {"implementation": "implemented,no_information", "theme": "torture"},
]


def expected(user, params: dict) -> int:
    rows = m.Concern.objects.visible_to(user)
    if "country" in params:
        rows = rows.filter(country__in=params["country"].upper().split(","))
    if "theme" in params:
        rows = rows.filter(themes=params["theme"])
    if "implementation" in params:
        rows = rows.filter(implementation__in=params["implementation"].split(","))
    return rows.distinct().count()


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(map("=".join, p.items())))
def test_totals_are_the_counts_of_the_rows_the_visitor_sees(records, visitor, params):
    client, user = visitor
    stored = selectors.list_total(
        m.Concern, {k: v.split(",") for k, v in params.items()}, user=user
    )
    assert stored is not None  # these filters are read from the stored counts
    n = expected(user, params)
    assert client.get("/api/concerns/", params).json()["count"] == n
    html = client.get("/concerns/", params).content.decode()
    assert f"{n} record" in html


def test_another_filter_counts_the_rows(records):
    assert selectors.list_total(m.Concern, {"body": ["CAT"]}) is None
    assert selectors.list_total(m.Concern, {"theme": ["torture", "women"]}) is None
    assert selectors.list_total(m.Report, {}) is None


def facet_counts(html: str, param: str) -> dict[str, int]:
    start = html.index(f'id="facet-{param}"')
    section = html[start : html.index("</section>", start)]
    return {
        label: int(n)
        for label, n in re.findall(
            r'>(?:<span aria-hidden="true">✓ </span>)?([^<>]+)</a> <span class="n">(\d+)</span>',
            section,
        )
    }


def test_facet_counts_from_the_stored_counts_are_the_rows(records, visitor, settings):
    settings.FACET_TIME_LIMIT = 0  # only the stored counts can answer
    client, user = visitor
    html = client.get("/concerns/", {"theme": "torture"}).content.decode()
    visible = m.Concern.objects.visible_to(user)
    assert facet_counts(html, "country") == {
        "Kazakhstan": visible.filter(themes="torture", country="KAZ").count(),
        "Kyrgyzstan": visible.filter(themes="torture", country="KGZ").count(),
    }
    by_theme = facet_counts(html, "theme")  # without the theme's own filter
    assert by_theme["Torture"] == visible.filter(themes="torture").count()
    assert by_theme["Women"] == visible.filter(themes="women").count()
    statuses = facet_counts(html, "implementation")
    assert sum(statuses.values()) == visible.filter(themes="torture").count()


@pytest.mark.parametrize(
    "params", [{}, {"country": "KAZ"}, {"theme": "torture"}, {"verification": "unverified"}]
)
def test_the_claims_lists_totals_are_the_rows_the_visitor_sees(records, visitor, params):
    m.Claim.objects.filter(country__code="KAZ").update(status=m.Editorial.DRAFT)
    counts.recount()  # written past the services above: the stored counts brought in step
    client, user = visitor
    rows = m.Claim.objects.visible_to(user)
    if "country" in params:
        rows = rows.filter(country=params["country"])
    if "theme" in params:
        rows = rows.filter(themes=params["theme"])
    if "verification" in params:
        rows = rows.filter(verification=params["verification"])
    n = rows.distinct().count()
    assert client.get("/api/claims/", params).json()["count"] == n
    assert f"{n} record" in client.get("/claims/", params).content.decode()


@pytest.mark.parametrize("path", ["/api/claims/", "/api/concerns/", "/claims/", "/concerns/"])
def test_a_list_filtered_by_country_counts_no_rows_for_its_total(records, path):
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(path, {"country": "KAZ"}).status_code == 200
    # The total (a COUNT(*) of the rows) comes from the stored counts; the page's counts by body
    # and kind still count rows (a GROUP BY each).
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
