"""The theme page ``/themes/<slug>/``: what it covers, its treaties, its records per country."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def build():
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    theme = f.ThemeFactory(slug="torture", name="Torture", description="Torture and ill-treatment.")
    theme.instruments.add(f.InstrumentFactory(code="CAT", title="Convention against Torture"))
    f.ConcernFactory(country=kaz, themes=[theme])
    f.ConcernFactory(country=kaz, themes=[theme])
    f.ConcernFactory(country=kaz, themes=[theme], summary="DRAFTMARK", status="draft")
    f.ClaimFactory(country=kgz, themes=[theme])
    f.ConcernFactory(country=kgz)  # another theme: not counted here
    return theme


def test_says_what_the_theme_covers_and_which_treaties_protect_it(client):
    build()
    html = client.get("/themes/torture/").content.decode()
    assert "<h1>Torture</h1>" in html and "Torture and ill-treatment." in html
    assert '<a href="/instruments/CAT/">Convention against Torture</a>' in html
    assert 'href="/api/themes/torture/"' in html


def test_counts_per_country_link_to_the_filtered_lists(client):
    build()
    html = client.get("/themes/torture/").content.decode()
    assert '<a href="/concerns/?country=KAZ&amp;theme=torture">2</a>' in html
    assert '<a href="/claims/?country=KGZ&amp;theme=torture">1</a>' in html
    # Uzbekistan: nothing held, so not listed as having none.
    assert ">Uzbekistan</a>" not in html


def test_a_theme_without_records_says_the_tracker_holds_none_yet(client):
    f.ThemeFactory(slug="empty", name="Empty")
    html = client.get("/themes/empty/").content.decode()
    assert "The tracker holds no concerns or claims on this theme yet." in html
    assert "No treaty is mapped to this theme." in html


def test_theme_page_has_its_feeds_in_the_head_and_in_view(client):
    build()
    html = client.get("/themes/torture/").content.decode()
    head = html.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/feeds/concerns/theme/torture/"'
        in head
    )
    assert 'href="/feeds/reports/theme/torture/" type="application/atom+xml">Subscribe' in html


def test_unknown_theme_is_404(client):
    assert client.get("/themes/nothing/").status_code == 404


def test_theme_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    theme = build()
    # theme; instruments with their body; stored counts per country; those countries' names
    with django_assert_num_queries(4):
        assert client.get("/themes/torture/").status_code == 200
    for _ in range(5):
        f.ConcernFactory(themes=[theme])
    with django_assert_num_queries(4):
        assert client.get("/themes/torture/").status_code == 200
