"""Admin login lockout (django-axes): repeated failures from one address for one username lock
that pair out, even with the right password, until the cool-off ends or `axes_reset` runs."""

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command

LOGIN_URL = "/admin/login/"
USERNAME = "editor"
PASSWORD = "editor-pass-1234"  # the conftest editor's password


def login(client, password, username=USERNAME, **extra):
    return client.post(
        LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def fail_until_locked(client, username=USERNAME, **extra):
    responses = [
        login(client, "wrong-password", username=username, **extra)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # Failures before the limit show the form again; the one that reaches it locks out.
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429


def assert_logged_in(response):
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def assert_locked_out(response):
    assert response.status_code == 429
    assert "too many login attempts" in response.content.decode().lower()


def test_default_limit_and_cool_off_come_from_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME


def test_right_password_logs_in(client, editor):
    assert_logged_in(login(client, PASSWORD))


def test_right_password_is_refused_after_too_many_failures(client, editor):
    fail_until_locked(client)
    response = login(client, PASSWORD)
    assert_locked_out(response)
    assert "_auth_user_id" not in client.session


def test_axes_reset_unlocks(client, editor):
    fail_until_locked(client)
    assert_locked_out(login(client, PASSWORD))
    call_command("axes_reset")
    assert_logged_in(login(client, PASSWORD))


def test_lockout_ends_after_the_cool_off(client, editor):
    fail_until_locked(client)
    # Age the recorded attempts past the cool-off instead of waiting for it.
    past = dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert_logged_in(login(client, PASSWORD))


def test_lockout_is_per_address_and_username(client, editor, superuser):
    fail_until_locked(client)
    # Another user from the same address, and the same user from another address, still log in.
    assert_logged_in(login(client, "admin-pass-1234", username="admin"))
    client.logout()
    assert_logged_in(login(client, PASSWORD, REMOTE_ADDR="198.51.100.7"))


def test_forged_forwarded_for_header_does_not_escape_the_lockout(client, editor):
    fail_until_locked(client)
    # Without a trusted proxy in front, X-Forwarded-For is whatever the client says it is.
    assert_locked_out(login(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9"))


def test_behind_a_proxy_the_address_it_appended_is_the_one_counted(client, editor, settings):
    settings.BEHIND_PROXY = True
    # All requests reach us from the proxy's socket; the proxy appends the real client last.
    fail_until_locked(client, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # Forged entries to the left of the proxy's do not escape the lock...
    assert_locked_out(login(client, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9"))
    # ...and another client behind the same proxy is not locked out.
    assert_logged_in(login(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7"))


def test_success_before_the_limit_resets_the_count(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong-password").status_code == 200
    assert_logged_in(login(client, PASSWORD))
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong-password").status_code == 200
    assert_logged_in(login(client, PASSWORD))


def test_logins_without_a_request_are_not_counted(client, editor):
    # The test client's login() and the shell call authenticate() without a request.
    fail_until_locked(client)
    assert client.login(username=USERNAME, password=PASSWORD)
