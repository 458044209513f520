"""A state and treaty the tracker holds nothing on reads "no data" everywhere, never "none"; a
status that rests on a source's dated statement (a snapshot) says so, and every cell says on
hover what it rests on."""

import datetime as dt
import re

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Kazakhstan with a record; Russia with nothing at all; Mongolia with the extract's
    statement that it took no action on CAT, as of August 2022."""
    cat = f.InstrumentFactory(code="CAT", title="Convention against Torture", short_title="CAT")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    rus = f.CountryFactory(code="RUS", iso2="RU", name="Russian Federation")
    mng = f.CountryFactory(code="MNG", iso2="MN", name="Mongolia")
    f.RatificationFactory(country=kaz, instrument=cat, action_date=dt.date(1998, 8, 26))
    f.ThemeFactory(name="Torture", slug="torture").instruments.set([cat])
    extract = f.SourceFactory(
        title="Treaty status extract",
        kind=m.Source.Kind.DATASET,
        publisher="Data Lab",
        published_on=dt.date(2022, 8, 1),
        published_on_precision=m.Precision.MONTH,
    )
    m.StatusSnapshot.objects.create(
        key="untc-2022-mng-cat",
        country=mng,
        instrument=cat,
        as_of=dt.date(2022, 8, 1),
        as_of_precision=m.Precision.MONTH,
        reported_status=m.TreatyStatus.NONE,
        source=extract,
        locator="CAT table, row for Mongolia",
        status=m.Editorial.PUBLISHED,
    )
    return kaz, rus, mng


def cell_of(html: str, code: str) -> str:
    """The treaty status cell in the row or column of a country, on the treaties page."""
    start = html.index(f'href="/countries/{code}/"')
    return html[start : html.index("</tr>", start)]


def test_treaties_page_says_no_data_for_a_state_without_records(client, world):
    html = client.get("/treaties/").content.decode()
    russia = cell_of(html, "RUS")
    assert "s-no_data" in russia and "no data" in russia
    assert "s-none" not in russia
    # Mongolia's "none" rests on the extract, and the cell says so on hover.
    mongolia = cell_of(html, "MNG")
    assert "s-none" in mongolia
    assert re.search(r'title="Source: Treaty status extract \(Data Lab, August 2022\);', mongolia)
    assert "as that source stated it for August 2022" in mongolia


def test_country_page_of_a_state_without_records_says_no_data(client, world):
    html = client.get("/countries/RUS/").content.decode()
    table = html[html.index("<tbody", html.index("treaty")) :]
    table = table[: table.index("</table>")]
    assert "s-no_data" in table and "s-none" not in table


def test_compare_page_says_no_data_beside_a_record(client, world):
    html = client.get("/compare/", {"countries": "KAZ,RUS"}).content.decode()
    html = html[html.index('<table class="compare"') :]
    assert "s-party" in html and "s-no_data" in html and "s-none" not in html


def test_api_comparison_status_is_no_data_or_the_snapshot_it_rests_on(client, world):
    body = client.get("/api/compare/?countries=RUS,MNG,KAZ&theme=torture").json()
    rus, mng, kaz = body["columns"]
    assert rus["ratifications"][0]["status"] == "no_data"
    assert mng["ratifications"][0]["status"] == "none"
    assert mng["ratifications"][0]["snapshot"]["as_of"] == "2022-08-01"
    assert kaz["ratifications"][0]["status"] == "party"


def test_ratifications_csv_claims_no_status_for_a_state_without_records(client, world):
    # The list holds records only: a state the tracker holds nothing on has no row, not "none".
    response = client.get("/api/ratifications/?country=RUS,KAZ&format=csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 2 and ",KAZ," in lines[1] and "RUS" not in response.content.decode()


def test_the_key_explains_no_data_and_the_hover(client, world):
    html = client.get("/treaties/").content.decode()
    legend = html[html.index('class="legend"') :]
    legend = legend[: legend.index("</p>")]
    assert "no data" in legend and "what it rests on" in legend


def test_as_of_before_a_snapshot_of_no_action_is_still_none_and_a_signature_without_date_no_data(
    world,
):
    _kaz, _rus, mng = world
    signed = m.StatusSnapshot.objects.create(
        key="untc-2022-mng-iccpr",
        country=mng,
        instrument=f.InstrumentFactory(),
        as_of=dt.date(2022, 8, 1),
        as_of_precision=m.Precision.MONTH,
        reported_status=m.TreatyStatus.SIGNATORY,
        source=m.Source.objects.get(title="Treaty status extract"),
        locator="ICCPR table, row for Mongolia",
        status=m.Editorial.PUBLISHED,
    )
    snapshots = m.StatusSnapshot.objects.for_matrix(countries=["MNG"])
    later = m.treaty_cells([], snapshots, dt.date(2026, 1, 1))
    assert later[("MNG", "CAT")].status_as_of == m.TreatyStatus.NONE
    assert later[("MNG", "ICCPR")].snapshot == signed
    earlier = m.treaty_cells([], snapshots, dt.date(2010, 1, 1))
    assert earlier[("MNG", "CAT")].status_as_of == m.TreatyStatus.NONE
    # Signed by August 2022, on a day the extract does not give: nothing to say for 2010.
    assert ("MNG", "ICCPR") not in earlier


def test_the_grid_counts_a_signature_a_snapshot_records_like_its_page(client, world):
    _kaz, _rus, mng = world
    m.StatusSnapshot.objects.filter(key="untc-2022-mng-cat").update(
        reported_status=m.TreatyStatus.SIGNATORY
    )
    (row,) = client.get("/api/compare/?countries=MNG").json()["rows"]
    assert row["cells"][0]["signatory"] == 1
