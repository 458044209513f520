"""Download what you see: the lists, the treaty table and the compare page as CSV and Excel,
holding exactly the rows the page shows with its filters (every page of a list), in words."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests import factories as f
from tracker import exporters
from tracker import models as m

pytestmark = pytest.mark.django_db

TODAY = dt.date.today().isoformat()


def build():
    """Kazakhstan's torture concerns over two pages, others that the filters leave out, a draft."""
    torture = f.ThemeFactory(slug="torture", name="Torture", name_ru="Пытки")
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", name_ru="Казахстан")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    cat = f.BodyFactory(code="CAT", name="Committee against Torture")
    review = f.ReviewFactory(country=kaz, body=cat, symbol="CAT/C/KAZ/CO/4")
    un_doc = f.SourceFactory(
        title="Concluding observations on Kazakhstan", symbol="CAT/C/KAZ/CO/4", kind="un_document"
    )
    for i in range(30):
        f.ConcernFactory(
            country=kaz,
            body=cat,
            review=review,
            source=un_doc,
            themes=[torture],
            summary=f"KAZ torture {i:02d}.",
            issued_on=dt.date(2016 - i % 3, 1, 1),
            issued_on_precision=m.Precision.YEAR,
        )
    f.ConcernFactory(country=kaz, summary="KAZ elsewhere.")
    f.ConcernFactory(country=kgz, themes=[torture], summary="KGZ torture.")
    f.ConcernFactory(
        country=kaz, body=cat, themes=[torture], summary="KAZ draft.", status=m.Editorial.DRAFT
    )
    return kaz, torture


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def page_links(client, path, params, kind) -> list[str]:
    """The record addresses a list shows, page after page, in order."""
    links, number = [], 1
    while True:
        html = client.get(path, {**params, "page": number}).content.decode()
        links += re.findall(rf'<a href="(/{kind}/\d+/)">', html)
        if 'rel="next"' not in html:
            return links
        number += 1


def test_concern_download_holds_every_page_of_the_filtered_list_in_its_order(client):
    build()
    params = {"country": "KAZ", "theme": "torture"}
    shown = page_links(client, "/concerns/", params, "concerns")
    assert len(shown) == 30  # two pages of 25
    response = client.get("/concerns/", {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert [r["Address"].removeprefix("http://testserver") for r in rows] == shown
    assert {r["Country"] for r in rows} == {"Kazakhstan"}


def test_concern_columns_are_words_names_symbols_and_dates_at_their_precision(client):
    build()
    rows = read_csv(
        client.get("/concerns/", {"country": "KAZ", "theme": "torture", "format": "csv"})
    )
    first = rows[0]
    assert list(first)[:6] == ["Country", "Body", "Kind", "Date", "Paragraph", "Implementation"]
    assert first["Body"] == "Committee against Torture"
    assert first["Kind"] == "recommendation"
    assert first["Implementation"] == "no information"
    assert first["Review"] == "CAT/C/KAZ/CO/4"
    assert first["Source"] == "Concluding observations on Kazakhstan"
    assert first["Document symbol"] == "CAT/C/KAZ/CO/4"
    assert first["Themes"] == "Torture"
    assert {r["Date"] for r in rows} == {"2016", "2015", "2014"}  # years, not 1 January
    assert "Editorial state" not in first  # anonymous readers see published rows only


def russian(name: str) -> str:
    """A page's Russian address: ``/ru/...`` where the language is in the URL, else the same
    address (the header below then chooses the language)."""
    with translation.override("ru"):
        return reverse(name)


def test_russian_download_names_countries_and_themes_in_russian(client):
    build()
    ru = {"accept-language": "ru"}
    params = {"country": "KAZ", "theme": "torture", "format": "csv"}
    response = client.get(russian("tracker:concerns"), params, headers=ru)
    rows = read_csv(response)
    assert rows[0][list(rows[0])[0]] == "Казахстан"
    assert "Пытки" in response.content.decode()
    assert list(rows[0])[-1] == "Адрес"  # the headings are Russian words too
    html = client.get(russian("tracker:concerns"), headers=ru).content.decode()
    assert "Скачать CSV" in html and "Скачать Excel" in html


def test_drafts_are_left_out_for_visitors_and_marked_for_editors(editor_client):
    build()
    params = {"country": "KAZ", "theme": "torture", "format": "csv"}
    anonymous = read_csv(Client().get("/concerns/", params))
    assert "KAZ draft." not in {r["Summary"] for r in anonymous}
    rows = read_csv(editor_client.get("/concerns/", params))
    drafts = [r for r in rows if r["Summary"] == "KAZ draft."]
    assert len(rows) == 31 and drafts and drafts[0]["Editorial state"] == "draft"


def test_a_concern_resting_on_a_draft_source_is_not_downloaded(client):
    kaz, torture = build()
    hidden = f.SourceFactory(status=m.Editorial.DRAFT)
    f.ConcernFactory(country=kaz, themes=[torture], source=hidden, summary="Draft source.")
    rows = read_csv(client.get("/concerns/", {"theme": "torture", "format": "csv"}))
    assert "Draft source." not in {r["Summary"] for r in rows}


def test_file_is_named_for_the_list_its_filters_and_the_day(client):
    build()
    response = client.get("/concerns/", {"country": "KAZ", "theme": "torture", "format": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="concerns-KAZ-torture-{TODAY}.csv"'
    )
    response = client.get("/sources/", {"format": "xlsx"})
    assert response["Content-Disposition"] == f'attachment; filename="sources-{TODAY}.xlsx"'


def test_excel_holds_the_same_cells_as_the_csv(client):
    build()
    params = {"country": "KAZ", "theme": "torture"}
    rows = read_csv(client.get("/concerns/", {**params, "format": "csv"}))
    response = client.get("/concerns/", {**params, "format": "xlsx"})
    assert response["Content-Type"] == exporters.XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(rows[0])
    assert values[1:] == [list(r.values()) for r in rows]


def test_formula_like_text_is_quoted_in_both_formats(client):
    kaz, torture = build()
    f.ConcernFactory(country=kaz, themes=[torture], summary='=HYPERLINK("http://x.test")')
    params = {"q": "HYPERLINK", "format": "csv"}
    rows = read_csv(client.get("/concerns/", params))
    assert rows[0]["Summary"] == '\'=HYPERLINK("http://x.test")'
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/concerns/", {**params, "format": "xlsx"}).content)
    ).active
    summary = list(sheet.iter_rows(values_only=True))[0].index("Summary")
    assert list(sheet.iter_rows(values_only=True))[1][summary].startswith("'=")


@pytest.mark.parametrize(
    ("path", "kind", "filters", "columns"),
    [
        (
            "/claims/",
            "claims",
            {"country": "KAZ"},
            ["Country", "Kind", "Stated", "Action dated", "Verification"],
        ),
        ("/reports/", "reports", {"country": "KAZ"}, ["Country", "Observed from"]),
        (
            "/sources/",
            "sources",
            {"kind": "ngo"},
            ["Title", "Kind", "Publisher", "Author", "Published"],
        ),
    ],
)
def test_claims_reports_and_sources_download_what_their_page_shows(
    client, path, kind, filters, columns
):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    other = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    for country in (kaz, kaz, other):
        f.ClaimFactory(country=country)
        f.ReportFactory(country=country)
    f.ClaimFactory(country=kaz, status=m.Editorial.DRAFT)
    f.SourceFactory(kind=m.Source.Kind.MEDIA)
    f.SourceFactory(status=m.Editorial.DRAFT)
    shown = page_links(client, path, filters, kind)
    rows = read_csv(client.get(path, {**filters, "format": "csv"}))
    assert shown and [r["Address"].removeprefix("http://testserver") for r in rows] == shown
    assert list(rows[0])[: len(columns)] == columns


def test_claim_dates_keep_their_precision_and_status_is_a_word(client):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    f.ClaimFactory(country=kaz, stated_on=dt.date(2021, 2, 1), stated_on_precision="month")
    row = read_csv(client.get("/claims/", {"format": "csv"}))[0]
    assert row["Stated"] == "2021-02" and row["Verification"] == "unverified"


def test_the_list_page_links_its_downloads_with_its_filters(client):
    build()
    html = client.get("/concerns/", {"country": "KAZ", "theme": "torture", "page": 2}).content
    html = html.decode()
    assert 'href="?country=KAZ&amp;theme=torture&amp;format=csv"' in html
    assert 'href="?country=KAZ&amp;theme=torture&amp;format=xlsx"' in html
    assert "Download CSV" in html and "Download Excel" in html


def test_a_list_longer_than_a_download_holds_asks_for_narrower_filters(client, monkeypatch):
    build()
    monkeypatch.setattr(exporters, "DOWNLOAD_LIMIT", 10)
    html = client.get("/concerns/").content.decode()
    assert "Download CSV" not in html and "narrow the filters" in html
    response = client.get("/concerns/", {"format": "csv"})
    assert response.status_code == 400
    assert "at most 10" in response.content.decode()
    assert client.get("/concerns/", {"q": "elsewhere", "format": "csv"}).status_code == 200


def test_an_unknown_format_or_a_bad_filter_is_a_400_naming_it(client):
    build()
    response = client.get("/concerns/", {"format": "pdf"})
    assert response.status_code == 400 and "pdf" in response.content.decode()
    assert "csv, xlsx" in response.content.decode()
    assert client.get("/concerns/", {"country": "XXX", "format": "csv"}).status_code == 400


@pytest.mark.parametrize("n", [1, 20])
def test_a_list_download_runs_a_fixed_number_of_queries(client, n, django_assert_num_queries):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    theme = f.ThemeFactory()
    for _i in range(n):
        f.ConcernFactory(country=kaz, themes=[theme])
    # country filter validation; count; the rows with country, body, review and source; themes
    with django_assert_num_queries(4):
        assert client.get("/concerns/", {"country": "KAZ", "format": "csv"}).status_code == 200


# The treaty table ------------------------------------------------------------------------------


def build_treaties():
    iccpr = f.InstrumentFactory(position=1)
    cat = f.InstrumentFactory(
        code="CAT", title="Convention against Torture", short_title="CAT", position=2
    )
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan", name_ru="Казахстан")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    uzb = f.CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    f.RatificationFactory(country=kaz, instrument=iccpr, action_date=dt.date(2006, 1, 24))
    f.RatificationFactory(
        country=uzb,
        instrument=iccpr,
        action_date=dt.date(1995, 1, 1),
        action_date_precision=m.Precision.YEAR,
    )
    f.RatificationFactory(
        country=kgz,
        instrument=cat,
        action="",
        action_date=None,
        action_date_precision="",
        signature_date=dt.date(2008, 9, 1),
        signature_date_precision=m.Precision.MONTH,
    )
    f.RatificationFactory(country=kaz, instrument=cat, status=m.Editorial.DRAFT)
    return iccpr, cat


def test_treaty_table_download_is_the_table_shown_in_its_order_and_as_of(client):
    build_treaties()
    params = {"sort": "ICCPR", "as_of": "2010"}
    html = client.get("/treaties/", params).content.decode()
    body = html[html.index("<tbody>") :]
    shown = re.findall(r'href="/countries/([A-Z]{3})/"', body)
    response = client.get("/treaties/", {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="treaties-as-of-2010-12-31-{TODAY}.csv"'
    )
    rows = read_csv(response)
    assert [r["ISO code"] for r in rows] == shown == ["UZB", "KAZ", "KGZ"]
    assert list(rows[0]) == ["Country", "ISO code", "Status as of", "Parties", "ICCPR", "CAT"]
    uzb, kaz, kgz = rows
    assert uzb["ICCPR"] == "party 1995"  # a year, not 1995-01-01
    assert kaz["ICCPR"] == "party 2006-01-24" and kaz["Parties"] == "1"
    assert kaz["CAT"] == "no data"  # its ratification is a draft
    assert kgz["CAT"] == "signatory 2008-09" and kgz["ICCPR"] == "no data"
    assert {r["Status as of"] for r in rows} == {"2010-12-31"}


def test_treaty_table_download_honours_the_date_and_the_countries(client):
    build_treaties()
    rows = read_csv(
        client.get("/treaties/", {"countries": "KAZ", "as_of": "2000", "format": "csv"})
    )
    assert [r["Country"] for r in rows] == ["Kazakhstan"]
    assert rows[0]["ICCPR"] == "none"  # before its ratification
    response = client.get("/treaties/", {"countries": "KAZ", "format": "xlsx"})
    assert response["Content-Disposition"] == f'attachment; filename="treaties-KAZ-{TODAY}.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][4] == "party 2006-01-24"


def test_treaty_table_download_refuses_what_the_page_refuses(client):
    build_treaties()
    response = client.get("/treaties/", {"countries": "QQQ", "format": "csv"})
    assert response.status_code == 400 and "QQQ" in response.content.decode()
    assert client.get("/treaties/", {"as_of": "2020-13", "format": "csv"}).status_code == 400
    html = client.get("/treaties/", {"countries": "KAZ"}).content.decode()
    assert 'href="?countries=KAZ&amp;format=csv"' in html


def test_treaty_table_download_runs_the_pages_queries(client, django_assert_num_queries):
    build_treaties()
    # countries, instruments, ratifications, the snapshots of cells without a record
    with django_assert_num_queries(4):
        assert client.get("/treaties/", {"sort": "CAT", "format": "xlsx"}).status_code == 200


# The compare page ------------------------------------------------------------------------------


def test_compare_download_holds_the_rows_the_page_shows(client, editor):
    iccpr, _cat = build_treaties()
    torture = f.ThemeFactory(slug="torture", name="Torture")
    torture.instruments.add(iccpr)
    kaz = m.Country.objects.get(code="KAZ")
    kgz = m.Country.objects.get(code="KGZ")
    for i in range(12):  # the page shows the newest ten
        f.ConcernFactory(
            country=kaz,
            themes=[torture],
            summary=f"KAZ concern {i:02d}.",
            issued_on=dt.date(2000 + i, 1, 1),
            issued_on_precision=m.Precision.YEAR,
        )
    f.ConcernFactory(country=kgz, themes=[torture], summary="KGZ draft.", status="draft")
    f.ClaimFactory(country=kgz, themes=[torture], summary="KGZ claim.")
    params = {"countries": "KAZ,KGZ", "theme": "torture"}
    html = client.get("/compare/", params).content.decode()
    shown = re.findall(r'href="(/(?:concerns|claims)/\d+/)"', html)
    response = client.get("/compare/", {**params, "format": "csv"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="compare-KAZ-KGZ-torture-{TODAY}.csv"'
    )
    rows = read_csv(response)
    listed = [r for r in rows if r["Row"] in ("Concern", "Claim")]
    assert [r["Address"].removeprefix("http://testserver") for r in listed] == shown
    assert len([r for r in listed if r["Row"] == "Concern"]) == 10
    assert listed[0]["Date"] == "2011" and listed[0]["Status or figure"] == "no information"
    treaty = [r for r in rows if r["Row"] == "Treaty"]
    assert [(r["Country"], r["Subject"], r["Status or figure"], r["Date"]) for r in treaty] == [
        ("Kazakhstan", "ICCPR", "party", "2006-01-24"),
        ("Kyrgyzstan", "ICCPR", "no data", ""),
    ]
    counts = [r for r in rows if r["Row"] == "Concerns by implementation"]
    assert [(r["Country"], r["Subject"], r["Status or figure"]) for r in counts] == [
        ("Kazakhstan", "no information", "12")
    ]
    assert "KGZ draft." not in response.content.decode()
    assert {r["Theme"] for r in rows} == {"Torture"}


def test_compare_download_refuses_what_the_page_refuses(client):
    build_treaties()
    response = client.get("/compare/", {"countries": "KAZ", "format": "csv"})
    assert response.status_code == 400 and "between 2 and 5" in response.content.decode()
    html = client.get("/compare/", {"countries": "KAZ,KGZ"}).content.decode()
    assert 'href="?countries=KAZ,KGZ&amp;format=xlsx"' in html


def test_compare_download_runs_the_pages_queries(client, django_assert_num_queries):
    build_treaties()
    f.ThemeFactory(slug="torture")
    params = {"countries": "KAZ,KGZ,UZB", "theme": "torture"}
    with CaptureQueriesContext(connection) as page:
        assert client.get("/compare/", params).status_code == 200
    # the page's own queries (tests/test_compare_page.py pins them), no more
    with django_assert_num_queries(len(page)):
        assert client.get("/compare/", {**params, "format": "csv"}).status_code == 200


# The country page ------------------------------------------------------------------------------


def test_country_page_links_its_treaty_table_and_lists_as_files(client):
    build_treaties()
    kaz = m.Country.objects.get(code="KAZ")
    f.ConcernFactory(country=kaz, summary="KAZ concern.")
    f.ConcernFactory(country=m.Country.objects.get(code="KGZ"), summary="KGZ concern.")
    html = client.get("/countries/KAZ/", {"as_of": "2000"}).content.decode()
    links = re.findall(r'href="([^"]*format=(?:csv|xlsx))"', html)
    assert "/treaties/?countries=KAZ&amp;as_of=2000&amp;format=csv" in links
    assert "/concerns/?country=KAZ&amp;format=xlsx" in links
    assert len(links) == 8  # treaty status, concerns, claims, reports; CSV and Excel each
    treaty = read_csv(client.get("/treaties/?countries=KAZ&as_of=2000&format=csv"))
    assert [(r["Country"], r["ICCPR"]) for r in treaty] == [("Kazakhstan", "none")]
    concerns = read_csv(client.get("/concerns/?country=KAZ&format=csv"))
    assert [r["Summary"] for r in concerns] == ["KAZ concern."]


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        # country filter validation; count; rows with country and source; themes
        ("/claims/", {"country": "KAZ"}, 4),
        ("/reports/", {"country": "KAZ"}, 4),
        # count; rows
        ("/sources/", {}, 2),
    ],
)
@pytest.mark.parametrize("n", [1, 15])
def test_other_list_downloads_run_a_fixed_number_of_queries(
    client, path, params, queries, n, django_assert_num_queries
):
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    theme = f.ThemeFactory()
    for _i in range(n):
        f.ClaimFactory(country=kaz, themes=[theme])
        f.ReportFactory(country=kaz, themes=[theme])
    with django_assert_num_queries(queries):
        assert client.get(path, {**params, "format": "xlsx"}).status_code == 200
