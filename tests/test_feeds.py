"""Atom feeds of newly published concerns, claims and reports."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import (
    ClaimFactory,
    ConcernFactory,
    CountryFactory,
    ReportFactory,
    SourceFactory,
    ThemeFactory,
)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def records(db):
    kaz = CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    torture = ThemeFactory(slug="torture", name="Torture")
    source = SourceFactory(title="Concluding observations", url="https://undocs.org/CAT/C/KAZ/CO/4")
    return {
        "published": ConcernFactory(
            country=kaz, summary="Torture in pre-trial detention.", themes=[torture], source=source
        ),
        "other_country": ConcernFactory(country=kgz, summary="Osh 2010 investigations."),
        "draft": ConcernFactory(country=kaz, summary="A draft concern.", status="draft"),
        "claim": ClaimFactory(country=kaz, summary="A new law on peaceful assemblies."),
        "report": ReportFactory(country=kaz, summary="Protesters were detained.", themes=[torture]),
    }


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    return feed


def titles(feed) -> list[str]:
    return [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]


def test_overall_feed_lists_only_published_records(client, records):
    feed = parse(client.get("/feeds/concerns/"))
    assert sorted(titles(feed)) == [
        "Kazakhstan: Torture in pre-trial detention.",
        "Kyrgyzstan: Osh 2010 investigations.",
    ]


def test_entries_link_to_their_page_and_their_source(client, records):
    feed = parse(client.get("/feeds/concerns/KAZ/"))
    (entry,) = feed.findall(f"{ATOM}entry")
    concern, source = records["published"], records["published"].source
    link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert link == f"http://testserver/concerns/{concern.pk}/"
    related = entry.find(f"{ATOM}link[@rel='related']")
    assert related.get("href") == f"http://testserver/sources/{source.pk}/"
    assert entry.find(f"{ATOM}link[@rel='via']").get("href") == source.url


def test_theme_feed_narrows_to_the_theme(client, records):
    feed = parse(client.get("/feeds/reports/theme/torture/"))
    assert titles(feed) == ["Kazakhstan: Protesters were detained."]
    assert "Torture" in feed.find(f"{ATOM}title").text
    assert titles(parse(client.get("/feeds/concerns/theme/torture/"))) == [
        "Kazakhstan: Torture in pre-trial detention."
    ]


def test_claims_feed(client, records):
    assert titles(parse(client.get("/feeds/claims/"))) == [
        "Kazakhstan: A new law on peaceful assemblies."
    ]


def test_drafts_stay_out_even_for_editors(editor_client, records):
    feed = parse(editor_client.get("/feeds/concerns/KAZ/"))
    assert "Kazakhstan: A draft concern." not in titles(feed)


def test_unknown_country_or_theme_is_404(client, records):
    assert client.get("/feeds/concerns/XXX/").status_code == 404
    assert client.get("/feeds/countries/XXX/").status_code == 404
    assert client.get("/feeds/claims/theme/nothing/").status_code == 404


def test_country_codes_are_read_in_any_case_as_pages_read_them(client, records):
    assert titles(parse(client.get("/feeds/concerns/kaz/"))) == titles(
        parse(client.get("/feeds/concerns/KAZ/"))
    )
    assert titles(parse(client.get("/feeds/countries/Kaz/")))


def test_country_feed_has_concerns_claims_and_reports_of_that_country_only(client, records):
    got = titles(parse(client.get("/feeds/countries/KAZ/")))
    assert "Kazakhstan, concern: Torture in pre-trial detention." in got
    assert "Kazakhstan, claim: A new law on peaceful assemblies." in got
    assert "Kazakhstan, report: Protesters were detained." in got
    assert not any("Osh 2010" in t or "draft" in t for t in got)


def test_every_feed_and_entry_names_an_author(client, records):
    records["published"].source.publisher = "UN Committee against Torture"
    records["published"].source.save()
    for path in ("/feeds/concerns/", "/feeds/countries/KAZ/", "/feeds/reports/theme/torture/"):
        feed = parse(client.get(path))
        assert feed.find(f"{ATOM}author/{ATOM}name").text == "Treaty compliance tracker"
        entries = feed.findall(f"{ATOM}entry")
        assert entries
        assert all(e.find(f"{ATOM}author/{ATOM}name").text for e in entries)
    feed = parse(client.get("/feeds/concerns/KAZ/"))
    authors = {
        e.find(f"{ATOM}title").text: e.find(f"{ATOM}author/{ATOM}name").text
        for e in feed.findall(f"{ATOM}entry")
    }
    assert authors["Kazakhstan: Torture in pre-trial detention."] == "UN Committee against Torture"


def test_country_feed_runs_a_fixed_number_of_queries(client, records, django_assert_num_queries):
    # 1 the country; 2-4 the newest concerns, claims and reports, each with country and source
    with django_assert_num_queries(4):
        client.get("/feeds/countries/KAZ/")
    for _ in range(3):
        ClaimFactory(country=records["published"].country)
    with django_assert_num_queries(4):
        response = client.get("/feeds/countries/KAZ/")
    assert len(ET.fromstring(response.content).findall(f"{ATOM}entry")) == 6


def test_feed_runs_a_fixed_number_of_queries(client, records, django_assert_num_queries):
    # 1 the country; 2 the concerns with their country and source
    with django_assert_num_queries(2):
        client.get("/feeds/concerns/KAZ/")
    for _ in range(5):
        ConcernFactory(country=records["published"].country)
    with django_assert_num_queries(2):
        response = client.get("/feeds/concerns/KAZ/")
    assert len(ET.fromstring(response.content).findall(f"{ATOM}entry")) == 6


def test_summaries_are_plain_text_not_html(client, records):
    ConcernFactory(
        country=records["published"].country, summary="Fewer < more & <i>not</i> markup."
    )
    feed = parse(client.get("/feeds/concerns/KAZ/"))
    summaries = [e.find(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert summaries and all(s.get("type") == "text" for s in summaries)
    assert "Fewer < more & <i>not</i> markup." in [s.text for s in summaries]
