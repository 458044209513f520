"""manage.py world_status_seeds, and the world's treaty status it wrote into ``seeds/``: every
state's status as the 2022 UN Treaty Collection extract gives it, the curated states' own
records untouched, "no data" only where the extract has no row."""

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tracker import models as m
from tracker.importers.untc import FILE_CODES
from tracker.management.commands.world_status_seeds import (
    NAME,
    RATIFICATION_COLUMNS,
    SNAPSHOT_COLUMNS,
    csv_text,
    world_rows,
)
from tracker.seeds import SEEDS_DIR

pytestmark = pytest.mark.django_db

EXTRACT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "untc-ratification-2022"
needs_extract = pytest.mark.skipif(not EXTRACT.exists(), reason="the 2022 UNTC extract is not here")
WORDS = {"state party": "party", "signatory state": "signatory", "no action": "none"}
# A sample across regions and statuses, with states whose extract codes or names are old.
SAMPLE = {"RUS", "USA", "CHN", "IND", "BRA", "ZAF", "DEU", "TLS", "SWZ", "CPV", "ZWE", "GAB"}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The shipped seeds, loaded once (committed; flushed afterwards for the other files)."""
    with django_db_blocker.unblock():
        call_command("load_seeds", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def extract_rows():
    """(ISO3, instrument, status word, year or None) for every row of the extract's sample."""
    iso2 = {r["iso2"]: r["code"] for r in csv.DictReader((SEEDS_DIR / "countries.csv").open())}
    iso2["TP"] = "TLS"  # the extract's old code for Timor-Leste
    for stem, code in FILE_CODES.items():
        with (EXTRACT / f"hr_status_{stem}.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                country = iso2.get(row["iso2"])  # a few rows carry codes no state has
                if country in SAMPLE:
                    year = row["year ratification or accession"].strip()
                    yield country, code, WORDS[row["status"].strip()], int(year) if year else None


@needs_extract
def test_the_committed_seed_files_are_what_the_generator_writes():
    ratifications, snapshots = world_rows(EXTRACT)
    committed = (SEEDS_DIR / "ratifications" / NAME).read_text(encoding="utf-8")
    assert committed == csv_text(RATIFICATION_COLUMNS, ratifications)
    committed = (SEEDS_DIR / "snapshots" / NAME).read_text(encoding="utf-8")
    assert committed == csv_text(SNAPSHOT_COLUMNS, snapshots)


@needs_extract
def test_the_command_writes_both_files_into_a_seed_folder(tmp_path):
    for name in ("countries.csv", "country_aliases.csv", "instruments.csv"):
        (tmp_path / name).write_bytes((SEEDS_DIR / name).read_bytes())
    out = StringIO()
    call_command("world_status_seeds", str(EXTRACT), "--seeds", str(tmp_path), stdout=out)
    assert "ratifications/untc-2022.csv: 2264 rows" in out.getvalue()
    assert (tmp_path / "snapshots" / NAME).read_text() == (
        SEEDS_DIR / "snapshots" / NAME
    ).read_text()


@needs_extract
def test_a_sample_of_states_reads_as_the_extract_says(loaded):
    as_of = dt.date(2022, 8, 1)
    cells = m.treaty_cells(
        m.Ratification.objects.published().for_matrix(countries=SAMPLE, as_of=as_of),
        m.StatusSnapshot.objects.published().for_matrix(countries=SAMPLE),
        as_of,
    )
    checked = 0
    for country, code, status, year in extract_rows():
        cell = cells.get((country, code))
        assert cell is not None, (country, code)
        assert cell.status_as_of == status, (country, code)
        if status == "party" and year:
            assert cell.action_date == dt.date(year, 1, 1), (country, code)
        checked += 1
    # Gabon has no row in the CRC complaints protocol's file (Montserrat, no member, has one
    # instead): the one cell with no data.
    assert checked == len(SAMPLE) * 18 - 1
    assert ("GAB", "CRC-OP-IC") not in cells


def test_world_records_hold_years_only_and_cite_the_dataset(loaded):
    world = m.Ratification.objects.filter(source__key="untc-extract-2022")
    assert world.count() > 2000
    assert set(world.values_list("action_date_precision", flat=True)) == {m.Precision.YEAR}
    assert not world.exclude(action_date__month=1, action_date__day=1).exists()
    assert not world.filter(entry_into_force__isnull=False).exists()
    dataset = m.Source.objects.get(key="untc-extract-2022")
    assert dataset.kind == m.Source.Kind.DATASET
    assert (dataset.published_on, dataset.published_on_precision) == (
        dt.date(2022, 8, 1),
        m.Precision.MONTH,
    )


def test_curated_states_keep_their_day_precise_records_with_the_extract_beside(loaded):
    kaz_cat = m.Ratification.objects.get(country="KAZ", instrument="CAT")
    assert kaz_cat.key == "kaz-cat"
    assert (kaz_cat.action_date, kaz_cat.action_date_precision) == (
        dt.date(1998, 8, 26),
        m.Precision.DAY,
    )
    beside = m.StatusSnapshot.objects.get(key="untc-2022-kaz-cat")
    assert (beside.reported_status, beside.reported_year) == ("party", 1998)
    # Kazakhstan's 2023 law on the CRPD protocol is recorded, its UN deposit is not (one rule
    # for domestic acts, README): the curated record says signatory, and the extract does not
    # overrule it.
    crpd_op = m.Ratification.objects.with_status_as_of(dt.date(2024, 1, 1)).get(key="kaz-crpd-op")
    assert crpd_op.status_as_of == m.TreatyStatus.SIGNATORY
    assert m.StatusSnapshot.objects.get(key="untc-2022-kaz-crpd-op").reported_status == "signatory"


def test_russia_page_shows_its_status_from_the_shipped_data(loaded, client):
    html = client.get("/countries/RUS/").content.decode()
    assert "s-party" in html
    assert "Status of 18 core human-rights treaties" in html
    table = client.get("/treaties/").content.decode()
    assert table.count("s-no_data") == 1 + 1  # Gabon's cell, and the key's example
