"""The admin's import in headless Chromium: the status line moves while the import runs, then
the result replaces the wait."""

import re
import time

import pytest

from tests.browser.conftest import AXE
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
    parse = uhri._Parser.parse

    def slow_parse(self, row):
        time.sleep(0.001)
        return parse(self, row)

    monkeypatch.setattr(uhri._Parser, "parse", slow_parse)

    # The admin's pages name no icon; the browser's guess at /favicon.ico is not this test's.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.goto(page.base + "/admin/login/?next=/admin/import/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("editor-pass-1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("combobox", name="Format").select_option("uhri")
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


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_preview_s_record_list_fits_a_phone_and_passes_axe(
    browser, live_server, artifacts, lang
):
    CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    BodyFactory(code="CAT", name="Committee against Torture")
    editor_create(username="editor", password="editor-pass-1234", email="")
    # The app's Content-Security-Policy forbids injected scripts: this context bypasses it.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/?next=/admin/import/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill("editor-pass-1234")
    page.locator("input[type=submit]").click()
    page.locator("#id_format").select_option("uhri")
    page.locator("#id_file").set_input_files(
        {"name": "uhri-export.csv", "mimeType": "text/csv", "buffer": uhri_csv(300)}
    )
    page.locator("input[name=preview]").click()
    page.locator("input[name=confirm]").wait_for()
    assert page.locator(".import-changes li").count() == 200
    page.screenshot(path=str(artifacts / f"admin-import-preview-390-{lang}.png"), full_page=True)
    wider = page.evaluate("document.documentElement.scrollWidth - Math.min(window.innerWidth, 390)")
    assert wider <= 0
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
