"""The admin's Import view: upload, preview, confirm; size and type checks; permissions; the
page streamed while the import runs in its thread.

The import runs in a thread with its own database connection, which sees committed data only:
these tests commit (``transaction=True``).
"""

import io
import re
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
from tracker.admin_import import UPLOADS
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
