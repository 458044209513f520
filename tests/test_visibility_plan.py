"""The visibility rule (``models.public_condition``) must leave the database free to find a
country's records by its index. Written as "no review, or one of the published reviews" (an OR
over each foreign key a record rests on), SQLite drove the country page's queries from the
review index instead: 30 s for one page at world scale (``make bench``), 0.2 s with the rule as
it is now. A plan, not a timing: what SQLite says it will do, given the statistics it had there.
"""

import pytest
from django.db import connection

from tracker import models as m
from tracker.selectors import newest_in_each, newest_links

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner"),
]

# ANALYZE's figures in make bench's world (250,183 concerns, 10,052 reviews, 98 sources, 100,021
# reports, 50,015 claims, 50,363 stances): rows, then rows per value of the indexed column.
WORLD = [
    (m.Concern, "country_id", "250183 1297"),
    (m.Concern, "review_id", "250183 25"),
    (m.Concern, "source_id", "250183 5324"),
    (m.Concern, "status", "250183 250183"),
    (m.Review, "source_id", "10052 190"),
    (m.Review, "status", "10052 10052"),
    (m.Source, "status", "98 98"),
    (m.Report, "status", "100021 100021"),
    (m.Report, "source_id", "100021 16671"),
    (m.Claim, "status", "50015 50015"),
    (m.Claim, "source_id", "50015 12504"),
    (m.Stance, "claim_id", "50363 2"),
    (m.Stance, "report_id", "50363 1"),
    (m.ConcernThemeLink, "concern_theme_newest", "483068 13419 72 3 1"),
    (m.ConcernThemeLink, "record_id", "483068 2"),
    (m.ConcernThemeLink, "country_id", "483068 2503"),
]


def column_index(model, column: str) -> str:
    """The name of the single-column index on ``model``'s ``column``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [model._meta.db_table],
        )
        return next(
            name for name, sql in cursor.fetchall() if (sql or "").endswith(f'("{column}")')
        )


def use_world_statistics():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # creates sqlite_stat1
        cursor.execute("DELETE FROM sqlite_stat1")
        for model, column, stat in WORLD:
            index = column if column.endswith("_newest") else column_index(model, column)
            cursor.execute(
                "INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", [model._meta.db_table, index, stat]
            )
        cursor.execute("ANALYZE sqlite_schema")  # read them again


def plan(queryset, outer: str = "{}") -> list[str]:
    """SQLite's plan for ``queryset``'s SQL, placed in ``outer`` (a COUNT around it, say)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {outer.format(sql)}", params)
        return [str(row[-1]) for row in cursor.fetchall()]


def test_a_countrys_public_concerns_are_found_by_the_country_index():
    use_world_statistics()
    steps = plan(m.Concern.objects.published().filter(country_id="IRN").order_by("-pk")[:5])
    assert steps[0].startswith("SEARCH tracker_concern USING INDEX") and "country_id=?" in steps[0]
    assert not any("MULTI-INDEX OR" in step for step in steps), steps


def test_counting_a_countrys_public_concerns_reads_an_index_alone():
    # The API list's count: the rule reads each concern's source and review ids, which the
    # country index holds too, so that no concern row is read (at world scale 9.8 ms to 2.4 ms).
    use_world_statistics()
    queryset = m.Concern.objects.published().filter(country_id="IRN").order_by()
    steps = plan(queryset, "SELECT COUNT(*) FROM ({})")
    concern_steps = [step for step in steps if " tracker_concern " in f"{step} "]
    assert concern_steps and all("USING COVERING INDEX" in s for s in concern_steps), steps


def test_a_countrys_newest_concerns_in_each_theme_are_one_index_range_each():
    # The country page's "newest five in each theme". Through the concerns' own tables SQLite
    # walked the country's concerns newest first and checked each one's themes: thousands of
    # rows for a theme the country is rarely concerned with (world scale: 40 of the page's
    # 70 ms of SQL). From the theme links each theme is one range of their index, in the
    # order wanted (nothing to sort but the outer query's rows), left after five visible rows.
    use_world_statistics()
    groups = ["torture", "fair-trial", "death-penalty", None]
    steps = plan(newest_links(m.Concern, None, "theme", groups, 5, country_id="IRN"))
    seeks = [step for step in steps if "USING INDEX concern_theme_newest" in step]
    assert len(seeks) == len(groups) and all("country_id=?" in s for s in seeks), steps
    assert not [step for step in steps if step.startswith("SCAN tracker")], steps
    sorts = [step for step in steps if "TEMP B-TREE" in step and "ORDER BY" in step]
    assert sorts == ["USE TEMP B-TREE FOR ORDER BY"], steps


def test_each_countrys_newest_concerns_on_a_theme_are_one_index_range_each():
    # The compare page on a theme: each country's newest, one range each as above.
    use_world_statistics()
    codes = ["IRN", "CRI", "USA"]
    steps = plan(newest_links(m.Concern, None, "country", codes, 10, theme_id="torture"))
    seeks = [step for step in steps if "USING INDEX concern_theme_newest" in step]
    assert len(seeks) == len(codes) and all("theme_id=?" in s for s in seeks), steps
    assert not [step for step in steps if step.startswith("SCAN tracker")], steps


def test_a_countrys_newest_concerns_are_read_in_date_order():
    # The compare page on all themes: each country's newest concerns from the concerns'
    # index in the list's own order. With an index in date order but not by key (the order's
    # tie-break), SQLite sorted each date's rows; and on a database migrated to 0015 and not
    # analysed since, it chose the count index instead and sorted all of a country's concerns.
    use_world_statistics()
    queryset = newest_in_each(
        m.Concern.objects.published(), ["-issued_on", "key"], "country", ["IRN", "CRI"], 5
    )
    steps = plan(queryset)
    assert any("USING INDEX concern_country_newest" in step for step in steps), steps
    sorts = [step for step in steps if "TEMP B-TREE" in step and "ORDER BY" in step]
    assert sorts == ["USE TEMP B-TREE FOR ORDER BY"], steps  # the outer query's rows only


@pytest.mark.parametrize(
    "stances",
    [
        lambda: m.Stance.objects.filter(m.visible_link("report_id", m.Report, None)),
        lambda: m.Stance.objects.filter(m.visible_link("claim_id", m.Claim, None)),
    ],
    ids=["reports", "claims"],
)
def test_a_pages_stances_check_each_linked_record_and_read_no_other(stances):
    # The claims API prefetched a page's stances with "report IN (the visible reports)": SQLite
    # read all 100,000 reports first (290 ms a page at world scale; the claims list filtered by
    # stance took over 30 s). As a correlated EXISTS, each stance's report is looked up alone.
    use_world_statistics()
    steps = plan(stances().filter(claim_id__in=[1, 2, 3]))
    assert not [step for step in steps if step.startswith("SCAN")], steps
