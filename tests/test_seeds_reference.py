"""The reference seeds: countries, bodies, instruments, treaty status and the 2021 snapshot.

Each test loads ``seeds/`` with the ``load_seeds`` command and checks facts the curated files must
hold, so a mistyped row or a broken loader shows up here.
"""

import csv
import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tracker.models import (
    Country,
    Instrument,
    Precision,
    Ratification,
    Reservation,
    StatusSnapshot,
    TreatyStatus,
)
from tracker.seeds import SEEDS_DIR

CORE_INSTRUMENTS = {
    "ICERD": None,
    "ICCPR": None,
    "ICCPR-OP1": "ICCPR",
    "ICCPR-OP2": "ICCPR",
    "ICESCR": None,
    "ICESCR-OP": "ICESCR",
    "CEDAW": None,
    "CEDAW-OP": "CEDAW",
    "CAT": None,
    "OPCAT": "CAT",
    "CRC": None,
    "CRC-OP-AC": "CRC",
    "CRC-OP-SC": "CRC",
    "CRC-OP-IC": "CRC",
    "CMW": None,
    "CRPD": None,
    "CRPD-OP": "CRPD",
    "CPED": None,
}

# The 2022 UN Treaty Collection extract beside the checkout (present in CI, absent elsewhere).
UNTC_2022 = Path(settings.BASE_DIR).parent / "shared" / "data" / "untc-ratification-2022"
UNTC_FILES = {
    "ICERD": "icerd",
    "ICCPR": "iccpr",
    "ICCPR-OP1": "iccpr_op1",
    "ICCPR-OP2": "iccpr_op2",
    "ICESCR": "icescr",
    "ICESCR-OP": "icescr_op",
    "CEDAW": "cedaw",
    "CEDAW-OP": "op_cedaw",
    "CAT": "cat",
    "OPCAT": "opcat",
    "CRC": "crc",
    "CRC-OP-AC": "op_crc_ac",
    "CRC-OP-SC": "op_crc_sc",
    "CRC-OP-IC": "op_crc_ic",
    "CMW": "icmw",
    "CRPD": "crpd",
    "CRPD-OP": "op_crpd",
    "CPED": "cped",
}


def load(directory: Path = SEEDS_DIR) -> str:
    out = StringIO()
    call_command("load_seeds", dir=str(directory), stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Load the seeds once for this module (a load takes seconds); empty the database after."""
    with django_db_blocker.unblock():
        load()
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded(seeded_once, db):
    """The loaded seeds; each test's own changes are rolled back."""


def status_of(country: str, instrument: str, on: dt.date) -> str:
    return (
        Ratification.objects.with_status_as_of(on)
        .filter(country_id=country, instrument_id=instrument)
        .values_list("status_as_of", flat=True)
        .get()
    )


def test_seeds_hold_all_193_un_member_states_and_no_observers(seeded):
    assert Country.objects.count() == 193
    assert Country.objects.values("iso2").distinct().count() == 193
    # The Holy See and the State of Palestine are observer states, not members.
    assert not Country.objects.filter(code__in=["VAT", "PSE"]).exists()
    kaz = Country.objects.get(code="KAZ")
    assert (kaz.iso2, kaz.name, kaz.name_ru, kaz.region) == (
        "KZ",
        "Kazakhstan",
        "Казахстан",
        "Central Asia",
    )
    assert kaz.un_member_since == dt.date(1992, 3, 2)
    assert not Country.objects.filter(un_member_since__isnull=True).exists()
    assert not Country.objects.filter(region="").exists()
    assert not Country.objects.filter(un_member_since__lt=dt.date(1945, 10, 24)).exists()


def test_the_18_core_instruments_point_protocols_at_their_parents(seeded):
    parents = dict(Instrument.objects.values_list("code", "parent_id"))
    assert parents == CORE_INSTRUMENTS
    assert Instrument.objects.get(code="OPCAT").body_id == "SPT"
    assert Instrument.objects.get(code="CPED").body_id == "CED"
    assert not Instrument.objects.filter(body__isnull=True).exists()
    assert not Instrument.objects.filter(adopted_on__isnull=True).exists()
    # Protocols are monitored by their parent's committee, except OPCAT (the SPT).
    for protocol in Instrument.objects.filter(parent__isnull=False).exclude(code="OPCAT"):
        assert protocol.body_id == protocol.parent.body_id, protocol.code
    assert Instrument.objects.values("untc_reference").distinct().count() == 18
    assert list(Instrument.objects.values_list("position", flat=True)) == list(range(1, 19))


def test_every_ratification_is_published_with_a_source_and_a_locator(seeded):
    ratifications = Ratification.objects.all()
    curated = ratifications.filter(source__key="untc-chapter-iv")
    assert curated.count() == 42
    assert set(curated.values_list("country_id", flat=True)) == {"KAZ", "KGZ", "UZB"}
    # The other 190 states' records come from the 2022 extract, never for the curated three.
    world = ratifications.exclude(source__key="untc-chapter-iv")
    assert set(world.values_list("source__key", flat=True)) == {"untc-extract-2022"}
    assert not world.filter(country__in=["KAZ", "KGZ", "UZB"]).exists()
    assert world.values("country").distinct().count() == 190
    assert not ratifications.filter(source__isnull=True).exists()
    assert not ratifications.filter(locator="").exists()
    assert set(ratifications.values_list("status", flat=True)) == {"published"}
    # "No action" is the absence of a row, so every row holds a signature or a consent.
    assert not ratifications.filter(signature_date__isnull=True, action_date__isnull=True).exists()


def test_kazakhstan_is_party_to_the_disability_convention_today(seeded):
    assert status_of("KAZ", "CRPD", dt.date.today()) == TreatyStatus.PARTY
    assert Ratification.objects.get(key="kaz-crpd").is_party


def test_the_2021_table_says_kyrgyzstan_had_only_signed_the_disability_convention(seeded):
    snapshot = StatusSnapshot.objects.get(
        country="KGZ", instrument="CRPD", source__key="seed-001-central-asia-analysis"
    )
    assert snapshot.reported_status == TreatyStatus.SIGNATORY
    assert "ratification on 16 May 2019" in snapshot.note
    # The table has no row for the CMW at all, which the same note records.
    assert "acceded in 2003" in snapshot.note
    assert (snapshot.as_of, snapshot.as_of_precision) == (dt.date(2021, 1, 1), Precision.YEAR)
    assert snapshot.source.key == "seed-001-central-asia-analysis"
    # The current record stands beside the snapshot: ratified in 2019, which the table missed.
    assert status_of("KGZ", "CRPD", dt.date.today()) == TreatyStatus.PARTY


def test_status_as_of_a_date_turns_on_the_recorded_signature_and_deposit_days(seeded):
    # Kyrgyzstan signed the CRPD on 21 September 2011 and deposited ratification on 16 May 2019.
    assert status_of("KGZ", "CRPD", dt.date(2011, 9, 20)) == TreatyStatus.NONE
    assert status_of("KGZ", "CRPD", dt.date(2011, 9, 21)) == TreatyStatus.SIGNATORY
    assert status_of("KGZ", "CRPD", dt.date(2019, 5, 15)) == TreatyStatus.SIGNATORY
    assert status_of("KGZ", "CRPD", dt.date(2019, 5, 16)) == TreatyStatus.PARTY
    # Kazakhstan acceded to CAT without signing first: none, then party.
    assert status_of("KAZ", "CAT", dt.date(1998, 8, 25)) == TreatyStatus.NONE
    assert status_of("KAZ", "CAT", dt.date(1998, 8, 26)) == TreatyStatus.PARTY


def test_dates_known_only_to_the_month_or_year_keep_that_precision(seeded):
    signed = Ratification.objects.get(key="kaz-icescr-op")
    assert (signed.signature_date, signed.signature_date_precision) == (
        dt.date(2010, 9, 1),
        Precision.MONTH,
    )
    assert signed.action == "" and signed.action_date is None
    # A complaint procedure accepted in a known year only.
    accepted = Reservation.objects.get(key="kaz-icerd-art14")
    assert (accepted.made_on, accepted.made_on_precision) == (dt.date(2008, 1, 1), Precision.YEAR)


@pytest.mark.parametrize("key", ["kaz-crpd-op", "kaz-crc-op-ic"])
def test_a_ratification_law_without_a_un_deposit_leaves_the_state_a_signatory(seeded, key):
    ratification = Ratification.objects.get(key=key)
    # The law is named with its national source; the status waits for the UN deposit.
    assert "on ratification (Adilet Z23000000" in ratification.domestic_act
    assert "the UN deposit is not recorded here" in ratification.domestic_act
    assert ratification.action == "" and ratification.action_date is None
    assert ratification.entry_into_force is None
    assert ratification.status_on(dt.date.today()) == TreatyStatus.SIGNATORY
    assert ratification.source.key == "untc-chapter-iv"


def test_every_domestic_act_names_its_national_source(seeded):
    acts = Ratification.objects.exclude(domestic_act="").values_list("key", "domestic_act")
    assert len(acts) == 6
    for key, act in acts:
        assert "(Adilet " in act, key
    # Seen on no official national site: left out rather than cited to the UN record.
    assert Ratification.objects.get(key="kaz-iccpr-op2").domestic_act == ""


def test_table_1_is_nine_instruments_for_three_countries_from_seed_document_001(seeded):
    snapshots = StatusSnapshot.objects.exclude(source__key="untc-extract-2022")
    assert snapshots.count() == 27
    assert set(snapshots.values_list("source__key", flat=True)) == {
        "seed-001-central-asia-analysis"
    }
    assert all(
        locator.startswith('Table 1, row "')
        for locator in snapshots.values_list("locator", flat=True)
    )
    reported = dict(
        snapshots.filter(instrument="OPCAT").values_list("country_id", "reported_status")
    )
    assert reported == {"KAZ": "party", "KGZ": "party", "UZB": "none"}
    # Kyrgyzstan acceded to OPCAT; the table's "ratification" is flagged, not corrected.
    kgz = snapshots.get(country="KGZ", instrument="OPCAT")
    assert kgz.reported_action == "ratification" and "accession" in kgz.note
    assert Ratification.objects.get(key="kgz-opcat").action == "accession"


def test_complaint_procedure_acceptances_belong_to_their_ratifications(seeded):
    acceptance = Reservation.objects.get(key="kaz-cat-art22")
    assert acceptance.kind == Reservation.Kind.ACCEPTANCE
    assert acceptance.ratification.key == "kaz-cat"
    assert not Reservation.objects.filter(source__isnull=True).exists()


def test_reference_seeds_load_into_an_empty_database_without_the_monitoring_files(seeded, tmp_path):
    # Empty the database inside this test's transaction; the rollback brings the seeds back.
    call_command("flush", interactive=False, verbosity=0)
    assert not Country.objects.exists()
    for path in SEEDS_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path)
    # The snapshots cite seed document 001, whose source record lives in sources.yaml.
    shutil.copy(SEEDS_DIR / "sources.yaml", tmp_path)
    # The UHRI theme mapping (theme_aliases.csv) names the themes it maps to.
    shutil.copy(SEEDS_DIR / "themes.yaml", tmp_path)
    output = load(tmp_path)
    assert "ratifications  created    42" in output
    assert "snapshots      created    27" in output
    assert Country.objects.count() == 193


def test_loading_the_seeds_again_changes_nothing(seeded):
    output = load()
    assert "0 created, 0 updated" in output


@pytest.mark.skipif(not UNTC_2022.exists(), reason="the shared 2022 UNTC extract is not here")
def test_status_agrees_with_the_2022_un_treaty_collection_extract(seeded):
    # The extract was taken in August 2022 and gives years only.
    as_of = dt.date(2022, 8, 1)
    words = {"state party": "party", "signatory state": "signatory", "no action": "none"}
    names = {"KZ": "KAZ", "KG": "KGZ", "UZ": "UZB"}
    held = {
        (r.country_id, r.instrument_id): r for r in Ratification.objects.with_status_as_of(as_of)
    }
    for instrument, stem in UNTC_FILES.items():
        with (UNTC_2022 / f"hr_status_{stem}.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["iso2"] not in names:
                    continue
                record = held.get((names[row["iso2"]], instrument))
                status = record.status_as_of if record else "none"
                assert status == words[row["status"]], (row["iso2"], instrument)
                if status == "party":
                    year = int(row["year ratification or accession"])
                    assert record.action_date.year == year, (row["iso2"], instrument)
