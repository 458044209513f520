"""The admin's Import view: upload, preview, confirm; size and type checks; permissions; the
page streamed while the import runs in its thread.

The import runs in a thread with its own database connection, which sees committed data only:
these tests commit (``transaction=True``).
"""

import io
import re
import shutil
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils.html import escape

from tests.factories import (
    BodyFactory,
    CountryFactory,
    InstrumentFactory,
    ThemeFactory,
    uhri_csv,
)
from tracker import models as m
from tracker.admin_import import REPORTS, UPLOADS
from tracker.importers.base import progress, progress_listener
from tracker.middleware import UNAVAILABLE_MESSAGE

pytestmark = pytest.mark.django_db(transaction=True)

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


def page(response) -> str:
    """The whole streamed page: reading it to the end waits for the import."""
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def token_in(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]{32})"', html)[1]


def test_the_admin_index_links_the_import_view_for_editors(editor_client):
    response = editor_client.get("/admin/")
    assert URL.encode() in response.content
    assert b"Import data" in response.content


def test_preview_saves_nothing_and_confirm_imports(editor_client, reference):
    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    response = preview(editor_client, "uhri", "uhri_export.csv", content)
    assert response.status_code == 200
    html = page(response)
    assert not m.Concern.objects.exists()
    assert "Preview: what the import would do" in html
    assert re.search(r"<th scope=\"row\">concerns</th><td>5</td>", html)
    assert "Confirm the import" in html
    token = token_in(html)
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    assert response.status_code == 200
    html = page(response)
    assert "<h2>Imported</h2>" in html
    assert m.Concern.objects.count() == 5
    record = m.Concern.history.filter(external_id="a1f0c3e2-0001:KAZ").get()
    assert record.history_change_reason == "import uhri: uhri_export.csv"
    # The stashed upload is gone: confirming twice does not import twice.
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    assert response.status_code == 302


def test_the_page_streams_rising_status_lines_then_the_summary(editor_client, reference):
    response = preview(editor_client, "uhri", "big.csv", uhri_csv(2000))
    token = token_in(page(response))
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    assert response.streaming
    assert "no-store" in response["Cache-Control"]  # the admin never caches its pages
    assert response["X-Accel-Buffering"] == "no"
    chunks = [chunk.decode() for chunk in response.streaming_content]
    steps = [
        (i, int(done.replace(",", "")), int(total.replace(",", "")))
        for i, chunk in enumerate(chunks)
        for done, total in re.findall(r"uhri: ([\d,]+) of ([\d,]+) rows", chunk)
    ]
    # One line per 1% of the file, each in its own piece of the response, counting up.
    assert len(steps) >= 90
    assert len({i for i, _, _ in steps}) == len(steps)
    assert [done for _, done, _ in steps] == sorted({done for _, done, _ in steps})
    assert steps[0][2] == 2000  # the file's lines but its header
    assert 'uhri: 1,000 of 2,000 rows <progress max="2000" value="1000">' in "".join(chunks)
    html = "".join(chunks)
    last_step = html.index("uhri: 2,000 rows read; finishing")
    assert last_step > html.index(chunks[steps[-1][0]])
    assert html.index("2,000 rows in ") > last_step
    assert html.index("<h2>Imported</h2>") > html.index("2,000 rows in ")
    assert html.rstrip().endswith("</html>")
    assert m.Concern.objects.count() == 2000
    assert not [t for t in threading.enumerate() if t.name == "tracker-import"]


def test_a_bad_file_streams_the_exact_error_and_changes_nothing(editor_client, reference):
    bad = (SAMPLES / "uhri" / "uhri_bad_date.csv").read_bytes()
    expected = (
        "uhri_bad_date.csv, line 3, column &#x27;PublicationDate&#x27;: &#x27;2016-13-45&#x27; "
        "is not valid: expected a date as YYYY-MM-DD or dd/mm/yyyy"
    )
    html = page(preview(editor_client, "uhri", "uhri_bad_date.csv", bad))
    assert f"Nothing would be imported: {expected}" in html
    assert "Confirm the import" not in html
    assert not list(UPLOADS.glob("*/uhri_bad_date.csv"))
    # The same at the confirm step: the previewed file is replaced by a bad one meanwhile.
    good = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    token = token_in(page(preview(editor_client, "uhri", "uhri_bad_date.csv", good)))
    (UPLOADS / token / "uhri_bad_date.csv").write_bytes(bad)
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    html = page(response)
    assert f"Nothing imported. {expected}" in html
    assert "Stopped after" in html
    assert html.rstrip().endswith("</html>")
    assert not m.Concern.objects.exists()
    assert not m.Source.objects.exists()
    assert not (UPLOADS / token).exists()


@pytest.mark.parametrize(
    "error, shown",
    [
        (
            RuntimeError("a bug"),
            "The import stopped on an unexpected error, which has been logged.",
        ),
        (OperationalError("server closed the connection"), UNAVAILABLE_MESSAGE),
    ],
)
def test_an_error_in_the_import_thread_is_shown_and_nothing_is_saved(
    editor_client, reference, monkeypatch, error, shown
):
    token = token_in(page(preview(editor_client, "uhri", "a.csv", uhri_csv(50))))

    def fail(writer):
        raise error  # after the rows were written, before the transaction ends

    monkeypatch.setattr("tracker.importers.uhri._Writer.finish", fail)
    response = editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"})
    html = page(response)
    assert f"Nothing imported. {escape(shown)}" in html
    assert html.rstrip().endswith("</html>")
    assert not m.Concern.objects.exists()
    assert not m.Review.objects.exists()
    assert not (UPLOADS / token).exists()


def test_imported_rows_name_the_editor_in_their_history(editor_client, editor, reference):
    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    token = token_in(page(preview(editor_client, "uhri", "uhri_export.csv", content)))
    page(editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"}))
    for model in (m.Concern, m.Review, m.Source):
        assert model.history.exists()
        assert set(model.history.values_list("history_user", flat=True)) == {editor.pk}, model
    # Ratifications are written through django-simple-history's own bulk functions.
    CountryFactory(code="TJK", iso2="TJ", name="Tajikistan")
    CountryFactory(code="TUR", iso2="TR", name="Türkiye")
    InstrumentFactory(code="CRPD", title="Convention on the Rights of Persons with Disabilities")
    content = (SAMPLES / "ohchr" / "UnderlyingData_CRPD_OHCHR_20240101.csv").read_bytes()
    name = "UnderlyingData_CRPD_OHCHR_20240101.csv"
    token = token_in(page(preview(editor_client, "ohchr-ratifications", name, content)))
    html = page(
        editor_client.post(URL, {"confirm": "1", "token": token, "format": "ohchr-ratifications"})
    )
    assert "<h2>Imported</h2>" in html
    assert m.Ratification.history.exists()
    assert set(m.Ratification.history.values_list("history_user", flat=True)) == {editor.pk}


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
    html = page(preview(editor_client, "uhri", "upload.xlsx", data.getvalue()))
    assert re.search(r"<th scope=\"row\">concerns</th><td>1</td>", html)


def test_viewers_and_anonymous_users_cannot_import(client, viewer, reference):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(viewer)
    assert client.get(URL).status_code == 302
    viewer.is_staff = True
    viewer.save()
    assert client.get(URL).status_code == 403


def test_progress_tells_its_listener_every_percent_and_the_bar_still_draws():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    heard = []
    token = progress_listener.set(lambda *step: heard.append(step))
    try:
        terminal = Terminal()
        assert list(progress(range(250), 300, "uhri", terminal)) == list(range(250))
    finally:
        progress_listener.reset(token)
    assert heard[:2] == [("uhri", 3, 300), ("uhri", 6, 300)]
    assert heard[-1] == ("uhri", 250, 250)  # fewer rows than estimated: the end says so
    assert len(heard) == 84
    assert terminal.getvalue().endswith("\ruhri [########################......] 249/300\n")
    # Without a listener or a terminal, nothing is reported.
    assert list(progress(range(5), 5, "uhri", io.StringIO())) == list(range(5))


def test_an_upload_waits_in_an_owner_only_folder_and_cancel_removes_it(editor_client, reference):
    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    token = token_in(page(preview(editor_client, "uhri", "uhri_export.csv", content)))
    folder = UPLOADS / token
    assert UPLOADS.stat().st_mode & 0o777 == 0o700
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "uhri_export.csv").stat().st_mode & 0o777 == 0o600
    response = editor_client.post(URL, {"cancel": "1", "token": token, "format": "uhri"})
    assert response.status_code == 302
    assert not folder.exists()
    assert not m.Concern.objects.exists()


def test_an_upload_left_unconfirmed_expires(editor_client, reference, settings):
    import os
    import time

    content = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    old = token_in(page(preview(editor_client, "uhri", "uhri_export.csv", content)))
    day_ago = time.time() - settings.IMPORT_STASH_HOURS * 3600 - 60
    os.utime(UPLOADS / old, (day_ago, day_ago))
    # Too old to confirm, and swept by the next upload.
    response = editor_client.post(URL, {"confirm": "1", "token": old, "format": "uhri"})
    assert response.status_code == 302 and not m.Concern.objects.exists()
    page(preview(editor_client, "uhri", "uhri_export.csv", content))
    assert not (UPLOADS / old).exists()


@pytest.fixture
def rows_left_out():
    """A file with one bad row of two, under a name of its own; the stashed uploads and the
    reports the test leaves are removed afterwards."""
    content = (SAMPLES / "uhri" / "uhri_bad_date.csv").read_bytes()
    yield content
    for folder in UPLOADS.glob("*/"):
        if (folder / "rows_left_out.csv").exists():
            shutil.rmtree(folder)
    for report in REPORTS.glob("*.csv"):
        if "rows_left_out.csv" in report.read_text(encoding="utf-8"):
            report.unlink()


def report_url_in(html: str) -> str:
    return re.search(r'href="(/admin/import/report/[0-9a-f]{32}/)"', html)[1]


def test_skip_invalid_imports_the_good_rows_and_offers_the_report(
    editor_client, reference, rows_left_out
):
    html = page(
        preview(editor_client, "uhri", "rows_left_out.csv", rows_left_out, skip_invalid="on")
    )
    assert "1 row left out" in html and "2016-13-45" in html
    assert not m.Concern.objects.exists()
    assert 'name="skip_invalid" value="on"' in html  # the confirmation skips the same rows
    response = editor_client.post(
        URL, {"confirm": "1", "token": token_in(html), "format": "uhri", "skip_invalid": "on"}
    )
    html = page(response)
    assert "<h2>Imported</h2>" in html
    assert m.Concern.objects.get().external_id == "b-0001:KAZ"
    report = editor_client.get(report_url_in(html))
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode().splitlines()
    assert lines[0] == "file,line,record,column,value,why"
    assert lines[1:] == [
        "rows_left_out.csv,3,,PublicationDate,2016-13-45,expected a date as YYYY-MM-DD or "
        "dd/mm/yyyy"
    ]


def test_without_skip_invalid_the_same_file_imports_nothing(
    editor_client, reference, rows_left_out
):
    html = page(preview(editor_client, "uhri", "rows_left_out.csv", rows_left_out))
    assert "Nothing would be imported" in html
    assert not m.Concern.objects.exists()


def test_reports_are_for_importers_only(viewer, editor_client, reference, rows_left_out):
    from django.test import Client

    html = page(
        preview(editor_client, "uhri", "rows_left_out.csv", rows_left_out, skip_invalid="on")
    )
    report_url = report_url_in(html)
    assert editor_client.get(report_url).status_code == 200
    assert editor_client.get("/admin/import/report/" + "0" * 32 + "/").status_code == 404
    other = Client()
    assert other.get(report_url).status_code == 302  # to the login page
    other.force_login(viewer)
    assert other.get(report_url).status_code == 302  # not staff: the admin's login again


def test_the_preview_lists_the_records_it_would_create_or_change_then_links_them(
    editor_client, reference
):
    sample = (SAMPLES / "uhri" / "uhri_export.csv").read_bytes()
    html = page(preview(editor_client, "uhri", "uhri_export.csv", sample))
    assert "Records the import would create or change" in html
    listed = re.findall(r"<li>concerns: ([\w-]+)\s*\(new\)</li>", html)
    assert len(listed) == 5 and "uhri-a1f0c3e2-0001-kaz" in listed
    assert re.search(r"<li>sources: doc-[\w-]+\s*\(new\)</li>", html)
    assert not re.search(r"/admin/tracker/concern/\d+/", html)  # nothing to link to yet
    token = token_in(html)
    html = page(editor_client.post(URL, {"confirm": "1", "token": token, "format": "uhri"}))
    assert "Records created or changed" in html
    concern = m.Concern.objects.get(key="uhri-a1f0c3e2-0001-kaz")
    link = f'<a href="/admin/tracker/concern/{concern.pk}/change/">{concern.key}</a>'
    assert link in html
    assert (
        len(re.findall(r'<li>concerns: <a href="/admin/tracker/concern/\d+/change/">', html)) == 5
    )

    # The same file with one annotation's text changed: only that record is listed, with what
    # changes; nothing else is.
    edited = sample.replace(b"restrictions on peaceful", b"new restrictions on peaceful", 1)
    assert edited != sample
    html = page(preview(editor_client, "uhri", "uhri_export.csv", edited))
    changes = re.findall(r"<li>(\w+): ([\w-]+)\s*\(([^)]*)\)</li>", html)
    assert len(changes) == 1
    kind, _key, what = changes[0]
    assert (kind, what) == ("concerns", "changes: summary")


def test_a_long_list_of_records_is_cut_and_the_rest_counted(editor_client, reference):
    html = page(preview(editor_client, "uhri", "many.csv", uhri_csv(300)))
    # 300 concerns, 8 documents (40 annotations each) and their 8 reviews: 316 records.
    assert len(re.findall(r"<li>(?:concerns|sources|reviews): ", html)) == 200
    assert "and 116 more records" in html
