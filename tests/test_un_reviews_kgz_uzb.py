"""The UN reviews of Kyrgyzstan and Uzbekistan in the seeds (``seeds/reviews/<cc>.yaml``, their
sources and concerns): each review's symbol and adoption date as the committee's document gives
them, shown on the country page's timeline and in the reviews API, and every concern tied to a
review of its own country and committee, citing a document by its symbol."""

import datetime as dt
import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.utils.html import escape

from tracker import models as m
from tracker.seeds import SEEDS_DIR, parse_partial_date

COUNTRIES = ["kgz", "uzb"]


def seed_rows(kind: str, name: str) -> list[dict]:
    path = SEEDS_DIR / kind / f"{name}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []


REVIEWS = [row for cc in COUNTRIES for row in seed_rows("reviews", cc)]
CONCERNS = [row for cc in COUNTRIES for row in seed_rows("concerns", f"{cc}-un")]


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Load the seeds once for this module; empty the database after."""
    with django_db_blocker.unblock():
        call_command("load_seeds", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded(seeded_once, db):
    """The loaded seeds; each test's own changes are rolled back."""


# The latest review of each committee among those recorded (the ones whose documents were read),
# with its adoption date as the document states it.
LATEST = {
    ("KGZ", "CCPR"): ("CCPR/C/KGZ/CO/3", "2022-10-28"),
    ("KGZ", "CAT"): ("CAT/C/KGZ/CO/3", "2021-11-26"),
    ("KGZ", "CESCR"): ("E/C.12/KGZ/CO/4", "2024-09-27"),
    ("KGZ", "CEDAW"): ("CEDAW/C/KGZ/CO/5", "2021-11"),
    ("KGZ", "CERD"): ("CERD/C/KGZ/CO/8-10", "2018-05-03"),
    ("KGZ", "CRC"): ("CRC/C/KGZ/CO/3-4", "2014-06-13"),
    ("KGZ", "UPR"): ("A/HRC/29/4", "2015-01-23"),
    ("UZB", "CCPR"): ("CCPR/C/UZB/CO/5", "2020-03-27"),
    ("UZB", "CAT"): ("CAT/C/UZB/CO/5", "2019-11-28"),
    ("UZB", "CESCR"): ("E/C.12/UZB/CO/3", "2022-03-04"),
    ("UZB", "CRC"): ("CRC/C/UZB/CO/5", "2022-09-23"),
    ("UZB", "UPR"): ("A/HRC/39/7", "2018-05-11"),
}


@pytest.mark.parametrize(("country", "body"), sorted(LATEST))
def test_the_latest_review_of_each_committee_has_its_symbol_and_adoption_date(
    seeded, country, body
):
    symbol, date = LATEST[(country, body)]
    latest = (
        m.Review.objects.filter(country_id=country, body_id=body, adopted_on__isnull=False)
        .order_by("-adopted_on")
        .first()
    )
    assert latest is not None
    assert latest.symbol == symbol
    assert m.format_partial_date(latest.adopted_on, latest.adopted_on_precision) == date
    assert latest.status == "published"
    assert latest.source.symbol and latest.locator


def test_the_human_rights_committee_second_review_of_kyrgyzstan_is_dated_to_the_day(seeded):
    review = m.Review.objects.get(symbol="CCPR/C/KGZ/CO/2")
    assert (review.adopted_on, review.adopted_on_precision) == (dt.date(2014, 3, 25), "day")


def test_seed_001_torture_and_expression_concerns_are_paragraphs_of_ccpr_c_kgz_co_2(seeded):
    linked = dict(
        m.Concern.objects.filter(review__symbol="CCPR/C/KGZ/CO/2").values_list("key", "paragraph")
    )
    assert linked["kgz-ccpr-torture"] == "15"
    assert linked["kgz-ccpr-torture-prevention-measures"] == "15"
    assert linked["kgz-ccpr-freedom-of-expression"] == "24"


@pytest.mark.parametrize("row", REVIEWS, ids=[r["key"] for r in REVIEWS])
def test_each_review_is_listed_by_the_reviews_api_with_its_symbol_and_date(seeded, client, row):
    response = client.get("/api/reviews/", {"country": row["country"], "page_size": 100})
    assert response.status_code == 200
    rows = {r["symbol"]: r for r in response.json()["results"]}
    assert row["symbol"] in rows
    listed = rows[row["symbol"]]
    if row.get("adopted_on"):
        day, precision = parse_partial_date(str(row["adopted_on"]))
        assert (listed["adopted_on"], listed["adopted_on_precision"]) == (
            day.isoformat(),
            precision,
        )
    else:
        assert listed["adopted_on"] is None


@pytest.mark.parametrize("row", [r for r in REVIEWS if r.get("adopted_on")], ids=lambda r: r["key"])
def test_each_dated_review_is_on_the_country_page_timeline(seeded, client, row):
    response = client.get(f"/countries/{row['country']}/")
    assert response.status_code == 200
    day, precision = parse_partial_date(str(row["adopted_on"]))
    shown = m.format_partial_date(day, precision)
    html = response.content.decode()
    timeline = html[html.index('<ol class="timeline">') :]
    listed = [dt.date.fromisoformat(d) for d in re.findall(r'<time datetime="([\d-]+)">', timeline)]
    if day < min(listed):
        # Older than every event shown: the page lists only the newest events, and says so.
        assert "Only the newest" in html
        return
    assert (
        f'<time datetime="{day.isoformat()}">{shown}</time> <span class="kind">review</span> '
        f"{row['body']} review {row['symbol']}"
    ) in timeline


@pytest.mark.parametrize("row", CONCERNS, ids=[r["key"] for r in CONCERNS])
def test_each_un_concern_belongs_to_a_review_of_its_country_and_committee(seeded, row):
    concern = m.Concern.objects.select_related("review", "source").get(key=row["key"])
    assert concern.review is not None
    assert (concern.review.country_id, concern.review.body_id) == (
        concern.country_id,
        concern.body_id,
    )
    assert concern.source.kind == "un_document" and concern.source.symbol
    # An unknown paragraph stays empty; the locator then says where in the document it is.
    assert concern.locator and concern.summary
    # Dated as the review is, no more precisely.
    assert (concern.issued_on, concern.issued_on_precision) == (
        concern.review.adopted_on,
        concern.review.adopted_on_precision,
    )
    for earlier in concern.previous.all():
        assert earlier.body_id == concern.body_id and earlier.country_id == concern.country_id
        assert earlier.review.adopted_on < concern.review.adopted_on


def test_the_committee_against_torture_repeats_its_uzbek_torture_concern_across_three_reviews(
    seeded,
):
    latest = m.Concern.objects.get(key="uzb-cat-co-5-p8")
    middle = latest.previous.get()
    assert (middle.key, middle.review.symbol) == ("uzb-cat-co-4-p7", "CAT/C/UZB/CO/4")
    assert middle.previous.get().review.symbol == "CAT/C/UZB/CO/3"


def test_the_human_rights_committee_repeats_its_call_to_repeal_article_120_in_uzbekistan(seeded):
    chain = []
    concern = m.Concern.objects.get(key="uzb-ccpr-co-5-lgbt")
    while concern is not None:
        chain.append(concern.review.symbol)
        concern = concern.previous.first()
    assert chain == ["CCPR/C/UZB/CO/5", "CCPR/C/UZB/CO/4", "CCPR/C/UZB/CO/3"]


# The paragraphs each committee selected for follow-up, as far as a UN document read names them
# (the committee's next list of issues, or the State's follow-up report answering them).
FOLLOW_UP = {
    ("KGZ", "CAT/C/KGZ/CO/3"): {"13", "19", "25"},
    ("KGZ", "CEDAW/C/KGZ/CO/5"): {"12 (b)", "18 (b)", "22 (b)", "26 (e)"},
    ("UZB", "CAT/C/UZB/CO/5"): {"10"},
    ("UZB", "CEDAW/C/UZB/CO/5"): {"10"},
}


@pytest.mark.parametrize(("country", "symbol"), sorted(FOLLOW_UP))
def test_follow_up_paragraphs_are_flagged_in_the_api_and_on_their_pages(
    seeded, client, country, symbol
):
    review = m.Review.objects.get(country_id=country, symbol=symbol)
    response = client.get(
        "/api/concerns/",
        {"country": country, "follow_up": "true", "page_size": 100},
    )
    assert response.status_code == 200
    flagged = {row["paragraph"] for row in response.json()["results"] if row["review"] == review.pk}
    assert flagged == FOLLOW_UP[(country, symbol)]
    for concern in m.Concern.objects.filter(review=review, follow_up=True):
        html = client.get(f"/concerns/{concern.pk}/").content.decode()
        assert "marked by the body for follow-up" in html
        assert f"{symbol}, para. {concern.paragraph}" in html or (
            f"{symbol} ({review.cycle}), para. {concern.paragraph}" in html
        )
        # The flag rests on a UN document the record cites by its symbol.
        assert concern.source.kind == "un_document" and concern.source.symbol


def test_cat_follow_up_of_kyrgyzstan_rests_on_its_next_list_of_issues(seeded):
    concerns = m.Concern.objects.filter(review__symbol="CAT/C/KGZ/CO/3", follow_up=True)
    assert {c.source.symbol for c in concerns} == {"CAT/C/KGZ/QPR/4"}
    assert {c.paragraph: sorted(c.themes.values_list("slug", flat=True)) for c in concerns} == {
        "13": ["national-human-rights-institutions", "torture"],
        "19": ["violence-against-women"],
        "25": ["accountability", "torture"],
    }
    assert all(c.affected_groups and "paragraphs 13, 19 and 25" in c.locator for c in concerns)


def test_the_economic_and_social_committee_2024_review_of_kyrgyzstan_opens_its_concerns(
    seeded, client
):
    review = m.Review.objects.get(symbol="E/C.12/KGZ/CO/4")
    concerns = {c.paragraph: c for c in m.Concern.objects.filter(review=review)}
    assert sorted(concerns) == ["10 (c)", "11 (d)", "20", "21", "3", "4", "5", "6"]
    assert [concerns[p].kind for p in ("3", "4", "5", "6")] == [
        "positive_aspect",
        "concern",
        "recommendation",
        "concern",
    ]
    # The symbol rests on the copy that prints it; the page of each concern names review and
    # paragraph.
    assert review.source.symbol == "E/C.12/KGZ/CO/4"
    html = client.get(f"/concerns/{concerns['6'].pk}/").content.decode()
    assert "E/C.12/KGZ/CO/4 (fourth periodic report), para. 6" in html
    page = client.get("/countries/KGZ/").content.decode()
    assert "E/C.12/KGZ/CO/4" in page


def test_the_child_rights_committee_urgent_recommendations_for_uzbekistan_are_recorded(
    seeded, client
):
    # CRC/C/UZB/CO/5, paragraph 4: the six recommendations calling for urgent measures.
    urgent = m.Concern.objects.filter(
        review__symbol="CRC/C/UZB/CO/5", kind="recommendation"
    ).order_by("paragraph")
    assert [c.paragraph for c in urgent] == ["20", "28", "32", "36", "38", "43"]
    assert all(c.themes.filter(slug="rights-of-the-child").exists() for c in urgent)
    response = client.get("/api/concerns/", {"country": "UZB", "body": "CRC", "page_size": 100})
    listed = {row["paragraph"] for row in response.json()["results"]}
    assert {"3", "20", "28", "32", "36", "38", "43"} <= listed


def test_the_human_rights_committee_first_principal_concern_for_kyrgyzstan(seeded, client):
    concern = m.Concern.objects.get(review__symbol="CCPR/C/KGZ/CO/3", paragraph="5")
    assert concern.kind == "concern"
    html = client.get(f"/concerns/{concern.pk}/").content.decode()
    assert "CCPR/C/KGZ/CO/3 (third periodic report), para. 5" in html
    assert escape(concern.summary) in html


@pytest.mark.parametrize(
    ("symbol", "paragraphs"),
    [
        ("E/C.12/UZB/CO/3", ["3", "4", "5", "6", "7"]),
        ("E/C.12/KGZ/CO/4", ["10 (c)", "11 (d)", "20", "21", "3", "4", "5", "6"]),
    ],
)
def test_the_economic_and_social_committee_first_concerns_cite_the_observations(
    seeded, client, symbol, paragraphs
):
    concerns = m.Concern.objects.filter(review__symbol=symbol).order_by("paragraph")
    assert [c.paragraph for c in concerns] == paragraphs
    assert {c.source.symbol for c in concerns} == {symbol}
    listed = client.get("/api/concerns/", {"country": symbol[7:10], "page_size": 100}).json()
    assert {c.pk for c in concerns} <= {row["id"] for row in listed["results"]}
    judiciary = [c for c in concerns if c.themes.filter(slug="fair-trial").exists()]
    assert judiciary and all(c.kind in {"concern", "recommendation"} for c in judiciary)


def test_the_council_adoptions_of_kyrgyzstan_upr_outcomes_are_sources_without_a_symbol(
    seeded, client
):
    # UN press material on the Council's adoption of the second and third cycle outcomes: read
    # and cited as sources, with no symbol made up for them and no review for the third cycle,
    # whose Working Group report was not read.
    second = m.Source.objects.get(key="ohchr-hrc-upr-outcome-kgz-2015")
    third = m.Source.objects.get(key="ungeneva-hrc-upr-outcome-kgz-2020")
    assert (second.published_on, second.published_on_precision) == (dt.date(2015, 6, 24), "day")
    assert m.format_partial_date(third.published_on, third.published_on_precision) == "2020-09"
    assert second.symbol == third.symbol == ""
    assert "196" in second.notes and "139" in second.notes and "A/HRC/29/4" in second.notes
    html = client.get(f"/sources/{second.pk}/").content.decode()
    assert second.title in html
    latest = (
        m.Review.objects.filter(country_id="KGZ", body_id="UPR").order_by("-adopted_on").first()
    )
    assert latest.symbol == "A/HRC/29/4"
