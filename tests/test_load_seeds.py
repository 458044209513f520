"""The load_seeds command on the shipped curated data: loads, re-runs idempotently, fails safely."""

import datetime as dt
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker import models as m
from tracker.seeds import SEEDS_DIR

pytestmark = pytest.mark.django_db

EDITORIAL_MODELS = [
    m.Ratification,
    m.StatusSnapshot,
    m.Reservation,
    m.Review,
    m.ReportingStatus,
    m.Concern,
    m.Pledge,
    m.Claim,
    m.Report,
    m.Assessment,
    m.Observation,
]
SEED_DOCUMENTS = [
    "seed-000-kazakhstan-mfa-oped",
    "seed-001-central-asia-analysis",
    "seed-002-odf-recommendations",
    "seed-003-osce-hdim-side-event",
    "seed-004-kazakhstan-progress-news",
]


def load(*args) -> str:
    out = StringIO()
    call_command("load_seeds", *args, stdout=out)
    return out.getvalue()


def table_sizes() -> dict[str, int]:
    models = [m.Country, m.Body, m.Theme, m.Source, m.Stance, *EDITORIAL_MODELS]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The shipped seeds, loaded once for the read-only tests of this file (a load takes seconds).

    Committed outside the per-test transactions, so the database is flushed afterwards to leave
    other test files an empty one.
    """
    with django_db_blocker.unblock():
        output = load()
    yield output
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_loads_every_kind_of_record(loaded):
    assert "0 updated" in loaded
    sizes = table_sizes()
    assert all(sizes.values()), sizes
    assert set(m.Concern.objects.values_list("country", flat=True)) == {"KAZ", "KGZ", "UZB"}


def test_second_run_reports_nothing_changed(loaded):
    again = load()
    assert "Total: 0 created, 0 updated," in again


def test_every_published_record_cites_a_source_and_a_place_in_it(loaded):
    for model in EDITORIAL_MODELS:
        published = model.objects.published()
        assert published.exists(), model.__name__
        assert not published.filter(source__isnull=True).exists(), model.__name__
        assert not published.filter(locator="").exists(), model.__name__
        assert not published.filter(source__status=m.Editorial.DRAFT).exists(), model.__name__


def test_each_seed_document_is_a_source_named_by_its_file(loaded):
    sources = m.Source.objects.filter(key__in=SEED_DOCUMENTS)
    assert sources.count() == 5
    for source in sources:
        assert source.seed_file.startswith(source.key[5:8] + "_"), source.key
        assert source.published_on is not None


def test_dates_keep_the_precision_they_were_written_with(loaded):
    annulled = m.Claim.objects.get(key="kaz-claim-ngo-suspensions-annulled")
    assert annulled.action_on == dt.date(2021, 2, 3)
    assert annulled.action_on_precision == m.Precision.DAY
    plan = m.Pledge.objects.get(key="kaz-pledge-disability-state-plan-2025")
    assert (plan.made_on, plan.made_on_precision) == (dt.date(2019, 5, 1), m.Precision.MONTH)
    assert (plan.due_by, plan.due_by_precision) == (dt.date(2025, 1, 1), m.Precision.YEAR)


def test_libel_claim_is_qualified_by_the_false_information_report(loaded):
    claim = m.Claim.objects.get(key="kaz-claim-libel-decriminalised")
    assert claim.legal_reference == "Criminal Code, art. 130 (libel)"
    assert claim.action_on.year == 2020
    stance = claim.stances.get()
    assert stance.stance == m.Stance.Kind.QUALIFIES
    assert stance.report.key == "odf-2016-defamation-false-information-crimes"
    assessment = claim.assessments.get()
    assert list(assessment.reports.values_list("key", flat=True)) == [stance.report.key]
    assert set(claim.concerns.values_list("key", flat=True)) == {
        "kaz-ccpr-2016-freedom-of-expression",
        "odf-2016-defamation-false-information",
    }


def test_assembly_claim_is_assessed_against_the_rally_detentions(loaded):
    claim = m.Claim.objects.get(key="kaz-claim-assembly-notification")
    assert claim.verification == m.Verification.PARTLY_CORROBORATED
    assert claim.assessments.get().reports.get().key == "kaz-2019-rally-detentions"


def test_the_council_claim_is_the_analysts_and_only_partly_corroborated(loaded):
    claim = m.Claim.objects.select_related("source").get(key="kaz-claim-public-trust-council")
    assert claim.source.author.startswith("Alberto Turkstra (European Institute for Asian")
    assert "Alberto Turkstra" in claim.summary
    assert claim.verification == m.Verification.PARTLY_CORROBORATED
    assert claim.stances.get().report.key == "kaz-2019-new-civic-initiatives"


def test_stances_link_only_what_a_document_links(loaded):
    # No document ties the 2019 penal-reform working group to the three reform packages.
    assert not m.Stance.objects.filter(claim__key="kaz-claim-reform-packages").exists()
    funding = m.Stance.objects.get(claim__key="kaz-claim-ngo-funding-access")
    assert "before the law" not in funding.note


def test_corrected_wording_follows_the_documents(loaded):
    claims = dict(m.Claim.objects.values_list("key", "summary"))
    assert "such as war crimes or terrorism" in claims["kaz-claim-death-penalty"]
    assert "of which" not in claims["kaz-claim-ngo-state-grants"]
    assert "pushed" not in claims["kaz-claim-assembly-notification"]
    assert "examined closely" in claims["kaz-claim-assembly-notification"]
    assert "dates from 2002" in claims["kaz-claim-human-rights-commissioner"]
    commissioner = m.Claim.objects.get(key="kaz-claim-human-rights-commissioner")
    assert commissioner.stances.get().report.observed_from == dt.date(2002, 9, 19)
    funding = m.Indicator.objects.get(slug="civil-society-development-funding")
    assert "part of" in funding.description and "without saying whether" in funding.description
    blocking = m.Report.objects.get(key="kaz-2019-website-blocking")
    assert blocking.summary.startswith("Speakers at the side event raised")
    assert "by various estimates" in m.Report.objects.get(key="kaz-2019-rally-detentions").summary


def test_reviews_are_attributed_only_to_matching_body_and_country(loaded):
    # The three reviews seed 001's concerns are attributed to, among the committees' own lists.
    assert (
        set(m.Review.objects.values_list("symbol", flat=True))
        >= {
            "CCPR/C/KAZ/CO/2",
            "CCPR/C/KGZ/CO/2",
            "CCPR/C/UZB/CO/5",
        }
        <= set(m.Review.objects.values_list("symbol", flat=True))
    )
    for concern in m.Concern.objects.filter(review__isnull=False).select_related("review"):
        assert concern.review.country_id == concern.country_id
        assert concern.review.body_id == concern.body_id
        assert concern.issued_on == concern.review.adopted_on
    assert m.Concern.objects.filter(review__isnull=True, body="CCPR").exists()


def test_ngo_and_parliament_recommendations_are_concerns_of_their_own_bodies(loaded):
    assert m.Concern.objects.filter(body="ODF", country="KAZ").count() == 8
    resolution = m.Concern.objects.get(body="EP")
    assert resolution.issued_on == dt.date(2021, 2, 11)
    assert resolution.kind == m.Concern.Kind.RECOMMENDATION


def test_women_in_parliament_series_and_the_30_percent_pledge(loaded):
    values = m.Observation.objects.filter(
        indicator="women-in-parliament", country="KAZ"
    ).values_list("observed_on__year", "value", "source__key")
    # The article's own figures, then the ones it credits to other scholars: two series.
    assert list(values) == [
        (1999, Decimal("11.2"), "seed-001-central-asia-analysis"),
        (2006, Decimal("15.9"), "seed-001-central-asia-analysis"),
        (2007, Decimal("12.7"), "gender-article-cited-scholars"),
        (2010, Decimal("13.6"), "gender-article-cited-scholars"),
    ]
    pledge = m.Pledge.objects.get(key="kaz-pledge-2016-women-decision-making")
    assert (pledge.indicator_id, pledge.target_value, pledge.target_unit) == (
        "women-in-parliament",
        Decimal("30"),
        "%",
    )


def test_road_maps_answer_the_kazakh_committee_concerns(loaded):
    road_maps = m.Pledge.objects.get(key="kaz-pledge-50-road-maps")
    # The committee concerns the 2021 survey (seed 001) names; later reviews come after the maps.
    un_concerns = m.Concern.objects.filter(
        country="KAZ",
        body__kind=m.Body.Kind.TREATY_BODY,
        source__key="seed-001-central-asia-analysis",
    )
    assert set(road_maps.concerns.all()) == set(un_concerns)


def test_every_theme_is_protected_by_an_instrument_and_used(loaded):
    for theme in m.Theme.objects.prefetch_related("instruments"):
        assert theme.instruments.all(), theme.slug
        assert theme.name_ru, theme.slug
    # A theme that no curated record uses yet is still in use when UHRI themes map to it:
    # imported concerns come under it.
    unused = m.Theme.objects.filter(
        concerns=None, claims=None, reports=None, pledges=None, indicators=None, uhri_aliases=None
    )
    assert not unused.exists(), list(unused)


@pytest.fixture
def seed_copy(tmp_path):
    """A copy of the seeds in which the torture theme is renamed, to see whether anything saves."""
    directory = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, directory)
    themes = directory / "themes.yaml"
    text = themes.read_text(encoding="utf-8")
    assert "name: Torture and ill-treatment\n" in text
    themes.write_text(text.replace("Torture and ill-treatment", "Renamed theme"), encoding="utf-8")
    return directory


def assert_nothing_saved(before: dict[str, int]) -> None:
    assert table_sizes() == before
    assert not m.Theme.objects.filter(name="Renamed theme").exists()


def test_bad_value_names_file_row_column_and_value_and_saves_nothing(seed_copy):
    claims = seed_copy / "claims.yaml"
    # An impossible month in the second claim (libel), in a file loaded after the renamed theme.
    libel = 'action_on: "2020"\n  stated_on: "2021"\n  legal_reference: Criminal Code'
    text = claims.read_text(encoding="utf-8")
    assert libel in text
    claims.write_text(text.replace(libel, libel.replace("2020", "2020-13")), encoding="utf-8")
    before = table_sizes()
    with pytest.raises(CommandError) as excinfo:
        load("--dir", str(seed_copy))
    message = str(excinfo.value)
    assert "claims.yaml, row 2, column 'action_on': '2020-13'" in message
    assert "Nothing was loaded" in message
    assert_nothing_saved(before)


def test_unknown_reference_is_reported_with_its_value(seed_copy):
    stances = seed_copy / "stances.yaml"
    text = stances.read_text(encoding="utf-8")
    stances.write_text(
        text.replace("claim: kaz-claim-libel-decriminalised", "claim: kaz-claim-no-such"),
        encoding="utf-8",
    )
    before = table_sizes()
    with pytest.raises(CommandError, match=r"stances.yaml, row 1, column 'claim': 'kaz-claim-no"):
        load("--dir", str(seed_copy))
    assert_nothing_saved(before)


def test_dry_run_reports_counts_and_saves_nothing(seed_copy):
    before = table_sizes()
    output = load("--dry-run", "--dir", str(seed_copy))
    assert "Dry run, nothing saved." in output
    assert "themes " in output
    assert_nothing_saved(before)


def test_a_kind_folder_is_read_after_the_kind_file_and_named_in_errors(seed_copy):
    folder = seed_copy / "reviews"
    folder.mkdir(exist_ok=True)
    (folder / "extra.yaml").write_text(
        "- key: kaz-extra\n  body: CCPR\n  country: KAZ\n  symbol: X/1\n"
        '  adopted_on: "2016-13"\n  source: ccpr-c-kaz-co-2\n  locator: p. 1\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"reviews/extra.yaml, row 1, column 'adopted_on'"):
        load("--dir", str(seed_copy))
    (folder / "extra.yaml").write_text(
        (folder / "extra.yaml").read_text(encoding="utf-8").replace("2016-13", "2016"),
        encoding="utf-8",
    )
    load("--dir", str(seed_copy))
    assert m.Review.objects.get(key="kaz-extra").symbol == "X/1"


def test_a_new_record_the_database_refuses_is_named_by_its_row(seed_copy):
    # New records are written in bulk; a constraint they break (here: a second record for the
    # same country and instrument under another key) still names the file, row and field.
    world = seed_copy / "ratifications" / "untc-2022.csv"
    lines = world.read_text(encoding="utf-8").splitlines(keepends=True)
    duplicate = lines[1].replace("untc-2022-afg-icerd", "afg-icerd-again", 1)
    world.write_text("".join([lines[0], lines[1], duplicate, *lines[2:]]), encoding="utf-8")
    before = table_sizes()
    with pytest.raises(CommandError) as excinfo:
        load("--dir", str(seed_copy))
    message = str(excinfo.value)
    assert "ratifications/untc-2022.csv, row 3" in message
    assert "already has a ratification record for this instrument" in message
    assert_nothing_saved(before)


def test_the_world_status_files_load_in_bulk_and_a_rerun_changes_nothing(loaded):
    assert m.Ratification.objects.filter(source__key="untc-extract-2022").count() == 2264
    assert m.StatusSnapshot.objects.filter(source__key="untc-extract-2022").count() == 1209
    # Bulk writes keep the history, with the file as the reason.
    record = m.Ratification.objects.get(key="untc-2022-rus-iccpr")
    assert record.history.get().history_change_reason == "seeds: ratifications/untc-2022.csv"


def test_a_record_may_link_to_one_written_a_few_rows_above_in_the_same_file(seed_copy):
    folder = seed_copy / "concerns"
    folder.mkdir(exist_ok=True)
    row = (
        "- key: {key}\n  body: CCPR\n  country: KAZ\n  kind: concern\n  summary: A point.\n"
        "  source: ccpr-c-kaz-co-2\n  locator: para. 1\n  status: published\n"
    )
    (folder / "zz-chain.yaml").write_text(
        row.format(key="zz-first") + row.format(key="zz-second") + "  previous: [zz-first]\n",
        encoding="utf-8",
    )
    load("--dir", str(seed_copy))
    second = m.Concern.objects.get(key="zz-second")
    assert list(second.previous.values_list("key", flat=True)) == ["zz-first"]
