"""The country page: commitments, theme-by-theme record, indicator chart, timeline."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
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


def test_a_snapshot_shows_its_note_on_what_the_source_got_wrong(client):
    build(0)
    m.StatusSnapshot.objects.filter(key="snap-kaz-iccpr").update(
        note="Out of date: the UN record shows an accession."
    )
    html = client.get("/countries/KAZ/").content.decode()
    assert "As of 2021: party" in html
    assert "Out of date: the UN record shows an accession." in html


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


def chart_of(html: str) -> str:
    return html[
        html.index('<figure class="chart') : html.index(
            "</figure>", html.index('<figure class="chart')
        )
    ]


def test_indicator_chart_heads_its_value_axis_with_the_unit(client):
    build(3)
    chart = chart_of(client.get("/countries/KAZ/").content.decode())
    assert '<text class="tick axis-unit" x="36" y="12" text-anchor="start">%</text>' in chart


def test_the_target_line_runs_from_the_pledge_to_its_deadline(client):
    build(3)  # figures for 2010, 2011, 2012
    m.Pledge.objects.update(
        made_on=dt.date(2011, 1, 1),
        made_on_precision="day",
        due_by=dt.date(2014, 1, 1),
        due_by_precision="year",
    )
    chart = chart_of(client.get("/countries/KAZ/").content.decode())
    target = re.search(r'<line class="target" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', chart)
    start, end = float(target[1]), float(target[2])
    points = [float(x) for x in re.findall(r'<circle class="point" cx="([\d.]+)"', chart)]
    # The axis runs 2010 to 2014: the line starts at the 2011 figure, not at the chart's left
    # edge, and ends right of the last figure (2012), at the deadline.
    assert points[0] < start == points[1] < points[2] < end == 348.0
    assert "(pledged in 2011, by 2014)" in chart
    assert ">2014</text>" in chart


def test_one_figure_is_shown_as_a_figure_not_a_chart_of_one_dot(client):
    build(1)
    chart = chart_of(client.get("/countries/KAZ/").content.decode())
    assert '<figure class="chart chart-figure">' in chart
    assert "<svg" not in chart and 'class="point"' not in chart
    assert '<span class="figure-unit">%</span>' in chart
    assert "pledged target 30%" in chart


def test_indicator_chart_draws_one_line_per_source(client):
    kaz, theme = build(0)
    indicator = m.Indicator.objects.get()
    article = f.SourceFactory(title="The article's own figures")
    scholars = f.SourceFactory(title="Figures the article credits to scholars")
    for year, value, source in [
        (1999, "11.2", article),
        (2006, "15.9", article),
        (2007, "12.7", scholars),
        (2010, "13.6", scholars),
    ]:
        f.ObservationFactory(
            country=kaz,
            indicator=indicator,
            observed_on=dt.date(year, 1, 1),
            value=value,
            source=source,
        )
    html = client.get("/countries/KAZ/").content.decode()
    chart = html[html.index('<figure class="chart">') : html.index("</figure>")]
    # Two lines of two points each, never one line from 15.9 (2006) down to 12.7 (2007).
    assert chart.count('<polyline class="series"') == 2
    assert chart.count('class="point"') == 4
    assert '<g class="line-0">' in chart and '<g class="line-1">' in chart
    key = chart[chart.index('class="chart-key"') :]
    assert "The article&#x27;s own figures" in key
    assert "Figures the article credits to scholars" in key


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
    assert "/api/countries/KAZ/page/" in client.get("/countries/KAZ/").content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_country_page_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    build(n)
    # The country, then the selector's 16 (``tracker.selectors.country_page``).
    with django_assert_num_queries(17):
        assert client.get("/countries/KAZ/").status_code == 200


def test_interface_and_names_are_russian_when_asked(client):
    kaz, theme = build(1)
    kaz.name_ru = "Казахстан"
    kaz.save()
    html = client.get("/ru/countries/KAZ/").content.decode()
    assert '<html lang="ru">' in html
    assert "<h1>Казахстан" in html and ">Обязательства</h2>" in html
    assert "выполнено частично" in html  # implementation status from the model's vocabulary
    # The page's links stay in Russian; the language links lead to the same page in each.
    # (Only the English alternate and the English language link lead out of Russian.)
    assert '<a href="/ru/countries/">' in html and html.count('href="/countries/') == 2
    assert '<link rel="alternate" hreflang="en" href="/countries/KAZ/">' in html
    assert '<a href="/countries/KAZ/" hreflang="en" lang="en">English</a>' in html
    assert 'hreflang="ru" lang="ru" aria-current="page">Русский</a>' in html


def test_the_language_is_the_urls_whatever_the_browser_or_cookie_says(client, settings):
    build(0)
    english = client.get(
        "/countries/KAZ/", headers={"accept-language": "ru"}, query_params={"theme": "x"}
    )
    assert '<html lang="en">' in english.content.decode()
    assert 'href="/ru/countries/KAZ/?theme=x" hreflang="ru"' in english.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert '<html lang="en">' in client.get("/countries/KAZ/").content.decode()
    assert client.get("/ru/countries/KAZ/").headers["Content-Language"] == "ru"
    assert client.get("/de/countries/KAZ/").status_code == 404


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


def test_reporting_section_lists_each_committee_with_no_data_where_none(client):
    kaz, _theme = build(0)
    other = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    ccpr = f.BodyFactory()
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    f.BodyFactory(code="CED", name="Committee on Enforced Disappearances")
    f.ReportingStatusFactory(
        key="kaz-ccpr",
        country=kaz,
        body=ccpr,
        last_report_symbol="CCPR/C/KAZ/3",
        last_report_submitted_on=dt.date(2022, 3, 1),
        last_report_submitted_on_precision="month",
        next_report_due_on=dt.date(2031, 7, 24),
        scheduled_review="",
    )
    f.ReportingStatusFactory(
        key="kaz-cat",
        country=kaz,
        body=cat,
        next_report_due_on=dt.date(2025, 1, 1),
        next_report_due_on_precision="year",
        scheduled_review="84th session, July 2026",
    )
    f.ReportingStatusFactory(key="kgz-ced", country=other, body=m.Body.objects.get(code="CED"))
    f.ReviewFactory(
        country=kaz, body=cat, symbol="CAT/C/KAZ/CO/3", adopted_on=dt.date(2014, 11, 27)
    )
    f.ReviewFactory(country=kaz, body=cat, symbol="CAT/C/KAZ/CO/4", adopted_on=dt.date(2023, 5, 10))
    f.ReviewFactory(country=kaz, body=cat, symbol="CAT/C/KAZ/CO/5", status="draft")
    html = client.get("/countries/KAZ/").content.decode()
    section = html[html.index('id="reporting"') : html.index('id="themes"')]
    assert ">Reporting to the treaty bodies</h2>" in section
    ccpr_row = section[section.index(">CCPR<") : section.index(">CAT<")]
    assert "CCPR/C/KAZ/3, submitted 2022-03" in ccpr_row and "2031-07-24" in ccpr_row
    assert "not yet due" in ccpr_row
    cat_row = section[section.index(">CAT<") : section.index(">CED<")]
    assert '<strong class="overdue">overdue</strong>' in cat_row
    assert "84th session, July 2026" in cat_row
    # The committee's published reviews, the latest first; not the draft.
    assert "<strong>CAT/C/KAZ/CO/4</strong> (2023-05-10)" in cat_row
    assert '<span class="muted">CAT/C/KAZ/CO/3 (2014-11-27)</span>' in cat_row
    assert "CO/5" not in cat_row
    assert "/api/reviews/?country=KAZ" in section
    # Kyrgyzstan's row is not Kazakhstan's.
    assert "no data" in section[section.index(">CED<") :]


def test_reporting_section_shows_drafts_to_editors_only(editor_client):
    kaz, _theme = build(0)
    f.ReportingStatusFactory(country=kaz, scheduled_review="Draft session", status="draft")
    assert "Draft session" not in Client().get("/countries/KAZ/").content.decode()
    html = editor_client.get("/countries/KAZ/").content.decode()
    assert "Draft session" in html and 'class="badge draft"' in html
    # Being staff is not enough: drafts follow the view permission (sees_drafts).
    staff = User.objects.create_user("staff-only", password="x", is_staff=True)
    seen_by_staff = Client()
    seen_by_staff.force_login(staff)
    assert "Draft session" not in seen_by_staff.get("/countries/KAZ/").content.decode()


def test_treaty_status_is_as_of_the_date_asked(client):
    build(1)
    html = client.get("/countries/KAZ/").content.decode()
    assert 'class="badge s-party"' in html
    html = client.get("/countries/KAZ/", {"as_of": "2005"}).content.decode()
    assert "Treaty status as of 31 December 2005" in html
    assert 'class="badge s-party"' not in html.split('id="treaty-caption"')[1].split("</table>")[0]
    assert "/api/countries/KAZ/page/?as_of=2005-12-31" in html
    assert client.get("/countries/KAZ/", {"as_of": "2005-02-30"}).status_code == 400


def test_country_feed_is_in_the_head_and_in_view(client):
    build(1)
    html = client.get("/countries/kaz/").content.decode()
    head = html.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/countries/KAZ/"' in head
    assert '<a href="/feeds/countries/KAZ/" type="application/atom+xml">Subscribe' in html


def test_instrument_and_theme_names_link_to_their_pages(client):
    build(1)
    html = client.get("/countries/KAZ/").content.decode()
    assert '<a href="/instruments/ICCPR/"><abbr' in html
    assert '<a href="/themes/women/">Women&#x27;s rights</a>' in html
