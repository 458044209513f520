"""Every page fits a phone (390 px) and a laptop (1366 px) without sideways scrolling.

The data are made to be awkward: a 190-character address, document symbols without a break in
them, Cyrillic summaries, a long legal reference, several reviews a country. Screenshots of each
page at both widths go to ``test-artifacts/layout/`` for a person to look at.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests import factories as f
from tests.browser.conftest import AXE
from tracker import models as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

LONG_URL = (
    "https://www.ohchr.org/sites/default/files/documents/hrbodies/ccpr/concluding-observations/"
    "2022/CCPR_C_KAZ_CO_3_concluding_observations_on_the_third_periodic_report_of_Kazakhstan.pdf"
)
LONG_SYMBOL = "CCPR/C/KAZ/CO/3/Add.1/Corr.2/ADVANCE-UNEDITED-VERSION/2022-07-21"
CYRILLIC = (
    "Правительство сообщает о создании национального превентивного механизма при "
    "Уполномоченном по правам человека; независимые мониторы не подтверждают доступ в "
    "учреждения уголовно-исполнительной системы"
)

# Where the widest box sits when a page overflows, so that a failure names its culprit.
WIDEST = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && !el.closest('.scroll')) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def layout_data(tracker_data):
    """The browser tests' three states, plus the long strings that break narrow layouts."""
    kaz, kgz, uzb = tracker_data["countries"]
    torture, women = tracker_data["themes"]
    ccpr = m.Body.objects.get(code="CCPR")
    source = f.SourceFactory(
        title="Concluding observations on the third periodic report of Kazakhstan " + LONG_SYMBOL,
        url=LONG_URL,
        symbol=LONG_SYMBOL,
        kind=m.Source.Kind.UN_DOCUMENT,
        publisher="Human Rights Committee of the Office of the High Commissioner",
    )
    review = f.ReviewFactory(country=kaz, body=ccpr, symbol=LONG_SYMBOL, source=source)
    f.ReviewFactory(
        country=kaz, body=ccpr, symbol="CCPR/C/KAZ/CO/2", adopted_on=dt.date(2016, 7, 21)
    )
    f.ReportingStatusFactory(country=kaz, body=ccpr, last_report_symbol=LONG_SYMBOL, source=source)
    concern = f.ConcernFactory(
        country=kaz,
        body=ccpr,
        review=review,
        source=source,
        locator=LONG_SYMBOL + ", para. 23(a)-(c)",
        themes=[torture],
        summary="Комитет обеспокоен сообщениями о пытках в местах предварительного заключения. "
        + LONG_URL,
        recommendation="See " + LONG_URL,
        affected_groups="persons deprived of liberty; human-rights defenders",
    )
    f.AssessmentFactory(concern=concern, verdict="not_implemented", rationale=LONG_URL)
    claim = f.ClaimFactory(
        country=kaz,
        themes=[torture, women],
        source=source,
        summary=CYRILLIC,
        legal_reference="Уголовно-исполнительный кодекс Республики Казахстан, ст. 146-1, "
        + LONG_SYMBOL,
    )
    claim.concerns.add(concern)
    report = f.ReportFactory(
        country=kaz, themes=[torture], source=source, summary=CYRILLIC + " " + LONG_URL
    )
    report.concerns.add(concern)
    f.StanceFactory(claim=claim, report=report, stance="contradicts", note=LONG_URL)
    f.AssessmentFactory(claim=claim, verdict="contradicted", rationale=CYRILLIC)
    f.PledgeFactory(country=kaz, source=source, summary=CYRILLIC, responsible=LONG_SYMBOL)
    # The real list of states has long names, which widen the compare page's selects.
    f.CountryFactory(code="BOL", iso2="BO", name="Bolivia (Plurinational State of) " * 3)
    return {**tracker_data, "source": source, "concern": concern, "claim": claim, "report": report}


def public_pages(data) -> list[tuple[str, str, int]]:
    """(name, path, expected status) of every public page."""
    pages = [
        ("home", "/", 200),
        ("country", "/countries/KAZ/", 200),
        ("compare", "/compare/?countries=KAZ,KGZ,UZB", 200),
        ("compare-theme", "/compare/?countries=KAZ,KGZ,UZB&theme=torture", 200),
        ("treaties", "/treaties/", 200),
        ("countries", "/countries/", 200),
        ("instrument", "/instruments/CAT/", 200),
        ("theme", "/themes/torture/", 200),
        ("not-found", "/no-such-page/", 404),
    ]
    for kind in ("concerns", "claims", "reports", "sources"):
        pages.append((kind, f"/{kind}/", 200))
    pages += [
        ("concerns-filtered", "/concerns/?country=KAZ&theme=torture", 200),
        ("claims-filtered", "/claims/?country=KAZ&theme=torture", 200),
        ("reports-filtered", "/reports/?country=KAZ&theme=torture", 200),
        ("sources-filtered", "/sources/?kind=un_document", 200),
    ]
    for name in ("concern", "claim", "report", "source"):
        pages.append((name, data[name].get_absolute_url(), 200))
    return pages


def overflow(page) -> int:
    """How many pixels the page is wider than the screen. A mobile browser widens its layout
    viewport to fit content that overflows, so innerWidth alone would pass any page there: the
    screen's own width is the second bound."""
    width = page.viewport_size["width"]
    return page.evaluate(
        f"document.documentElement.scrollWidth - Math.min(window.innerWidth, {width})"
    )


def too_wide(page, path, name, width, artifacts, status=200) -> list:
    """Visit ``path``, save its screenshot; [] if it fits, else what sticks out and by how much."""
    response = page.goto(page.base + path)
    assert response.status == status, path
    folder = artifacts / "layout"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    excess = overflow(page)
    return [(path, width, excess, page.evaluate(WIDEST, width))] if excess > 0 else []


@pytest.fixture
def sized(browser, live_server):
    """Open a browser context of a given viewport; closed at the end of the test."""
    contexts = []

    def open_page(viewport, **kwargs):
        context = browser.new_context(viewport=viewport, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.base = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def in_language(path: str, lang: str) -> str:
    """A page's address in ``lang``: Russian pages live under /ru/ (the API does not)."""
    return path if lang == "en" or path.startswith(("/api/", "/feeds/")) else f"/{lang}{path}"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_public_page_scrolls_sideways_on_a_phone(sized, layout_data, artifacts, lang):
    page = sized(PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    wide = []
    for name, path, status in public_pages(layout_data):
        wide += too_wide(page, in_language(path, lang), f"{name}-{lang}", 390, artifacts, status)
    assert not wide, "\n".join(map(str, wide))


def test_no_public_page_scrolls_sideways_on_a_laptop(sized, layout_data, artifacts):
    page = sized(DESKTOP, locale="en-GB")
    wide = []
    for name, path, status in public_pages(layout_data):
        wide += too_wide(page, path, name, 1366, artifacts, status)
    assert not wide, "\n".join(map(str, wide))


def test_admin_country_page_and_changelists_fit_a_laptop(
    sized, live_server, layout_data, artifacts
):
    user = get_user_model().objects.create_superuser("layout", "layout@example.org", "pw-layout-1")
    assert user.is_superuser
    page = sized(DESKTOP, locale="en-GB")
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill("layout")
    page.get_by_label("Password").fill("pw-layout-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    kaz = layout_data["countries"][0]
    change = reverse("admin:tracker_country_change", args=[kaz.pk])
    wide = too_wide(page, change, "admin-country-change", 1366, artifacts)
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label != "tracker":
            continue
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        wide += too_wide(page, url, f"admin-{opts.model_name}", 1366, artifacts)
    assert not wide, "\n".join(map(str, wide))


def test_compare_page_stacks_its_country_columns_on_a_phone(sized, layout_data):
    page = sized(PHONE, is_mobile=True, has_touch=True)
    page.goto(page.base + "/compare/?countries=KAZ,KGZ,UZB&theme=torture")
    # Each country's column is as wide as the screen allows, one under the other.
    headers = page.locator("table.compare thead th")
    boxes = [
        headers.filter(has_text=name).bounding_box()
        for name in ("Kazakhstan", "Kyrgyzstan", "Uzbekistan")
    ]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert all(box["x"] < 60 and box["width"] > 300 for box in boxes)
    assert page.get_by_text("Monitors in Uzbekistan were refused access").is_visible()


def test_compare_page_keeps_the_side_by_side_table_on_a_laptop(sized, layout_data):
    page = sized(DESKTOP)
    page.goto(page.base + "/compare/?countries=KAZ,KGZ,UZB&theme=torture")
    headers = page.locator("table.compare thead th")
    assert headers.all_inner_texts()[1:] == ["Kazakhstan", "Kyrgyzstan", "Uzbekistan"]
    tops = {round(headers.nth(i).bounding_box()["y"]) for i in range(4)}
    assert len(tops) == 1
    assert page.get_by_text("Monitors in Uzbekistan were refused access").is_visible()


def test_list_filters_fold_away_on_a_phone_and_stay_open_on_a_laptop(sized, layout_data):
    phone = sized(PHONE, is_mobile=True, has_touch=True)
    phone.goto(phone.base + "/concerns/")
    first_result = phone.locator(".result-list li").first
    assert first_result.bounding_box()["y"] < PHONE["height"]
    apply = phone.get_by_role("button", name="Apply")
    assert not apply.is_visible()
    phone.locator("details.filters-fold > summary").click()
    assert apply.is_visible()

    laptop = sized(DESKTOP)
    laptop.goto(laptop.base + "/concerns/")
    assert laptop.get_by_role("button", name="Apply").is_visible()
    assert not laptop.locator("details.filters-fold > summary").is_visible()


def test_country_page_lists_its_themes_at_the_top(sized, layout_data):
    page = sized(PHONE, is_mobile=True, has_touch=True)
    page.goto(page.base + "/countries/KAZ/")
    contents = page.get_by_role("navigation", name="On this page")
    link = contents.get_by_role("link", name="Torture", exact=True)
    target = link.get_attribute("href")
    assert target.startswith("#")
    link.click()
    heading = page.locator(target)
    assert heading.inner_text().startswith("Torture")
    assert abs(heading.bounding_box()["y"]) < 80


def test_the_country_pages_treaty_table_reads_row_by_row_on_a_phone(sized, layout_data):
    page = sized(PHONE, is_mobile=True, has_touch=True)
    page.goto(page.base + "/countries/KAZ/")
    table = page.locator("table.treaties")
    assert table.bounding_box()["width"] <= PHONE["width"]
    first = table.locator("tbody tr").first
    # Each cell says what it is, as the column headings would; no row is a tall narrow strip.
    assert (
        first.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
        == '"Status: "'
    )
    assert first.bounding_box()["height"] < 400
    laptop = sized(DESKTOP)
    laptop.goto(laptop.base + "/countries/KAZ/")
    assert laptop.locator("table.treaties thead").is_visible()


@pytest.mark.skipif(not AXE.exists(), reason="axe-core missing: run npm ci")
# Both widths in English; Russian (longer words, its own lang attribute) at the narrower one,
# where longer text is likelier to break: the two layouts share their colours and markup.
@pytest.mark.parametrize(
    "lang, viewport",
    [("en", PHONE), ("en", DESKTOP), ("ru", PHONE)],
    ids=["phone-en", "laptop-en", "phone-ru"],
)
def test_axe_finds_nothing_serious_on_any_page(browser, live_server, layout_data, lang, viewport):
    # The app's Content-Security-Policy forbids injected scripts, so this context bypasses it.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    bad = []
    for name, path, _status in public_pages(layout_data):
        page.goto(live_server.url + in_language(path, lang))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        bad += [
            f"{name}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    context.close()
    assert bad == []
