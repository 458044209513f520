"""The instrument page ``/instruments/<code>/``: what the treaty is and every state's status."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    f.CountryFactory(code="TKM", iso2="TM", name="Turkmenistan")
    iccpr = f.InstrumentFactory(adopted_on=dt.date(1966, 12, 16))
    op2 = f.InstrumentFactory(
        code="ICCPR-OP2", title="Second Optional Protocol", short_title="OP2", parent=iccpr
    )
    theme = f.ThemeFactory(slug="expression", name="Freedom of expression")
    theme.instruments.add(iccpr)
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(
        country=kgz,
        instrument=iccpr,
        action="",
        action_date=None,
        action_date_precision="",
        signature_date=dt.date(2005, 3, 1),
        signature_date_precision="day",
    )
    m.StatusSnapshot.objects.create(
        key="snap-uzb",
        country=uzb,
        instrument=iccpr,
        as_of=dt.date(2022, 1, 1),
        as_of_precision="day",
        reported_status="none",
        source=f.SourceFactory(),
        status="published",
    )
    return iccpr, op2


def test_says_what_the_treaty_is(client):
    build()
    html = client.get("/instruments/ICCPR/").content.decode()
    assert "International Covenant on Civil and Political Rights" in html
    assert "16 December 1966" in html
    assert "Human Rights Committee (CCPR)" in html
    assert '<a href="/instruments/ICCPR-OP2/">Second Optional Protocol</a>' in html
    assert '<a href="/themes/expression/">Freedom of expression</a>' in html
    op2 = client.get("/instruments/iccpr-op2/").content.decode()
    assert '<a href="/instruments/ICCPR/">International Covenant' in op2


def test_every_state_has_a_status_with_no_data_where_nothing_is_held(client):
    build()
    html = client.get("/instruments/ICCPR/").content.decode()
    counts = html.split('<ul class="counts">')[1].split("</ul>")[0]
    # Kazakhstan party, Kyrgyzstan signatory, Uzbekistan none (a source says so), Turkmenistan:
    # nothing held, so no data rather than "none".
    for status in ("party", "signatory", "none", "no_data"):
        assert f'class="badge s-{status}"' in counts
    assert counts.count("</span>\n 1</li>") == 4
    assert 'href="/api/ratifications/?instrument=ICCPR"' in html


def test_status_is_as_of_any_year(client):
    build()
    html = client.get("/instruments/ICCPR/", {"as_of": "2005"}).content.decode()
    assert "as of 31 December 2005" in html
    counts = html.split('<ul class="counts">')[1].split("</ul>")[0]
    assert 's-party"><span aria-hidden="true">●</span> party</span>\n 0</li>' in counts
    assert client.get("/instruments/ICCPR/", {"as_of": "2005-13"}).status_code == 400


def test_unknown_instrument_is_404(client):
    build()
    assert client.get("/instruments/NOPE/").status_code == 404


def test_instrument_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    build()
    # instrument with parent and body; protocols; themes; countries; ratifications; snapshots
    with django_assert_num_queries(6):
        assert client.get("/instruments/ICCPR/").status_code == 200
    for _ in range(5):
        f.RatificationFactory(instrument=m.Instrument.objects.get(code="ICCPR"))
    with django_assert_num_queries(6):
        assert client.get("/instruments/ICCPR/").status_code == 200
