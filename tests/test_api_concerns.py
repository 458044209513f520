"""/api/concerns/: every filter narrows, filters combine, implementation status, full text."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m
from tracker import serializers as s

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    torture = f.ThemeFactory(slug="torture")
    speech = f.ThemeFactory(slug="expression")
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    a = f.ConcernFactory(
        key="a",
        country=kaz,
        themes=[torture],
        summary="Deaths in custody are not investigated.",
        follow_up=True,
    )
    b = f.ConcernFactory(
        key="b",
        country=kaz,
        body=cat,
        themes=[torture, speech],
        kind=m.Concern.Kind.CONCERN,
        issued_on=dt.date(2021, 12, 1),
        recommendation="Decriminalise defamation.",
    )
    c = f.ConcernFactory(key="c", country=kgz, themes=[speech])
    f.AssessmentFactory(concern=a, verdict=m.Implementation.IMPLEMENTED)
    f.AssessmentFactory(
        concern=b, verdict=m.Implementation.REGRESSED, assessed_on=dt.date(2023, 1, 1)
    )
    return a, b, c


def keys(response):
    assert response.status_code == 200, response.content
    return sorted(r["key"] for r in response.json()["results"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a", "b", "c"]),
        ("country=KGZ", ["c"]),
        ("country=kaz,kgz", ["a", "b", "c"]),
        ("body=CAT", ["b"]),
        ("theme=torture", ["a", "b"]),
        ("theme=torture,expression", ["a", "b", "c"]),
        ("kind=concern", ["b"]),
        ("year=2021", ["b"]),
        ("implementation=regressed", ["b"]),
        ("implementation=no_information", ["c"]),
        ("follow_up=true", ["a"]),
        ("follow_up=false", ["b", "c"]),
        ("q=custody", ["a"]),
        ("q=DEFAMATION", ["b"]),
        ("q=custody defamation", []),
    ],
)
def test_each_filter_narrows_the_list(client, data, query, expected):
    assert keys(client.get(f"/api/concerns/?{query}")) == expected


def test_combined_filters_and_together(client, data):
    assert keys(client.get("/api/concerns/?country=KAZ&theme=expression")) == ["b"]
    assert keys(client.get("/api/concerns/?theme=torture&implementation=implemented")) == ["a"]
    assert keys(client.get("/api/concerns/?country=KGZ&theme=torture")) == []


def test_a_concern_with_two_matching_themes_is_listed_once(client, data):
    response = client.get("/api/concerns/?theme=torture,expression&country=KAZ")
    assert response.json()["count"] == 2


def test_row_carries_implementation_themes_source_and_links(client, data):
    a, b, _ = data
    row = client.get(f"/api/concerns/{b.pk}/").json()
    assert row["implementation"] == "regressed"
    assert sorted(row["themes"]) == ["expression", "torture"]
    assert row["page_url"] == f"http://testserver/concerns/{b.pk}/"
    assert row["source_detail"]["title"] == b.source.title


def test_drafts_are_hidden_from_anonymous_and_shown_to_editors(client, editor, data):
    a, _, _ = data
    m.Concern.objects.filter(pk=a.pk).update(status=m.Editorial.DRAFT)
    assert keys(client.get("/api/concerns/")) == ["b", "c"]
    assert client.get(f"/api/concerns/{a.pk}/").status_code == 404
    client.force_login(editor)
    assert keys(client.get("/api/concerns/")) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("country=XYZ", "country", "XYZ"),
        ("theme=nope", "theme", "nope"),
        ("body=ZZZ", "body", "ZZZ"),
        ("kind=opinion", "kind", "opinion"),
        ("implementation=done", "implementation", "done"),
        ("year=last", "year", "whole number"),
        ("year=123456789012", "year", "9999"),
        ("follow_up=maybe", "follow_up", "maybe"),
    ],
)
def test_bad_filter_values_are_400_with_a_message(client, data, query, field, words):
    response = client.get(f"/api/concerns/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert words in body["detail"]


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_list_rows_equal_the_records_serializer_output(client, editor, data, who):
    # The list writes its rows from values(), the record endpoint from the model instance
    # (both by ConcernRows); they must agree field for field and in the order of
    # ConcernSerializer's fields, which define the schema.
    a, b, c = data
    kaz = m.Country.objects.get(code="KAZ")
    draft = f.ConcernFactory(key="draft", country=kaz, status=m.Editorial.DRAFT)
    a.previous.add(c, draft)
    m.Concern.objects.filter(pk=b.pk).update(
        source=None, issued_on=None, issued_on_precision="", external_id="uhri-1"
    )
    m.Concern.objects.filter(pk=c.pk).update(recommending_state=kaz, upr_position="noted")
    if who == "editor":
        client.force_login(editor)
    rows = client.get("/api/concerns/").json()["results"]
    assert len(rows) == (4 if who == "editor" else 3)
    for row in rows:
        record = client.get(row["url"]).json()
        assert list(row.items()) == list(record.items())
        assert list(row) == s.ConcernSerializer.Meta.fields
    previous = next(r for r in rows if r["key"] == "a")["previous"]
    assert previous == ([c.pk, draft.pk] if who == "editor" else [c.pk])


@pytest.fixture
def uhri_data():
    """A treaty body's concern about children and a special procedure's about detainees."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    crc = f.BodyFactory(code="CRC", kind=m.Body.Kind.TREATY_BODY)
    torture = f.BodyFactory(code="SR-TORTURE", kind=m.Body.Kind.SPECIAL_PROCEDURE)
    children = m.AffectedPerson.objects.create(slug="children", name="Children")
    detainees = m.AffectedPerson.objects.create(slug="detainees", name="Detainees")
    abuse = m.SdgTarget.objects.create(code="16.2", name="Protect children from abuse")
    justice = m.SdgTarget.objects.create(code="16.3", name="Equal access to justice")
    a = f.ConcernFactory(key="a", country=kaz, body=crc)
    a.affected_persons.set([children])
    a.sdg_targets.set([abuse, justice])
    b = f.ConcernFactory(key="b", country=kaz, body=torture)
    b.affected_persons.set([detainees, children])
    b.sdg_targets.set([justice])
    f.ConcernFactory(key="c", country=kaz, body=crc)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("body_kind=special_procedure", ["b"]),
        ("body_kind=treaty_body", ["a", "c"]),
        ("body_kind=treaty_body,special_procedure", ["a", "b", "c"]),
        ("affected=children", ["a", "b"]),  # b is about two groups and listed once
        ("affected=detainees", ["b"]),
        ("sdg=16.3", ["a", "b"]),
        ("sdg=16.2", ["a"]),
        ("sdg=16.2&body_kind=special_procedure", []),
    ],
)
def test_body_kind_affected_persons_and_sdg_target_filters(client, uhri_data, query, expected):
    assert keys(client.get(f"/api/concerns/?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("body_kind=nobody", "Unknown kind of body: nobody"),
        ("affected=martians", "Unknown affected persons group: martians"),
        ("sdg=99.9", "Unknown SDG target: 99.9"),
    ],
)
def test_unknown_body_kinds_groups_and_targets_are_400(client, uhri_data, query, words):
    response = client.get(f"/api/concerns/?{query}")
    assert response.status_code == 400
    assert words in response.content.decode()
