"""Download what you see, in a real browser at phone width: the "Download CSV" button of a
filtered list saves a file holding the list's rows; the buttons and the citation block fit a
390 px screen and pass axe-core."""

import csv
import io

import pytest

from tests.browser.conftest import AXE
from tracker import models as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, is_mobile=True, accept_downloads=True)
    page = context.new_page()
    page.base = live_server.url
    yield page
    context.close()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_download_csv_button_saves_the_filtered_list_at_phone_width(phone, tracker_data):
    phone.goto(phone.base + "/concerns/?theme=torture")
    assert overflow(phone) <= 0
    with phone.expect_download() as info:
        phone.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("concerns-torture-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as saved:
        text = saved.read()
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    expected = m.Concern.objects.published().filter(themes__slug="torture")
    assert sorted(r["Address"].removeprefix(phone.base) for r in rows) == sorted(
        c.get_absolute_url() for c in expected
    )
    assert {r["Themes"] for r in rows} == {"Torture"}
    assert {r["Country"] for r in rows} == {"Kazakhstan", "Kyrgyzstan", "Uzbekistan"}


def test_treaty_table_excel_button_saves_a_workbook(phone, tracker_data):
    phone.goto(phone.base + "/treaties/?countries=KAZ,KGZ,UZB&as_of=2010")
    assert overflow(phone) <= 0
    with phone.expect_download() as info:
        phone.get_by_role("link", name="Download Excel").click()
    assert info.value.suggested_filename.startswith("treaties-KAZ-KGZ-UZB-as-of-2010-12-31-")
    with open(info.value.path(), "rb") as saved:
        assert saved.read(2) == b"PK"  # a zip archive: the .xlsx container


def test_record_page_with_its_citation_fits_a_phone(phone, tracker_data):
    concern = m.Concern.objects.published().first()
    phone.goto(phone.base + concern.get_absolute_url())
    assert phone.locator("#citation-text").is_visible()
    assert overflow(phone) <= 0
    with phone.expect_download() as info:
        phone.get_by_role("link", name="BibTeX").click()
    with open(info.value.path(), encoding="utf-8") as saved:
        assert saved.read().startswith("@misc{tracker-concern-")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize("path", ["/concerns/?theme=torture", "record", "/treaties/"])
def test_axe_finds_no_serious_violation_in_downloads_and_citation(
    browser, live_server, tracker_data, path
):
    if path == "record":
        path = m.Concern.objects.published().first().get_absolute_url()
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
