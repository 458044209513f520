"""The import upload page explains each format's columns and offers a sample file of each; every
sample is a file its importer reads without an error."""

import pytest
from django.urls import reverse

from tracker.admin_samples import SAMPLES
from tracker.importers import run_import

pytestmark = pytest.mark.django_db


def test_the_upload_page_explains_every_format_and_links_its_sample(editor_client):
    html = editor_client.get(reverse("admin:tracker_import")).content.decode()
    for columns in (
        "year ratification or accession",  # UN Treaty Collection extract
        "Date of Ratification/Accession",  # OHCHR dashboard
        "AnnotationType",  # UHRI JSON and CSV
        "Reccomending Body",  # UHRI Excel, spelled as the export spells it
        "Download CSV",  # the tracker's own export
    ):
        assert columns in html, columns
    for name in SAMPLES:
        assert reverse("admin:tracker_import_sample", args=[name]) in html


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_downloads_and_its_importer_reads_it(
    editor_client, reference_data, tmp_path, name
):
    response = editor_client.get(reverse("admin:tracker_import_sample", args=[name]))
    assert response.status_code == 200
    assert f'filename="{name}"' in response["Content-Disposition"]
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    result = run_import(SAMPLES[name], path, dry_run=True)
    assert result.rows >= 2
    assert sum(sum(c.values()) for c in result.counts.values()) > 0


def test_an_unknown_sample_is_not_found(editor_client):
    for name in ("settings.py", "..%2F..%2Fsettings.py", "__init__.py"):
        assert editor_client.get(f"/admin/import/samples/{name}").status_code == 404


def test_samples_are_for_editors_only(client, viewer):
    url = reverse("admin:tracker_import_sample", args=[sorted(SAMPLES)[0]])
    assert client.get(url).status_code == 302
    client.force_login(viewer)
    assert client.get(url).status_code == 302
