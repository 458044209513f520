"""``tracker.dates``: the one reading of ``as_of`` the pages and the API share."""

import datetime as dt

import pytest

from tracker.dates import AsOfField, parse_as_of


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2010", dt.date(2010, 12, 31)),
        ("2010-06", dt.date(2010, 6, 30)),
        ("2012-02", dt.date(2012, 2, 29)),
        ("2010-06-15", dt.date(2010, 6, 15)),
        (" 1997-01-01 ", dt.date(1997, 1, 1)),
        ("", None),
        (None, None),
    ],
)
def test_a_year_or_month_means_its_last_day(raw, day):
    assert parse_as_of(raw) == day


@pytest.mark.parametrize(
    "raw", ["0000", "2010-13", "2010-00", "2010-02-30", "10", "2010/06", "June 2010", "2010-6"]
)
def test_anything_else_is_refused(raw):
    with pytest.raises(ValueError):
        parse_as_of(raw)


def test_the_form_field_says_which_forms_it_takes():
    field = AsOfField(required=False)
    assert field.clean("2010") == dt.date(2010, 12, 31)
    with pytest.raises(Exception, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        field.clean("2010-13")
