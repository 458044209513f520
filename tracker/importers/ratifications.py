"""Merging treaty dates from an export into the tracker's ratification records.

The rules (shared by the UN Treaty Collection extract and OHCHR's dashboard data):

- a date the tracker lacks is filled in;
- a more precise date of the same period refines a less precise one (``2008`` -> ``2008-03-05``);
- a date is never replaced by a less precise one, nor by a different date from another source,
  nor by an earlier one than the tracker holds (a newer record wins over a snapshot);
- every date left alone is reported with the reason.
"""

import datetime as dt

from django.utils import timezone

from tracker import models as m
from tracker.importers.base import ImportResult, changed_fields, write_with_history

RANK = {m.Precision.DAY: 0, m.Precision.MONTH: 1, m.Precision.YEAR: 2}
DATE_FIELDS = ("signature_date", "action_date")
WRITE_FIELDS = [
    "signature_date",
    "signature_date_precision",
    "action",
    "action_date",
    "action_date_precision",
    "source",
    "locator",
    "updated_at",
]


def covers(period: dt.date, precision: str, day: dt.date) -> bool:
    """Whether ``day`` falls in the year or month that ``period`` (at ``precision``) stands for."""
    if precision == m.Precision.YEAR:
        return period.year == day.year
    if precision == m.Precision.MONTH:
        return (period.year, period.month) == (day.year, day.month)
    return period == day


def merge_date(current, current_precision, new, new_precision, own: bool) -> tuple[bool, str]:
    """Decide whether an offered date replaces the stored one: (take it?, why not)."""
    if current is None:
        return True, ""
    if (current, current_precision) == (new, new_precision):
        return False, ""
    shown = m.format_partial_date(current, current_precision)
    offered = m.format_partial_date(new, new_precision)
    if RANK[current_precision] < RANK[new_precision] and covers(new, new_precision, current):
        return False, f"the tracker holds a more precise date ({shown}) than the file ({offered})"
    if RANK[new_precision] < RANK[current_precision] and covers(current, current_precision, new):
        return True, ""
    if current > new:
        return False, f"the tracker holds a newer date ({shown}) than the file ({offered})"
    if own:
        return True, ""
    return False, f"the tracker holds {shown} from another source; the file says {offered}"


class RatificationMerger:
    """Collects offered dates per (country, instrument), then writes them in bulk."""

    def __init__(self, *, source: m.Source, reason: str, result: ImportResult, key_prefix: str):
        self.source = source
        self.reason = reason
        self.result = result
        self.key_prefix = key_prefix
        self.records = {
            (r.country_id, r.instrument_id): r for r in m.Ratification.objects.all().order_by()
        }
        self.keys = set(m.Ratification.objects.values_list("key", flat=True))
        self.created: dict[tuple[str, str], m.Ratification] = {}
        self.updated: dict[tuple[str, str], m.Ratification] = {}
        self.touched: set[tuple[str, str]] = set()
        self.fields: dict[tuple[str, str], list[str]] = {}  # what changes, per updated record

    def existing(self, country: str, instrument: str) -> m.Ratification | None:
        return self.records.get((country, instrument))

    def offer(
        self,
        country: str,
        instrument: str,
        *,
        locator: str,
        signature: tuple[dt.date, str] | None = None,
        action_date: tuple[dt.date, str] | None = None,
    ) -> None:
        """Offer a signature and/or consent date for one country and instrument."""
        pair = (country, instrument)
        self.touched.add(pair)
        record = self.records.get(pair)
        label = f"{country} {instrument}"
        if record is None:
            record = m.Ratification(
                key=self._new_key(country, instrument),
                country_id=country,
                instrument_id=instrument,
                status=m.Editorial.PUBLISHED,
                source=self.source,
                locator=locator,
            )
            if signature:
                record.signature_date, record.signature_date_precision = signature
            if action_date:
                record.action_date, record.action_date_precision = action_date
                record.action = m.Ratification.Action.RATIFICATION
            if not self._in_order(record, label):
                return
            self.records[pair] = self.created[pair] = record
            return
        own = record.source_id == self.source.pk
        before = {f: getattr(record, f) for f in WRITE_FIELDS if f not in ("updated_at", "source")}
        before["source_id"] = record.source_id
        for name, offered in (("signature_date", signature), ("action_date", action_date)):
            if offered is None:
                continue
            take, why = merge_date(
                getattr(record, name), getattr(record, f"{name}_precision"), *offered, own
            )
            if why:
                self.result.left_alone.append(f"{label} {name.replace('_', ' ')}: {why}")
            if take:
                setattr(record, name, offered[0])
                setattr(record, f"{name}_precision", offered[1])
        if record.action_date and not record.action:
            record.action = m.Ratification.Action.RATIFICATION
        changed = any(getattr(record, f) != v for f, v in before.items() if f != "source_id")
        if not changed:
            if pair not in self.created and pair not in self.updated:
                self.result.count("ratifications", "unchanged")
            return
        if not self._in_order(record, label):
            for f, v in before.items():
                setattr(record, f, v)
            return
        record.source = self.source
        record.locator = locator
        if pair not in self.created:
            self.updated[pair] = record
            fields = self.fields.setdefault(pair, [])
            fields += [f for f in changed_fields(before, record) if f not in fields]

    def report_newer(self, country: str, instrument: str, file_says: str) -> None:
        """The file shows less than the tracker holds (e.g. no action, a 2023 ratification)."""
        record = self.records.get((country, instrument))
        if record is None or (record.action_date is None and record.signature_date is None):
            return
        held = (
            f"{record.action or 'consent'} {record.action_display}"
            if record.action_date
            else f"signature {record.signature_display}"
        )
        self.result.left_alone.append(
            f"{country} {instrument}: the file says {file_says}; the tracker holds {held}"
        )
        if (country, instrument) not in self.touched:
            self.touched.add((country, instrument))
            self.result.count("ratifications", "unchanged")

    def _in_order(self, record: m.Ratification, label: str) -> bool:
        signed, consented = record.signature_date, record.action_date
        if signed and consented and consented < signed:
            self.result.left_alone.append(
                f"{label}: the consent date {record.action_display} would fall before the "
                f"signature date {record.signature_display}"
            )
            return False
        return True

    def _new_key(self, country: str, instrument: str) -> str:
        key = f"{country}-{instrument}".lower()
        if key in self.keys:
            key = f"{self.key_prefix}-{key}"
        self.keys.add(key)
        return key

    def save(self, *, write: bool = True) -> None:
        """Write the new and changed records in bulk, with the import as their history reason
        (without ``write``, check and count them only)."""
        now = timezone.now()
        # A source the check phase would create is not in the database yet to be checked.
        exclude = ["source"] if self.source._state.adding else []
        created = list(self.created.values())
        for record in created:
            record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            self.result.change("ratifications", m.Ratification, record.key, "created")
        updated = list(self.updated.values())
        for pair, record in self.updated.items():
            record.updated_at = now
            record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            self.result.change(
                "ratifications", m.Ratification, record.key, "updated", self.fields.get(pair, ())
            )
        write_with_history(
            m.Ratification,
            created,
            updated,
            WRITE_FIELDS,
            reason=self.reason,
            result=self.result,
            kind="ratifications",
            write=write,
        )
