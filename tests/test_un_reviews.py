"""Kazakhstan's UN reviews and reporting status as shipped in the seeds: every review's symbol
and date reach the API and the country page, and the reporting rows reach both too."""

import pytest
import yaml
from django.core.management import call_command

from tracker import models as m
from tracker.seeds import SEEDS_DIR

pytestmark = pytest.mark.django_db


def seed_rows(kind: str, name: str, country: str = "KAZ") -> list[dict]:
    rows = yaml.safe_load((SEEDS_DIR / kind / name).read_text(encoding="utf-8"))
    return [row for row in rows if row["country"] == country]


def kaz_reviews() -> list[dict]:
    own = seed_rows("reviews", "kaz.yaml")
    shared = yaml.safe_load((SEEDS_DIR / "reviews.yaml").read_text(encoding="utf-8"))
    return own + [row for row in shared if row["country"] == "KAZ"]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The shipped seeds, loaded once (committed, so flushed afterwards for other test files)."""
    with django_db_blocker.unblock():
        call_command("load_seeds", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def api_rows(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None, "more than one page: widen the test"
    return body["results"]


def test_every_review_is_in_the_api_with_its_symbol_and_date(loaded, client):
    shown = {row["symbol"]: row for row in api_rows(client, "/api/reviews/?country=KAZ")}
    for review in kaz_reviews():
        row = shown[review["symbol"]]
        assert row["body"] == review["body"]
        if review["adopted_on"]:
            # The date as stored (first day of a month or year) with its precision beside it.
            assert row["adopted_on"].startswith(str(review["adopted_on"]))
        else:
            assert row["adopted_on"] is None


def test_every_dated_review_is_on_the_country_page_with_its_date(loaded, client):
    # Undated reviews are there when they are their body's latest (below); all are in the API.
    html = client.get("/countries/KAZ/").content.decode()
    section = html[html.index('id="reporting"') : html.index('id="themes"')]
    for review in kaz_reviews():
        if review["adopted_on"]:
            assert f"{review['symbol']}</strong> ({review['adopted_on']})" in section or (
                f"{review['symbol']} ({review['adopted_on']})</span>" in section
            )


def test_each_body_lists_its_latest_review_first(loaded, client):
    html = client.get("/countries/KAZ/").content.decode()
    section = html[html.index('id="reporting"') : html.index('id="themes"')]
    latest = {}
    for review in kaz_reviews():
        if not review["adopted_on"]:
            continue
        if review["body"] not in latest or review["adopted_on"] > latest[review["body"]][1]:
            latest[review["body"]] = (review["symbol"], review["adopted_on"])
    assert set(latest) >= {"CCPR", "CAT", "CERD", "CRC", "CRPD", "CED", "CESCR", "UPR"}
    for symbol, adopted_on in latest.values():
        assert f"<strong>{symbol}</strong> ({adopted_on})" in section
    # A body whose reviews carry no date shows one of them all the same.
    assert "<strong>CEDAW/C/KAZ/CO/3-4</strong>" in section
    assert "<strong>CAT/OP/KAZ/" in section


def test_reporting_rows_reach_the_api_and_the_country_page(loaded, client):
    everything = {row["key"]: row for row in seed_rows("reporting", "kaz.yaml")}
    seeded = {k: row for k, row in everything.items() if row["status"] == "published"}
    rows = {row["key"]: row for row in api_rows(client, "/api/reporting/?country=KAZ")}
    assert set(rows) == set(seeded)
    # The rows whose report symbol was not read are drafts: no reader sees them.
    assert {k for k in everything if k not in seeded} == {
        "kaz-reporting-ccpr",
        "kaz-reporting-cescr",
        "kaz-reporting-crc",
    }
    html = client.get("/countries/KAZ/").content.decode()
    section = html[html.index('id="reporting"') : html.index('id="themes"')]
    assert "submitted 2024-05-30" not in section  # the CESCR draft's date of receipt
    for key, seed in seeded.items():
        assert rows[key]["body"] == seed["body"]
        assert rows[key]["last_report_symbol"] == seed["last_report_symbol"]
        assert rows[key]["overdue"] is None  # no due date could be read yet
        if seed["last_report_symbol"]:
            assert seed["last_report_symbol"] in section
        if seed["last_report_submitted_on"]:
            assert f"submitted {seed['last_report_submitted_on']}" in section
    # Kazakhstan is no party to the Migrant Workers Convention: the committee has no data.
    cmw = section[section.index(">CMW<") :]
    assert "no data" in cmw[: cmw.index("</tr>")]


def test_follow_up_paragraphs_are_marked_and_cite_their_review(loaded):
    concerns = m.Concern.objects.filter(country="KAZ", review__isnull=False).select_related(
        "review"
    )
    follow_up = {c.key: c for c in concerns if c.follow_up}
    assert {"kaz-ced-co-1-p12", "kaz-cat-co-4-p10"} <= set(follow_up)
    assert follow_up["kaz-ced-co-1-p12"].review.symbol == "CED/C/KAZ/CO/1"
    assert follow_up["kaz-ced-co-1-p12"].paragraph == "12"
    latest = m.Concern.objects.filter(review__symbol="CCPR/C/KAZ/CO/3")
    assert latest.count() >= 5
    # All cite the document itself, but for the one read in OHCHR's press release on the
    # findings, which names no paragraph.
    others = latest.exclude(source__symbol="CCPR/C/KAZ/CO/3")
    assert [(c.key, c.paragraph, c.source.key) for c in others] == [
        ("kaz-ccpr-co-3-ohchr-counter-terrorism", "", "ohchr-ccpr-findings-2025-07")
    ]


def test_latest_reviews_hold_their_first_principal_concerns_with_paragraphs(loaded, client):
    # Read in the Chinese versions, which reach past the positive aspects.
    expected = {
        "E/C.12/KAZ/CO/2": {"4": "concern", "5": "recommendation", "6": "concern"},
        "CERD/C/KAZ/CO/8-10": {"5": "concern", "6": "recommendation"},
    }
    for symbol, paragraphs in expected.items():
        concerns = {
            c.paragraph: c
            for c in m.Concern.objects.filter(review__symbol=symbol, source__symbol=symbol)
        }
        assert {p: concerns[p].kind for p in paragraphs} == paragraphs
        html = client.get(f"/concerns/{concerns['5'].pk}/").content.decode()
        assert f"{symbol} (" in html and "para. 5" in html


def test_the_2016_human_rights_committee_review_holds_its_expression_and_assembly_paragraphs(
    loaded, client
):
    # Read in a Russian text published in pages, whose second page starts at paragraph 50.
    concerns = {c.paragraph: c for c in m.Concern.objects.filter(review__symbol="CCPR/C/KAZ/CO/2")}
    expression, assembly = concerns["50 (a)-(d)"], concerns["51"]
    assert expression.kind == "recommendation" and expression.recommendation
    assert list(expression.themes.values_list("slug", flat=True)) == ["freedom-of-expression"]
    assert assembly.kind == "concern" and not assembly.follow_up
    assert list(assembly.themes.values_list("slug", flat=True)) == ["peaceful-assembly"]
    assert {expression.source.symbol, assembly.source.symbol} == {"CCPR/C/KAZ/CO/2"}
    html = client.get(f"/concerns/{expression.pk}/").content.decode()
    assert "CCPR/C/KAZ/CO/2 (" in html and "para. 50 (a)-(d)" in html


def test_the_economic_and_social_committee_2019_review_is_dated_to_the_day(loaded, client):
    review = m.Review.objects.get(symbol="E/C.12/KAZ/CO/2")
    assert (str(review.adopted_on), review.adopted_on_precision) == ("2019-03-08", "day")
    assert review.source.symbol == "E/C.12/KAZ/CO/2"
    # Its concerns are dated as the review is.
    assert set(
        m.Concern.objects.filter(review=review).values_list("issued_on", "issued_on_precision")
    ) == {(review.adopted_on, "day")}


def test_the_enforced_disappearances_review_opens_with_its_overall_finding(loaded):
    concerns = {c.paragraph: c for c in m.Concern.objects.filter(review__symbol="CED/C/KAZ/CO/1")}
    assert {"4", "5", "6", "7", "12"} <= set(concerns)
    assert [p for p, c in sorted(concerns.items()) if c.follow_up] == ["12"]
    assert concerns["6"].kind == "concern" and concerns["6"].source.symbol == "CED/C/KAZ/CO/1"


def test_first_upr_cycle_positions_rest_on_the_next_national_report(loaded, client):
    # A/HRC/WG.6/20/KAZ/1 names, by number, the first cycle's recommendations it answers and the
    # six Kazakhstan did not accept; their wording and authors were not read.
    response = client.get("/api/concerns/", {"country": "KAZ", "body": "UPR", "page_size": 100})
    assert response.status_code == 200
    rows = {row["paragraph"]: row for row in response.json()["results"]}
    review = m.Review.objects.get(country_id="KAZ", symbol="A/HRC/14/10")
    assert {p for p, row in rows.items() if row["review"] == review.pk} == {"95", "97"}
    assert rows["97"]["position"] == "noted"
    assert rows["95"]["position"] == ""
    assert rows["95"]["recommending_state"] is None and rows["97"]["recommending_state"] is None
    for row in rows.values():
        assert row["source_detail"]["symbol"] == "A/HRC/WG.6/20/KAZ/1"
        assert row["issued_on"] == "2010-02-16"
    concern = m.Concern.objects.get(key="kaz-upr-1-p97-not-accepted")
    html = client.get(f"/concerns/{concern.pk}/").content.decode()
    assert "A/HRC/14/10" in html and "97.10" in html


def test_upr_cycles_not_read_have_no_review_but_their_documents_are_sources(loaded, client):
    # The third cycle (November 2019) is known from its national report only: no review row
    # with an invented symbol or date, the report listed as a source that links to the UN.
    upr = m.Review.objects.filter(country_id="KAZ", body_id="UPR")
    assert sorted(upr.values_list("symbol", flat=True)) == ["A/HRC/14/10", "A/HRC/28/10"]
    response = client.get("/api/sources/", {"year": 2019, "kind": "un_document", "page_size": 100})
    assert response.status_code == 200
    sources = {row["symbol"]: row for row in response.json()["results"]}
    report = sources["A/HRC/WG.6/34/KAZ/1"]
    assert report["published_on"] == "2019-10-16"
    assert report["document_url"] == "https://undocs.org/A/HRC/WG.6/34/KAZ/1"
