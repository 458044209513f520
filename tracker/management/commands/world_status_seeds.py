"""``manage.py world_status_seeds <extract folder>``: the world's treaty status as seed files.

Reads the UN Treaty Collection extract (``hr_status_<code>.csv``, one per instrument) and writes,
in the seeds' own format:

- ``seeds/ratifications/untc-2022.csv``: one record per state party with a year, for every state
  but the curated ones (their day-precise records in ``seeds/ratifications.csv`` stay as they
  are), the year stored with year precision and no day;
- ``seeds/snapshots/untc-2022.csv``: what the extract says where it gives no year to record
  (signatories, no action, a party without a year), and every cell of the curated states, so
  that the extract's statement sits beside their own records as a dated fact.

Both cite the extract's dataset source (``untc-extract-2022`` in ``seeds/sources.csv``). Needs
no database: countries and aliases are read from the seed files themselves. The output is
sorted and stable, so re-running on the same extract changes nothing.
"""

import csv
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import models as m
from tracker.importers.base import (
    SKIP,
    ImportDataError,
    csv_records,
    normal,
    read_alias_file,
    rows_with_header,
)
from tracker.importers.untc import REQUIRED, _parse_row, extract_files, instrument_for
from tracker.seeds import SEEDS_DIR, read_rows

# States whose treaty records are curated from the Treaty Collection's own pages, to the day.
CURATED = ("KAZ", "KGZ", "UZB")
SOURCE_KEY = "untc-extract-2022"
AS_OF = "2022-08"  # the extract's last update (its README)
NAME = "untc-2022.csv"

RATIFICATION_COLUMNS = [
    "key",
    "country",
    "instrument",
    "signature_date",
    "action",
    "action_date",
    "entry_into_force",
    "domestic_act",
    "source",
    "locator",
    "status",
]
SNAPSHOT_COLUMNS = [
    "key",
    "country",
    "instrument",
    "as_of",
    "reported_status",
    "reported_action",
    "reported_year",
    "note",
    "source",
    "locator",
    "status",
]


class SeedCountryNames:
    """ISO3 codes from ISO2 codes, names and aliases, read from ``seeds/`` (no database)."""

    def __init__(self, seeds: Path):
        self.codes, self.by_iso2, self.by_name = set(), {}, {}
        for row in read_rows(seeds / "countries.csv"):
            self.codes.add(row["code"])
            self.by_iso2[row["iso2"]] = row["code"]
            self.by_name[normal(row["name"])] = row["code"]
        self.aliases = {}
        for row in read_alias_file(seeds / "country_aliases.csv"):
            self.aliases.setdefault(normal(row["alias"]), row.get("country", "").upper() or SKIP)

    def find(self, text: str) -> str | None:
        text = text.strip()
        if text.upper() in self.codes:
            return text.upper()
        if len(text) == 2 and text.upper() in self.by_iso2:
            return self.by_iso2[text.upper()]
        return self.by_name.get(normal(text)) or self.aliases.get(normal(text))


def world_rows(extract: Path, seeds: Path = SEEDS_DIR) -> tuple[list[dict], list[dict]]:
    """(ratification rows, snapshot rows) for the seed files, sorted by country and instrument."""
    countries = SeedCountryNames(seeds)
    position = {row["code"]: int(row["position"]) for row in read_rows(seeds / "instruments.csv")}
    ratifications, snapshots, seen = [], [], set()
    for file in extract_files(extract):
        code = instrument_for(file, None)
        rows = rows_with_header(csv_records(file.read_bytes(), file.name), file.name, REQUIRED)
        for row in rows:
            item = _parse_row(file.name, row, code, countries)
            if item is None:
                continue
            _name, line, country, code, status, year, _note = item
            if (country, code) in seen:
                raise ImportDataError(file.name, line, "iso2", country, "one row per state")
            seen.add((country, code))
            member = row.cells["member"].strip()
            common = {
                "country": country,
                "instrument": code,
                "source": SOURCE_KEY,
                "locator": f"{code} table, row for {member}",
                "status": m.Editorial.PUBLISHED,
            }
            key = f"untc-2022-{country}-{code}".lower()
            held = status == m.TreatyStatus.PARTY and year and country not in CURATED
            if held:
                ratifications.append(
                    {
                        "key": key,
                        **common,
                        "signature_date": "",
                        # The extract does not tell ratification from accession; the model needs
                        # a kind with the date, and the importer says ratification likewise.
                        "action": m.Ratification.Action.RATIFICATION,
                        "action_date": str(year),
                        "entry_into_force": "",
                        "domestic_act": "",
                    }
                )
            else:
                snapshots.append(
                    {
                        "key": key,
                        **common,
                        "as_of": AS_OF,
                        "reported_status": status,
                        "reported_action": "",
                        "reported_year": str(year or ""),
                        "note": "",
                    }
                )

    def order(row):
        return row["country"], position.get(row["instrument"], 99)

    return sorted(ratifications, key=order), sorted(snapshots, key=order)


def csv_text(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


class Command(BaseCommand):
    help = (
        "Write the world's treaty status from the UN Treaty Collection extract into "
        "seeds/ratifications/ and seeds/snapshots/ (the curated states' records are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("extract", help="The folder of hr_status_<code>.csv files.")
        parser.add_argument("--seeds", default=str(SEEDS_DIR), help="Seed directory.")

    def handle(self, *args, extract, seeds, **options):
        seeds = Path(seeds)
        try:
            ratifications, snapshots = world_rows(Path(extract), seeds)
        except ImportDataError as exc:
            raise CommandError(f"Nothing written. {exc}") from exc
        for kind, columns, rows in (
            ("ratifications", RATIFICATION_COLUMNS, ratifications),
            ("snapshots", SNAPSHOT_COLUMNS, snapshots),
        ):
            folder = seeds / kind
            folder.mkdir(exist_ok=True)
            (folder / NAME).write_text(csv_text(columns, rows), encoding="utf-8")
            self.stdout.write(f"{kind}/{NAME}: {len(rows)} rows")
