"""The API's faster paths give what the plain ones gave: the JSON renderer, the cached filter
forms."""

import datetime as dt
import decimal
import uuid
import zoneinfo

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from tracker import filters
from tracker.renderers import FastJSONRenderer

TRICKY = {
    "text": 'Қазақстан, Кыргызстан, 日本, 😀, "quoted" \\ /',
    "controls": "\x00\x01\x1f\x7f\b\f\n\r\t",
    "separators": "line\u2028paragraph\u2029end",
    "utc": dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC),
    "london winter": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
    "almaty": dt.datetime(2024, 7, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty")),
    "naive": dt.datetime(2024, 1, 2),
    "date": dt.date(2008, 6, 30),
    "time": dt.time(3, 4, 5, 6),
    "duration": dt.timedelta(seconds=3.5),
    "decimal": decimal.Decimal("12.50"),
    "uuid": uuid.UUID(int=5),
    "lazy": gettext_lazy("country code"),
    "numbers": [0, -5, 2**62, 1.5, 0.1, True, False, None],
    "huge": 2**70,  # beyond orjson: left to DRF
    "tuple": (1, "two"),
    "keys": {1: "one", None: "none", False: "false"},
    "nested": {"a": [{"b": [dt.date(2020, 1, 1)]}]},
    "empty": [{}, [], ""],
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_fast_json_is_byte_for_byte_drf_json(name):
    data = {"value": TRICKY[name]}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_fast_json_of_everything_at_once_and_indented():
    fast, drf = FastJSONRenderer(), JSONRenderer()
    assert fast.render(TRICKY) == drf.render(TRICKY)
    indented = "application/json; indent=4"
    assert fast.render(TRICKY, indented) == drf.render(TRICKY, indented)
    assert fast.render(TRICKY, None, {"indent": 2}) == drf.render(TRICKY, None, {"indent": 2})
    assert fast.render(None) == b""


def test_fast_json_refuses_what_drf_refuses():
    class Unknown:
        pass

    for renderer in (FastJSONRenderer(), JSONRenderer()):
        with pytest.raises(TypeError):
            renderer.render({"value": Unknown()})


def test_filter_forms_are_built_once_per_class_and_language(db):
    first = filters.ConcernFilter({"country": "kaz"}).form
    second = filters.ConcernFilter({"country": "KGZ"}).form
    assert type(first) is type(second)
    assert first.fields is not second.fields  # each form has its own fields, as usual
    first.fields["country"].label = "Changed"
    assert filters.ConcernFilter().form.fields["country"].label != "Changed"
    with translation.override("ru"):
        assert type(filters.ConcernFilter().form) is not type(first)
    assert type(filters.ClaimFilter().form) is not type(first)
