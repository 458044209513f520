"""Writes that touch several rows. Admin, API, pages and commands all call these functions."""

from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import update_change_reason

from tracker.counts import deferred
from tracker.seeds import SEEDS_DIR, SeedError, convert_row, read_rows, seed_files


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
    """Create or update one record; returns "created", "updated" or "unchanged"."""
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
        obj._change_reason = reason
        obj.save()
        keys.remember(obj)
    for name, natural_keys in m2m.items():
        field = model._meta.get_field(name)
        wanted = {keys(field.related_model, k) for k in natural_keys}
        manager = getattr(obj, name)
        current = set(manager.values_list("pk", flat=True))
        if wanted != current:
            manager.set(wanted)
            if outcome == "unchanged":
                outcome = "updated"
                update_change_reason(obj, reason)
    return outcome


def seeds_load(*, directory: Path = SEEDS_DIR, dry_run: bool = False) -> dict[str, Counter]:
    """Upsert every seed file on natural keys, in one transaction.

    Returns per kind a Counter of created / updated / unchanged. A bad value anywhere raises
    ``SeedError`` (file, row, column, value, what was expected) and changes nothing.
    """
    counts: dict[str, Counter] = {}
    keys = NaturalKeys()
    # Each country is recounted once, at the end (tracker.counts).
    with transaction.atomic(), deferred():
        for kind, model, natural_key, path in seed_files(directory):
            counter = counts.setdefault(kind, Counter())
            for number, row in enumerate(read_rows(path), start=2 if path.suffix == ".csv" else 1):
                try:
                    values, m2m = convert_row(model, row, keys)
                    outcome = _upsert(model, natural_key, values, m2m, keys, f"seeds: {path.name}")
                except ValueError as exc:
                    column, value, expected = (exc.args + ("", "", ""))[:3]
                    raise SeedError(path.name, number, column, value, expected) from exc
                except ValidationError as exc:
                    field, messages = next(iter(exc.message_dict.items()))
                    raise SeedError(
                        path.name, number, field, str(row.get(field, "")), " ".join(messages)
                    ) from exc
                counter[outcome] += 1
        if dry_run:
            transaction.set_rollback(True)
    return counts


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
