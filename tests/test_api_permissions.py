"""Who may do what through the API: anonymous / viewer / editor x read / write / draft.

Writes go through the model's validation (as in the admin) and land in the edit history with the
user who made them, whether logged in by session or by token.
"""

import pytest

from tests import factories as f
from tracker import models as m
from tracker.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaz():
    return f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")


def new_claim(cited, **extra):
    return {
        "key": "kaz-claim-new",
        "country": "KAZ",
        "kind": "law",
        "summary": "A new law on peaceful assembly.",
        "status": "published",
        "source": cited.pk,
        "themes": [],
        **extra,
    }


@pytest.fixture
def user_client(request, client):
    """The client logged in as the user the test is parametrised with (or anonymous)."""
    name = request.param
    if name != "anonymous":
        client.force_login(request.getfixturevalue(name))
    client.role = name
    return client


MATRIX = [
    # role, sees drafts, may write
    ("anonymous", False, False),
    ("viewer", False, False),
    ("editor", True, True),
]


@pytest.mark.parametrize(
    ("user_client", "sees_drafts", "may_write"),
    MATRIX,
    indirect=["user_client"],
)
def test_read_write_and_draft_permissions(user_client, kaz, sees_drafts, may_write):
    published = f.ClaimFactory(country=kaz)
    draft = f.ClaimFactory(country=kaz, status=m.Editorial.DRAFT)
    client = user_client

    # read: everyone reads published records
    assert client.get(f"/api/claims/{published.pk}/").status_code == 200
    # draft: only editors see it, in lists and by id
    listed = {r["id"] for r in client.get("/api/claims/").json()["results"]}
    assert (draft.pk in listed) is sees_drafts
    assert client.get(f"/api/claims/{draft.pk}/").status_code == (200 if sees_drafts else 404)
    # write: create, change, delete
    source = f.SourceFactory()
    created = client.post("/api/claims/", new_claim(source), content_type="application/json")
    changed = client.patch(
        f"/api/claims/{published.pk}/", {"summary": "Changed."}, content_type="application/json"
    )
    deleted = client.delete(f"/api/claims/{published.pk}/")
    if may_write:
        assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
        assert created.json()["verification"] == "unverified"
    else:
        assert {created.status_code, changed.status_code, deleted.status_code} == {403}
        assert m.Claim.objects.filter(pk=published.pk, summary=published.summary).exists()
        assert "detail" in created.json()


def test_token_authentication_lets_an_editor_write(client, editor, kaz):
    token = api_token_create(user=editor)
    response = client.post(
        "/api/claims/",
        new_claim(f.SourceFactory()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 201, response.content
    claim = m.Claim.objects.get(key="kaz-claim-new")
    # recorded in the same edit history as the admin, with the token's user
    assert claim.history.latest().history_user == editor


def test_a_wrong_token_is_refused(client, kaz):
    response = client.get("/api/claims/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid or expired token."


def test_edits_are_recorded_in_history_with_the_editor(editor_client, editor, kaz):
    claim = f.ClaimFactory(country=kaz)
    response = editor_client.patch(
        f"/api/claims/{claim.pk}/", {"summary": "Corrected."}, content_type="application/json"
    )
    assert response.status_code == 200
    latest = claim.history.latest()
    assert (latest.summary, latest.history_user, latest.history_type) == (
        "Corrected.",
        editor,
        "~",
    )


def test_writes_run_the_models_validation(editor_client, kaz):
    # A published record must cite its source (Model.clean), as in the admin.
    response = editor_client.post(
        "/api/claims/", new_claim(f.SourceFactory(), source=None), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["source"] == ["A published record must cite its source."]
    # A year-only date must be 1 January (precision check in clean()).
    response = editor_client.post(
        "/api/claims/",
        new_claim(f.SourceFactory(), stated_on="2021-05-05", stated_on_precision="year"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "stated_on" in response.json()["errors"]


def test_writes_respect_the_database_constraints(editor_client, kaz):
    instrument = f.InstrumentFactory()
    f.RatificationFactory(country=kaz, instrument=instrument)
    response = editor_client.post(
        "/api/ratifications/",
        {
            "key": "kaz-iccpr-again",
            "country": "KAZ",
            "instrument": instrument.code,
            "action": "ratification",
            "action_date": "2006-01-24",
            "action_date_precision": "day",
            "editorial_status": "draft",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "already has a ratification record" in response.json()["detail"]


def test_unknown_country_in_a_write_is_a_400(editor_client, kaz):
    response = editor_client.post(
        "/api/claims/",
        new_claim(f.SourceFactory(), country="XYZ"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "country" in response.json()["errors"]


def test_deleting_a_record_others_depend_on_is_a_409(editor_client, kaz):
    f.ClaimFactory(country=kaz)
    response = editor_client.delete("/api/countries/KAZ/")
    assert response.status_code == 409
    assert "claims" in response.json()["detail"]
