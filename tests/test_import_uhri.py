"""manage.py import uhri: the Universal Human Rights Index export as CSV, XLSX and JSON."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import BodyFactory, CountryFactory, ThemeFactory
from tracker import models as m

SAMPLES = Path(__file__).parent / "samples" / "uhri"


@pytest.fixture
def reference(db):
    CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    CountryFactory(code="KGZ", iso2="KG", name="Kyrgyzstan")
    CountryFactory(code="UZB", iso2="UZ", name="Uzbekistan")
    for code, name in [
        ("CCPR", "Human Rights Committee"),
        ("CAT", "Committee against Torture"),
        ("CRPD", "Committee on the Rights of Persons with Disabilities"),
        ("CEDAW", "Committee on the Elimination of Discrimination against Women"),
        ("UPR", "Universal Periodic Review (Human Rights Council)"),
    ]:
        BodyFactory(code=code, name=name)
    for slug in [
        "freedom-of-expression",
        "human-rights-defenders",
        "peaceful-assembly",
        "torture",
        "gender-equality",
        "ethnic-minorities",
        "women-political-participation",
        "persons-with-disabilities",
    ]:
        ThemeFactory(slug=slug)


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import", "uhri", str(path), *args, stdout=out)
    return out.getvalue()


def test_an_annotation_becomes_a_concern_per_country_under_a_review_per_symbol(reference):
    output = run(SAMPLES / "uhri_export.csv")
    assert "concerns: 5 created, 0 updated, 0 unchanged" in output
    assert "reviews: 4 created" in output
    assert "sources: 3 created" in output
    upr = m.Concern.objects.filter(external_id__startswith="a1f0c3e2-0003:")
    assert sorted(upr.values_list("country_id", flat=True)) == ["KAZ", "KGZ"]
    kaz = upr.get(country="KAZ")
    assert kaz.external_id == "a1f0c3e2-0003:KAZ"
    assert kaz.body_id == "UPR"
    assert kaz.review.symbol == "A/HRC/41/7" and kaz.review.country_id == "KAZ"
    assert kaz.source.symbol == "A/HRC/41/7" and kaz.source.kind == "un_document"
    assert (kaz.issued_on, kaz.issued_on_precision) == (dt.date(2019, 3, 14), "day")
    assert kaz.affected_groups == "Women; Persons with disabilities"
    assert kaz.status == "draft"


def test_themes_map_through_names_and_the_editable_alias_file(reference):
    output = run(SAMPLES / "uhri_export.csv")
    first = m.Concern.objects.get(external_id="a1f0c3e2-0001:KAZ")
    assert set(first.themes.values_list("slug", flat=True)) == {
        "freedom-of-expression",
        "human-rights-defenders",
    }
    upr = m.Concern.objects.get(external_id="a1f0c3e2-0003:KGZ")
    slugs = set(upr.themes.values_list("slug", flat=True))
    assert slugs == {"ethnic-minorities", "gender-equality"}
    assert "UHRI themes with no tracker theme" in output and "Labour rights (1)" in output


def test_kinds_and_a_state_the_tracker_does_not_hold(reference):
    output = run(SAMPLES / "uhri_export.csv")
    assert m.Concern.objects.get(external_id="a1f0c3e2-0002:KAZ").kind == "concern"
    # "Holy See" is an alias for a state the tracker does not hold: that country is skipped.
    assert list(
        m.Concern.objects.filter(external_id__startswith="a1f0c3e2-0004").values_list(
            "country_id", flat=True
        )
    ) == ["UZB"]
    assert "4 rows read" in output


def test_a_second_import_changes_nothing(reference):
    run(SAMPLES / "uhri_export.csv")
    before = m.Concern.history.count()
    output = run(SAMPLES / "uhri_export.csv")
    assert "concerns: 0 created, 0 updated, 5 unchanged" in output
    assert m.Concern.history.count() == before


def test_a_reimport_updates_in_place_and_records_why(reference, tmp_path):
    run(SAMPLES / "uhri_export.csv", "--publish")
    concern = m.Concern.objects.get(external_id="a1f0c3e2-0002:KAZ")
    text = (SAMPLES / "uhri_export.csv").read_text()
    edited = tmp_path / "uhri_export_v2.csv"
    edited.write_text(
        text.replace("restrictions on peaceful assemblies", "bans on peaceful assemblies").replace(
            "Freedom of peaceful assembly", "Freedom of peaceful assembly; Freedom of association"
        )
    )
    output = run(edited)
    assert "concerns: 0 created, 1 updated, 4 unchanged" in output
    assert m.Concern.objects.count() == 5
    concern.refresh_from_db()
    assert concern.summary == "The Committee is concerned about bans on peaceful assemblies."
    assert concern.status == "published"  # an editor's publication survives re-imports
    latest = concern.history.first()
    assert latest.history_change_reason == "import uhri: uhri_export_v2.csv"


def test_the_older_export_headers_are_read(reference):
    run(SAMPLES / "uhri_old_headers.csv")
    concern = m.Concern.objects.get()
    assert concern.body_id == "CEDAW" and concern.country_id == "KGZ"
    assert concern.issued_on == dt.date(2015, 3, 11)
    assert list(concern.themes.values_list("slug", flat=True)) == ["women-political-participation"]
    # Without an AnnotationId a digest of symbol and text keeps re-imports in place.
    assert concern.external_id.startswith("h") and concern.external_id.endswith(":KGZ")
    assert "0 created, 0 updated, 1 unchanged" in run(SAMPLES / "uhri_old_headers.csv")


def test_json_exports_are_read(reference):
    run(SAMPLES / "uhri_export.json")
    concern = m.Concern.objects.get(external_id="j-0001:KAZ")
    assert concern.body_id == "CRPD"
    assert list(concern.themes.values_list("slug", flat=True)) == ["persons-with-disabilities"]


def test_xlsx_exports_are_read(reference, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    with (SAMPLES / "uhri_export.csv").open(newline="", encoding="utf-8") as handle:
        for values in csv.reader(handle):
            sheet.append(values)
    sheet["E2"] = dt.datetime(2016, 8, 9)  # a real date cell, as Excel stores it
    path = tmp_path / "uhri.xlsx"
    book.save(path)
    output = run(path)
    assert "concerns: 5 created" in output
    assert m.Concern.objects.get(external_id="a1f0c3e2-0001:KAZ").issued_on == dt.date(2016, 8, 9)


def test_a_bad_row_changes_nothing_and_says_where(reference):
    with pytest.raises(CommandError) as error:
        run(SAMPLES / "uhri_bad_date.csv")
    assert str(error.value) == (
        "Nothing imported. uhri_bad_date.csv, line 3, column 'PublicationDate': '2016-13-45' "
        "is not valid: expected a date as YYYY-MM-DD or dd/mm/yyyy"
    )
    assert not m.Concern.objects.exists()
    assert not m.Review.objects.exists()
    assert not m.Source.objects.exists()


def test_an_unknown_body_is_an_error(reference, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "AnnotationId,Symbol,Text,Countries,Body\nx-1,S/1,Some text.,Kazakhstan,Nobody\n"
    )
    with pytest.raises(CommandError, match=r"x.csv, line 2, column 'Body': 'Nobody' is not valid"):
        run(path)


def test_dry_run_saves_nothing(reference):
    output = run(SAMPLES / "uhri_export.csv", "--dry-run")
    assert "concerns: 5 created" in output
    assert not m.Concern.objects.exists()


def fts_is_consistent() -> bool:
    """FTS5's own check that the index matches the concern table (raises when it does not),
    and that the insert trigger is there. PostgreSQL's expression index needs neither."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_concern_fts(tracker_concern_fts) VALUES ('integrity-check')"
        )
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'tracker_concern_fts_insert'")
        return cursor.fetchone() is not None


def test_imported_concerns_are_found_by_search_and_later_saves_are_indexed(reference):
    run(SAMPLES / "uhri_export.csv")
    found = m.Concern.objects.search("discord journalists")
    assert list(found.values_list("external_id", flat=True)) == ["a1f0c3e2-0001:KAZ"]
    assert fts_is_consistent()
    # The insert trigger the import set aside is back: a concern saved afterwards is indexed.
    later = m.Concern.objects.get(external_id="a1f0c3e2-0002:KAZ")
    later.pk, later.key, later.external_id = None, "by-hand", None
    later.summary = "Overcrowded prisons."
    later.save()
    assert list(m.Concern.objects.search("overcrowded").values_list("key", flat=True)) == [
        "by-hand"
    ]


def test_a_failed_import_after_some_writes_leaves_the_search_index_as_it_was(
    reference, monkeypatch
):
    from tracker.importers import uhri

    run(SAMPLES / "uhri_old_headers.csv")
    # One row per round of writes: the good row on line 2 is written before line 3 fails.
    monkeypatch.setattr(uhri, "ROWS_PER_WRITE", 1)
    with pytest.raises(CommandError, match="line 3"):
        run(SAMPLES / "uhri_bad_date.csv")
    assert m.Concern.objects.count() == 1
    assert fts_is_consistent()
    assert m.Concern.objects.search("first good row").count() == 0
    assert m.Concern.objects.search("parliament").count() == 1


def test_written_in_small_rounds_the_result_is_the_same(reference, monkeypatch):
    from tracker.importers import uhri

    monkeypatch.setattr(uhri, "ROWS_PER_WRITE", 1)
    output = run(SAMPLES / "uhri_export.csv")
    assert "concerns: 5 created" in output
    assert "reviews: 4 created, 0 updated, 0 unchanged" in output
    assert "sources: 3 created, 0 updated, 0 unchanged" in output
    assert "concerns: 0 created, 0 updated, 5 unchanged" in run(SAMPLES / "uhri_export.csv")


def test_history_rows_record_the_import_and_the_theme_links(reference, tmp_path):
    run(SAMPLES / "uhri_export.csv")
    concern = m.Concern.objects.get(external_id="a1f0c3e2-0002:KAZ")
    created = concern.history.get()
    assert created.history_type == "+"
    assert created.history_change_reason == "import uhri: uhri_export.csv"
    assert created.summary == concern.summary
    assert [t.theme_id for t in created.themes.all()] == ["peaceful-assembly"]
    for model in (m.Source, m.Review):
        made = model.history.filter(
            history_type="+", history_change_reason=created.history_change_reason
        )
        assert sorted(made.values_list("key", flat=True)) == sorted(
            model.objects.values_list("key", flat=True)
        )
    text = (SAMPLES / "uhri_export.csv").read_text()
    edited = tmp_path / "v2.csv"
    edited.write_text(
        text.replace("Freedom of peaceful assembly", "Freedom of opinion and expression")
    )
    assert "concerns: 0 created, 1 updated, 4 unchanged" in run(edited)
    changed = concern.history.order_by("-history_id").first()
    assert changed.history_type == "~"
    assert [t.theme_id for t in changed.themes.all()] == ["freedom-of-expression"]
    # The earlier history row keeps the links it had.
    assert [t.theme_id for t in created.themes.all()] == ["peaceful-assembly"]


@pytest.mark.parametrize("rows", [5, 60])
def test_a_round_of_writes_costs_the_same_queries_for_5_or_60_rows(
    reference, tmp_path, rows, django_assert_num_queries
):
    from django.db import connection

    path = tmp_path / "many.csv"
    lines = ["AnnotationId,Symbol,Text,PublicationDate,Countries,Themes,Body"]
    lines += [
        f"q-{i},CCPR/C/KAZ/CO/9,Text {i}.,2020-01-02,Kazakhstan,Freedom of expression,CCPR"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    sqlite = connection.vendor == "sqlite"
    # 1 savepoint opening the import's transaction
    # 3 countries, bodies, themes (name lookups)
    # 1 PostgreSQL only: a larger pending list for the full-text index, for this transaction
    # 2 SQLite only: read the FTS insert trigger's SQL, drop it
    # 4 sources by symbol, source keys, reviews by (symbol, country), review keys
    # 3 insert the new source, read its id by key, copy its history row
    # 3 insert the new review, read its id by key, copy its history row
    # 2 concerns already there by external id, record keys already taken
    # 1 insert the new concerns (one executemany)
    # 1 their ids by external id
    # 1 SQLite only: index their text in the FTS table
    # 1 insert their theme links (one executemany)
    # 1 the last history id before this round's history
    # 1 history rows, copied from the concerns
    # 1 theme-link history rows, copied from the links
    # 1 SQLite only: create the FTS insert trigger again
    # 6 recount the country once (tracker.counts): 4 grouped counts, delete its counts, insert
    # 1 release the savepoint
    with django_assert_num_queries(33 if sqlite else 30):
        run(path)
    assert m.Concern.objects.count() == rows


def test_a_byte_that_is_not_utf8_is_reported_on_its_line(reference, tmp_path):
    good = (SAMPLES / "uhri_export.csv").read_bytes().split(b"\n")
    good[3] = good[3].replace(b"Adopt", b"Adopt\xe9")  # Latin-1 in a UTF-8 file, line 4
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\n".join(good))
    with pytest.raises(CommandError, match=r"latin.csv, line 4: .* expected a UTF-8 text file"):
        run(path)
    assert not m.Concern.objects.exists()


def test_lines_ending_in_a_bare_carriage_return_are_read(reference, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes((SAMPLES / "uhri_export.csv").read_bytes().replace(b"\n", b"\r"))
    assert "concerns: 5 created" in run(path)


def planner_statistics(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        return cursor.fetchone()[0]


def test_a_large_import_refreshes_statistics_and_drops_cached_pages(reference, monkeypatch):
    import tracker.importers

    bumps = []
    monkeypatch.setattr(tracker.importers, "content_changed", lambda: bumps.append(1))
    run(SAMPLES / "uhri_export.csv", "--dry-run")
    assert bumps == [] and planner_statistics("tracker_concern") == 0

    run(SAMPLES / "uhri_export.csv")  # a few rows: below the threshold
    assert bumps == [1] and planner_statistics("tracker_concern") == 0

    monkeypatch.setattr(tracker.importers, "ANALYZE_AFTER_ROWS", 1)
    m.Concern.objects.all().delete()
    run(SAMPLES / "uhri_export.csv")
    assert bumps == [1, 1] and planner_statistics("tracker_concern") > 0
