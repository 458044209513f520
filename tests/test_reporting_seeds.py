"""The reporting-status rows (``seeds/reporting/<cc>.yaml``, loaded as ``ReportingStatus``): they
parse, carry exactly the agreed columns, one row per committee, use partial dates the loader accepts
and cite sources that the seeds define; a published row names the report it rests on."""

import pytest
import yaml

from tracker.seeds import SEEDS_DIR, parse_partial_date, read_rows, seed_files

FIELDS = [
    "key",
    "country",
    "body",
    "last_report_symbol",
    "last_report_submitted_on",
    "next_report_due_on",
    "scheduled_review",
    "source",
    "locator",
    "status",
]
FILES = {"kaz": "KAZ", "kgz": "KGZ", "uzb": "UZB"}
# Each row's key is "<prefix>-<body>". Kazakhstan's rows were first loaded as
# "kaz-reporting-<body>" and keep those keys: the loader upserts on the key and cannot remove a
# row, so a renamed key would add a second row for the same state and committee, which the
# database refuses (one row per country and body), and every later load would stop there.
KEY_PREFIX = {"kaz": "kaz-reporting", "kgz": "kgz", "uzb": "uzb"}


def rows(name: str) -> list[dict]:
    return yaml.safe_load((SEEDS_DIR / "reporting" / f"{name}.yaml").read_text(encoding="utf-8"))


def source_keys() -> set[str]:
    return {
        row["key"]
        for kind, _m, _k, path in seed_files()
        if kind == "sources"
        for row in read_rows(path)
    }


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_reporting_row_has_the_agreed_columns_and_one_row_per_committee(name):
    loaded = rows(name)
    assert loaded
    for row in loaded:
        assert list(row) == FIELDS, row["key"]
        assert row["country"] == FILES[name]
        assert row["key"] == f"{KEY_PREFIX[name]}-{row['body'].lower()}"
        assert row["status"] in {"published", "draft"}
        assert row["locator"] and len(row["locator"]) <= 200
    bodies = [row["body"] for row in loaded]
    assert len(bodies) == len(set(bodies))


@pytest.mark.parametrize("name", sorted(FILES))
def test_reporting_dates_are_partial_dates_and_sources_exist(name):
    known = source_keys()
    for row in rows(name):
        for column in ("last_report_submitted_on", "next_report_due_on"):
            if row[column]:
                parse_partial_date(str(row[column]))
        if row["status"] == "published":
            assert row["source"] in known, row["key"]
            assert row["last_report_symbol"], row["key"]
        elif row["source"]:
            assert row["source"] in known, row["key"]
