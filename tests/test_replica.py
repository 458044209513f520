"""Read replicas for real: a PostgreSQL primary and a streaming replica on loopback.

Run through ``scripts/with-postgres-replica`` (``make test-replica``, part of ``make test``);
skipped when no replica is configured, e.g. where PostgreSQL's binaries are absent.
"""

import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tracker import models as m
from tracker.routers import PIN_COOKIE, QUERIES_HEADER
from tracker.services import api_token_create

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_REPLICA_URLS"),
        reason="needs a streaming replica: run through scripts/with-postgres-replica",
    ),
    # Committed data, so that it streams to the replica; every database may be queried.
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


def wait_until(check, seconds=10.0):
    """Replication is asynchronous: poll until the replica has replayed the primary's change."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def tracker_queries(capture) -> list[str]:
    return [q["sql"] for q in capture.captured_queries if "tracker_" in q["sql"]]


def get(client, url, **headers):
    """GET ``url``; returns (response, tracker queries on the primary, on the replica)."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        response = client.get(url, **headers)
    return response, tracker_queries(primary), tracker_queries(replica)


@pytest.fixture
def concern():
    concern = f.ConcernFactory(summary="Deaths in custody are not investigated.")
    wait_until(lambda: m.Concern.objects.using("replica1").filter(pk=concern.pk).exists())
    return concern


def test_the_replica_is_a_read_only_copy():
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)


def test_anonymous_pages_read_from_the_replica(client, concern):
    response, on_primary, on_replica = get(client, f"/concerns/{concern.pk}/")
    assert response.status_code == 200
    assert b"Deaths in custody" in response.content
    assert on_replica and not on_primary


def test_editors_read_and_write_on_the_primary(client, editor, concern):
    client.force_login(editor)
    response, on_primary, on_replica = get(client, f"/concerns/{concern.pk}/")
    assert response.status_code == 200
    assert on_primary and not on_replica

    # An admin write goes to the primary; the replica is not even asked.
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        response = client.post(f"/admin/tracker/concern/{concern.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert any(q.startswith("DELETE") for q in tracker_queries(primary))
    assert replica.captured_queries == []
    # The editor's browser stays on the primary for a while after writing.
    assert response.cookies[PIN_COOKIE]["max-age"] > 0
    # ...and the change reaches anonymous readers through the replica.
    wait_until(lambda: client.get(f"/concerns/{concern.pk}/").status_code == 404)
    client.logout()
    wait_until(lambda: get(client, f"/concerns/{concern.pk}/")[0].status_code == 404)


def test_api_editors_with_a_token_read_their_own_writes_on_the_primary(client, editor, concern):
    # The token is only authenticated inside the API view, after the middleware has run: the
    # router must still see the editor, or a claim just written could be missing from the answer.
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=editor)}"}
    response, on_primary, on_replica = get(client, f"/api/concerns/{concern.pk}/", **auth)
    assert response.status_code == 200
    assert on_primary and not on_replica

    claim = f.ClaimFactory(summary="Written a moment ago.")
    response, on_primary, on_replica = get(client, f"/api/claims/{claim.pk}/", **auth)
    assert response.json()["summary"] == "Written a moment ago."
    assert on_primary and not on_replica


def test_api_readers_without_credentials_or_with_a_viewer_token_read_the_replica(
    client, viewer, concern
):
    response, on_primary, on_replica = get(client, f"/api/concerns/{concern.pk}/")
    assert response.status_code == 200
    assert on_replica and not on_primary

    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=viewer)}"}
    response, on_primary, on_replica = get(client, f"/api/concerns/{concern.pk}/", **auth)
    assert response.status_code == 200
    # The token is checked on the primary, where it was written (a credential, like a session);
    # the records come from the replica.
    assert on_replica and all("tracker_apitoken" in sql for sql in on_primary)


def test_the_queries_header_names_the_database_each_request_read(client, editor, settings, concern):
    settings.DATABASE_QUERIES_HEADER = True
    response = client.get(f"/concerns/{concern.pk}/")
    counts = dict(pair.split("=") for pair in response[QUERIES_HEADER].split())
    assert counts["default"] == "0" and int(counts["replica1"]) > 0

    client.force_login(editor)
    response = client.get(f"/concerns/{concern.pk}/")
    counts = dict(pair.split("=") for pair in response[QUERIES_HEADER].split())
    assert int(counts["default"]) > 0 and counts["replica1"] == "0"


def test_a_recent_writer_is_pinned_to_the_primary(client, concern):
    client.cookies[PIN_COOKIE] = "1"
    response, on_primary, on_replica = get(client, f"/concerns/{concern.pk}/")
    assert response.status_code == 200
    assert on_primary and not on_replica


def test_commands_and_code_outside_requests_read_the_primary(concern):
    with CaptureQueriesContext(connections["replica1"]) as replica:
        assert m.Concern.objects.filter(pk=concern.pk).exists()
    assert replica.captured_queries == []


def test_an_admin_import_reads_and_writes_on_the_primary(client, editor, monkeypatch):
    # The import runs in its own thread after the view has returned; every read it makes must
    # still go to the primary, where its own writes are.
    from tracker.routers import ReplicaRouter

    f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.BodyFactory(code="CAT", name="Committee against Torture")
    chosen = []
    read = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        chosen.append(read(self, model, **hints))
        return chosen[-1]

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    client.force_login(editor)
    upload = SimpleUploadedFile("uhri.csv", f.uhri_csv(300))
    response = client.post("/admin/import/", {"format": "uhri", "file": upload})
    token = re.search(rb'name="token" value="([0-9a-f]{32})"', b"".join(response.streaming_content))
    response = client.post(
        "/admin/import/", {"confirm": "1", "token": token[1].decode(), "format": "uhri"}
    )
    assert b"<h2>Imported</h2>" in b"".join(response.streaming_content)
    assert response.cookies[PIN_COOKIE]["max-age"] > 0
    assert chosen and set(chosen) == {"default"}
    assert m.Concern.objects.using("default").count() == 300
    wait_until(lambda: m.Concern.objects.using("replica1").count() == 300)
