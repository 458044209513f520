"""Writes that touch several rows or keep derived data. Admin, API, pages, commands and
importers all call these functions; no signal receiver keeps business data.

- ``record_save`` / ``record_delete``: any record; a counted one (concern, claim) is recounted
  only when something counted changed (``counts.counted_fields``, its themes), and a record
  others rest on (a source, a review) moves the records citing it when its status changes.
- ``assessment_save`` / ``assessment_delete``: also keep the assessed concern's or claim's
  current status (``counts.refresh_current_status``).
- ``records_publish`` / ``records_delete``: the admin's bulk actions, one recount at the end.
- ``seeds_load``: the curated files; importers run inside ``counts.deferred()`` and call
  ``counts.changed()`` for what they wrote in bulk.
"""

import contextlib
import datetime as dt
import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, update_change_reason

from tracker import counts
from tracker import models as m
from tracker.seeds import SEEDS_DIR, SeedError, convert_row, read_rows, seed_files

# Records and what derives from them ----------------------------------------------------------

# The columns of an assessment whose change can change which one is current, or of what.
ASSESSED = ("concern_id", "claim_id", "status", "assessor", "assessed_on", "verdict", "source_id")


def _atomic():
    """One transaction: the caller's when there is one (an admin or API request, an import),
    joined without a savepoint so that a write costs no extra queries; else a new one."""
    if transaction.get_connection().in_atomic_block:
        return contextlib.nullcontext()
    return transaction.atomic()


def _before(record, names: Iterable[str]) -> dict | None:
    """The stored values of ``names`` (column attnames) of a record about to be saved: as it
    was read (``EditorialModel.from_db``) or last saved here, else read now; None if new."""
    if record.pk is None:
        return None
    loaded = getattr(record, "_loaded", None)
    if loaded is not None and not record._state.adding and all(n in loaded for n in names):
        return {n: loaded[n] for n in names}
    return type(record)._base_manager.filter(pk=record.pk).values(*names).first()


def _remember(record, names: Iterable[str]) -> None:
    """What was just written is what the next save compares against."""
    values = {n: record.__dict__[n] for n in names if n in record.__dict__}
    record._loaded = {**getattr(record, "_loaded", {}), **values}


def _columns(record) -> list[str]:
    """The names of a record's columns but its primary key: what a full save writes."""
    return [f.name for f in record._meta.concrete_fields if not f.primary_key]


def _write(record, fields: Iterable[str] | None, reason: str | None) -> None:
    if reason:
        record._change_reason = reason[:100]  # the history's reason column holds 100
    if fields is None:
        record.save()
        return
    names = list(dict.fromkeys(fields))
    if "updated_at" not in names and any(
        f.name == "updated_at" for f in record._meta.concrete_fields
    ):
        names.append("updated_at")
    if names:
        record.save(update_fields=names)


def _links_moved(record, name: str) -> None:
    """A many-to-many link of ``record`` was changed: recount it if it is counted by it."""
    if type(record) in counts.OUTCOME and name in counts.COUNTED_LINKS:
        counts.changed({record.country_id}, links=False)
        counts.relinked(record)


def _links_set(record, links: Mapping[str, Iterable]) -> None:
    for name, value in links.items():
        manager = getattr(record, name)
        wanted = {getattr(v, "pk", v) for v in value}
        if wanted != set(manager.values_list("pk", flat=True)):
            manager.set(wanted)
            _links_moved(record, name)


def _resting_paths(model, target, prefix: str = ""):
    """The lookups from ``model`` to a ``target`` record it rests on (``RESTS_ON``, followed
    through: a concern rests on its review, which rests on its source)."""
    for name in getattr(model, "RESTS_ON", ()):
        related = model._meta.get_field(name).related_model
        if related is target:
            yield prefix + name
        yield from _resting_paths(related, target, f"{prefix}{name}__")


def _rested_on(model) -> bool:
    return model is m.Source or any(any(_resting_paths(c, model)) for c in counts.OUTCOME)


def _rested_on_changed(record) -> None:
    """``record`` (a source, a review) was published or taken back: the counted records resting
    on it change sides in the counts, and an assessment citing a source becomes (or stops
    being) a candidate for its record's current status."""
    target = type(record)
    if target is m.Source:
        cited = m.Assessment.objects.filter(source=record).values_list("concern_id", "claim_id")
        pairs = list(cited)
        counts.refresh_current_status(concerns={c for c, _ in pairs}, claims={c for _, c in pairs})
    for model in counts.OUTCOME:
        where = Q()
        for path in _resting_paths(model, target):
            where |= Q(**{path: record.pk})
        if where:
            counts.changed(
                model._default_manager.filter(where).values_list("country_id", flat=True),
                links=False,
            )


def record_save(
    *,
    record,
    fields: Iterable[str] | None = None,
    links: Mapping[str, Iterable] | None = None,
    reason: str | None = None,
):
    """Save ``record`` (only ``fields`` when given: a partial update) and set its many-to-many
    ``links`` ({field name: records or primary keys}), with ``reason`` in its history, and keep
    what derives from it: a concern or claim is recounted only when its country, editorial
    status, what it rests on or its themes changed, and its theme links rewritten only when its
    themes, country, date or key changed; a source or review whose status changed moves the
    records resting on it. Validation is the caller's (a form, a serializer,
    ``full_clean()``). Returns the record."""
    model = type(record)
    if model is m.Assessment:
        return assessment_save(assessment=record, fields=fields, links=links, reason=reason)
    counted = model in counts.OUTCOME
    if counted:  # what moves it in the counts, and what its theme links carry
        watched = tuple(
            dict.fromkeys((*counts.counted_fields(model), *counts.linked_fields(model)))
        )
    else:
        watched = ("status",) if _rested_on(model) else ()
    with _atomic(), counts.deferred():
        if counted:
            # The current status is the assessments' (``assessment_save``), never this copy's:
            # it may have been read before another editor's assessment changed it.
            derived = counts.OUTCOME[model]
            before = _before(record, (*watched, derived))
            if before is not None:
                setattr(record, derived, before[derived])
                written = _columns(record) if fields is None else fields
                fields = [n for n in written if n != derived]
        else:
            before = _before(record, watched) if watched else None
        _write(record, fields, reason)
        _links_set(record, links or {})
        moved = {n for n in watched if before is None or before[n] != getattr(record, n)}
        if counted:
            if moved & set(counts.counted_fields(model)):
                countries = {record.country_id, before["country_id"] if before else None}
                counts.changed(countries, links=False)
            if moved & set(counts.linked_fields(model)):
                counts.relinked(record)
        elif before is not None and before["status"] != record.status:
            _rested_on_changed(record)
        if watched:
            _remember(record, watched)
    return record


def record_links_save(*, record, links: Mapping[str, Iterable]) -> None:
    """Set many-to-many ``links`` of a saved record ({field name: records or primary keys}),
    recounting it when a counted link (its themes) changed."""
    with _atomic(), counts.deferred():
        _links_set(record, links)


def assessment_save(
    *,
    assessment,
    fields: Iterable[str] | None = None,
    links: Mapping[str, Iterable] | None = None,
    reason: str | None = None,
):
    """Save an assessment (as ``record_save``) and keep the current status of the concern or
    claim it judges (and of the one it judged before, if it was moved), with their counts.
    An edit that changes none of ``ASSESSED`` (its rationale, its reports) changes neither."""
    with _atomic(), counts.deferred():
        before = _before(assessment, ASSESSED)
        _write(assessment, fields, reason)
        _links_set(assessment, links or {})
        if before is None or any(before[n] != getattr(assessment, n) for n in ASSESSED):
            _assessed_changed(assessment, before)
        _remember(assessment, ASSESSED)
    return assessment


def _assessed_changed(assessment, before: dict | None) -> None:
    counts.refresh_current_status(
        concerns={assessment.concern_id, before and before["concern_id"]},
        claims={assessment.claim_id, before and before["claim_id"]},
    )


def assessment_delete(*, assessment, reason: str | None = None) -> None:
    """Delete an assessment and set its record's current status from those left."""
    if reason:
        assessment._change_reason = reason[:100]
    with _atomic(), counts.deferred():
        before = _before(assessment, ASSESSED) or {n: getattr(assessment, n) for n in ASSESSED}
        assessment.delete()
        _assessed_changed(assessment, before)


def record_delete(*, record, reason: str | None = None) -> None:
    """Delete ``record`` and keep what derives from it (``ProtectedError`` when other records
    depend on it, and nothing is deleted). A deleted theme's records may have no theme left."""
    model = type(record)
    if model is m.Assessment:
        assessment_delete(assessment=record, reason=reason)
        return
    if reason:
        record._change_reason = reason[:100]
    with _atomic(), counts.deferred():
        countries: set = set()
        if model in counts.OUTCOME:
            before = _before(record, ("country_id",)) or {}
            countries = {record.country_id, before.get("country_id")}
        elif model is m.Theme:
            for counted in counts.OUTCOME:
                tagged = counted._default_manager.filter(themes=record)
                countries |= set(tagged.values_list("country_id", flat=True).distinct())
        record.delete()  # its theme links go with it
        if countries:
            # A deleted theme's records may be left with no theme: their links are rewritten.
            counts.changed(countries, links=model is m.Theme)


def records_publish(*, records, status: str = m.Editorial.PUBLISHED, reason: str = "") -> int:
    """Publish ``records`` (a queryset; with ``status`` draft: take them back), each validated
    in full and saved with its history; every country they move is recounted once, at the end.
    A record that fails validation raises ``ValidationError`` naming it, and none is changed.
    Returns how many changed."""
    changed = 0
    with transaction.atomic(), counts.deferred():
        for record in records:
            if record.status == status:
                continue
            record.status = status
            try:
                record.full_clean()
            except ValidationError as exc:
                raise ValidationError(f"{record}: {'; '.join(exc.messages)}") from exc
            record_save(record=record, reason=reason or f"admin action: {status}")
            changed += 1
    return changed


def records_delete(*, records) -> int:
    """Delete each of ``records`` (a queryset) as ``record_delete`` does, recounting once at
    the end. Returns how many were deleted."""
    deleted = 0
    with transaction.atomic(), counts.deferred():
        for record in records:
            record_delete(record=record)
            deleted += 1
    return deleted


class NaturalKeys:
    """Resolves natural keys (ISO code, instrument code, record key) to primary keys, cached."""

    def __init__(self):
        self._cache: dict[type, dict[str, object]] = {}

    def _table(self, model) -> dict[str, object]:
        if model not in self._cache:
            if hasattr(model, "key"):
                self._cache[model] = dict(model.objects.values_list("key", "pk"))
            else:
                self._cache[model] = {
                    str(pk): pk for pk in model.objects.values_list("pk", flat=True)
                }
        return self._cache[model]

    def __call__(self, model, natural_key: str):
        try:
            return self._table(model)[natural_key]
        except KeyError:
            raise ValueError(f"the key of an existing {model._meta.verbose_name}") from None

    def remember(self, obj) -> None:
        table = self._table(type(obj))
        table[getattr(obj, "key", None) or str(obj.pk)] = obj.pk


def _upsert(model, natural_key, values, m2m, keys: NaturalKeys, reason: str) -> str:
    """Create or update one record, validated in full; returns "created", "updated" or
    "unchanged". For a few rows at a time (the tracker format's import); seed files go
    through ``FileLoader``."""
    lookup = {}
    for name in natural_key:
        field = model._meta.get_field(name)
        lookup[field.attname] = values[field.attname] if field.is_relation else values[name]
    obj = model.objects.filter(**lookup).first()
    outcome = "unchanged"
    if obj is None:
        obj = model(**values)
        outcome = "created"
    else:
        for attname, value in values.items():
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                outcome = "updated"
    if outcome != "unchanged":
        obj.full_clean()
        record_save(record=obj, reason=reason)
        keys.remember(obj)
    for name, natural_keys in m2m.items():
        field = model._meta.get_field(name)
        wanted = {keys(field.related_model, k) for k in natural_keys}
        manager = getattr(obj, name)
        current = set(manager.values_list("pk", flat=True))
        if wanted != current:
            manager.set(wanted)
            _links_moved(obj, name)
            if outcome == "unchanged":
                outcome = "updated"
                update_change_reason(obj, reason)
    return outcome


class FileLoader:
    """Upserts the rows of one seed file: existing records read in a few queries, new ones
    written in bulk (with their history), changed ones saved one by one.

    New records are checked field by field and by ``clean()`` as they are read; the database
    checks the constraints when they are written, and if it refuses a batch, each of its records
    is validated in full to name the row that was wrong. Changed records go through
    ``record_save``; for the new ones written in bulk the stored counts and current statuses
    they bear on are refreshed here (``tracker.counts``).
    """

    BATCH = 500

    def __init__(self, model, natural_key, keys: NaturalKeys, name: str):
        self.model, self.natural_key, self.keys, self.name = model, natural_key, keys, name
        self.reason = f"seeds: {name}"
        self.fields = [model._meta.get_field(n) for n in natural_key]
        self.m2m_names = [f.name for f in model._meta.many_to_many]
        self.references = [f.name for f in model._meta.concrete_fields if f.is_relation]
        # Records of ``model``, which is chosen at run time: typed Any.
        self.existing: dict[tuple, Any] = {}
        self.pending: list[tuple[int, Any, dict]] = []  # (row number, record, m2m pks)
        self.pending_keys: set[tuple] = set()

    def _lookup(self, values) -> tuple:
        return tuple(values[f.attname] if f.is_relation else values[f.name] for f in self.fields)

    def prefetch(self, rows: list[dict[str, str]]) -> None:
        """Read the file's existing records (and their many-to-many keys) in a few queries."""
        field = self.fields[0]
        if len(self.fields) != 1 or field.is_relation:
            return  # a composite key (stances): looked up row by row
        wanted = sorted({field.to_python((row.get(field.name) or "").strip()) for row in rows})
        for start in range(0, len(wanted), self.BATCH):
            chunk = wanted[start : start + self.BATCH]
            qs = self.model.objects.filter(**{f"{field.name}__in": chunk})
            if self.m2m_names:
                qs = qs.prefetch_related(*self.m2m_names)
            for obj in qs:
                self.existing[(getattr(obj, field.name),)] = obj

    def _current(self, lookup: tuple):
        if lookup in self.existing:
            return self.existing[lookup]
        if len(self.fields) == 1 and not self.fields[0].is_relation:
            return None  # prefetched: not there
        query = {f.attname: v for f, v in zip(self.fields, lookup, strict=True)}
        return self.model.objects.filter(**query).first()

    def _links(self, m2m: dict[str, list[str]]) -> dict[str, list]:
        return {
            name: [self.keys(self.model._meta.get_field(name).related_model, k) for k in ks]
            for name, ks in m2m.items()
        }

    def upsert(self, number: int, values: dict, m2m: dict[str, list[str]]) -> str:
        """Create (later, in bulk), update or leave one record; returns the outcome."""
        lookup = self._lookup(values)
        if lookup in self.pending_keys:
            self.flush()  # the same record twice in a file: the second row updates the first
        obj = self._current(lookup)
        if obj is None:
            obj = self.model(**values)
            # References were resolved from natural keys, so they exist: not looked up again.
            obj.full_clean(
                exclude=self.references, validate_unique=False, validate_constraints=False
            )
            try:
                links = self._links(m2m)
            except ValueError:
                # A link to a record of this file still waiting to be written (a concern's
                # earlier concern, a few rows above): write the waiting ones, then look again.
                self.flush()
                links = self._links(m2m)
            self.pending.append((number, obj, links))
            self.pending_keys.add(lookup)
            if len(self.pending) >= self.BATCH:
                self.flush()
            return "created"
        outcome = "unchanged"
        for attname, value in values.items():
            if getattr(obj, attname) != value:
                setattr(obj, attname, value)
                outcome = "updated"
        if outcome != "unchanged":
            obj.full_clean()
            record_save(record=obj, reason=self.reason)
        self.keys.remember(obj)
        for name, natural_keys in m2m.items():
            field = self.model._meta.get_field(name)
            wanted = {self.keys(field.related_model, k) for k in natural_keys}
            manager = getattr(obj, name)
            current = {related.pk for related in manager.all()}
            if wanted != current:
                manager.set(wanted)
                _links_moved(obj, name)
                if outcome == "unchanged":
                    outcome = "updated"
                    update_change_reason(obj, self.reason)
        return outcome

    def flush(self) -> None:
        """Write the new records held back so far, then their many-to-many links."""
        if not self.pending:
            return
        batch, self.pending, self.pending_keys = self.pending, [], set()
        objs = [obj for _n, obj, _m in batch]
        try:
            with transaction.atomic():
                if hasattr(self.model, "history"):
                    bulk_create_with_history(
                        objs, self.model, batch_size=self.BATCH, default_change_reason=self.reason
                    )
                else:
                    self.model.objects.bulk_create(objs, batch_size=self.BATCH)
        except IntegrityError as exc:
            # Find the row: write the batch again one record at a time, each validated in full
            # against what is already written (the load is rolled back by the error anyway).
            for number, obj, _links in batch:
                try:
                    obj.full_clean()
                    with transaction.atomic():
                        obj.save()
                except ValidationError as error:
                    field, messages = next(iter(error.message_dict.items()))
                    value = str(getattr(obj, field, "") or "")
                    raise SeedError(self.name, number, field, value, " ".join(messages)) from exc
                except IntegrityError as error:
                    raise SeedError(self.name, number, "", "", str(error)) from exc
            raise SeedError(self.name, batch[0][0], "", "", str(exc)) from exc
        for obj in objs:
            self.keys.remember(obj)
            self.existing[self._lookup(obj.__dict__)] = obj
        for _number, obj, links in batch:
            for name, pks in links.items():
                if pks:
                    getattr(obj, name).set(pks)
        if self.model in counts.OUTCOME:
            counts.changed({obj.country_id for obj in objs})
        if self.model is m.Assessment:
            counts.refresh_current_status(
                concerns={o.concern_id for o in objs}, claims={o.claim_id for o in objs}
            )


def seeds_load(*, directory: Path = SEEDS_DIR, dry_run: bool = False) -> dict[str, Counter]:
    """Upsert every seed file on natural keys, in one transaction.

    Returns per kind a Counter of created / updated / unchanged. A bad value anywhere raises
    ``SeedError`` (file, row, column, value, what was expected) and changes nothing.
    """
    counts_by_kind: dict[str, Counter] = {}
    keys = NaturalKeys()
    # Each country is recounted once, at the end (tracker.counts).
    with transaction.atomic(), counts.deferred():
        for kind, model, natural_key, path in seed_files(directory):
            counter = counts_by_kind.setdefault(kind, Counter())
            name = path.relative_to(directory).as_posix()  # reviews.yaml, reviews/kaz.yaml
            loader = FileLoader(model, natural_key, keys, name)
            rows = read_rows(path)
            loader.prefetch(rows)
            for number, row in enumerate(rows, start=2 if path.suffix == ".csv" else 1):
                values, m2m = _converted(model, row, keys, loader, name, number)
                try:
                    counter[loader.upsert(number, values, m2m)] += 1
                except ValueError as exc:
                    column, value, expected = (exc.args + ("", "", ""))[:3]
                    raise SeedError(name, number, column, value, expected) from exc
                except ValidationError as exc:
                    field, messages = next(iter(exc.message_dict.items()))
                    value = str(values.get(field, values.get(f"{field}_id", "")) or "")
                    raise SeedError(name, number, field, value, " ".join(messages)) from exc
            loader.flush()
        if dry_run:
            transaction.set_rollback(True)
    return counts_by_kind


def _converted(model, row, keys, loader: FileLoader, name: str, number: int):
    """A row's field values; a reference to a record held back for the bulk write (a concern
    citing an earlier one of the same file) writes those first."""
    for attempt in (1, 2):
        try:
            return convert_row(model, row, keys)
        except ValueError as exc:
            if attempt == 1 and loader.pending:
                loader.flush()
                continue
            column, value, expected = (exc.args + ("", "", ""))[:3]
            raise SeedError(name, number, column, value, expected) from exc


EDITORS_GROUP = "Editors"


def editors_group_ensure():
    """The Editors group, holding every permission on the tracker's models (created if missing)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="tracker"))
    return group


@transaction.atomic
def editor_create(*, username: str, password: str | None, email: str = ""):
    """Create (or promote) a staff user in the Editors group. Returns the user."""
    from django.contrib.auth.models import User

    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = True
    user.save()
    user.groups.add(editors_group_ensure())
    return user


def api_token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user, name: str = "", days: int | None = None) -> str:
    """A new API token for ``user``, valid ``days`` days (None: until revoked). Returns the token
    itself, which is not stored anywhere: only its digest is."""
    token = secrets.token_hex(20)
    expires = timezone.now() + dt.timedelta(days=days) if days else None
    m.ApiToken.objects.create(
        digest=api_token_digest(token), user=user, name=name[:100], expires_at=expires
    )
    return token
