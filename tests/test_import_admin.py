"""The admin's Import view: upload, preview, confirm; size and type checks; permissions."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import BodyFactory, CountryFactory, ThemeFactory
from tracker import models as m

SAMPLES = Path(__file__).parent / "samples"
URL = "/admin/import/"


@pytest.fixture
def reference(db):
    CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    for code, name in [
        ("CCPR", "Human Rights Committee"),
        ("CAT", "Committee against Torture"),
        ("UPR", "Universal Periodic Review (Human Rights Council)"),
    ]:
        BodyFactory(code=code, name=name)
    ThemeFactory(slug="torture")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def preview(client, fmt: str, name: str, content: bytes, **extra):
    return client.post(URL, {"format": fmt, "file": upload(name, content), **extra})


def test_the_admin_index_links_the_import_view_for_editors(editor_client):
    response = editor_client.get("/admin/")
    assert URL.encode() in response.content
    assert b"Import data" in response.content


def test_preview_saves_nothing_and_confirm_imports(editor_client, reference):
    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    response = preview(editor_client, "uhri", "uhri_export.csv", content)
    assert response.status_code == 200
    assert not m.Concern.objects.exists()
    result = response.context["result"]
    assert result.counts["concerns"]["created"] == 5
    assert b"Confirm the import" in response.content
    token = response.context["token"]
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    assert response.status_code == 200
    assert m.Concern.objects.count() == 5
    record = m.Concern.history.filter(external_id="a1f0c3e2-0001:KAZ").get()
    assert record.history_change_reason == "import uhri: uhri_export.csv"
    # The stashed upload is gone: confirming twice does not import twice.
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    assert response.status_code == 302


def test_a_bad_row_is_shown_and_nothing_changes(editor_client, reference):
    content = (SAMPLES / "uhri" / "uhri_bad_date.csv").read_bytes()
    response = preview(editor_client, "uhri", "uhri_bad_date.csv", content)
    assert response.status_code == 200
    assert response.context["error"] == (
        "uhri_bad_date.csv, line 3, column 'PublicationDate': '2016-13-45' is not valid: "
        "expected a date as YYYY-MM-DD or dd/mm/yyyy"
    )
    assert "token" not in response.context
    assert not m.Concern.objects.exists()


def test_garbage_is_refused_by_content_not_by_name(editor_client, reference):
    response = preview(editor_client, "uhri", "export.xlsx", b"\x00\xff\xfe garbage \x00" * 20)
    assert response.status_code == 200
    assert "neither a spreadsheet nor UTF-8 text" in str(response.context["form"].errors)
    response = preview(editor_client, "untc-extract", "hr_status_cat.csv", b"PK\x03\x04zipzip")
    assert "looks like zip" in str(response.context["form"].errors)
    assert not m.Source.objects.exists()


def test_uploads_over_the_size_limit_are_refused(editor_client, reference, settings):
    settings.IMPORT_MAX_BYTES = 100
    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    response = preview(editor_client, "uhri", "uhri_export.csv", content)
    assert "the limit is 100 bytes" in str(response.context["form"].errors)


def test_xlsx_uploads_are_recognised(editor_client, reference):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["AnnotationId", "Symbol", "Text", "Countries", "Body"])
    book.active.append(["x-1", "CAT/C/KAZ/CO/4", "Investigate torture.", "Kazakhstan", "CAT"])
    data = io.BytesIO()
    book.save(data)
    response = preview(editor_client, "uhri", "upload.xlsx", data.getvalue())
    assert response.context["result"].counts["concerns"]["created"] == 1


def test_viewers_and_anonymous_users_cannot_import(client, viewer, reference):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(viewer)
    assert client.get(URL).status_code == 302
    viewer.is_staff = True
    viewer.save()
    assert client.get(URL).status_code == 403
