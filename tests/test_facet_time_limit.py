"""The counts beside a list share ``FACET_TIME_LIMIT`` seconds. At world scale the unfiltered
concerns list's six GROUP BY counts took 2.6 s; a count that does not finish in time is shown as
not counted, the rest of the page is the same, and on PostgreSQL the stopped statement leaves the
request's transaction usable for the rows that follow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_concerns_page import build
from tracker import views

pytestmark = pytest.mark.django_db

FACET_COUNT = "COUNT(DISTINCT"


def test_in_time_every_facet_is_counted(client):
    build(2)
    html = client.get("/concerns/", {"country": "kaz"}).content.decode()
    assert 'id="facet-theme"' in html and "facet-note" not in html


def note(html: str) -> str:
    text = html[html.index('class="muted facet-note"') :]
    return text[: text.index("</p>")]


def test_with_no_time_left_nothing_is_counted_and_the_page_is_the_same(client, settings):
    settings.FACET_TIME_LIMIT = 0
    build(2)
    with CaptureQueriesContext(connection) as queries:
        # A body chosen: no facet can come from the stored counts.
        response = client.get("/concerns/", {"country": "kaz", "body": "CAT"})
    html = response.content.decode()
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if FACET_COUNT in q["sql"]]
    assert 'id="facet-country"' not in html  # no empty count lists
    for title in ("Country", "Implementation", "Theme", "Body", "Kind"):
        assert title in note(html)
    # The records, their number and the heading in words are all still there.
    assert "2 records" in html and "KAZ 1." in html
    assert (
        "<h1>Concerns and recommendations — Kazakhstan, Committee against Torture (CAT)</h1>"
        in html
    )
    assert 'name="country"' in html  # the filter form still offers every filter


def test_counts_by_country_theme_and_status_come_from_the_stored_counts_untimed(client, settings):
    settings.FACET_TIME_LIMIT = 0
    build(2)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/concerns/", {"country": "kaz"}).content.decode()
    assert not [q for q in queries.captured_queries if FACET_COUNT in q["sql"]]
    for param in ("country", "implementation", "theme"):
        assert f'id="facet-{param}"' in html
    assert "Kyrgyzstan</a> <span" in html  # another country stays on offer, with its count
    assert "Body" in note(html) and "Kind" in note(html) and "Theme" not in note(html)


SLOW = {
    # Long enough to pass any limit here by far; stopped by the progress handler or by
    # statement_timeout well before it ends.
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 300000000) "
    "SELECT COUNT(*) FROM n",
    "postgresql": "SELECT pg_sleep(5)",
}


def test_a_count_stopped_midway_leaves_the_rest_of_the_page_working(client, settings, monkeypatch):
    settings.FACET_TIME_LIMIT = 0.2
    build(2)
    counted = views.Facet.count

    def slow_body(self, queryset, selected):
        if self.param == "body":  # counted from the records, under the time limit
            with connection.cursor() as cursor:
                cursor.execute(SLOW[connection.vendor])
        return counted(self, queryset, selected)

    monkeypatch.setattr(views.Facet, "count", slow_body)
    response = client.get("/concerns/", {"theme": "torture"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Body" in note(html) and "Kind" in note(html)
    # The page's rows were read after the stopped statement: the transaction still works
    # (on PostgreSQL a cancelled statement aborts it unless it ran in a savepoint).
    assert "2 records" in html and "KAZ 0." in html and "Torture" in html
