"""Every text field shows as text: an XSS payload in each is escaped on every page, in the admin
and in the feeds, and CSV cells that a spreadsheet would run as formulas are quoted."""

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from tests import factories as f
from tracker import exporters
from tracker import models as m

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
RAW = ("<script>alert(1)", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile():
    """Published records around one country whose every free-text field is the payload."""
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name=f"Kazakhstan {PAYLOAD}")
    kgz = f.CountryFactory(code="KGZ", iso2="KG", name=f"Kyrgyzstan {PAYLOAD}")
    theme = f.ThemeFactory(slug="expression", name=f"Expression {PAYLOAD}", description=PAYLOAD)
    body = f.BodyFactory(name=f"Committee {PAYLOAD}")
    instrument = f.InstrumentFactory(body=body, title=f"Covenant {PAYLOAD}")
    theme.instruments.add(instrument)
    source = f.SourceFactory(title=f"Source {PAYLOAD}", publisher=PAYLOAD, author=PAYLOAD)
    common = {"source": source, "locator": PAYLOAD}
    ratification = f.RatificationFactory(
        country=kaz, instrument=instrument, domestic_act=PAYLOAD, **common
    )
    review = f.ReviewFactory(country=kaz, body=body, **common)
    concern = f.ConcernFactory(
        country=kaz,
        body=body,
        review=review,
        themes=[theme],
        summary=f"Concern {PAYLOAD}",
        recommendation=f"Recommend {PAYLOAD}",
        **common,
    )
    claim = f.ClaimFactory(
        country=kaz,
        themes=[theme],
        summary=f"Claim {PAYLOAD}",
        legal_reference=PAYLOAD,
        **common,
    )
    claim.concerns.set([concern])
    # Unassessed, so that it appears in the admin's work queue.
    f.ConcernFactory(country=kaz, body=body, summary=f"Open concern {PAYLOAD}", **common)
    report = f.ReportFactory(country=kaz, themes=[theme], summary=f"Report {PAYLOAD}", **common)
    f.StanceFactory(report=report, claim=claim, note=PAYLOAD)
    f.AssessmentFactory(
        concern=concern, verdict="partially_implemented", rationale=PAYLOAD, **common
    )
    f.PledgeFactory(country=kaz, summary=f"Pledge {PAYLOAD}", **common)
    m.Reservation.objects.create(
        key="res-x",
        ratification=ratification,
        kind="reservation",
        article=PAYLOAD,
        summary=f"Reservation {PAYLOAD}",
        source=source,
        status=m.Editorial.PUBLISHED,
    )
    m.StatusSnapshot.objects.create(
        key="snap-x",
        country=kgz,
        instrument=instrument,
        as_of=dt.date(2022, 1, 1),
        as_of_precision="day",
        reported_status="party",
        note=PAYLOAD,
        source=source,
        status=m.Editorial.PUBLISHED,
    )
    return {"concern": concern, "claim": claim, "report": report, "source": source, "kaz": kaz}


def _assert_escaped(response, where: str, shown: bool = True):
    assert response.status_code == 200, where
    body = response.content.decode()
    for raw in RAW:
        assert raw not in body, f"{where}: unescaped {raw!r}"
    if shown:
        assert ESCAPED in body, f"{where}: the payload is not shown as text"


def test_payload_shows_as_text_on_every_page(client, hostile):
    pages = [
        "/",
        "/countries/KAZ/",
        "/countries/KAZ/?theme=expression",
        "/compare/?countries=KAZ,KGZ",
        "/compare/?countries=KAZ,KGZ&theme=expression",
        "/treaties/",
        "/concerns/",
        "/claims/",
        "/reports/",
        "/sources/",
        "/countries/",
        f"/countries/?region={PAYLOAD}",
        "/instruments/ICCPR/",
        "/themes/expression/",
        "/concerns/?country=KAZ&theme=expression",
        f"/concerns/{hostile['concern'].pk}/",
        f"/claims/{hostile['claim'].pk}/",
        f"/reports/{hostile['report'].pk}/",
        f"/sources/{hostile['source'].pk}/",
    ]
    for path in pages:
        cache.clear()
        _assert_escaped(client.get(path), path)


def test_payload_shows_as_text_in_the_admin(client, superuser, hostile):
    client.force_login(superuser)
    pages = [
        reverse("admin:index"),
        reverse("admin:work_queue"),
        reverse("admin:tracker_country_change", args=["KAZ"]),  # the country comparison
    ]
    for name in (
        "concern",
        "claim",
        "report",
        "source",
        "ratification",
        "assessment",
        "pledge",
        "reservation",
        "statussnapshot",
        "theme",
        "country",
    ):
        pages.append(reverse(f"admin:tracker_{name}_changelist"))
    for name in ("concern", "claim", "report", "source"):
        pages.append(reverse(f"admin:tracker_{name}_change", args=[hostile[name].pk]))
        pages.append(reverse(f"admin:tracker_{name}_history", args=[hostile[name].pk]))
    # The index lists no records, and the assessment changelist only dates and verdicts: these
    # only must not run the payload.
    quiet = {reverse("admin:index"), reverse("admin:tracker_assessment_changelist")}
    for path in pages:
        _assert_escaped(client.get(path), path, shown=path not in quiet)


def test_payload_is_escaped_in_the_feeds(client, hostile):
    feeds = ("/feeds/concerns/", "/feeds/claims/KAZ/", "/feeds/reports/theme/expression/")
    for path in (*feeds, "/feeds/countries/KAZ/"):
        response = client.get(path)
        assert response.status_code == 200
        body = response.content.decode()
        for raw in RAW:
            assert raw not in body, path
        assert "&lt;script&gt;" in body, path


FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "'=already quoted"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_csv_cells_that_would_run_as_formulas_are_quoted(client, hostile):
    for number, formula in enumerate(FORMULAS):
        f.ClaimFactory(
            key=f"formula-{number}", country=hostile["kaz"], summary=formula, locator=formula
        )
    body = client.get("/api/claims/?format=csv&page_size=100").content.decode()
    cells = _cells(body)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    for formula in FORMULAS[:4]:
        assert "'" + formula in cells
    assert "'=already quoted" in cells and "''=already quoted" not in cells
    # The payload itself is data in a CSV, not markup: kept as written.
    assert f"Claim {PAYLOAD}" in cells


def test_tracker_export_quotes_formulas_and_its_import_gets_the_text_back(tmp_path, hostile):
    for number, formula in enumerate(FORMULAS[:4]):
        f.ClaimFactory(key=f"formula-{number}", country=hostile["kaz"], summary=formula)
    text = exporters.to_csv("claims", m.Claim.objects.all())
    cells = _cells(text)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert '\'=HYPERLINK("http://x")' in cells

    m.Claim.objects.filter(key__startswith="formula-").update(summary="changed")
    path = tmp_path / "claims.csv"
    path.write_text(text)
    call_command("import", "tracker", str(path), stdout=io.StringIO())
    summaries = dict(
        m.Claim.objects.filter(key__startswith="formula-").values_list("key", "summary")
    )
    assert summaries == {f"formula-{n}": formula for n, formula in enumerate(FORMULAS[:4])}


HIDDEN = ['x;=HYPERLINK("http://x")', "a,=1+1", "line\n@SUM(A1)", "tab\t+1", "pipe|-2+3"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_formulas_after_another_delimiter_are_quoted_too(client, hostile, delimiter):
    for number, text in enumerate(HIDDEN):
        f.ClaimFactory(key=f"hidden-{number}", country=hostile["kaz"], summary=text)
    body = client.get("/api/claims/?format=csv&page_size=100").content.decode()
    # However a spreadsheet splits the file into cells, none starts with a formula.
    for line in body.replace("\r", "\n").split("\n"):
        cells = [c.strip('"') for c in line.split(delimiter)]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], (delimiter, line)


def test_hidden_formulas_round_trip_through_the_tracker_export(tmp_path, hostile):
    for number, text in enumerate(HIDDEN):
        f.ClaimFactory(key=f"hidden-{number}", country=hostile["kaz"], summary=text)
    text = exporters.to_csv("claims", m.Claim.objects.all())
    m.Claim.objects.filter(key__startswith="hidden-").update(summary="changed")
    path = tmp_path / "claims.csv"
    path.write_text(text)
    call_command("import", "tracker", str(path), stdout=io.StringIO())
    summaries = dict(
        m.Claim.objects.filter(key__startswith="hidden-").values_list("key", "summary")
    )
    assert summaries == {f"hidden-{n}": text for n, text in enumerate(HIDDEN)}
