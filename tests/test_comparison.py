"""The comparison reads shared by pages, API and admin: content, visibility, query counts."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m
from tracker.selectors import compare, parse_country_codes, theme_grid

pytestmark = pytest.mark.django_db


def build(n: int):
    """n concerns, claims (each with a report stance) and observations per country, on one theme."""
    theme = f.ThemeFactory(slug="torture")
    iccpr = f.InstrumentFactory()
    theme.instruments.add(iccpr)
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    for country in (kaz, kgz):
        for _ in range(n):
            concern = f.ConcernFactory(country=country, themes=[theme])
            f.AssessmentFactory(concern=concern, verdict=m.Implementation.IMPLEMENTED)
            claim = f.ClaimFactory(country=country, themes=[theme])
            f.StanceFactory(claim=claim, report=f.ReportFactory(country=country, themes=[theme]))
            f.ObservationFactory(country=country, indicator__themes=[theme])
    return theme, [kaz, kgz]


def test_parse_country_codes_normalises_and_deduplicates():
    assert parse_country_codes(" kaz,KGZ,,kaz ") == ["KAZ", "KGZ"]


@pytest.mark.parametrize("n", [1, 6])
def test_compare_runs_ten_queries_whatever_the_data_size(n, django_assert_num_queries):
    theme, countries = build(n)
    # instruments, ratifications, snapshots, pledges, concerns, concern themes, claims, claim
    # themes, stances with reports, observations
    with django_assert_num_queries(10):
        result = compare(countries, theme)
        for column in result.columns:
            for claim in column.claims:
                [s.report.summary for s in claim.stances.all()]
            [c.themes.all() for c in column.concerns]
    kaz, kgz = result.columns
    assert kaz.party_count == 1 and kgz.party_count == 0
    assert len(kaz.concerns) == n
    assert kaz.concerns_by_implementation == {"implemented": n}
    assert kaz.claims_by_verification == {"unverified": n}


def test_compare_shows_treaty_status_as_of_a_date():
    theme, countries = build(1)
    before = compare(countries, theme, as_of=dt.date(2005, 12, 31)).columns[0]
    after = compare(countries, theme, as_of=dt.date(2006, 1, 24)).columns[0]
    assert before.ratifications[0][1].status_as_of == "none"
    assert after.ratifications[0][1].status_as_of == "party"


def test_compare_hides_drafts_from_anonymous_but_not_from_editors(editor):
    theme, countries = build(1)
    m.Concern.objects.update(status=m.Editorial.DRAFT)
    m.Report.objects.update(status=m.Editorial.DRAFT)
    public = compare(countries, theme).columns[0]
    assert public.concerns == []
    assert list(public.claims[0].stances.all()) == []
    assert len(compare(countries, theme, user=editor).columns[0].concerns) == 1


@pytest.mark.parametrize("n", [1, 5])
def test_theme_grid_counts_by_status_in_five_queries(n, django_assert_num_queries):
    theme, countries = build(n)
    # themes, theme instruments, ratifications, snapshots, the stored counts
    with django_assert_num_queries(5):
        grid = theme_grid(countries)
    ((row_theme, (kaz, kgz)),) = grid.rows
    assert row_theme == theme
    assert (kaz.party, kaz.instruments_total, kaz.commitment) == (1, 1, "all")
    assert kgz.commitment == "none"
    assert kaz.concerns == {"implemented": n}
    assert kgz.claims == {"unverified": n}
