"""The API's faster paths give what the plain ones gave: the JSON renderer, the page of concern
rows, the cached filter forms, the throttles' history."""

import datetime as dt
import decimal
import uuid
import zoneinfo
from array import array

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from tests import factories as f
from tracker import api, counts, filters
from tracker import models as m
from tracker import serializers as s
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


@pytest.fixture
def concerns(db):
    """Concerns of two countries, a draft, shared dates, themes and an empty source."""
    # Not through CountryFactory: its sequence of codes is shared with the other test modules.
    kaz = m.Country.objects.create(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = m.Country.objects.create(code="KGZ", iso2="KG", name="Kyrgyzstan")
    torture = f.ThemeFactory(slug="torture")
    made = []
    for i in range(7):
        concern = f.ConcernFactory(
            key=f"c{i}",
            country=kaz if i % 3 else kgz,
            themes=[torture] if i % 2 else [],
            issued_on=dt.date(2020, 1, 1 + i % 3),
            follow_up=bool(i % 2),
        )
        made.append(concern)
    m.Concern.objects.filter(pk=made[0].pk).update(
        source=None, issued_on=None, issued_on_precision=""
    )
    m.Concern.objects.filter(pk=made[1].pk).update(status=m.Editorial.DRAFT)
    counts.recount()  # written past the services: the stored counts are brought in step
    return made


@pytest.mark.parametrize(
    "narrow",
    [
        lambda qs: qs,
        lambda qs: qs.filter(country_id__in=["KAZ"]),
        lambda qs: qs.filter(themes__in=["torture"]).distinct(),
        lambda qs: qs.filter(country_id__in=["UZB"]),
    ],
    ids=["all", "country", "theme", "none"],
)
@pytest.mark.parametrize("index", [slice(0, 2), slice(2, 5), slice(0, 50), slice(6, 9)])
@pytest.mark.parametrize("drafts", [False, True])
def test_page_rows_are_what_values_gives(concerns, narrow, index, drafts):
    qs = m.Concern.objects.all() if drafts else m.Concern.objects.published()
    qs = narrow(qs.order_by(*api.ConcernViewSet.ordering))
    expected = list(qs.values(*s.CONCERN_LIST_COLUMNS)[index])
    assert api.ValuesList(qs, s.CONCERN_LIST_COLUMNS)[index] == expected


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


def test_filtered_list_answers_as_before(client, concerns):
    response = client.get("/api/concerns/?country=kaz,KGZ&page_size=2&page=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6  # the draft is not listed
    assert response["X-Total-Count"] == "6"
    assert response["Link"].count("rel=") == 2
    # Where a concern without a date goes depends on the database: ask it.
    ordered = m.Concern.objects.published().order_by(*api.ConcernViewSet.ordering)
    assert [r["key"] for r in body["results"]] == [c.key for c in ordered[2:4]]
    response = client.get("/api/concerns/?country=KAZ,XXX,YYY")
    assert response.status_code == 400
    assert "Unknown country code: XXX, YYY." in response.json()["detail"]


def test_browsable_api_still_renders(client, concerns):
    response = client.get("/api/concerns/?country=KAZ", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"c2" in response.content


def test_throttle_history_is_an_array_of_times(client, concerns, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "10/minute"},
    }
    cache.clear()
    codes = [client.get("/api/concerns/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    history = cache.get("throttle_anon_127.0.0.1")
    assert isinstance(history, array) and len(history) == 3
    assert list(history) == sorted(history, reverse=True)  # newest first, as DRF keeps it
