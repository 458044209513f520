"""One admin save is one history row carrying the editor's reason; a revert keeps the record's
publication state unless the editor takes the old one, and says what it changed."""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def _as_post(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(getattr(v, "pk", v)) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(getattr(value, "pk", value))


def _form_data(form, data):
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        if value is None and isinstance(
            bound.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        ):
            continue
        value = _as_post(value)
        if value is not None:
            data[bound.html_name] = value


def post_data(response) -> dict:
    """What a browser would send back for the change form in ``response``, untouched."""
    data: dict = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    return data


def save_through_admin(client, obj, reason, **changes):
    model = obj._meta.model_name
    url = reverse(f"admin:tracker_{model}_change", args=[obj.pk])
    data = post_data(client.get(url))
    data.update(changes, change_reason=reason)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def rows_since(obj, before: int):
    rows = list(type(obj).history.filter(id=obj.pk).order_by("history_id"))
    return rows[before:]


def records():
    theme = f.ThemeFactory()
    concern = f.ConcernFactory(themes=[theme])
    claim = f.ClaimFactory(themes=[theme])
    report = f.ReportFactory(themes=[theme])
    return {
        "concern": concern,
        "claim": claim,
        "report": report,
        "source": f.SourceFactory(),
        "review": f.ReviewFactory(),
        "assessment": f.AssessmentFactory(concern=concern, verdict="not_implemented"),
        "ratification": f.RatificationFactory(),
        "pledge": f.PledgeFactory(),
    }


@pytest.mark.parametrize(
    "kind", ["concern", "claim", "report", "source", "review", "assessment", "ratification"]
)
def test_one_admin_save_writes_one_history_row_with_the_reason(editor_client, kind):
    obj = records()[kind]
    field = "title" if kind == "source" else "locator"
    before = obj.history.count()
    save_through_admin(editor_client, obj, "Corrected the locator", **{field: "para. 99"})
    new = rows_since(obj, before)
    assert [(r.history_type, r.history_change_reason) for r in new] == [
        ("~", "Corrected the locator")
    ]
    assert new[0].history_user.username == "editor" and getattr(new[0], field) == "para. 99"


@pytest.mark.parametrize("kind", ["concern", "claim", "report"])
def test_changing_themes_is_the_same_single_history_row_with_the_new_themes(editor_client, kind):
    obj = records()[kind]
    other = f.ThemeFactory()
    before = obj.history.count()
    save_through_admin(editor_client, obj, "Added a theme", themes=[str(other.pk)])
    [row] = rows_since(obj, before)
    assert row.history_change_reason == "Added a theme"
    assert [t.theme_id for t in row.themes.all()] == [other.pk]


def test_adding_a_concern_with_themes_writes_one_row_holding_them(editor_client):
    country, body, source = f.CountryFactory(), f.BodyFactory(), f.SourceFactory()
    themes = [f.ThemeFactory(), f.ThemeFactory()]
    response = editor_client.get(reverse("admin:tracker_concern_add"))
    data = post_data(response)
    data.update(
        key="new-concern",
        status="draft",
        source=source.pk,
        locator="para. 3",
        body=body.pk,
        country=country.pk,
        issued_on="2016-07-21",
        issued_on_precision="day",
        kind="concern",
        themes=[t.pk for t in themes],
        summary="A new concern.",
        change_reason="Entered from the 2016 observations",
    )
    response = editor_client.post(reverse("admin:tracker_concern_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    concern = m.Concern.objects.get(key="new-concern")
    [row] = concern.history.all()
    assert (row.history_type, row.history_change_reason) == (
        "+",
        "Entered from the 2016 observations",
    )
    assert {t.theme_id for t in row.themes.all()} == {t.pk for t in themes}


def test_an_inline_added_with_the_parent_shares_the_reason_and_parent_has_one_row(editor_client):
    claim = f.ClaimFactory()
    report = f.ReportFactory(country=claim.country)
    before = claim.history.count()
    url = reverse("admin:tracker_claim_change", args=[claim.pk])
    data = post_data(editor_client.get(url))
    # The stance inline's empty extra form, filled in.
    data.update(
        {
            "stances-0-report": str(report.pk),
            "stances-0-stance": "supports",
            "change_reason": "Linked the monitors' report",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [r.history_change_reason for r in rows_since(claim, before)] == [
        "Linked the monitors' report"
    ]
    stance = m.Stance.objects.get(claim=claim)
    [stance_row] = stance.history.all()
    assert stance_row.history_change_reason == "Linked the monitors' report"
    assert stance_row.history_user.username == "editor"


def test_an_assessment_inline_saved_from_its_concern_writes_one_row_each(editor_client):
    concern = f.ConcernFactory()
    assessment = f.AssessmentFactory(concern=concern, verdict="not_implemented")
    before_concern, before_assessment = concern.history.count(), assessment.history.count()
    url = reverse("admin:tracker_concern_change", args=[concern.pk])
    data = post_data(editor_client.get(url))
    data["assessments-0-rationale"] = "Re-read the follow-up letter."
    data["change_reason"] = "Follow-up read again"
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [r.history_change_reason for r in rows_since(concern, before_concern)] == [
        "Follow-up read again"
    ]
    [row] = rows_since(assessment, before_assessment)
    assert (row.rationale, row.history_change_reason) == (
        "Re-read the follow-up letter.",
        "Follow-up read again",
    )


def test_a_save_without_a_reason_still_writes_one_row(editor_client):
    source = f.SourceFactory()
    before = source.history.count()
    save_through_admin(editor_client, source, "", title="A better title")
    [row] = rows_since(source, before)
    assert row.title == "A better title" and row.history_change_reason is None


def test_every_admin_form_asks_for_a_reason(editor_client):
    theme = f.ThemeFactory()
    country = f.CountryFactory()
    for model, obj in (("theme", theme), ("country", country), ("source", f.SourceFactory())):
        page = editor_client.get(reverse(f"admin:tracker_{model}_change", args=[obj.pk]))
        assert "Reason for this change" in page.content.decode(), model


def test_the_history_page_shows_the_reason(editor_client):
    claim = f.ClaimFactory()
    save_through_admin(editor_client, claim, "Fixed a typo", summary="Fixed wording.")
    page = editor_client.get(reverse("admin:tracker_claim_history", args=[claim.pk]))
    assert "Fixed a typo" in page.content.decode()


# Reverting -------------------------------------------------------------------------------------


def revert_form(client, obj, row):
    url = reverse(f"admin:tracker_{obj._meta.model_name}_simple_history", args=[obj.pk, row.pk])
    return url, client.get(url)


def draft_then_published(editor_client):
    """A claim first saved as a draft, then edited and published through the admin."""
    theme, other = f.ThemeFactory(), f.ThemeFactory()
    claim = f.ClaimFactory(status="draft", summary="First wording.", themes=[theme])
    first = claim.history.latest()
    save_through_admin(
        editor_client,
        claim,
        "Checked and published",
        summary="Second wording.",
        status="published",
        themes=[str(other.pk)],
    )
    return claim, first, theme, other


def test_revert_keeps_the_publication_state_by_default(editor_client):
    claim, first, theme, _other = draft_then_published(editor_client)
    url, page = revert_form(editor_client, claim, first)
    assert page.status_code == 200
    html = page.content.decode()
    assert "First wording." in html
    data = post_data(page)
    data["change_reason"] = "Back to the first wording"
    response = editor_client.post(url, data, follow=True)
    claim.refresh_from_db()
    assert claim.summary == "First wording."
    assert claim.status == "published"
    assert set(claim.themes.values_list("pk", flat=True)) == {theme.pk}
    # The message names what changed and that the publication state stayed.
    message = " ".join(str(x) for x in response.context["messages"])
    assert "summary" in message and "themes" in message
    assert (
        "publication state kept: published" in message.lower()
        and "status" not in message.split("kept")[0]
    )
    latest = claim.history.latest()
    assert latest.history_change_reason == "Back to the first wording"
    assert latest.status == "published"


def test_revert_ignores_a_posted_status_unless_the_editor_takes_the_old_one(editor_client):
    claim, first, _theme, _other = draft_then_published(editor_client)
    url, page = revert_form(editor_client, claim, first)
    data = post_data(page)
    data["status"] = "draft"  # the field is shown read-only: a forged value changes nothing
    editor_client.post(url, data)
    claim.refresh_from_db()
    assert claim.status == "published"

    url, page = revert_form(editor_client, claim, first)
    data = post_data(page)
    data["take_version_status"] = "on"
    response = editor_client.post(url, data, follow=True)
    claim.refresh_from_db()
    assert claim.status == "draft"
    message = " ".join(str(x) for x in response.context["messages"])
    assert "status" in message.lower()


def test_revert_without_a_reason_records_which_version_it_restored(editor_client):
    claim, first, _theme, _other = draft_then_published(editor_client)
    url, page = revert_form(editor_client, claim, first)
    data = post_data(page)
    data["change_reason"] = ""
    editor_client.post(url, data)
    reason = claim.history.latest().history_change_reason
    assert reason.startswith("Restored the version of ")


def test_revert_writes_one_history_row(editor_client):
    claim, first, _theme, _other = draft_then_published(editor_client)
    before = claim.history.count()
    url, page = revert_form(editor_client, claim, first)
    editor_client.post(url, post_data(page))
    assert claim.history.count() == before + 1


def test_a_record_without_publication_state_can_be_reverted(editor_client):
    theme = f.ThemeFactory(name="Old name")
    first = theme.history.latest()
    save_through_admin(editor_client, theme, "Renamed", name="New name")
    url, page = revert_form(editor_client, theme, first)
    assert page.status_code == 200
    response = editor_client.post(url, post_data(page), follow=True)
    theme.refresh_from_db()
    assert theme.name == "Old name"
    assert "Changed: name." in " ".join(str(x) for x in response.context["messages"])


def test_a_viewer_cannot_revert(client, viewer):
    claim = f.ClaimFactory()
    client.force_login(viewer)
    url = reverse("admin:tracker_claim_simple_history", args=[claim.pk, claim.history.latest().pk])
    assert client.get(url).status_code == 302  # to the login page: not staff


def test_saving_an_assessment_adds_no_row_to_the_judged_concern(editor_client):
    concern = f.ConcernFactory()
    assessment = f.AssessmentFactory(concern=concern, verdict="not_implemented")
    before = concern.history.count()
    save_through_admin(editor_client, assessment, "Verdict revised", verdict="implemented")
    concern.refresh_from_db()
    assert concern.implementation == "implemented"  # the derived status follows
    assert concern.history.count() == before


def test_a_staff_member_who_may_only_view_cannot_post_a_revert(client, viewer):
    from django.contrib.auth.models import Permission

    claim = f.ClaimFactory(summary="As it is.")
    first = claim.history.latest()
    claim.summary = "Changed since."
    claim.save()
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(viewer)
    url = reverse("admin:tracker_claim_simple_history", args=[claim.pk, first.pk])
    assert client.get(url).status_code == 200  # may look at the old version
    assert client.post(url, {"summary": "As it is."}).status_code == 403
    claim.refresh_from_db()
    assert claim.summary == "Changed since."


def test_revert_keeps_the_current_status_the_assessments_set(editor_client):
    """The current status derives from the assessments: reverting a concern to a version saved
    before an assessment changed it leaves it as the assessment set it, and says so in the new
    history row."""
    concern = f.ConcernFactory(summary="First wording.")
    first = concern.history.latest()
    assert first.implementation == "no_information"
    f.AssessmentFactory(concern=concern, verdict="regressed")
    save_through_admin(editor_client, m.Concern.objects.get(), "Reworded", summary="Second.")
    assert concern.history.latest().implementation == "regressed"
    url, page = revert_form(editor_client, concern, first)
    data = post_data(page)
    data["change_reason"] = "Back to the first wording"
    editor_client.post(url, data)
    concern.refresh_from_db()
    assert (concern.summary, concern.implementation) == ("First wording.", "regressed")
    assert concern.history.latest().implementation == "regressed"
