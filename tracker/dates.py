"""The one reading of ``as_of``, shared by the pages and the API.

A reader asks for the state of things "as of 2010" or "as of June 2010" as often as for a day.
``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD`` are accepted; a year or a month means its last day, so
"as of 2010" is the status at the end of 2010 (everything done during 2010 counts), which is
what a reader means by it.
"""

import calendar
import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

AS_OF_FORMATS = "YYYY, YYYY-MM or YYYY-MM-DD"
_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_as_of(value: str | None) -> dt.date | None:
    """The day ``value`` stands for: ``None`` for an empty value (today, for the callers), the
    last day of a year or month given alone. Raises ``ValueError`` for anything else."""
    value = (value or "").strip()
    if not value:
        return None
    match = _PATTERN.fullmatch(value)
    if match is None:
        raise ValueError(f"Not a date: {value!r}; use {AS_OF_FORMATS}.")
    year_part, *rest = match.groups()  # the year is always there; the month and day may not be
    year = int(year_part)
    month, day = (int(part) if part else None for part in rest)
    if year < 1:
        raise ValueError(f"Not a date: {value!r}; use {AS_OF_FORMATS}.")
    if month is None:
        return dt.date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValueError(f"No such month: {value!r}.")
    if day is None:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)  # ValueError for 2010-02-30


class AsOfField(forms.CharField):
    """A form field for ``as_of``: cleans to a date (``parse_as_of``) or None when empty."""

    default_error_messages = {
        "invalid": _("Enter a date as YYYY, YYYY-MM or YYYY-MM-DD (a year or month: its end)."),
    }

    def to_python(self, value):
        try:
            return parse_as_of(super().to_python(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
