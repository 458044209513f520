"""The selectors of the treaty status, country index and theme screens, called as the pages
call them: what they return and the queries their docstrings list."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m
from tracker import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    iccpr = f.InstrumentFactory(position=1)
    cat = f.InstrumentFactory(code="CAT", short_title="CAT", position=2)
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(country=uzb, instrument=iccpr, action_date=dt.date(1995, 9, 28))
    f.RatificationFactory(country=uzb, instrument=cat, action_date=dt.date(1995, 9, 28))
    f.RatificationFactory(
        country=kgz, instrument=cat, status=m.Editorial.DRAFT, action_date=dt.date(1997, 9, 5)
    )
    return {"iccpr": iccpr, "cat": cat, "kaz": kaz, "kgz": kgz, "uzb": uzb}


def words(cells) -> list[str]:
    return [c.status_as_of if c else m.NO_DATA for c in cells]


def test_the_treaty_table_sorts_parties_first_and_earliest_first(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        table = selectors.treaty_table(sort="ICCPR")
    assert [c.code for c, _cells, _n in table.rows] == ["UZB", "KAZ", "KGZ"]
    # The draft ratification is not the visitor's: Kyrgyzstan holds no data on CAT.
    assert [words(cells) for _c, cells, _n in table.rows] == [
        ["party", "party"],
        ["party", m.NO_DATA],
        [m.NO_DATA, m.NO_DATA],
    ]
    assert [n for _c, _cells, n in table.rows] == [2, 1, 0]


def test_the_treaty_table_on_a_date_before_the_ratifications(world):
    table = selectors.treaty_table(codes=["KAZ", "XXX"], as_of=dt.date(2000, 1, 1))
    assert table.unknown_codes == ["XXX"]
    assert [words(cells) for _c, cells, _n in table.rows] == [["none", m.NO_DATA]]


def test_an_unknown_sort_is_refused_before_any_status_is_read(world, django_assert_num_queries):
    with django_assert_num_queries(2), pytest.raises(selectors.UnknownSort):
        selectors.treaty_table(sort="-bogus")


def test_the_most_parties_first(world):
    table = selectors.treaty_table(sort="parties")
    assert [c.code for c, _cells, _n in table.rows] == ["UZB", "KAZ", "KGZ"]
    assert [c.code for c, *_ in selectors.treaty_table(sort="-name").rows] == [
        "UZB",
        "KGZ",
        "KAZ",
    ]


def test_home_shows_the_focus_countries_in_order(world, django_assert_num_queries):
    with django_assert_num_queries(7):
        page = selectors.home_page()
    assert [c.code for c in page.countries] == selectors.FOCUS_COUNTRIES
    by_instrument = {i.code: words(cells) for i, cells in page.matrix}
    assert by_instrument == {
        "ICCPR": ["party", m.NO_DATA, "party"],
        "CAT": [m.NO_DATA] * 2 + ["party"],
    }


def test_an_instrument_counts_no_data_apart_from_no_action(world, django_assert_num_queries):
    f.CountryFactory(code="RUS", iso2="RU", name="Russian Federation")
    with django_assert_num_queries(5):
        page = selectors.instrument_page(world["cat"], as_of=dt.date(2000, 1, 1))
    assert dict(page.counts) == {"party": 1, "signatory": 0, "none": 0, m.NO_DATA: 3}


def test_the_theme_page_and_the_index_count_only_what_a_visitor_may_see(
    world, django_assert_num_queries
):
    theme = f.ThemeFactory()
    f.ConcernFactory(country=world["kaz"], themes=[theme])
    f.ConcernFactory(country=world["kgz"], themes=[theme], status=m.Editorial.DRAFT)
    f.ClaimFactory(country=world["kgz"], themes=[theme])
    with django_assert_num_queries(3):
        page = selectors.theme_page(theme)
    assert [(c.code, n, k) for c, n, k in page.rows] == [("KAZ", 1, 0), ("KGZ", 0, 1)]
    assert (page.concerns_total, page.claims_total) == (1, 1)
    with django_assert_num_queries(3):
        rows = selectors.countries_index(m.Country.objects.order_by("code"))
    assert [(c.code, n, k, r) for c, n, k, r in rows] == [
        ("KAZ", 1, 0, 0),
        ("KGZ", 0, 1, 0),
        ("UZB", 0, 0, 0),
    ]
