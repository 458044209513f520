"""The admin's lists show what a record says and where it stands, not its key; the theme and
body aliases the imports read are edited in the admin."""

import pytest
from django.urls import reverse

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def changelist(client, model):
    response = client.get(reverse(f"admin:tracker_{model}_changelist"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "model, factory, status_word",
    [
        ("concern", f.ConcernFactory, "No information"),
        ("claim", f.ClaimFactory, "Unverified"),
        ("report", f.ReportFactory, None),
        ("pledge", f.PledgeFactory, None),
    ],
)
def test_changelist_shows_the_summary_and_status_not_the_key(
    editor_client, model, factory, status_word
):
    record = factory(key="some-record-key", summary="Detention monitors were refused entry.")
    html = changelist(editor_client, model)
    assert "Detention monitors were refused entry." in html
    # The key is only in the selection box's label, never in a column.
    assert ">some-record-key<" not in html
    assert html.count("some-record-key") == 1
    assert f'href="{reverse(f"admin:tracker_{model}_change", args=[record.pk])}' in html
    assert "Published" in html or "published" in html
    if status_word:
        assert status_word.lower() in html.lower()


def test_dates_show_at_their_real_precision(editor_client):
    f.ClaimFactory()  # stated in February 2021, to the month
    html = changelist(editor_client, "claim")
    assert '<td class="field-stated">2021-02</td>' in html


def test_a_long_summary_is_cut_in_the_list(editor_client):
    f.ClaimFactory(summary="word " * 100)
    html = changelist(editor_client, "claim")
    assert "word " * 100 not in html and "…" in html


def test_concern_list_shows_the_implementation_status(editor_client):
    concern = f.ConcernFactory(summary="Torture complaints are rarely investigated.")
    f.AssessmentFactory(concern=concern, verdict="partially_implemented")
    html = changelist(editor_client, "concern")
    assert "Partially implemented" in html or "partially implemented" in html


def test_assessment_list_names_the_judged_record_by_its_summary(editor_client):
    concern = f.ConcernFactory(key="concern-key-x", summary="Few women in decision-making posts.")
    f.AssessmentFactory(
        key="assessment-key-x",
        concern=concern,
        verdict="not_implemented",
        rationale="No measure was reported.",
    )
    html = changelist(editor_client, "assessment")
    assert "Few women in decision-making posts." in html and "No measure was reported." in html
    assert "concern-key-x" not in html and ">assessment-key-x<" not in html


def test_the_changelist_is_still_searchable_by_key(editor_client):
    f.ClaimFactory(key="kaz-claim-libel", summary="Libel was decriminalised.")
    f.ClaimFactory(summary="Something else.")
    url = reverse("admin:tracker_claim_changelist")
    html = editor_client.get(url, {"q": "kaz-claim-libel"}).content.decode()
    assert "Libel was decriminalised." in html and "Something else." not in html


def test_an_editor_remaps_a_uhri_theme_in_the_alias_list(editor_client):
    old, new = f.ThemeFactory(), f.ThemeFactory()
    alias = m.ThemeAlias.objects.create(uhri_theme="Torture and other CIDT", theme=old)
    url = reverse("admin:tracker_themealias_changelist")
    response = editor_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(alias.pk),
            "form-0-theme": str(new.pk),
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    alias.refresh_from_db()
    assert alias.theme == new
    assert alias.history.latest().history_user.username == "editor"


def test_an_editor_adds_a_body_alias(editor_client):
    body = f.BodyFactory(code="CAT", name="Committee against Torture")
    response = editor_client.post(
        reverse("admin:tracker_bodyalias_add"),
        {"alias": "Committee against Torture (CAT)", "body": "CAT", "change_reason": "Seen"},
    )
    assert response.status_code == 302
    alias = m.BodyAlias.objects.get(alias="Committee against Torture (CAT)")
    assert alias.body == body
    assert alias.history.get().history_change_reason == "Seen"
