"""The admin's import in headless Chromium: the status line moves while the import runs, then
the result replaces the wait."""

import re
import time

import pytest

from tests.factories import BodyFactory, CountryFactory, uhri_csv
from tracker import models as m
from tracker.importers import uhri
from tracker.services import editor_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 3000


def test_an_editor_sees_the_status_line_then_the_result(page, monkeypatch, artifacts):
    CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    BodyFactory(code="CAT", name="Committee against Torture")
    editor_create(username="editor", password="editor-pass-1234", email="")
    # A millisecond a row: long enough to watch the line move, as with a real large file.
    parse = uhri._parse

    def slow_parse(*args):
        time.sleep(0.001)
        return parse(*args)

    monkeypatch.setattr(uhri, "_parse", slow_parse)

    # The admin's pages name no icon; the browser's guess at /favicon.ico is not this test's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(page.base + "/admin/login/?next=/admin/import/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-pass-1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Format").select_option("uhri")
    page.get_by_label("File").set_input_files(
        {"name": "uhri-export.csv", "mimeType": "text/csv", "buffer": uhri_csv(ROWS)}
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Confirm the import").wait_for()
    assert not m.Concern.objects.exists()

    with page.expect_navigation(wait_until="commit"):
        page.get_by_role("button", name="Confirm the import").click()
    status = page.locator(".import-status > p:last-child")
    # The page is still arriving: a count of rows shows, and no result yet.
    page.wait_for_function(
        """() => {
          const line = document.querySelector('.import-status > p:last-child');
          return line && /uhri: [\\d,]+ of 3,000 rows/.test(line.textContent)
            && !document.querySelector('.messagelist');
        }"""
    )
    first = status.inner_text()
    assert status.is_visible()
    assert page.locator(".import-status > p").first.is_hidden()  # only the newest line shows
    page.screenshot(path=str(artifacts / "admin-import-running.png"))
    page.get_by_role("heading", name="Imported").wait_for()
    last = status.inner_text()
    assert int(re.search(r"uhri: ([\d,]+) of", first)[1].replace(",", "")) < ROWS
    assert re.fullmatch(r"3,000 rows in [\d.]+ s", last)
    assert page.get_by_text("3000 rows read").first.is_visible()
    page.screenshot(path=str(artifacts / "admin-import.png"), full_page=True)
    assert m.Concern.objects.count() == ROWS
    assert page.console.errors == []
