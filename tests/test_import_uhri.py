"""manage.py import uhri: the Universal Human Rights Index export as CSV, XLSX and JSON."""

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import BodyFactory, CountryFactory, ThemeFactory
from tracker import models as m
from tracker.search import matching

SAMPLES = Path(__file__).parent / "samples" / "uhri"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


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
    # The shipped UHRI theme mapping, for the themes above (editors keep it in the admin).
    with (SEEDS / "theme_aliases.csv").open(newline="", encoding="utf-8") as handle:
        themes = set(m.Theme.objects.values_list("slug", flat=True))
        # (Already there when a test on the real database follows the shipped vocabularies.)
        m.ThemeAlias.objects.bulk_create(
            (
                m.ThemeAlias(uhri_theme=row["uhri_theme"], theme_id=row["theme"])
                for row in csv.DictReader(handle)
                if row["theme"] in themes
            ),
            ignore_conflicts=True,
        )


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
    found = matching(m.Concern.objects.all(), "discord journalists")
    assert list(found.values_list("external_id", flat=True)) == ["a1f0c3e2-0001:KAZ"]
    assert fts_is_consistent()
    # The insert trigger the import set aside is back: a concern saved afterwards is indexed.
    later = m.Concern.objects.get(external_id="a1f0c3e2-0002:KAZ")
    later.pk, later.key, later.external_id = None, "by-hand", None
    later.summary = "Overcrowded prisons."
    later.save()
    assert list(matching(m.Concern.objects.all(), "overcrowded").values_list("key", flat=True)) == [
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
    assert matching(m.Concern.objects.all(), "first good row").count() == 0
    assert matching(m.Concern.objects.all(), "parliament").count() == 1


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
    # The check phase, reading only, in no transaction:
    # 8 countries, country aliases, bodies, themes, body aliases, theme mapping, affected
    #   persons, SDG targets
    # 4 sources by symbol, source keys, reviews by (symbol, country), review keys
    # 2 concerns already there by external id, record keys already taken
    # Then the write phase, writing the rows as the check parsed them (no name lookups again),
    # deciding again under the write lock:
    # 1 savepoint opening the import's transaction
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
    # 1 PostgreSQL only: the country's turn (tracker.counts._take_turn)
    # 2 recount the country once (tracker.counts): delete its counts, insert them grouped
    # 4 and its theme links with dates (ThemeLink): delete and insert, for concerns and claims
    # 1 release the savepoint
    with django_assert_num_queries(44 if sqlite else 42):
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


# The real layouts: JSON with its value styles, the 16-column workbook, a semicolon CSV ----------

REAL_XLSX_HEADER = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
]
A = "5f0c1d2e-0000-4000-8000-00000000000"  # the sample's AnnotationIds, less their last digit


@pytest.fixture(scope="module")
def shipped_vocabularies(django_db_setup, django_db_blocker, tmp_path_factory):
    """The shipped reference seeds: countries, bodies with their aliases, themes with the UHRI
    mapping (what a real export is imported against), loaded once for the tests of this file
    that ask for them. Committed outside the per-test transactions, so the database is flushed
    afterwards to leave other test files an empty one."""
    from tracker.services import seeds_load

    folder = tmp_path_factory.mktemp("seeds")
    for name in [
        "countries.csv",
        "country_aliases.csv",
        "bodies.csv",
        "body_aliases.csv",
        "instruments.csv",
        "themes.yaml",
        "theme_aliases.csv",
    ]:
        shutil.copy(SEEDS / name, folder)
    with django_db_blocker.unblock():
        seeds_load(directory=folder)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def vocabularies(shipped_vocabularies, db):
    """Each test's changes roll back; the shipped vocabularies stay for the next."""


def concern(annotation: str, country: str) -> m.Concern:
    return m.Concern.objects.get(external_id=f"{annotation}:{country}")


def test_the_real_json_layout_imports_every_key(vocabularies):
    output = run(SAMPLES / "uhri_real.json")
    assert "5 rows read" in output
    assert "concerns: 5 created" in output
    crc = concern(A + "1", "KAZ")
    assert crc.kind == "concern"  # "- Concerns/Observations"
    assert crc.body_id == "CRC"  # "- CRC"
    assert crc.paragraph == "4"
    # The HTML is reduced to text, the paragraph number taken off.
    assert crc.summary == (
        "The Committee is concerned that children placed in closed institutions lack access to a "
        "complaints mechanism."
    )
    assert crc.issued_on == dt.date(2025, 2, 12)
    assert crc.published_on_uhri == dt.date(2025, 3, 3)
    assert set(crc.affected_persons.values_list("name", flat=True)) == {"Children", "Women & girls"}
    assert crc.affected_groups == "Children; Women & girls"
    target = crc.sdg_targets.get()
    assert (target.code, target.name) == (
        "16.2",
        "Protect children from abuse, exploitation, trafficking and violence",
    )
    # "Children: definition; general principles; protection" is one theme, not three.
    assert set(crc.themes.values_list("slug", flat=True)) == {"rights-of-the-child", "health"}


def test_upr_records_keep_position_recommending_state_session_and_cycle(vocabularies):
    run(SAMPLES / "uhri_real.json")
    upr = concern(A + "2", "KGZ")
    assert (upr.body_id, upr.kind, upr.paragraph) == ("UPR", "recommendation", "143.12")
    assert upr.summary.startswith("Ratify the Optional Protocol")
    assert upr.upr_position == "supported"
    assert upr.recommending_state_id == "UZB"
    assert upr.upr_session == "46"
    assert upr.review.cycle == "4"
    assert sorted(upr.sdg_targets.values_list("code", flat=True)) == ["10.2", "16.7"]


def test_special_procedures_and_long_committee_names_are_bodies_of_the_tracker(vocabularies):
    run(SAMPLES / "uhri_real.json")
    torture = concern(A + "3", "UZB")
    assert torture.body_id == "SR-TORTURE"
    assert torture.body.kind == "special_procedure"
    assert torture.body.name == (
        "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or "
        "punishment"
    )
    assert torture.paragraph == "78"
    assert torture.summary == (
        "The Special Rapporteur recommends that all places of detention be open to independent "
        "monitors.\nHe also recommends video recording of interrogations."
    )
    women = m.Concern.objects.filter(external_id__startswith=A + "4")
    assert sorted(women.values_list("country_id", flat=True)) == ["KAZ", "KGZ"]
    assert set(women.values_list("body_id", flat=True)) == {"CEDAW"}


def test_every_body_and_theme_label_of_a_real_export_is_known(vocabularies):
    """The label lists of a real full export (shared data, when present) all resolve."""
    from tracker.importers.uhri import Bodies, ThemeNames

    real = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "uhri-real"
    if not real.is_dir():
        pytest.skip("the real UHRI label lists are not beside the repository")
    bodies, themes = Bodies(), ThemeNames()
    labels = (real / "bodies.txt").read_text(encoding="utf-8").splitlines()
    assert len(labels) == 75
    assert [b for b in labels if bodies.find(b.removeprefix("- ")) is None] == []
    names = [t for t in (real / "themes.txt").read_text(encoding="utf-8").splitlines() if t]
    assert len(names) == 94
    for name in names:
        assert themes.find([name]), name


def test_the_16_column_workbook_imports_like_the_json(vocabularies):
    import openpyxl

    path = SAMPLES / "uhri_real.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    assert [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))] == REAL_XLSX_HEADER
    book.close()
    output = run(path)
    assert "concerns: 5 created" in output
    crc = concern(A + "1", "KAZ")
    assert (crc.kind, crc.body_id, crc.paragraph) == ("concern", "CRC", "4")
    assert set(crc.themes.values_list("slug", flat=True)) == {"rights-of-the-child", "health"}
    assert set(crc.affected_persons.values_list("name", flat=True)) == {"Children", "Women & girls"}
    upr = concern(A + "2", "KGZ")
    assert (upr.upr_position, upr.recommending_state_id, upr.upr_session) == (
        "supported",
        "UZB",
        "46",
    )
    assert concern(A + "3", "UZB").body_id == "SR-TORTURE"


def test_the_same_annotation_from_json_then_xlsx_is_the_same_concern(vocabularies, tmp_path):
    import openpyxl

    run(SAMPLES / "uhri_real.json")
    before = m.Concern.objects.count()
    output = run(SAMPLES / "uhri_real.xlsx")
    assert "concerns: 0 created, 0 updated, 5 unchanged" in output
    # A later workbook in which the state's response changed updates the concern in place.
    book = openpyxl.load_workbook(SAMPLES / "uhri_real.xlsx")
    book.active["J3"] = "Noted"
    edited = tmp_path / "later.xlsx"
    book.save(edited)
    assert "concerns: 0 created, 1 updated, 4 unchanged" in run(edited)
    assert m.Concern.objects.count() == before
    assert concern(A + "2", "KGZ").upr_position == "noted"
    # And back from the JSON: the same concern again.
    assert "concerns: 0 created, 1 updated, 4 unchanged" in run(SAMPLES / "uhri_real.json")


def test_a_semicolon_separated_csv_is_read_like_a_comma_separated_one(vocabularies):
    output = run(SAMPLES / "uhri_semicolon.csv")
    assert "concerns: 3 created" in output
    crc = concern(A + "1", "KAZ")
    assert crc.issued_on == dt.date(2025, 2, 12)
    assert set(crc.themes.values_list("slug", flat=True)) == {"rights-of-the-child", "health"}
    assert set(crc.affected_persons.values_list("name", flat=True)) == {"Children", "Women & girls"}
    # The same annotations as the JSON: importing it afterwards changes nothing of these.
    assert "3 unchanged" in run(SAMPLES / "uhri_real.json")


def test_a_non_member_only_record_is_left_out_and_counted(vocabularies):
    output = run(SAMPLES / "uhri_real.json")
    assert not m.Concern.objects.filter(external_id__startswith=A + "5").exists()
    assert "1 rows name only states the tracker does not hold: skipped." in output


# --skip-invalid ------------------------------------------------------------------------------


def test_without_skip_invalid_a_record_with_no_country_changes_nothing(vocabularies):
    with pytest.raises(CommandError) as error:
        run(SAMPLES / "uhri_real_invalid.json")
    assert str(error.value) == (
        "Nothing imported. uhri_real_invalid.json, record 2, column 'Countries': '' is not "
        "valid: expected at least one country"
    )
    assert not m.Concern.objects.exists()
    assert not m.Review.objects.exists()
    assert not m.AffectedPerson.objects.exists()


def test_skip_invalid_imports_the_rest_and_reports_exactly_what_it_left_out(vocabularies, tmp_path):
    report = tmp_path / "left-out.csv"
    output = run(SAMPLES / "uhri_real_invalid.json", "--skip-invalid", "--report", str(report))
    assert "6 rows read" in output
    assert "concerns: 2 created" in output
    assert "4 rows left out (--skip-invalid): see the report" in output
    assert f"Report of the 4 rows left out: {report}" in output
    imported = set(m.Concern.objects.values_list("external_id", flat=True))
    assert imported == {
        "9b7d3f10-0000-4000-8000-000000000001:KAZ",
        "9b7d3f10-0000-4000-8000-000000000005:UZB",
    }
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["line"], r["record"], r["column"], r["value"]) for r in rows] == [
        ("uhri_real_invalid.json", "", "2", "Countries", ""),
        ("uhri_real_invalid.json", "", "3", "Body", "SR Nowhere"),
        ("uhri_real_invalid.json", "", "4", "Countries", "Kosovo*"),
        ("uhri_real_invalid.json", "", "6", "PublicationDate", "2024-13-40T00:00:00"),
    ]
    assert rows[0]["why"] == "expected at least one country"
    assert "does not hold" in rows[2]["why"]
    # Every record is either imported or in the report, never both.
    reported = {int(r["record"]) for r in rows}
    assert reported.isdisjoint({1, 5}) and len(reported) + len(imported) == 6


def test_skip_invalid_names_csv_rows_by_line(vocabularies, tmp_path):
    report = tmp_path / "r.csv"
    output = run(SAMPLES / "uhri_bad_date.csv", "--skip-invalid", "--report", str(report))
    assert "concerns: 1 created" in output
    rows = list(csv.DictReader(report.open(newline="", encoding="utf-8")))
    assert [(r["line"], r["record"], r["column"]) for r in rows] == [("3", "", "PublicationDate")]


def test_skip_invalid_is_only_for_uhri(vocabularies):
    with pytest.raises(CommandError, match="only one --skip-invalid takes"):
        call_command("import", "tracker", str(SAMPLES / "uhri_export.csv"), "--skip-invalid")


def test_a_byte_that_is_not_utf8_in_a_json_record_names_that_record(vocabularies, tmp_path):
    records = (SAMPLES / "uhri_real.json").read_bytes().split(b"\n")
    records[3] = records[3].replace(b"notes with concern", b"notes with \xe9concern")
    path = tmp_path / "latin.json"
    path.write_bytes(b"\n".join(records))
    with pytest.raises(CommandError, match=r"latin.json, record 4: .*expected valid JSON in UTF-8"):
        run(path)
    assert not m.Concern.objects.exists()


def test_broken_json_names_the_record_it_breaks_in(vocabularies, tmp_path):
    text = (SAMPLES / "uhri_real.json").read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index("Kyrgyzstan") + 12], encoding="utf-8")
    with pytest.raises(CommandError, match=r"cut.json, record 2: "):
        run(path)


def test_json_is_read_as_it_streams(vocabularies, monkeypatch):
    """The file is never read whole: not with read_bytes, not with json.loads."""
    import json

    def whole(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(Path, "read_bytes", whole)
    monkeypatch.setattr(json, "loads", whole)
    assert "concerns: 5 created" in run(SAMPLES / "uhri_real.json")


def test_records_under_a_key_of_an_object_are_read(vocabularies, tmp_path):
    records = (SAMPLES / "uhri_real.json").read_text(encoding="utf-8")
    path = tmp_path / "wrapped.json"
    path.write_text(f'{{"exported": "2026-02-01", "data": {records}}}', encoding="utf-8")
    assert "concerns: 5 created" in run(path)


def test_the_preview_reads_only_and_is_what_the_import_does(transactional_db, reference):
    from tests.test_import_locking import assert_preview_is_what_the_import_does

    path = SAMPLES / "uhri_export.csv"
    plan = assert_preview_is_what_the_import_does("uhri", path)
    assert {"sources", "reviews", "concerns"} <= {c.kind for c in plan.changes}
    # A second time, nothing would change, and nothing is listed.
    from tracker.importers import run_import

    assert run_import("uhri", path, dry_run=True).changes == []
