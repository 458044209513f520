"""The pages in headless Chromium: controls work, no console errors, accessible, screenshots."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import AXE, ConsoleWatcher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/countries/KAZ/",
    "/compare/?countries=KAZ,KGZ,UZB&theme=torture",
    "/treaties/",
    "/concerns/",
    "/claims/",
    "/reports/",
    "/sources/",
]


def visit(page, path: str):
    response = page.goto(page.base + path)
    assert response.status == 200, path
    return response


def test_every_page_loads_without_console_errors(page, tracker_data):
    for path in PAGES:
        visit(page, path)
        assert page.locator("h1").count() == 1, path
    # Follow a link from a list to a detail page, the way a reader would.
    visit(page, "/concerns/?country=KAZ")
    page.get_by_role("link", name=re.compile("ill-treatment in pre-trial detention")).click()
    # The click starts the navigation; wait until the detail page has loaded.
    page.wait_for_url(re.compile(r"/concerns/\d+/$"), wait_until="load")
    expect(page.get_by_role("heading", name="Assessments over time")).to_be_visible()
    assert page.console.errors == []


def test_as_of_control_redraws_the_matrix(page, tracker_data):
    visit(page, "/")
    cat_row = page.locator("table.matrix tbody tr", has_text="CAT")
    assert "party" in cat_row.locator("td").nth(0).inner_text()
    page.get_by_label("Status as of", exact=True).fill("1997-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?as_of=1997-01-01")
    assert "party" not in cat_row.locator("td").nth(0).inner_text()
    assert "1 January 1997" in page.locator("#matrix-caption").inner_text()
    assert page.console.errors == []


def test_compare_selector_builds_a_bookmarkable_address(page, tracker_data):
    visit(page, "/compare/")
    page.get_by_label("Country 1", exact=True).select_option("UZB")
    page.get_by_label("Country 2", exact=True).select_option("KAZ")
    page.get_by_label("Country 3", exact=True).select_option("")
    page.get_by_label("Theme", exact=True).select_option("torture")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.wait_for_url("**/compare/?countries=UZB,KAZ&theme=torture")
    headers = page.locator("table.compare thead th").all_inner_texts()
    assert headers[1:] == ["Uzbekistan", "Kazakhstan"]
    assert page.get_by_text("Monitors in Kazakhstan were refused access").is_visible()
    assert page.console.errors == []


def test_language_switcher_shows_the_russian_interface(page, tracker_data):
    visit(page, "/countries/KAZ/?theme=torture")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Русский").click()
    # Wait for the Russian page itself: a check run while the old page unloads sees no document.
    page.wait_for_url("**/ru/countries/KAZ/?theme=torture")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    # The same page, its filters kept, at the Russian address anyone can be sent.
    assert page.url.endswith("/ru/countries/KAZ/?theme=torture")
    assert page.locator("h1").inner_text().startswith("Казахстан")
    assert page.get_by_role("heading", name="Обязательства", exact=True).is_visible()
    visit(page, "/ru/")
    assert "Пытки" in page.locator("table.grid").inner_text()
    # Links inside a Russian page stay Russian; the English link leads back.
    assert (
        page.get_by_role("link", name="Страны", exact=True).get_attribute("href")
        == "/ru/countries/"
    )
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/(?!ru/)"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/ru/" not in page.url and page.locator("table.grid").is_visible()
    assert page.console.errors == []


def test_pages_fit_a_phone_screen(browser, live_server, tracker_data, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for path in PAGES[:3]:
        page.goto(live_server.url + path)
        # Wide tables scroll inside their own region; the page itself never scrolls sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    page.goto(live_server.url + "/")
    page.screenshot(path=str(artifacts / "home-phone.png"), full_page=True)
    context.close()


def test_screenshots_of_home_country_and_compare(page, tracker_data, artifacts):
    for name, path in [
        ("home", "/"),
        ("country-kaz", "/countries/KAZ/"),
        ("compare", "/compare/?countries=KAZ,KGZ,UZB&theme=torture"),
        ("concerns", "/concerns/?theme=torture"),
        ("treaties", "/treaties/?sort=CAT"),
    ]:
        visit(page, path)
        target = artifacts / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize(
    "path", ["/", "/countries/KAZ/", "/compare/?countries=KAZ,KGZ,UZB&theme=torture"]
)
def test_axe_finds_no_serious_or_critical_violations(browser, live_server, tracker_data, path):
    # The app's Content-Security-Policy forbids injected scripts, so this context bypasses it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []


@pytest.fixture
def many_countries(tracker_data):
    """Enough states for the filter form's country list to get its narrowing box (12 or more,
    as at world scale, where it lists all 193)."""
    for i, name in enumerate(["Kenya", "Kiribati", "Kuwait", "Latvia", "Lebanon", "Lesotho"]):
        code = name[:3].upper()
        f.CountryFactory(code=code, iso2=f"Q{chr(65 + i)}", name=name)
    for i in range(10):
        f.CountryFactory(code=f"Z{chr(65 + i)}Z", iso2=f"Z{chr(65 + i)}", name=f"Zland {i}")


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm install (make test does)")
@pytest.mark.parametrize("width", [390, 1366])
def test_the_country_list_narrows_to_what_the_reader_types(
    browser, live_server, many_countries, artifacts, width
):
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=False)
    page = context.new_page()
    page.console = ConsoleWatcher(page)
    page.goto(live_server.url + "/concerns/")
    page.evaluate("document.querySelectorAll('details.filters-fold').forEach(d => d.open = true)")
    countries = page.locator("fieldset.choices", has=page.get_by_text("Countries", exact=True))
    box = page.get_by_label("Narrow the list: Countries")
    box.fill("k")
    shown = countries.locator("label:visible").all_inner_texts()
    assert [s.strip() for s in shown] == [
        "Kazakhstan", "Kenya", "Kiribati", "Kuwait", "Kyrgyzstan", "Uzbekistan"
    ]  # fmt: skip
    box.fill("kgz")  # a code works too
    page.get_by_role("checkbox", name="Kyrgyzstan", exact=True).check()
    box.fill("ken")
    expect(page.get_by_text("2 of 19 shown")).to_be_visible()  # the ticked one stays in view
    page.get_by_role("checkbox", name="Kenya", exact=True).check()
    box.press("Enter")  # narrows; does not send the form
    assert page.url == live_server.url + "/concerns/"
    page.screenshot(path=str(artifacts / f"filter-narrowed-{width}.png"), full_page=False)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.locator("form.filter-form").get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"country=KEN"))
    assert "country=KGZ" in page.url
    assert page.console.errors == []
    context.close()
    # With the box in place the form still has no serious accessibility failure.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/concerns/")
    page.evaluate("document.querySelectorAll('details.filters-fold').forEach(d => d.open = true)")
    page.get_by_label("Narrow the list: Countries").fill("k")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document.querySelector('form.filter-form'))")
    context.close()
    bad = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


def test_without_javascript_the_country_list_is_a_plain_box(browser, live_server, many_countries):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/concerns/")
    assert page.locator("input.narrow").count() == 0
    assert page.locator("fieldset.choices").first.locator("input[type=checkbox]").count() == 19
    context.close()
