"""The country page: commitments, theme-by-theme record, indicator chart, timeline."""

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db


def build(n: int):
    """Kazakhstan with a treaty, a reservation, a snapshot, a pledge with a target, n concerns,
    claims (each with a contradicting report) and indicator figures, on one theme."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    iccpr = f.InstrumentFactory()
    theme = f.ThemeFactory(slug="women", name="Women's rights")
    theme.instruments.add(iccpr)
    ratification = f.RatificationFactory(
        country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24), locator="row 4"
    )
    m.Reservation.objects.create(
        key="kaz-iccpr-decl",
        ratification=ratification,
        kind="declaration",
        article="art. 1",
        summary="Reads the right to self-determination narrowly.",
        status="published",
        source=ratification.source,
    )
    m.Reservation.objects.create(
        key="kaz-iccpr-op1",
        ratification=ratification,
        kind="acceptance",
        article="OP1",
        summary="Individual complaints to the Human Rights Committee.",
        status="published",
        source=ratification.source,
    )
    f.ObservationFactory.reset_sequence()
    indicator = f.IndicatorFactory()
    indicator.themes.add(theme)
    snapshot_source = f.SourceFactory(title="A 2021 analysis table")
    m.StatusSnapshot.objects.create(
        key="snap-kaz-iccpr",
        country=kaz,
        instrument=iccpr,
        as_of=dt.date(2021, 1, 1),
        as_of_precision="year",
        reported_status="party",
        reported_year=2006,
        source=snapshot_source,
        status="published",
    )
    f.PledgeFactory(
        country=kaz,
        indicator=indicator,
        target_value=30,
        target_unit="%",
        summary="Thirty per cent of decision-making posts for women.",
    )
    for i in range(n):
        concern = f.ConcernFactory(country=kaz, themes=[theme], summary=f"Concern number {i}.")
        f.AssessmentFactory(concern=concern, verdict=m.Implementation.PARTIALLY_IMPLEMENTED)
        claim = f.ClaimFactory(country=kaz, themes=[theme], summary=f"Reform number {i}.")
        f.StanceFactory(claim=claim, report=f.ReportFactory(country=kaz, themes=[theme]))
        f.ObservationFactory(
            country=kaz, indicator=indicator, observed_on=dt.date(2010 + i, 1, 1), value=20 + i
        )
    return kaz, theme


def test_country_page_shows_commitments_and_theme_records(client):
    build(2)
    html = client.get("/countries/KAZ/").content.decode()
    assert "<h1>Kazakhstan" in html
    assert "2006-01-24" in html and "row 4" in html
    assert "Reads the right to self-determination narrowly." in html
    assert "Individual complaints to the Human Rights Committee." in html
    assert "As of 2021: party" in html and "A 2021 analysis table" in html
    assert "Thirty per cent of decision-making posts for women." in html
    assert "Women&#x27;s rights" in html
    assert "Concern number 0." in html and "partially implemented" in html
    assert "Reform number 1." in html and "contradicts" in html


def test_concerns_are_newest_first(client):
    kaz, theme = build(0)
    f.ConcernFactory(country=kaz, themes=[theme], summary="Older.", issued_on=dt.date(2011, 1, 1))
    f.ConcernFactory(country=kaz, themes=[theme], summary="Newer.", issued_on=dt.date(2016, 1, 1))
    html = client.get("/countries/KAZ/").content.decode()
    assert html.index("Newer.") < html.index("Older.")


def test_indicator_chart_is_svg_with_the_pledged_target(client):
    build(3)
    html = client.get("/countries/KAZ/").content.decode()
    assert '<svg viewBox="0 0 360 160"' in html
    assert 'class="target"' in html and "pledged target 30%" in html
    assert html.count('class="point"') == 3


def test_timeline_lists_dated_events_newest_first(client):
    build(1)
    html = client.get("/countries/KAZ/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "Accession of ICCPR" in timeline
    assert timeline.index("2021-02") < timeline.index("2006-01-24")


def test_code_is_case_insensitive_and_unknown_country_is_404(client):
    build(0)
    assert client.get("/countries/kaz/").status_code == 200
    assert client.get("/countries/ZZZ/").status_code == 404


def test_visitors_see_only_published_records_editors_see_drafts_badged(editor_client):
    kaz, theme = build(0)
    f.ConcernFactory(country=kaz, themes=[theme], summary="Draft concern.", status="draft")
    assert "Draft concern." not in Client().get("/countries/KAZ/").content.decode()
    html = editor_client.get("/countries/KAZ/").content.decode()
    assert "Draft concern." in html and 'class="badge draft"' in html


def test_links_its_json_twin(client):
    build(0)
    assert "/api/compare/?countries=KAZ" in client.get("/countries/KAZ/").content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_country_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    build(n)
    # country; compare(): instruments, ratifications, pledges, concerns, concern themes, claims,
    # claim themes, stances with reports, observations; reservations, snapshots, reviews,
    # reports, themes, indicator themes
    with django_assert_num_queries(16):
        assert client.get("/countries/KAZ/").status_code == 200


def test_interface_and_names_are_russian_when_asked(client):
    kaz, theme = build(1)
    kaz.name_ru = "Казахстан"
    kaz.save()
    html = client.get("/countries/KAZ/", headers={"accept-language": "ru"}).content.decode()
    assert '<html lang="ru">' in html
    assert "<h1>Казахстан" in html and ">Обязательства</h2>" in html
    assert "выполнено частично" in html  # implementation status from the model's vocabulary


def test_long_theme_sections_show_the_newest_five_and_link_the_full_list(client):
    build(12)
    html = client.get("/countries/KAZ/").content.decode()
    assert html.count("Concern number") == 5
    assert '/concerns/?country=KAZ&amp;theme=women">All 12 concerns</a>' in html


def test_each_theme_shows_its_newest_five_and_links_to_all(client):
    kaz, theme = build(0)
    other = f.ThemeFactory(slug="torture", name="Torture")
    for year in range(2001, 2013):
        f.ConcernFactory(
            country=kaz, themes=[theme], issued_on=dt.date(year, 1, 1), summary=f"From {year}."
        )
        f.ClaimFactory(country=kaz, themes=[theme], summary=f"Claimed {year}.")
    # Under both themes; the only record on torture; and one with no theme at all.
    f.ConcernFactory(country=kaz, themes=[theme, other], summary="On both themes.")
    f.ConcernFactory(country=kaz, themes=[], summary="On no theme.")
    html = client.get("/countries/KAZ/").content.decode()
    themes = html[html.index('id="themes"') : html.index('id="timeline"')]
    assert "From 2012." in themes and "From 2009." in themes and "From 2008." not in themes
    assert "All 13 concerns" in themes and "All 12 claims" in themes
    assert "On both themes." in themes[themes.index("Torture") :]
    assert "On no theme." in themes[themes.index("Other records") :]
    timeline = html[html.index('id="timeline"') :]
    assert all(f"Claimed {year}." in timeline for year in range(2001, 2013))


def test_timeline_shows_the_newest_forty_events_and_links_the_full_lists(client):
    kaz, theme = build(0)
    assert "Only the newest" not in client.get("/countries/KAZ/").content.decode()
    for i in range(45):
        f.ReportFactory(country=kaz, observed_from=dt.date(1980 + i, 1, 1), summary=f"Seen {i}.")
    html = client.get("/countries/KAZ/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert timeline.count("<li>") == 40
    assert "Seen 44." in timeline and "Seen 43." in timeline and "Seen 0." not in timeline
    assert "Only the newest 40 events are listed." in timeline
    for name in ("claims", "reports", "concerns"):
        assert f'href="/{name}/?country=KAZ"' in timeline
