"""Full-text search over concerns: Concern.objects.search and the ``q`` filter that uses it."""

import pytest
from django.db import connection

from tests import factories as f
from tracker import models as m

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
    assert keys(m.Concern.objects.search(text)) == expected


@pytest.mark.parametrize("text", ['"', "NEAR(a b", "a AND OR NOT", "*", "x:* & |", "'; DROP --"])
def test_search_ignores_operators_and_punctuation(concerns, text):
    # Only words reach the index's query language, so no input is a syntax error.
    list(m.Concern.objects.search(text))


def test_search_does_not_match_inside_words(concerns):
    # The index matches word prefixes; a substring search would have found "custody" here.
    assert keys(m.Concern.objects.search("ustody")) == []


def test_index_follows_edits_and_deletes(concerns):
    concern = m.Concern.objects.get(key="custody")
    concern.summary = "Overcrowding in prisons."
    concern.save()
    assert keys(m.Concern.objects.search("custody")) == []
    assert keys(m.Concern.objects.search("overcrowding")) == ["custody"]
    concern.delete()
    assert keys(m.Concern.objects.search("overcrowding")) == []


def test_search_combines_with_other_filters(concerns):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.ConcernFactory(key="kaz", country=kaz, summary="Custody of children.")
    assert keys(m.Concern.objects.filter(country=kaz).search("custody")) == ["kaz"]
    assert keys(m.Concern.objects.search("custody").published()) == ["custody", "kaz"]


def test_api_q_filter_uses_the_full_text_index(client, concerns):
    response = client.get("/api/concerns/", {"q": "investig"})
    assert response.status_code == 200
    assert [r["key"] for r in response.json()["results"]] == ["custody"]
    # A substring inside a word is not a match: the index, not icontains, answered.
    assert client.get("/api/concerns/", {"q": "ustody"}).json()["results"] == []
    assert client.get("/api/concerns/", {"q": 'NEAR("'}).status_code == 200


def test_search_twice_needs_both(concerns):
    assert keys(m.Concern.objects.search("custody").search("investigate")) == ["custody"]
    assert keys(m.Concern.objects.search("custody").search("defamation")) == []


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


def test_api_search_runs_a_fixed_number_of_queries(client, many, django_assert_num_queries):
    # the first matches' ids (also the count), their rows, themes, previous concerns
    with django_assert_num_queries(4):
        response = client.get("/api/concerns/", {"q": "journalists"})
    assert response.json()["count"] == 5
    # a word found nowhere: the ids only
    with django_assert_num_queries(1):
        assert client.get("/api/concerns/", {"q": "zzqx"}).json()["count"] == 0
