"""Shared users (anonymous, viewer, editor, admin) and small helpers for every test file."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tracker.seeds import SEEDS_DIR
from tracker.services import editor_create, seeds_load


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
def reference_data(db, tmp_path):
    """Only the shipped states, bodies, instruments and themes: quicker than all the seeds."""
    for name in ("countries.csv", "bodies.csv", "instruments.csv", "themes.yaml"):
        (tmp_path / name).symlink_to(SEEDS_DIR / name)
    seeds_load(directory=tmp_path)
