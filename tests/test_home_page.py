"""The home page: the treaty matrix of the focus countries as of a date and the theme grid."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    """Three focus countries, two instruments, one theme; n concerns and claims per country."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", name_ru="Казахстан")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    iccpr = f.InstrumentFactory(position=1)
    cat = f.InstrumentFactory(
        code="CAT",
        title="Convention against Torture",
        short_title="CAT",
        short_title_ru="КПП",
        position=2,
    )
    theme = f.ThemeFactory(slug="torture", name="Torture")
    theme.instruments.add(cat)
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(
        country=kgz,
        instrument=cat,
        action="",
        action_date=None,
        action_date_precision="",
        signature_date=dt.date(2008, 9, 1),
        signature_date_precision=m.Precision.DAY,
    )
    for country in (kaz, kgz, uzb):
        for _ in range(n):
            concern = f.ConcernFactory(country=country, themes=[theme])
            f.AssessmentFactory(concern=concern, verdict=m.Implementation.NOT_IMPLEMENTED)
            f.ClaimFactory(country=country, themes=[theme])
    return kaz, kgz, uzb, theme


def matrix_row(html: str, label: str) -> str:
    start = html.index(f">{label}</abbr>")
    return html[start : html.index("</tr>", start)]


def test_matrix_shows_status_with_year_and_symbol(client):
    build(1)
    html = client.get(reverse("tracker:home")).content.decode()
    iccpr = matrix_row(html, "ICCPR")
    assert "s-party" in iccpr and "2006" in iccpr
    cat = matrix_row(html, "CAT")
    assert "s-signatory" in cat and "2008" in cat
    # Status reads without colour: a word next to the symbol. The states with no ICCPR record
    # say "no data", not "none": the tracker holds nothing on them.
    assert "party" in iccpr and "no data" in iccpr and "s-none" not in iccpr


def test_as_of_date_redraws_the_matrix(client):
    build(1)
    html = client.get(reverse("tracker:home"), {"as_of": "2005-12-31"}).content.decode()
    assert "s-party" not in matrix_row(html, "ICCPR")
    assert "31 December 2005" in html


def test_bad_as_of_date_is_a_400_with_a_message(client):
    build(1)
    response = client.get(reverse("tracker:home"), {"as_of": "yesterday"})
    assert response.status_code == 400
    assert "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD" in response.content.decode()


def test_theme_grid_counts_link_to_filtered_lists(client):
    build(2)
    html = client.get(reverse("tracker:home")).content.decode()
    assert "2 concerns" in html and "2 claims" in html
    assert "/concerns/?country=KAZ&amp;theme=torture&amp;implementation=not_implemented" in html
    assert "/claims/?country=UZB&amp;theme=torture" in html


def test_drafts_are_hidden_from_visitors_and_badged_for_editors(editor_client):
    kaz, *_ = build(0)
    cat = m.Instrument.objects.get(code="CAT")
    f.RatificationFactory(
        country=kaz, instrument=cat, status=m.Editorial.DRAFT, action_date=dt.date(1998, 8, 26)
    )
    assert "s-party" not in matrix_row(Client().get("/").content.decode(), "CAT")
    html = editor_client.get("/").content.decode()
    assert "s-party" in matrix_row(html, "CAT") and "draft" in matrix_row(html, "CAT")


def test_names_are_russian_when_the_language_is(client):
    build(0)
    html = client.get("/ru/").content.decode()
    assert "Казахстан" in html and ">КПП</abbr>" in html


def test_links_its_json_twin_with_the_same_parameters(client):
    build(0)
    html = client.get("/", {"as_of": "2010-05-01"}).content.decode()
    assert "/api/ratifications/?country=KAZ,KGZ,UZB&amp;as_of=2010-05-01" in html


@pytest.mark.parametrize("n", [1, 8])
def test_home_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    build(n)
    # countries, instruments, ratifications and snapshots for the matrix (and the grid's
    # statuses); theme_grid: themes, theme instruments, the stored counts of concerns and claims
    with django_assert_num_queries(7):
        assert client.get("/").status_code == 200


def test_a_year_or_month_as_of_means_its_end(client):
    build(1)
    html = client.get(reverse("tracker:home"), {"as_of": "2006"}).content.decode()
    assert "s-party" in matrix_row(html, "ICCPR")  # bound 24 January 2006
    assert "Treaty status as of 31 December 2006" in html
    assert "as_of=2006-12-31" in html  # the JSON twin gets the full date
    html = client.get(reverse("tracker:home"), {"as_of": "2006-01"}).content.decode()
    assert "s-party" in matrix_row(html, "ICCPR") and "31 January 2006" in html
    html = client.get(reverse("tracker:home"), {"as_of": "2005-12"}).content.decode()
    assert "s-party" not in matrix_row(html, "ICCPR")


def test_instrument_and_theme_names_link_to_their_pages(client):
    build(1)
    html = client.get(reverse("tracker:home")).content.decode()
    assert (
        '<a href="/instruments/CAT/"><abbr title="Convention against Torture">CAT</abbr></a>'
        in html
    )
    assert '<a href="/themes/torture/">Torture</a>' in html
