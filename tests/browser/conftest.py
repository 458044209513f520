"""Headless Chromium (Debian's) driven by Playwright against pytest-django's live server.

Skipped with a reason when the browser or the Python package is missing. Never downloads a
browser: it launches the system's /usr/bin/chromium.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tests import factories as f
from tracker import models as m

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    elif not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django then refuses database
    # calls from it unless told that this is deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleWatcher:
    """Collects console errors and uncaught exceptions of a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture
def page(browser, live_server):
    """A fresh page at desktop width; ``page.console.errors`` lists what went wrong."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.console = ConsoleWatcher(page)
    page.base = live_server.url
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def tracker_data(transactional_db):
    """Three states with treaties, concerns, claims with reports, an indicator and a pledge."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", name_ru="Казахстан")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan", name_ru="Кыргызстан")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan", name_ru="Узбекистан")
    iccpr = f.InstrumentFactory(position=1, short_title_ru="МПГПП")
    cat = f.InstrumentFactory(
        code="CAT",
        title="Convention against Torture",
        short_title="CAT",
        position=2,
        body=f.BodyFactory(code="CAT", name="Committee against Torture"),
    )
    cedaw = f.InstrumentFactory(
        code="CEDAW",
        title="Convention on the Elimination of Discrimination against Women",
        short_title="CEDAW",
        position=3,
        body=f.BodyFactory(code="CEDAW", name="Committee on the Elimination of Discrimination"),
    )
    torture = f.ThemeFactory(slug="torture", name="Torture", name_ru="Пытки", position=1)
    torture.instruments.add(cat, iccpr)
    women = f.ThemeFactory(slug="women", name="Women's rights", name_ru="Права женщин", position=2)
    women.instruments.add(cedaw)
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(country=kaz, instrument=cat, action_date=dt.date(1998, 8, 26))
    f.RatificationFactory(country=kgz, instrument=iccpr, action_date=dt.date(1994, 10, 7))
    f.RatificationFactory(country=uzb, instrument=cedaw, action_date=dt.date(1995, 5, 19))
    f.RatificationFactory(
        country=uzb,
        instrument=cat,
        action="",
        action_date=None,
        action_date_precision="",
        signature_date=dt.date(2003, 3, 1),
        signature_date_precision=m.Precision.MONTH,
    )
    indicator = f.IndicatorFactory(name_ru="Доля женщин в парламенте")
    indicator.themes.add(women)
    f.PledgeFactory(country=kaz, indicator=indicator, target_value=30, target_unit="%")
    for year, value in ((2010, 17.8), (2014, 24.3), (2018, 27.1), (2021, 27.4)):
        f.ObservationFactory(
            country=kaz, indicator=indicator, observed_on=dt.date(year, 1, 1), value=value
        )
    for country, verdict in (
        (kaz, "partially_implemented"),
        (kgz, "not_implemented"),
        (uzb, "implemented"),
    ):
        concern = f.ConcernFactory(
            country=country,
            body_id="CAT",
            themes=[torture],
            summary=f"Reports of ill-treatment in pre-trial detention in {country.name}.",
        )
        f.AssessmentFactory(concern=concern, verdict=verdict)
        claim = f.ClaimFactory(
            country=country,
            themes=[torture],
            summary=f"{country.name} says it set up a national preventive mechanism.",
        )
        report = f.ReportFactory(
            country=country,
            themes=[torture],
            summary=f"Monitors in {country.name} were refused access to two facilities.",
        )
        f.StanceFactory(claim=claim, report=report, stance="contradicts")
        f.AssessmentFactory(claim=claim, verdict="contested")
        f.ConcernFactory(
            country=country,
            body_id="CEDAW",
            themes=[women],
            summary=f"Few women in decision-making posts in {country.name}.",
        )
    return {"countries": [kaz, kgz, uzb], "themes": [torture, women]}
