"""Every page names its JSON twin (``<link rel="alternate">``), and the twin answers with JSON."""

import datetime as dt
import re

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db

TWIN = re.compile(r'rel="alternate" type="application/json" href="([^"]+)"')


@pytest.fixture
def records():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    theme = f.ThemeFactory(slug="torture")
    f.RatificationFactory(country=kaz, action_date=dt.date(2006, 1, 24))
    concern = f.ConcernFactory(country=kaz, themes=[theme])
    claim = f.ClaimFactory(country=kaz, themes=[theme])
    report = f.ReportFactory(country=kaz, themes=[theme])
    return {"concern": concern, "claim": claim, "report": report, "source": report.source}


@pytest.mark.parametrize(
    ("page", "twin"),
    [
        ("/?as_of=2010-01-01", "/api/ratifications/?country=KAZ,KGZ,UZB&as_of=2010-01-01"),
        ("/countries/KAZ/", "/api/countries/KAZ/page/"),
        ("/countries/KAZ/?as_of=2010", "/api/countries/KAZ/page/?as_of=2010-12-31"),
        ("/countries/?region=Central Asia", "/api/countries/?region=Central+Asia"),
        (
            "/instruments/ICCPR/?as_of=2010-06",
            "/api/ratifications/?instrument=ICCPR&as_of=2010-06-30",
        ),
        ("/themes/torture/", "/api/themes/torture/"),
        (
            "/compare/?countries=KAZ,KGZ&theme=torture",
            "/api/compare/?countries=KAZ,KGZ&theme=torture&newest=10",
        ),
        ("/treaties/?countries=KAZ,UZB", "/api/ratifications/?country=KAZ,UZB"),
        (
            "/concerns/?country=KAZ&implementation=no_information",
            "/api/concerns/?country=KAZ&implementation=no_information&page_size=25",
        ),
        ("/claims/?country=KAZ", "/api/claims/?country=KAZ&page_size=25"),
        ("/reports/?theme=torture", "/api/reports/?theme=torture&page_size=25"),
        ("/sources/?kind=ngo", "/api/sources/?kind=ngo&page_size=25"),
        ("concern", "/api/concerns/{pk}/"),
        ("claim", "/api/claims/{pk}/"),
        ("report", "/api/reports/{pk}/"),
        ("source", "/api/sources/{pk}/"),
    ],
)
def test_page_links_a_json_twin_with_its_parameters(client, records, page, twin):
    if page in records:
        twin = twin.format(pk=records[page].pk)
        page = records[page].get_absolute_url()
    html = client.get(page).content.decode()
    assert TWIN.search(html).group(1).replace("&amp;", "&") == twin
    response = client.get(twin, headers={"accept": "application/json"})
    assert response.status_code == 200, twin
    assert response["Content-Type"].startswith("application/json")
