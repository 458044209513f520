"""API tokens: stored as digests only, refused when unknown, expired or of an inactive user,
made by ``manage.py create_token`` and shown once."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tracker import models as m
from tracker.services import api_token_create

pytestmark = pytest.mark.django_db


def get(client, token):
    return client.get("/api/claims/", HTTP_AUTHORIZATION=f"Token {token}")


def test_a_token_works_and_the_database_holds_only_its_digest(client, editor):
    token = api_token_create(user=editor, name="notebook")
    assert get(client, token).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM tracker_apitoken")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and token not in stored and all(token not in value for value in stored)


def test_an_expired_token_is_refused(client, editor):
    token = api_token_create(user=editor, days=1)
    m.ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = get(client, token)
    assert response.status_code == 403  # DRF's answer when session auth comes first
    assert "expired" in response.json()["detail"]


def test_a_token_of_an_inactive_user_is_refused(client, editor):
    token = api_token_create(user=editor)
    editor.is_active = False
    editor.save()
    assert get(client, token).status_code == 403


def test_create_token_prints_a_token_once(client, editor):
    out = io.StringIO()
    call_command("create_token", "editor", "--name", "laptop", "--days", "30", stdout=out)
    token = out.getvalue().strip()
    assert len(token) == 40
    assert get(client, token).status_code == 200
    stored = m.ApiToken.objects.get()
    assert stored.name == "laptop" and stored.expires_at > timezone.now() + dt.timedelta(days=29)
