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


def test_reviews_are_attributed_only_to_matching_body_and_country(loaded):
    assert set(m.Review.objects.values_list("symbol", flat=True)) == {
        "CCPR/C/KAZ/CO/2",
        "CCPR/C/KGZ/CO/2",
        "CCPR/C/UZB/CO/5",
    }
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
    ).values_list("observed_on__year", "value")
    assert list(values) == [
        (1999, Decimal("11.2")),
        (2006, Decimal("15.9")),
        (2007, Decimal("12.7")),
        (2010, Decimal("13.6")),
    ]
    pledge = m.Pledge.objects.get(key="kaz-pledge-2016-women-decision-making")
    assert (pledge.indicator_id, pledge.target_value, pledge.target_unit) == (
        "women-in-parliament",
        Decimal("30"),
        "%",
    )


def test_road_maps_answer_the_kazakh_committee_concerns(loaded):
    road_maps = m.Pledge.objects.get(key="kaz-pledge-50-road-maps")
    un_concerns = m.Concern.objects.filter(country="KAZ", body__kind=m.Body.Kind.TREATY_BODY)
    assert set(road_maps.concerns.all()) == set(un_concerns)


def test_every_theme_is_protected_by_an_instrument_and_used(loaded):
    for theme in m.Theme.objects.prefetch_related("instruments"):
        assert theme.instruments.all(), theme.slug
        assert theme.name_ru, theme.slug
    unused = m.Theme.objects.filter(
        concerns=None, claims=None, reports=None, pledges=None, indicators=None
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
