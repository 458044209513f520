"""Text search (``tracker.search``): what the words of ``q`` match, what a search may not be, and
the time limit every search runs under."""

import time

import pytest
from django.db import connection, transaction

from tests import factories as f
from tracker import models as m
from tracker.search import MAX_TERMS, SearchError, SearchTimeout, matching, terms, time_limit

pytestmark = pytest.mark.django_db


def keys(qs):
    return sorted(qs.values_list("key", flat=True))


@pytest.fixture
def concerns():
    f.ConcernFactory(
        key="custody",
        summary="Deaths in custody are not investigated.",
        recommendation="Investigate every death promptly.",
    )
    f.ConcernFactory(
        key="speech",
        summary="Journalists face criminal defamation charges.",
        recommendation="Decriminalise defamation.",
    )
    f.ConcernFactory(key="torture", summary="Torture in pre-trial detention (Résumé).")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("custody", ["custody"]),
        ("DEFAMATION", ["speech"]),  # any case
        ("decriminalise", ["speech"]),  # the recommendation is searched too
        ("death investig", ["custody"]),  # every word, each as a prefix
        ("custody defamation", []),
        ("resume", ["torture"]),  # accents ignored (SQLite; PostgreSQL 'simple' keeps them)
        ("", ["custody", "speech", "torture"]),
    ],
)
def test_search_matches_every_word_as_a_prefix(concerns, text, expected):
    if text == "resume" and connection.vendor != "sqlite":
        expected = []
    assert keys(matching(m.Concern.objects.all(), text)) == expected


@pytest.mark.parametrize(
    "text", ['NEAR("x', "NEAR(ab cd", "ab AND OR NOT", "custody*", "xy:* & |", "'; DROP --"]
)
def test_search_ignores_operators_and_punctuation(concerns, text):
    # Only words reach the index's query language, so no input is a syntax error.
    list(matching(m.Concern.objects.all(), text))


def test_search_does_not_match_inside_words(concerns):
    # The index matches word prefixes; a substring search would have found "custody" here.
    assert keys(matching(m.Concern.objects.all(), "ustody")) == []


def test_index_follows_edits_and_deletes(concerns):
    concern = m.Concern.objects.get(key="custody")
    concern.summary = "Overcrowding in prisons."
    concern.save()
    assert keys(matching(m.Concern.objects.all(), "custody")) == []
    assert keys(matching(m.Concern.objects.all(), "overcrowding")) == ["custody"]
    concern.delete()
    assert keys(matching(m.Concern.objects.all(), "overcrowding")) == []


def test_search_combines_with_other_filters(concerns):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.ConcernFactory(key="kaz", country=kaz, summary="Custody of children.")
    assert keys(matching(m.Concern.objects.filter(country=kaz), "custody")) == ["kaz"]
    assert keys(matching(m.Concern.objects.all(), "custody").published()) == ["custody", "kaz"]


def test_api_q_filter_uses_the_full_text_index(client, concerns):
    response = client.get("/api/concerns/", {"q": "investig"})
    assert response.status_code == 200
    assert [r["key"] for r in response.json()["results"]] == ["custody"]
    # A substring inside a word is not a match: the index, not icontains, answered.
    assert client.get("/api/concerns/", {"q": "ustody"}).json()["results"] == []
    assert client.get("/api/concerns/", {"q": 'NEAR("'}).status_code == 200


def test_search_twice_needs_both(concerns):
    assert keys(matching(matching(m.Concern.objects.all(), "custody"), "investigate")) == [
        "custody"
    ]
    assert keys(matching(matching(m.Concern.objects.all(), "custody"), "defamation")) == []


@pytest.fixture
def many(concerns):
    theme = f.ThemeFactory(slug="expression")
    for n in range(4):
        f.ConcernFactory(key=f"press-{n}", summary="Journalists detained.", themes=[theme])
    f.ConcernFactory(key="press-draft", summary="Journalists detained.", status="draft")


def test_api_search_lists_newest_recorded_first(client, many):
    rows = client.get("/api/concerns/", {"q": "journalists"}).json()["results"]
    assert [r["key"] for r in rows] == ["press-3", "press-2", "press-1", "press-0", "speech"]
    themed = client.get("/api/concerns/", {"q": "journalists", "theme": "expression"}).json()
    assert [r["key"] for r in themed["results"]] == ["press-3", "press-2", "press-1", "press-0"]


def test_api_search_pages_through_its_first_matches_only(client, many, monkeypatch):
    monkeypatch.setattr("tracker.api.SEARCH_LIMIT", 3)
    first = client.get("/api/concerns/", {"q": "journalists", "page_size": 2})
    assert first.json()["count"] == 3 and first["X-Total-Count"] == "3"
    second = client.get(first.json()["next"]).json()
    assert [r["key"] for r in second["results"]] == ["press-1"]
    assert second["next"] is None
    assert client.get("/api/concerns/", {"q": "journalists", "page": 3}).status_code == 404


def test_api_search_shows_editors_drafts_only(client, editor, many):
    assert client.get("/api/concerns/", {"q": "journalists"}).json()["count"] == 5
    client.force_login(editor)
    assert client.get("/api/concerns/", {"q": "journalists"}).json()["count"] == 6


def test_api_search_runs_a_fixed_number_of_queries(
    client, many, django_assert_num_queries, savepoints
):
    # the first matches' ids (also the count), their rows, themes, previous concerns; all under
    # the search's time limit (a savepoint on PostgreSQL)
    with django_assert_num_queries(4 + savepoints(1)):
        response = client.get("/api/concerns/", {"q": "journalists"})
    assert response.json()["count"] == 5
    # a word found nowhere: the ids only
    with django_assert_num_queries(1 + savepoints(1)):
        assert client.get("/api/concerns/", {"q": "zzqx"}).json()["count"] == 0


# What a hostile search may send --------------------------------------------------------------


def test_words_are_counted_once_and_one_letter_words_are_dropped():
    assert [t.word for t in terms("a a Death DEATH b death investig")] == ["death", "investig"]
    assert [t.prefix for t in terms("to torture")] == [False, True]  # two letters: whole word


def test_a_search_of_only_one_letter_words_is_refused():
    with pytest.raises(SearchError, match="at least two letters"):
        terms("a b c")


def test_too_many_words_are_refused_with_the_limit():
    with pytest.raises(SearchError, match=f"at most {MAX_TERMS} words"):
        terms(" ".join(f"word{n}" for n in range(MAX_TERMS + 1)))


def test_one_letter_words_change_nothing_in_a_concern_search(concerns):
    assert keys(matching(m.Concern.objects.all(), "a a a a a custody")) == ["custody"]


THOUSANDS_OF_WORDS = " ".join(f"w{n}" for n in range(2000))


@pytest.mark.parametrize("path", ["/claims/", "/concerns/", "/reports/", "/sources/"])
def test_a_page_search_of_thousands_of_words_is_a_clear_400(client, concerns, path):
    response = client.get(path, {"q": THOUSANDS_OF_WORDS})
    assert response.status_code == 400
    assert f"at most {MAX_TERMS} words" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/claims/", "/api/concerns/", "/api/reports/"])
def test_an_api_search_of_thousands_of_words_is_a_clear_400(client, concerns, path):
    response = client.get(path, {"q": " ".join(f"w{n}" for n in range(50))})
    assert response.status_code == 400
    assert f"at most {MAX_TERMS} words" in str(response.json()["errors"]["q"])


def test_a_very_long_search_is_refused_before_it_is_read(client):
    response = client.get("/api/claims/", {"q": "x" * 5000})
    assert response.status_code == 400 and "1000 characters" in str(response.json()["errors"]["q"])


def test_repeated_words_are_searched_once(client, concerns):
    one = client.get("/api/concerns/", {"q": "custody"})
    many = client.get("/api/concerns/", {"q": "custody " * 120})
    assert many.status_code == one.status_code == 200
    assert many.json()["results"] == one.json()["results"] != []


SLOW_SQL = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1e10)"
    " SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(5)",
}


def test_a_query_past_the_time_limit_is_stopped_on_this_database(db):
    started = time.monotonic()
    # In a savepoint, as a request's transaction would be: PostgreSQL aborts it on the cancel.
    with (
        pytest.raises(SearchTimeout),
        time_limit(0.3),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(SLOW_SQL[connection.vendor])
    assert time.monotonic() - started < 2
    # The connection is usable afterwards, with no limit left on it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_cancelled_search_leaves_the_requests_transaction_usable(db):
    # As in a request (or a test) inside a transaction, with no savepoint of its own: on
    # PostgreSQL the cancel aborted the whole transaction, and the next query failed.
    assert connection.in_atomic_block
    with pytest.raises(SearchTimeout), time_limit(0.3), connection.cursor() as cursor:
        cursor.execute(SLOW_SQL[connection.vendor])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_search_stopped_by_the_time_limit_is_a_clear_400_not_an_outage(
    client, concerns, settings
):
    settings.SEARCH_TIME_LIMIT = 0  # every query of the search is already too late
    page = client.get("/concerns/", {"q": "custody"})
    assert page.status_code == 400 and "took longer than" in page.content.decode()
    api = client.get("/api/concerns/", {"q": "custody"})
    assert api.status_code == 400 and "took longer than" in api.json()["detail"]


def test_a_sql_error_that_is_not_an_outage_is_not_reported_as_one(db):
    from django.db import DatabaseError

    from tracker.middleware import is_database_outage

    # SQLite reports this as an OperationalError, as it does "Expression tree is too large".
    with pytest.raises(DatabaseError) as excinfo, connection.cursor() as cursor:
        cursor.execute("SELECT no_such_function_anywhere()")
    assert not is_database_outage(excinfo.value)


def test_html_lists_are_rate_limited_like_the_api(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "pages_anon": "3/minute",
        },
    }
    statuses = [client.get("/claims/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_time_limit_ends_with_the_search_inside_a_transaction():
    """On PostgreSQL the limit is a statement_timeout: it must not outlive the search and stop
    the transaction's later statements."""
    from django.db import connection, transaction

    from tracker import search

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        with search.time_limit(0.5):
            cursor.execute("SELECT 1")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before
