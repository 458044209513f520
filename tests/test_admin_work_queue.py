"""The work queue: how many records wait in each list, narrowed by country and treaty body."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("admin:work_queue")


def queue_data():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    ccpr = f.BodyFactory()
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    kaz_ccpr = f.ConcernFactory(country=kaz, body=ccpr, key="kaz-ccpr-concern")
    f.ConcernFactory(country=kaz, body=cat, key="kaz-cat-concern")
    f.ConcernFactory(country=kgz, body=ccpr, key="kgz-ccpr-concern")
    claim = f.ClaimFactory(country=kaz, key="kaz-claim-on-ccpr")
    claim.concerns.add(kaz_ccpr)
    f.ClaimFactory(country=kaz, key="kaz-claim-alone")
    f.ClaimFactory(country=kgz, key="kgz-claim")
    return kaz, kgz, ccpr, cat


def test_each_list_shows_how_many_records_wait_in_it(editor_client):
    queue_data()
    response = editor_client.get(URL)
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["concerns_without_assessment"] == 3
    assert counts["claims_without_reports"] == 3
    assert counts["stale_assessments"] == 0
    html = response.content.decode()
    assert 'id="count-concerns-without-assessment">3<' in html


def test_counts_are_of_every_waiting_record_not_only_those_shown(editor_client, monkeypatch):
    monkeypatch.setattr("tracker.admin.WORK_QUEUE_LIMIT", 2)
    queue_data()
    response = editor_client.get(URL)
    assert response.context["counts"]["concerns_without_assessment"] == 3
    assert len(response.context["queue"]["concerns_without_assessment"]) == 2


def test_the_queue_filters_by_country(editor_client):
    queue_data()
    response = editor_client.get(URL, {"country": "KGZ"})
    html = response.content.decode()
    assert "kgz-ccpr-concern" in html and "kgz-claim" in html
    assert "kaz-ccpr-concern" not in html and "kaz-claim-alone" not in html
    assert response.context["counts"]["concerns_without_assessment"] == 1


def test_the_queue_filters_by_body_claims_by_the_concerns_they_answer(editor_client):
    queue_data()
    response = editor_client.get(URL, {"body": "CAT"})
    html = response.content.decode()
    assert "kaz-cat-concern" in html
    assert "kaz-ccpr-concern" not in html and "kgz-ccpr-concern" not in html
    response = editor_client.get(URL, {"body": "CCPR", "country": "KAZ"})
    html = response.content.decode()
    assert "kaz-ccpr-concern" in html and "kaz-claim-on-ccpr" in html
    assert "kaz-claim-alone" not in html and "kgz-ccpr-concern" not in html


def test_stale_assessments_follow_the_filters(editor_client):
    kaz, kgz, ccpr, _cat = queue_data()
    for country in (kaz, kgz):
        concern = f.ConcernFactory(country=country, body=ccpr)
        f.AssessmentFactory(
            key=f"old-{country.code}",
            concern=concern,
            verdict="not_implemented",
            assessed_on=dt.date(2020, 1, 1),
        )
        f.ReviewFactory(country=country, body=ccpr, adopted_on=dt.date(2022, 3, 1))
    response = editor_client.get(URL, {"country": "KAZ"})
    html = response.content.decode()
    assert "old-KAZ" in html and "old-KGZ" not in html
    assert response.context["counts"]["stale_assessments"] == 1


def test_the_filter_choices_are_named_and_keep_the_selection(editor_client):
    queue_data()
    html = editor_client.get(URL, {"country": "KGZ"}).content.decode()
    assert '<option value="KGZ" selected>Kyrgyzstan</option>' in html
    assert '<option value="CAT">' in html


def test_an_unknown_country_is_a_clear_error(editor_client):
    queue_data()
    response = editor_client.get(URL, {"country": "XYZ"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_queue_needs_the_view_permission(client, viewer):
    client.force_login(viewer)
    assert client.get(URL).status_code == 302  # not staff: the login page
    viewer.is_staff = True
    viewer.save()
    assert client.get(URL).status_code == 403
    for model in ("concern", "claim"):
        viewer.user_permissions.add(Permission.objects.get(codename=f"view_{model}"))
    client.force_login(viewer)
    assert client.get(URL).status_code == 200


def test_the_queue_runs_a_fixed_number_of_queries(editor_client, django_assert_num_queries):
    queue_data()
    editor_client.get(URL)  # the session and permissions cached as on any later page
    with django_assert_num_queries(16):
        # session, user, the editor's own permissions, the Editors group's permissions,
        # country choices, body choices (the filters are checked against them in memory),
        # five counts and five lists
        editor_client.get(URL, {"country": "KAZ", "body": "CCPR"})


def test_the_queue_speaks_russian(editor_client):
    queue_data()
    editor_client.cookies["django_language"] = "ru"
    html = editor_client.get(URL).content.decode()
    assert "Все страны" in html and "Заявления без докладов за или против" in html
