"""Shared users (anonymous, viewer, editor, admin) and small helpers for every test file."""

import os

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tracker.seeds import SEEDS_DIR
from tracker.services import editor_create, seeds_load

# Test files whose subject is the same on every database: the wording and markup of pages,
# downloads, feeds and citations, the facts in seeds/, settings and headers, the admin's
# screens, the API schema. They run on SQLite (make test-sqlite) and are left out of the
# PostgreSQL run (make test-postgres), which keeps make test within its time budget. Whatever
# reads or writes through SQL that can differ between the databases (search, imports, stored
# counts, services, the API's filters and query counts, the selectors and pages, visibility,
# outages, backups, concurrent edits) runs on both.
SAME_ON_EVERY_DATABASE = {
    "test_admin_changelists",
    "test_admin_history",
    "test_admin_import_samples",
    "test_admin_work_queue",
    "test_api_cors",
    "test_api_root",
    "test_api_schema",
    "test_api_xlsx",
    "test_citations",
    "test_dates",
    "test_downloads",
    "test_escaping",
    "test_feeds",
    "test_filters_in_words",
    "test_import_spreadsheet_limits",
    "test_login_lockout",
    "test_maps",
    "test_reader_wording",
    "test_reporting_seeds",
    "test_security_headers",
    "test_seeds_reference",
    "test_settings",
    "test_un_reviews",
    "test_un_reviews_kgz_uzb",
    "test_world_status_seeds",
}


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    left_out = [item for item in items if item.path.stem in SAME_ON_EVERY_DATABASE]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item.path.stem not in SAME_ON_EVERY_DATABASE]


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """A fast hasher for the test users' passwords, as Django's testing docs advise: the
    default (PBKDF2, a million iterations) takes about half a second per user made or login,
    minutes over the suite. Nothing here tests how passwords are stored."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: API rate-limit counters must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db) -> User:
    """A staff member in the Editors group: may view, add, change and delete tracker records."""
    return editor_create(username="editor", password="editor-pass-1234", email="")


@pytest.fixture
def viewer(db) -> User:
    """A logged-in user with no permissions: sees what anonymous visitors see."""
    return User.objects.create_user("viewer", password="viewer-pass-1234")


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("admin", password="admin-pass-1234")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def savepoints():
    """How many statements more ``n`` queries run under ``search.time_limit`` cost: on PostgreSQL
    inside a transaction (as every test is) each opens and releases a savepoint."""
    from django.db import connection

    return lambda n: 2 * n if connection.vendor == "postgresql" else 0


@pytest.fixture
def reference_data(db, tmp_path):
    """Only the shipped states, bodies, instruments and themes: quicker than all the seeds."""
    for name in ("countries.csv", "bodies.csv", "instruments.csv", "themes.yaml"):
        (tmp_path / name).symlink_to(SEEDS_DIR / name)
    seeds_load(directory=tmp_path)
