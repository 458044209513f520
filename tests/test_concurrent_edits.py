"""Two editors changing the same record: no change is silently lost.

API writes save only the fields they send, inside one transaction with the row locked; PUT and
PATCH honour ``If-Match`` with the ETag a GET returns (412 when the record changed meanwhile);
``X-Change-Reason`` goes into the history. The admin refuses to save over a newer version and
keeps the editor's reason for the change.
"""

import json

import pytest

from tests import factories as f
from tracker import models as m
from tracker import serializers as s

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    return f.ClaimFactory(country=kaz, summary="First summary.", legal_reference="Art. 1")


def patch(client, claim, body, **headers):
    return client.patch(
        f"/api/claims/{claim.pk}/", json.dumps(body), content_type="application/json", **headers
    )


def test_a_write_keeps_a_change_made_to_another_field_after_it_read_the_record(
    editor_client, claim, monkeypatch
):
    # The other editor's save lands between this request's read and its write.
    original = s.RecordSerializer.validate

    def meanwhile(self, attrs):
        m.Claim.objects.filter(pk=claim.pk).update(legal_reference="Art. 2 (other editor)")
        return original(self, attrs)

    monkeypatch.setattr(s.RecordSerializer, "validate", meanwhile)
    assert patch(editor_client, claim, {"summary": "Second summary."}).status_code == 200
    claim.refresh_from_db()
    assert (claim.summary, claim.legal_reference) == ("Second summary.", "Art. 2 (other editor)")


def test_a_get_gives_an_etag_that_if_match_accepts(editor_client, claim):
    etag = editor_client.get(f"/api/claims/{claim.pk}/")["ETag"]
    response = patch(editor_client, claim, {"summary": "Second."}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert editor_client.get(f"/api/claims/{claim.pk}/")["ETag"] == response["ETag"]


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(editor_client, claim):
    etag = editor_client.get(f"/api/claims/{claim.pk}/")["ETag"]
    assert patch(editor_client, claim, {"summary": "First editor."}).status_code == 200
    response = patch(editor_client, claim, {"legal_reference": "Art. 9"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert "changed since you read it" in response.json()["detail"]
    claim.refresh_from_db()
    assert claim.legal_reference == "Art. 1"


def test_the_etag_is_the_same_whatever_the_format(editor_client, claim):
    json_tag = editor_client.get(f"/api/claims/{claim.pk}/")["ETag"]
    csv_tag = editor_client.get(f"/api/claims/{claim.pk}/?format=csv")["ETag"]
    assert json_tag == csv_tag


def test_an_api_write_keeps_its_reason_in_the_history(editor_client, claim):
    response = patch(
        editor_client, claim, {"summary": "Reworded."}, HTTP_X_CHANGE_REASON="Fixing a typo"
    )
    assert response.status_code == 200
    assert claim.history.latest().history_change_reason == "Fixing a typo"


def test_the_schema_documents_if_match_412_and_the_reason(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/claims/{id}/"]["patch"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"If-Match", "X-Change-Reason"} <= headers
    assert "412" in operation["responses"]


def admin_form(claim, editor, data=None):
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = editor
    model_admin = admin.site._registry[m.Claim]
    form_class = model_admin.get_form(request, claim, change=True)
    opened = form_class(instance=claim)
    initial = {}
    for name in opened.fields:
        value = opened[name].value()
        if isinstance(value, list):
            initial[name] = [str(v) for v in value]
        elif value is not None:
            initial[name] = value
    return model_admin, request, form_class(data={**initial, **(data or {})}, instance=claim)


def test_the_admin_refuses_to_save_over_a_newer_version(claim, editor):
    _admin, _request, form = admin_form(claim, editor, {"summary": "Mine."})
    # Another editor saves while this form is open.
    m.Claim.objects.get(pk=claim.pk).save()
    assert not form.is_valid()
    assert "Someone else saved this record after you opened it" in str(form.errors)
    claim.refresh_from_db()
    assert claim.summary == "First summary."


def test_the_admin_keeps_the_reason_for_the_change(claim, editor):
    model_admin, request, form = admin_form(
        claim, editor, {"summary": "Mine.", "change_reason": "Source reread"}
    )
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    assert claim.history.latest().history_change_reason == "Source reread"
    assert m.Claim.objects.get(pk=claim.pk).summary == "Mine."


def test_the_admin_change_page_has_the_reason_field(editor_client, claim):
    page = editor_client.get(f"/admin/tracker/claim/{claim.pk}/change/").content.decode()
    assert 'name="change_reason"' in page and 'name="edited_version"' in page
