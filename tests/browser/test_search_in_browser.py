"""The search box in the header, in a real browser: typed into with the keyboard at phone and
laptop widths, it opens the search page with the results grouped by kind, which fits the
screen and passes axe-core, in both languages."""

import pytest

from tests import factories as f
from tests.browser.conftest import AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def search_data(tracker_data):
    kaz = tracker_data["countries"][0]
    f.ReviewFactory(country=kaz, body_id="CAT", symbol="CAT/C/KAZ/CO/4")
    f.SourceFactory(title="Concluding observations on the fourth report", symbol="CAT/C/KAZ/CO/4")
    return tracker_data


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize(
    ("viewport", "lang"), [(PHONE, "en"), (DESKTOP, "en"), (PHONE, "ru"), (DESKTOP, "ru")]
)
def test_typing_in_the_header_box_shows_results_grouped_by_kind(
    browser, live_server, search_data, artifacts, viewport, lang
):
    phone = viewport is PHONE
    # The app's Content-Security-Policy forbids injected scripts (axe), so this context
    # bypasses it.
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, bypass_csp=True, locale="en-GB"
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + ("/ru" if lang == "ru" else "") + "/concerns/")
    box = page.locator("header.site").get_by_role("searchbox")
    assert box.is_visible()
    assert box.bounding_box()["x"] + box.bounding_box()["width"] <= viewport["width"]
    # Keyboard only: focus the box, type, press Enter.
    box.focus()
    page.keyboard.type("torture")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=torture")
    assert "torture" in page.locator("h1").inner_text()
    for kind in ("concerns", "claims", "reports", "themes"):
        assert page.locator(f"#results-{kind} li").count() >= 1, kind
    assert page.locator("#results-concerns").get_by_text("pre-trial detention in").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(artifacts / f"search-{lang}-{viewport['width']}.png"), full_page=True)
    assert axe_violations(page) == []

    # A document symbol finds its review.
    box = page.locator("header.site").get_by_role("searchbox")
    box.fill("CAT/C/KAZ/CO/4")
    box.press("Enter")
    page.wait_for_url("**/search/?q=CAT*")
    assert page.locator("#results-reviews").get_by_role("link", name="CAT/C/KAZ/CO/4").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert axe_violations(page) == []
    assert errors == []
    context.close()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
@pytest.mark.parametrize("path", ["/concerns/?country=KAZ", "/claims/?stance=contradicts"])
def test_the_named_filters_fit_the_screen_pass_axe_and_tick_with_the_keyboard(
    browser, live_server, search_data, viewport, path
):
    phone = viewport is PHONE
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, bypass_csp=True, locale="en-GB"
    )
    page = context.new_page()
    page.goto(live_server.url + path)
    if phone:
        page.locator("details.filters-fold > summary").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert axe_violations(page) == []
    # Tick a second country with the keyboard and apply: both are then chosen.
    box = page.locator(".filter-form").get_by_role("checkbox", name="Kyrgyzstan")
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    with page.expect_navigation():
        page.locator(".filter-form").get_by_role("button", name="Apply").click()
    assert "Kyrgyzstan" in page.locator("h1").inner_text()
    context.close()
