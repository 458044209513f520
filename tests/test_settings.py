"""Production settings: the deploy check passes with production env values, fails when they are
weakened, and the app refuses to start without a secret key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


PRODUCTION_VARIABLES = {
    "PRODUCTION",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    # The browser tests set this for Playwright's sync API inside pytest; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, so settings are read from the given env values."""
    base = {
        key: value
        for key, value in os.environ.items()
        # Start from a clean slate: none of the test run's own configuration leaks in.
        if key not in PRODUCTION_VARIABLES
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.example.org",
    }
    env.update(overrides)
    return env


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    return run_manage("check", "--deploy", "--fail-level", "WARNING", **env)


def test_deploy_check_passes_with_production_values():
    result = deploy_check(**production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    ("weakening", "check_id"),
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SESSION_COOKIE_SECURE": "0"}, "security.W012"),
        ({"CSRF_COOKIE_SECURE": "0"}, "security.W016"),
        ({"ALLOWED_HOSTS": ""}, "security.W020"),
    ],
)
def test_deploy_check_fails_when_a_production_value_is_weakened(weakening, check_id):
    # Proves the check above is live: each weakened setting is reported and fails the command.
    result = deploy_check(**production_env(**weakening))
    assert result.returncode != 0
    assert check_id in result.stderr


def test_production_without_secret_key_refuses_to_start():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when PRODUCTION=1." in result.stderr
