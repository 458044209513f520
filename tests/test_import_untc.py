"""manage.py import untc-extract: the UN Treaty Collection extract, with its real quirks."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CountryFactory, InstrumentFactory, RatificationFactory, SourceFactory
from tracker import models as m

SAMPLES = Path(__file__).parent / "samples"
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "untc-ratification-2022"


@pytest.fixture
def world(db):
    for code, iso2, name in [
        ("KAZ", "KZ", "Kazakhstan"),
        ("KGZ", "KG", "Kyrgyzstan"),
        ("UZB", "UZ", "Uzbekistan"),
        ("TLS", "TL", "Timor-Leste"),
        ("FSM", "FM", "Micronesia (Federated States of)"),
        ("ZWE", "ZW", "Zimbabwe"),
        ("SWZ", "SZ", "Eswatini"),
    ]:
        CountryFactory(code=code, iso2=iso2, name=name)
    InstrumentFactory(code="CAT", title="Convention against Torture", short_title="CAT")
    InstrumentFactory(code="CRC-OP-IC", title="OP to the CRC on a communications procedure")


def run(*args) -> str:
    out = io.StringIO()
    call_command("import", "untc-extract", *args, stdout=out)
    return out.getvalue()


def test_every_row_becomes_a_snapshot_of_the_extract(world):
    run(str(SAMPLES / "untc"))
    assert m.StatusSnapshot.objects.count() == 9
    kaz = m.StatusSnapshot.objects.get(country="KAZ", instrument="CAT")
    assert (kaz.reported_status, kaz.reported_year) == ("party", 1998)
    assert kaz.note == 'Was written as "Kazakstan"'
    assert kaz.as_of == dt.date(2022, 1, 1) and kaz.as_of_precision == "year"
    assert kaz.source.kind == m.Source.Kind.DATASET and kaz.status == "published"
    fsm = m.StatusSnapshot.objects.get(country="FSM", instrument="CAT")
    assert fsm.reported_status == "signatory"


def test_parties_get_a_year_precise_ratification_and_old_codes_map(world):
    output = run(str(SAMPLES / "untc"))
    kgz = m.Ratification.objects.get(country="KGZ", instrument="CAT")
    assert (kgz.action, kgz.action_date, kgz.action_date_precision) == (
        "ratification",
        dt.date(1997, 1, 1),
        "year",
    )
    # "TP" is the extract's old code for Timor-Leste; Swaziland is Eswatini.
    assert m.Ratification.objects.filter(country="TLS", instrument="CAT").exists()
    assert m.Ratification.objects.filter(country="SWZ", instrument="CRC-OP-IC").exists()
    assert "ratifications: 4 created, 0 updated, 0 unchanged" in output


def test_a_party_without_a_year_is_reported_not_invented(world):
    output = run(str(SAMPLES / "untc"))
    assert not m.Ratification.objects.filter(country="UZB").exists()
    assert "UZB CAT: party without a year in hr_status_cat.csv, line 7" in output
    assert "2 signatory rows give no signature year" in output


def test_a_year_never_overwrites_a_day_precise_date(world):
    curated = RatificationFactory(
        country_id="KAZ",
        instrument_id="CAT",
        action=m.Ratification.Action.ACCESSION,
        action_date=dt.date(1998, 8, 26),
        action_date_precision="day",
    )
    output = run(str(SAMPLES / "untc"))
    curated.refresh_from_db()
    assert (curated.action, curated.action_date, curated.action_date_precision) == (
        "accession",
        dt.date(1998, 8, 26),
        "day",
    )
    assert (
        "KAZ CAT action date: the tracker holds a more precise date (1998-08-26) than the "
        "file (1998)" in output
    )


def test_a_newer_record_wins_over_the_snapshot(world):
    newer = RatificationFactory(
        country_id="KAZ",
        instrument_id="CRC-OP-IC",
        action=m.Ratification.Action.RATIFICATION,
        action_date=dt.date(2023, 1, 1),
        action_date_precision="year",
    )
    output = run(str(SAMPLES / "untc"))
    newer.refresh_from_db()
    assert newer.action_date == dt.date(2023, 1, 1)
    assert "KAZ CRC-OP-IC: the file says no action; the tracker holds ratification 2023" in output


def test_a_year_refines_nothing_it_cannot_and_fills_what_is_missing(world):
    signed = RatificationFactory(
        country_id="KGZ",
        instrument_id="CAT",
        signature_date=dt.date(1996, 5, 1),
        signature_date_precision="day",
        action="",
        action_date=None,
        action_date_precision="",
        source=SourceFactory(key="curated"),
    )
    run(str(SAMPLES / "untc"))
    signed.refresh_from_db()
    assert signed.signature_date == dt.date(1996, 5, 1)
    assert (signed.action_date, signed.action_date_precision) == (dt.date(1997, 1, 1), "year")
    assert signed.source.key == "untc-extract-2022"


def test_a_second_import_changes_nothing(world):
    run(str(SAMPLES / "untc"))
    history = m.Ratification.history.count(), m.StatusSnapshot.history.count()
    output = run(str(SAMPLES / "untc"))
    assert "ratifications: 0 created, 0 updated, 4 unchanged" in output
    assert "snapshots: 0 created, 0 updated, 9 unchanged" in output
    assert (m.Ratification.history.count(), m.StatusSnapshot.history.count()) == history


def test_imported_rows_carry_the_import_as_their_history_reason(world):
    run(str(SAMPLES / "untc" / "hr_status_cat.csv"))
    record = m.Ratification.history.get(country_id="KGZ")
    assert record.history_change_reason == "import untc-extract: hr_status_cat.csv"
    assert record.history_type == "+"


def test_dry_run_reports_and_saves_nothing(world):
    output = run(str(SAMPLES / "untc"), "--dry-run")
    assert "ratifications: 4 created" in output
    assert "Dry run: nothing was saved." in output
    assert not m.Ratification.objects.exists()
    assert not m.Source.objects.exists()


def test_a_bad_row_changes_nothing_and_names_file_line_column_value(world):
    with pytest.raises(CommandError) as error:
        run(str(SAMPLES / "untc_bad"))
    assert str(error.value) == (
        "Nothing imported. hr_status_cat.csv, line 3, column 'year ratification or accession': "
        "'19x7' is not valid: expected a year such as 2008"
    )
    assert not m.StatusSnapshot.objects.exists()
    assert not m.Source.objects.exists()


def test_an_unknown_state_is_an_error(world):
    m.Country.objects.filter(code="ZWE").delete()
    with pytest.raises(CommandError, match=r"line 6, column 'iso2': 'ZW' is not valid"):
        run(str(SAMPLES / "untc"))
    assert not m.StatusSnapshot.objects.exists()


def test_a_file_name_that_names_no_instrument_needs_the_option(world, tmp_path):
    path = tmp_path / "status.csv"
    path.write_bytes((SAMPLES / "untc" / "hr_status_cat.csv").read_bytes())
    with pytest.raises(CommandError, match="--instrument CODE"):
        run(str(path))
    run(str(path), "--instrument", "CAT")
    assert m.StatusSnapshot.objects.filter(instrument="CAT").count() == 6


@pytest.mark.skipif(not REAL.exists(), reason="the shared UNTC extract is not beside the checkout")
def test_the_full_real_extract_gives_every_member_state_every_instrument(db):
    call_command("load_seeds", stdout=io.StringIO())
    if m.Country.objects.count() != 193 or m.Instrument.objects.count() != 18:
        pytest.skip("the seeds do not hold the 193 states and 18 instruments")
    kaz_cat = m.Ratification.objects.filter(country="KAZ", instrument="CAT").first()
    output = run(str(REAL))
    # One file lists Montserrat (not a member) in place of Gabon: 193 x 18 less one.
    assert m.StatusSnapshot.objects.filter(source__key="untc-extract-2022").count() == 193 * 18 - 1
    assert "hr_status_op_crc_ic.csv has no row for GAB" in output
    per_state = m.StatusSnapshot.objects.values("country").distinct().count()
    assert per_state == 193
    # Timor-Leste appears under its old code TP; Eswatini as Swaziland.
    assert m.Ratification.objects.get(country="TLS", instrument="CAT").action_date.year == 2003
    assert m.StatusSnapshot.objects.get(country="SWZ", instrument="CAT").reported_status == "party"
    # Zimbabwe is a party to the CEDAW protocol without a year: a snapshot, no invented date.
    zwe = m.StatusSnapshot.objects.get(country="ZWE", instrument="CEDAW-OP")
    assert (zwe.reported_status, zwe.reported_year) == ("party", None)
    assert "ZWE CEDAW-OP: party without a year" in output
    # The curated, day-precise KAZ record is left as it was.
    if kaz_cat is not None and kaz_cat.action_date_precision == "day":
        assert m.Ratification.objects.get(pk=kaz_cat.pk).action_date == kaz_cat.action_date
    assert m.Ratification.objects.filter(action_date__isnull=False).count() >= 2290
    again = run(str(REAL))
    assert "ratifications: 0 created, 0 updated" in again
    assert "snapshots: 0 created, 0 updated, 3473 unchanged" in again


def test_the_preview_reads_only_and_is_what_the_import_does(transactional_db, world):
    from tests.test_import_locking import assert_preview_is_what_the_import_does

    plan = assert_preview_is_what_the_import_does("untc-extract", SAMPLES / "untc")
    kinds = {c.kind for c in plan.changes}
    assert {"sources", "snapshots", "ratifications"} <= kinds
