"""The domain model: reference data, provenance, commitments, monitoring, claims and practice.

Reads live in the QuerySet classes below, named for the screen or endpoint they serve, so that the
HTML pages, the API and the admin run the same (fixed) number of queries.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # a str or a lazy translation; typing only

# Vocabularies ----------------------------------------------------------------------------------


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Editorial(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class TreatyStatus(models.TextChoices):
    PARTY = "party", _("party")
    SIGNATORY = "signatory", _("signatory")
    NONE = "none", _("none")


class Implementation(models.TextChoices):
    NOT_IMPLEMENTED = "not_implemented", _("not implemented")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("partially implemented")
    IMPLEMENTED = "implemented", _("implemented")
    REGRESSED = "regressed", _("regressed")
    NO_INFORMATION = "no_information", _("no information")


class Verification(models.TextChoices):
    CORROBORATED = "corroborated", _("corroborated")
    PARTLY_CORROBORATED = "partly_corroborated", _("partly corroborated")
    CONTESTED = "contested", _("contested")
    CONTRADICTED = "contradicted", _("contradicted")
    UNVERIFIED = "unverified", _("unverified")


def format_partial_date(value: dt.date | None, precision: str | None) -> str:
    """Render a date no more precisely than it is known: ``2020``, ``2020-06`` or ``2020-06-30``."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def check_precision(
    value: dt.date | None, precision: str | None, field: str
) -> dict[str, "StrOrPromise"]:
    """Errors for a date whose day or month contradicts its precision (year: 1 Jan; month: 1st)."""
    if value is None:
        return {}
    if not precision:
        return {f"{field}_precision": _("Say how precise the date is (day, month or year).")}
    if precision == Precision.YEAR and (value.month, value.day) != (1, 1):
        return {field: _("A year-only date is stored as 1 January of that year.")}
    if precision == Precision.MONTH and value.day != 1:
        return {field: _("A month-only date is stored as the first day of that month.")}
    return {}


def precision_field(verbose_name: "StrOrPromise") -> models.CharField:
    return models.CharField(
        verbose_name, max_length=5, choices=Precision.choices, blank=True, default=""
    )


def date_pair_constraint(model: str, field: str) -> models.CheckConstraint:
    """A date and its precision are both present or both absent."""
    return models.CheckConstraint(
        name=f"{model}_{field}_precision",
        condition=(Q(**{f"{field}__isnull": True}) & Q(**{f"{field}_precision": ""}))
        | (Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}_precision": ""})),
        violation_error_message=_("A date needs its precision, and a precision needs a date."),
    )


# Base classes ----------------------------------------------------------------------------------


def sees_drafts(user, model) -> bool:
    """The one rule for drafts: a user sees the drafts of ``model`` when they are active and
    hold its view permission (the Editors group, superusers). Being staff is not enough."""
    opts = model._meta
    return bool(
        user is not None
        and user.is_active
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def public_condition(model) -> Q:
    """The one rule for what the public sees: a record that is published and whose records it
    rests on (``model.RESTS_ON``: its source, a concern's review...) are public too, so that a
    published record never shows a draft through its links."""
    condition = Q(status=Editorial.PUBLISHED)
    if model.RESTS_ON:
        condition &= Q(RestsOnPublic(model))
    return condition


class RestsOnPublic(models.Expression):
    """True where no record a row rests on (``RESTS_ON``, followed through: a concern's
    review's source) is hidden. For each, "no linked record that is not public": a correlated
    NOT EXISTS on the related primary key, checked row by row. Written as "IS NULL OR IN (the
    public ones)", SQLite drove whole queries from the foreign key's index through the OR
    instead of from the country's: 30 s for a world-scale country page, not 50 ms.

    It writes the SQL that ``~Exists()`` of ORM subqueries gives, from the models' table and
    column names: resolving and compiling those nested subqueries for each use of the rule
    took a third of an API list request (7.2 against 4.9 ms in-process at world scale)."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, model, alias: str | None = None):
        super().__init__()
        self.model, self.alias = model, alias

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()  # the rows' table, as the query names it
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()  # the query became a subquery: its tables were renamed
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def get_group_by_cols(self):
        return []

    def as_sql(self, compiler, connection):
        quote = connection.ops.quote_name
        params: list = []

        def hidden(model, alias: str, depth: int) -> str:
            """True where the ``model`` row ``alias`` is not public."""
            params.append(Editorial.PUBLISHED)
            status = f"{alias}.{quote('status')} <> %s"
            return " OR ".join([status, *rests(model, alias, depth, "EXISTS")])

        def rests(model, alias: str, depth: int, test: str) -> list[str]:
            parts = []
            for name in model.RESTS_ON:
                field = model._meta.get_field(name)
                related = field.related_model._meta
                inner = quote(f"rests_{depth}")
                parts.append(
                    f"{test} (SELECT 1 FROM {quote(related.db_table)} {inner} WHERE "
                    f"{inner}.{quote(related.pk.column)} = {alias}.{quote(field.column)} AND "
                    f"({hidden(field.related_model, inner, depth + 1)}))"
                )
            return parts

        outer = compiler.quote_name_unless_alias(self.alias)
        return " AND ".join(rests(self.model, outer, 1, "NOT EXISTS")), params


def visible_link(field: str, model, user) -> Exists:
    """Rows whose foreign key ``field`` points at a ``model`` record ``user`` may see
    (``visible_to``), as a correlated EXISTS on its primary key. Written as ``field__in=`` the
    visible records, SQLite read every visible record first: 290 ms for one page of the claims
    API's stances at world scale, and seconds for pages of claims."""
    return Exists(model.objects.visible_to(user).filter(pk=OuterRef(field)))


class EditorialQuerySet(models.QuerySet):
    def published(self):
        """What anyone may see (``public_condition``)."""
        return self.filter(public_condition(self.model))

    def visible_to(self, user):
        """Everything for those who see drafts (``sees_drafts``), else ``published()``."""
        if sees_drafts(user, self.model):
            return self
        return self.published()


class EditorialModel(models.Model):
    """A record editors curate: it has a natural key, a source, a locator and an editorial state."""

    key = models.SlugField(
        max_length=120,
        unique=True,
        help_text=_(
            "Stable natural key used by seeds, imports and exports (e.g. kaz-claim-libel)."
        ),
    )
    status = models.CharField(
        max_length=9, choices=Editorial.choices, default=Editorial.DRAFT, db_index=True
    )
    source = models.ForeignKey(
        "tracker.Source", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    locator = models.CharField(
        max_length=200, blank=True, help_text=_("Where in the source: paragraph, section, row.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditorialQuerySet.as_manager()

    # The records this one rests on: it is public only when they are (``public_condition``).
    RESTS_ON: tuple[str, ...] = ("source",)

    # The row as read (``from_db``) or last saved by ``tracker.services``; not on a new record.
    _loaded: dict[str, Any]

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The row as read: ``tracker.services`` compares a save against it to tell whether
        # anything counted changed, without reading the row again.
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def clean(self):
        super().clean()
        if self.status == Editorial.PUBLISHED and self.source_id is None:
            raise ValidationError({"source": _("A published record must cite its source.")})

    @property
    def is_published(self) -> bool:
        return self.status == Editorial.PUBLISHED

    def __str__(self):
        return self.key


# Reference data --------------------------------------------------------------------------------


class Country(models.Model):
    """A state, keyed by its ISO 3166-1 alpha-3 code."""

    code = models.CharField(_("ISO alpha-3"), max_length=3, primary_key=True)
    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    name = models.CharField(max_length=100, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=100, blank=True)
    region = models.CharField(max_length=60, blank=True)
    un_member_since = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                name="country_code_upper",
                condition=Q(code__regex=r"^[A-Z]{3}$") & Q(iso2__regex=r"^[A-Z]{2}$"),
                violation_error_message=_("Codes are upper-case ISO 3166-1 letters."),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:country", args=[self.code])


class Body(models.Model):
    """Who monitors or recommends: a treaty body, the UPR, a special procedure, an NGO..."""

    class Kind(models.TextChoices):
        TREATY_BODY = "treaty_body", _("UN treaty body")
        UPR = "upr", _("Universal Periodic Review")
        SPECIAL_PROCEDURE = "special_procedure", _("UN special procedure")
        REGIONAL = "regional", _("regional organisation")
        NGO = "ngo", _("non-governmental organisation")
        NATIONAL = "national", _("national institution")
        OTHER = "other", _("other")

    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=300)
    name_ru = models.CharField(_("name (Russian)"), max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "bodies"

    def __str__(self):
        return self.code


class Instrument(models.Model):
    """A core UN human-rights treaty or optional protocol."""

    code = models.CharField(max_length=20, primary_key=True)
    title = models.CharField(max_length=300)
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    short_title = models.CharField(max_length=100)
    short_title_ru = models.CharField(_("short title (Russian)"), max_length=100, blank=True)
    adopted_on = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="protocols"
    )
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, null=True, blank=True, related_name="instruments"
    )
    untc_reference = models.CharField(
        _("UN Treaty Collection reference"), max_length=20, blank=True, help_text="e.g. IV-9"
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Order in tables."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return self.code


class Theme(models.Model):
    """The axis of comparison (freedom of expression, torture, ...)."""

    slug = models.SlugField(max_length=60, primary_key=True)
    name = models.CharField(max_length=120, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)
    description = models.TextField(blank=True)
    instruments = models.ManyToManyField(Instrument, blank=True, related_name="themes")
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(m2m_fields=[instruments])

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name


class BodyAlias(models.Model):
    """Another name of a body, as an export writes it: ``SR Torture``, a committee's full name.

    Importers find a body by its code, its name or one of these; editors add aliases in the
    admin when an export names a body another way."""

    alias = models.CharField(max_length=300, unique=True)
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="aliases")
    history = HistoricalRecords()

    class Meta:
        ordering = ["body_id", "alias"]
        verbose_name_plural = "body aliases"

    def __str__(self):
        return self.alias


class CountryAlias(models.Model):
    """Another name for a state in the UN's files: an old code (``TP``), a former or variant name
    (``Swaziland``), mapped to the tracker's country; with no country, a state the tracker does
    not hold (an observer such as the Holy See), whose rows an import skips."""

    alias = models.CharField(max_length=200, unique=True)
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
        help_text=_("Leave empty for a state the tracker does not hold: its rows are skipped."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name = "country alias"
        verbose_name_plural = "country aliases"

    def __str__(self):
        return f"{self.alias} → {self.country_id or '(not held)'}"


class ThemeAlias(models.Model):
    """A theme as the Universal Human Rights Index names it, and the tracker theme it counts
    under (several UHRI themes may share one)."""

    uhri_theme = models.CharField(_("UHRI theme"), max_length=300, unique=True)
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="uhri_aliases")
    history = HistoricalRecords()

    class Meta:
        ordering = ["theme_id", "uhri_theme"]
        verbose_name = "theme mapping"
        verbose_name_plural = "theme mappings"

    def __str__(self):
        return f"{self.uhri_theme} → {self.theme_id}"


class AffectedPerson(models.Model):
    """A group of people concerns are about, as UHRI names it (``Children``, ``Migrants``)."""

    slug = models.SlugField(max_length=120, primary_key=True)
    name = models.CharField(max_length=200, unique=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "affected persons group"
        verbose_name_plural = "affected persons"

    def __str__(self):
        return self.name


class SdgTarget(models.Model):
    """A target of the Sustainable Development Goals (``16.2``), with its short title."""

    code = models.CharField(max_length=10, primary_key=True, help_text="e.g. 16.2")
    name = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "SDG target"

    def __str__(self):
        return f"{self.code} {self.name}".strip()


# Provenance ------------------------------------------------------------------------------------


class Source(models.Model):
    """A document that records cite: UN document, government statement, NGO report, press..."""

    RESTS_ON: tuple[str, ...] = ()

    class Kind(models.TextChoices):
        UN_DOCUMENT = "un_document", _("UN document")
        GOVERNMENT = "government", _("government")
        NGO = "ngo", _("NGO")
        MEDIA = "media", _("media")
        ANALYSIS = "analysis", _("analysis")
        LEGAL_TEXT = "legal_text", _("legal text")
        DATASET = "dataset", _("dataset")

    key = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=400)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_on_precision = precision_field(_("publication date precision"))
    url = models.URLField(max_length=500, blank=True)
    symbol = models.CharField(
        _("document symbol"), max_length=100, blank=True, help_text="e.g. CCPR/C/KAZ/CO/2"
    )
    seed_file = models.CharField(
        max_length=100, blank=True, help_text=_("The shipped source document this record is.")
    )
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=9, choices=Editorial.choices, default=Editorial.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = EditorialQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "key"]
        constraints = [date_pair_constraint("source", "published_on")]

    def __str__(self):
        return self.title

    def clean(self):
        errors = check_precision(self.published_on, self.published_on_precision, "published_on")
        if errors:
            raise ValidationError(errors)

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published_on, self.published_on_precision)

    @property
    def document_link(self) -> str:
        return document_link(self.url, self.kind, self.symbol)

    def get_absolute_url(self):
        return reverse("tracker:source", args=[self.pk])


def document_link(url: str, kind: str, symbol: str) -> str:
    """Where a reader can open a source: its own address, else for a UN document with a symbol
    the UN's document resolver (``https://undocs.org/CCPR/C/KAZ/CO/2``), else nothing."""
    if url:
        return url
    if symbol and kind == Source.Kind.UN_DOCUMENT:
        return "https://undocs.org/" + quote(symbol.strip(), safe="/()")
    return ""


# Commitments -----------------------------------------------------------------------------------


# What a treaty table's cells never show of their source: the world table cites one source
# from 3,500 cells, and its notes were read (and its timestamps converted) once for each.
CELL_SOURCE_DEFERRED = ("source__notes", "source__created_at", "source__updated_at")


def treaty_scope(qs, countries=None, instruments=None):
    """``qs`` (ratifications or snapshots) narrowed to ``countries`` and ``instruments`` (None:
    all)."""
    if countries is not None:
        qs = qs.filter(country__in=countries)
    if instruments is not None:
        qs = qs.filter(instrument__in=instruments)
    return qs


class RatificationQuerySet(EditorialQuerySet):
    def with_status_as_of(self, as_of: dt.date | None = None):
        """Annotate ``status_as_of`` (party / signatory / none) derived from the stored dates.

        A date known only to the year or month counts from the first day of that period.
        """
        as_of = as_of or dt.date.today()
        return self.annotate(
            status_as_of=Case(
                When(action_date__lte=as_of, then=Value(TreatyStatus.PARTY)),
                When(signature_date__lte=as_of, then=Value(TreatyStatus.SIGNATORY)),
                default=Value(TreatyStatus.NONE),
                output_field=models.CharField(),
            )
        )

    def for_matrix(self, countries=None, instruments=None, as_of=None):
        """Rows of the treaty status table (country x instrument held), status as of a date."""
        qs = treaty_scope(self.with_status_as_of(as_of), countries, instruments)
        return (
            qs.select_related("source")
            .defer(*CELL_SOURCE_DEFERRED)
            .order_by("country_id", "instrument__position")
        )


class Ratification(EditorialModel):
    """A state's signature and consent to be bound (ratification, accession, succession)."""

    class Action(models.TextChoices):
        RATIFICATION = "ratification", _("ratification")
        ACCESSION = "accession", _("accession")
        SUCCESSION = "succession", _("succession")

    # Set by ``with_status_as_of()`` (and ``treaty_cells``): party / signatory / none on a date.
    status_as_of: str

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="ratifications")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="ratifications"
    )
    signature_date = models.DateField(null=True, blank=True)
    signature_date_precision = precision_field(_("signature date precision"))
    action = models.CharField(max_length=12, choices=Action.choices, blank=True)
    action_date = models.DateField(
        null=True, blank=True, help_text=_("Date of deposit of the instrument with the UN.")
    )
    action_date_precision = precision_field(_("action date precision"))
    entry_into_force = models.DateField(null=True, blank=True)
    domestic_act = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    objects: ClassVar = RatificationQuerySet.as_manager()

    class Meta:
        ordering = ["country_id", "instrument__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "instrument"],
                name="ratification_one_per_country_instrument",
                violation_error_message=_(
                    "This country already has a ratification record for this instrument."
                ),
            ),
            models.CheckConstraint(
                name="ratification_action_after_signature",
                condition=Q(signature_date__isnull=True)
                | Q(action_date__isnull=True)
                | Q(action_date__gte=F("signature_date")),
                violation_error_message=_("The action date cannot be before the signature date."),
            ),
            models.CheckConstraint(
                name="ratification_action_has_date",
                condition=(Q(action="") & Q(action_date__isnull=True))
                | (~Q(action="") & Q(action_date__isnull=False)),
                violation_error_message=_(
                    "Ratification, accession or succession needs its date, and a date its kind."
                ),
            ),
            date_pair_constraint("ratification", "signature_date"),
            date_pair_constraint("ratification", "action_date"),
        ]

    def __str__(self):
        return f"{self.country_id} / {self.instrument_id}"

    def clean(self):
        super().clean()
        errors: dict[str, StrOrPromise] = {}
        errors |= check_precision(
            self.signature_date, self.signature_date_precision, "signature_date"
        )
        errors |= check_precision(self.action_date, self.action_date_precision, "action_date")
        if errors:
            raise ValidationError(errors)

    def status_on(self, day: dt.date) -> str:
        if self.action_date and self.action_date <= day:
            return TreatyStatus.PARTY
        if self.signature_date and self.signature_date <= day:
            return TreatyStatus.SIGNATORY
        return TreatyStatus.NONE

    @property
    def is_party(self) -> bool:
        return self.action_date is not None and self.action_date <= dt.date.today()

    @property
    def signature_display(self) -> str:
        return format_partial_date(self.signature_date, self.signature_date_precision)

    @property
    def action_display(self) -> str:
        return format_partial_date(self.action_date, self.action_date_precision)


# Where the tracker holds nothing for a state and a treaty: neither a record nor a source's
# statement. Not a treaty status (nothing says "no action"), so not among TreatyStatus.
NO_DATA = "no_data"


class StatusSnapshotQuerySet(EditorialQuerySet):
    def for_matrix(self, countries=None, instruments=None):
        """Snapshots behind the cells of a treaty table, each with its source."""
        qs = treaty_scope(self, countries, instruments)
        return (
            qs.select_related("source")
            .defer(*CELL_SOURCE_DEFERRED)
            .order_by("country_id", "instrument_id", "-as_of")
        )


class SnapshotStatus:
    """A cell's treaty status read from a source's dated statement (a ``StatusSnapshot``), where
    the tracker holds no record of the state's own action. Reads like a ratification where the
    treaty tables need it (``status_as_of``, ``action_date``, ``source``)."""

    signature_date = None

    def __init__(self, snapshot: "StatusSnapshot", status: str):
        self.snapshot = snapshot
        self.status_as_of = status
        self.source = snapshot.source
        self.status = snapshot.status
        year = snapshot.reported_year
        self.action_date = dt.date(year, 1, 1) if year and status == TreatyStatus.PARTY else None


def snapshot_statuses(snapshots, day: dt.date) -> dict[tuple[str, str], SnapshotStatus]:
    """Per (country, instrument), the status that the snapshots say held on ``day``.

    The newest statement valid on ``day`` counts. Before the first one, only what it implies:
    no action then means none before; a party with its year was none before that year. A
    signatory (no date of signature) or a party without a year says nothing about earlier
    days, so such a cell is left out (no data).
    """
    by_cell: dict[tuple[str, str], list] = {}
    for snapshot in snapshots:
        by_cell.setdefault((snapshot.country_id, snapshot.instrument_id), []).append(snapshot)
    statuses = {}
    for cell, items in by_cell.items():
        items.sort(key=lambda s: s.as_of, reverse=True)
        valid = next((s for s in items if s.as_of <= day), None)
        if valid is not None:
            statuses[cell] = SnapshotStatus(valid, valid.reported_status)
            continue
        first = items[-1]
        if first.reported_status == TreatyStatus.NONE:
            statuses[cell] = SnapshotStatus(first, TreatyStatus.NONE)
        elif first.reported_status == TreatyStatus.PARTY and first.reported_year:
            party = dt.date(first.reported_year, 1, 1) <= day
            statuses[cell] = SnapshotStatus(
                first, TreatyStatus.PARTY if party else TreatyStatus.NONE
            )
    return statuses


def treaty_cells(ratifications, snapshots, day: dt.date | None = None) -> dict:
    """Per (country, instrument): the ratification record (status as of ``day``, from
    ``for_matrix``) or, where there is none, the snapshots' ``SnapshotStatus``. A cell missing
    from the result is one the tracker holds nothing on: "no data"."""
    cells: dict = snapshot_statuses(snapshots, day or dt.date.today())
    cells.update({(r.country_id, r.instrument_id): r for r in ratifications})
    return cells


class StatusSnapshot(EditorialModel):
    """What one source said a treaty's status was for a state at a date (e.g. a 2021 table).

    Kept as that source's dated statement, beside the current record in ``Ratification``; it
    never changes the current record.
    """

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="snapshots")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateField(help_text=_("The date the source's statement is valid for."))
    as_of_precision = precision_field(_("as-of precision"))
    reported_status = models.CharField(max_length=9, choices=TreatyStatus.choices)
    reported_action = models.CharField(
        max_length=12, choices=Ratification.Action.choices, blank=True
    )
    reported_year = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    objects: ClassVar = StatusSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["country_id", "instrument__position", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "instrument", "source"], name="snapshot_one_per_source"
            ),
            date_pair_constraint("snapshot", "as_of"),
        ]


class Reservation(EditorialModel):
    """A reservation, declaration, objection, or acceptance of a complaint/inquiry procedure."""

    RESTS_ON = ("source", "ratification")

    class Kind(models.TextChoices):
        RESERVATION = "reservation", _("reservation")
        DECLARATION = "declaration", _("declaration")
        OBJECTION = "objection", _("objection")
        ACCEPTANCE = "acceptance", _("acceptance of a procedure")

    ratification = models.ForeignKey(
        Ratification, on_delete=models.CASCADE, related_name="reservations"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    article = models.CharField(max_length=60, blank=True)
    summary = models.TextField()
    made_on = models.DateField(null=True, blank=True)
    made_on_precision = precision_field(_("date precision"))
    withdrawn_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["ratification_id", "made_on"]
        constraints = [
            date_pair_constraint("reservation", "made_on"),
            models.CheckConstraint(
                name="reservation_withdrawn_after_made",
                condition=Q(withdrawn_on__isnull=True)
                | Q(made_on__isnull=True)
                | Q(withdrawn_on__gte=F("made_on")),
                violation_error_message=_("A reservation cannot be withdrawn before it was made."),
            ),
        ]


class Indicator(models.Model):
    """A measured figure tracked over time (e.g. women's share of seats in parliament)."""

    slug = models.SlugField(max_length=80, primary_key=True)
    name = models.CharField(max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    unit = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="indicators")
    history = HistoricalRecords(m2m_fields=[themes])

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name


class Pledge(EditorialModel):
    """A commitment outside treaties: action plan, road map, quota, accepted UPR recommendation."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="pledges")
    themes = models.ManyToManyField(Theme, blank=True, related_name="pledges")
    summary = models.TextField()
    responsible = models.CharField(max_length=200, blank=True)
    made_on = models.DateField(null=True, blank=True)
    made_on_precision = precision_field(_("date precision"))
    due_by = models.DateField(null=True, blank=True)
    due_by_precision = precision_field(_("due date precision"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges"
    )
    target_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_unit = models.CharField(max_length=40, blank=True)
    concerns = models.ManyToManyField("tracker.Concern", blank=True, related_name="pledges")
    history = HistoricalRecords(m2m_fields=[themes, concerns])

    class Meta:
        ordering = ["country_id", "-made_on"]
        constraints = [
            date_pair_constraint("pledge", "made_on"),
            date_pair_constraint("pledge", "due_by"),
        ]

    def clean(self):
        super().clean()
        errors = check_precision(self.made_on, self.made_on_precision, "made_on")
        errors |= check_precision(self.due_by, self.due_by_precision, "due_by")
        if self.target_value is not None and not self.target_unit:
            errors["target_unit"] = _("A numeric target needs its unit.")
        if errors:
            raise ValidationError(errors)


# Monitoring ------------------------------------------------------------------------------------


class Review(EditorialModel):
    """One body's examination of one country, published as a document (concluding observations)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="reviews")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reviews")
    symbol = models.CharField(max_length=100, help_text="e.g. CCPR/C/KAZ/CO/2")
    adopted_on = models.DateField(null=True, blank=True)
    adopted_on_precision = precision_field(_("date precision"))
    cycle = models.CharField(max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country_id", "-adopted_on"]
        constraints = [
            models.UniqueConstraint(fields=["symbol", "country"], name="review_symbol_country"),
            date_pair_constraint("review", "adopted_on"),
        ]

    def __str__(self):
        return self.symbol

    def clean(self):
        super().clean()
        errors = check_precision(self.adopted_on, self.adopted_on_precision, "adopted_on")
        if errors:
            raise ValidationError(errors)


def period_end(value: dt.date, precision: str) -> dt.date:
    """The last day a partial date can mean: 31 December for a year, the month's last day."""
    if precision == Precision.YEAR:
        return dt.date(value.year, 12, 31)
    if precision == Precision.MONTH:
        following = dt.date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return value


class ReportingStatus(EditorialModel):
    """Where a state stands in reporting to one treaty body, as the UN treaty body database
    shows it: the last report submitted, the next one due and the review scheduled.

    Whether the next report is overdue is not stored: it depends on the day asked about
    (``overdue_on``).
    """

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reporting")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="reporting")
    last_report_symbol = models.CharField(max_length=100, blank=True, help_text="e.g. CCPR/C/KAZ/3")
    last_report_submitted_on = models.DateField(null=True, blank=True)
    last_report_submitted_on_precision = precision_field(_("submission date precision"))
    next_report_due_on = models.DateField(null=True, blank=True)
    next_report_due_on_precision = precision_field(_("due date precision"))
    scheduled_review = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The review the body has scheduled, e.g. 148th session, March 2027."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting status")
        verbose_name_plural = _("reporting statuses")
        ordering = ["country_id", "body_id"]
        constraints = [
            models.UniqueConstraint(fields=["country", "body"], name="reporting_country_body"),
            date_pair_constraint("reporting", "last_report_submitted_on"),
            date_pair_constraint("reporting", "next_report_due_on"),
        ]

    def __str__(self):
        return f"{self.country_id} {self.body_id}"

    def clean(self):
        super().clean()
        errors = check_precision(
            self.last_report_submitted_on,
            self.last_report_submitted_on_precision,
            "last_report_submitted_on",
        )
        errors |= check_precision(
            self.next_report_due_on, self.next_report_due_on_precision, "next_report_due_on"
        )
        if errors:
            raise ValidationError(errors)

    def overdue_on(self, day: dt.date) -> bool | None:
        """Whether the next report is overdue on ``day``: the whole period it is due in (the
        day, month or year) has passed. None when no due date is recorded."""
        if self.next_report_due_on is None:
            return None
        return day > period_end(self.next_report_due_on, self.next_report_due_on_precision)

    @property
    def last_report_display(self) -> str:
        return format_partial_date(
            self.last_report_submitted_on, self.last_report_submitted_on_precision
        )

    @property
    def next_due_display(self) -> str:
        return format_partial_date(self.next_report_due_on, self.next_report_due_on_precision)


# The committees states report to, in the order the UN treaty body database lists them.
REPORTING_BODIES = ("CCPR", "CESCR", "CAT", "CEDAW", "CERD", "CRC", "CRPD", "CED", "CMW")
# The country page lists their reviews too, with the Subcommittee's visits and the UPR's cycles.
REVIEW_BODIES = (*REPORTING_BODIES, "SPT", "UPR")


def reporting_for_country(country, user=None) -> list[tuple[Body, ReportingStatus | None]]:
    """The country page's reporting section: each body of ``REVIEW_BODIES`` with the
    country's reporting status for it (None where none is recorded or visible), and on the body
    its latest visible review of the country as ``latest_review`` (a Review, or None). One query:
    the committees with their status row, if any, joined in and the latest review's symbol and
    date as subqueries."""
    condition = Q(reporting__country=country)
    # The one rule (a published row citing a draft source is not shown, nor is its source's
    # title), as an annotation: a FilteredRelation's condition cannot hold a subquery.
    latest = (
        Review.objects.visible_to(user)
        .filter(country=country, body=OuterRef("code"))
        .order_by(F("adopted_on").desc(nulls_last=True), "-pk")
    )
    names = [f.attname for f in ReportingStatus._meta.concrete_fields]
    review_fields = ("symbol", "adopted_on", "adopted_on_precision")
    bodies = (
        Body.objects.filter(code__in=REVIEW_BODIES)
        .annotate(row=FilteredRelation("reporting", condition=condition))
        .annotate(
            **{f"row_{name}": F(f"row__{name}") for name in names},
            row_source_title=F("row__source__title"),
            row_shown=visible_link("row__pk", ReportingStatus, user),
            **{f"review_{name}": Subquery(latest.values(name)[:1]) for name in review_fields},
        )
    )
    result: list[tuple[Body, ReportingStatus | None]] = []
    body: Any  # a Body with the annotations above, whose names are made at run time
    for body in sorted(bodies, key=lambda b: REVIEW_BODIES.index(b.code)):
        row = None
        if body.row_id is not None and body.row_shown:
            row = ReportingStatus(**{name: getattr(body, f"row_{name}") for name in names})
            if row.source_id is not None:
                row.source = Source(pk=row.source_id, title=body.row_source_title)
        body.latest_review = None
        if body.review_symbol:
            body.latest_review = Review(
                **{name: getattr(body, f"review_{name}") for name in review_fields}
            )
        result.append((body, row))
    return result


def latest_assessment(field: str):
    """Subquery: the verdict of the newest public editors' assessment of the outer row (one
    citing a draft source is not public, so its verdict is not shown either)."""
    return Subquery(
        Assessment.objects.filter(
            Q(source__isnull=True) | Q(source__in=Source.objects.published().values("pk")),
            **{field: OuterRef("pk")},
            assessor=Assessment.Assessor.EDITOR,
            status="published",
        )
        .order_by("-assessed_on", "-pk")
        .values("verdict")[:1]
    )


CONCERN_FTS = "tracker_concern_fts"  # SQLite's FTS5 index of concerns (migration 0002)


class ConcernQuerySet(EditorialQuerySet):
    def newest_first(self):
        """Newest recorded first (descending id). After a search (``tracker.search``) on SQLite
        this is the full-text index's own order, so the first matches come without sorting all
        of them."""
        if CONCERN_FTS in self.query.extra_tables:
            return self.order_by(RawSQL(f"{CONCERN_FTS}.rowid", ()).desc())
        return self.order_by("-pk")

    def for_comparison(self, countries, theme=None):
        qs = self.filter(country__in=countries)
        if theme is not None:
            qs = qs.filter(themes=theme)
        return (
            qs.select_related("body", "review", "source")
            .prefetch_related("themes")
            .order_by("-issued_on", "key")
        )


class Concern(EditorialModel):
    """One paragraph of a review: a concern, a recommendation or a positive aspect."""

    RESTS_ON = ("source", "review")
    SELF_PREVIOUS = _("A concern cannot be listed as an earlier version of itself.")

    class Kind(models.TextChoices):
        CONCERN = "concern", _("concern")
        RECOMMENDATION = "recommendation", _("recommendation")
        POSITIVE_ASPECT = "positive_aspect", _("positive aspect")

    class Position(models.TextChoices):
        SUPPORTED = "supported", _("supported")
        SUPPORTED_IN_PART = "supported_in_part", _("supported in part")
        NOTED = "noted", _("noted")

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="concerns")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="concerns")
    issued_on = models.DateField(null=True, blank=True)
    issued_on_precision = precision_field(_("date precision"))
    paragraph = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RECOMMENDATION)
    themes = models.ManyToManyField(Theme, blank=True, related_name="concerns")
    affected_groups = models.CharField(max_length=300, blank=True)
    summary = models.TextField(help_text=_("The concern, in the tracker's own words."))
    recommendation = models.TextField(blank=True, help_text=_("What the body recommended."))
    follow_up = models.BooleanField(default=False, help_text=_("Marked for follow-up."))
    previous = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="later",
        help_text=_("The same concern raised in earlier cycles."),
    )
    external_id = models.CharField(
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Identifier in an external export, e.g. UHRI AnnotationId."),
    )
    recommending_state = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The state under review's answer to a UPR recommendation (not an order: ``position`` on
    # instruments and themes is their place in tables).
    upr_position = models.CharField(
        _("UPR position"), max_length=17, choices=Position.choices, blank=True
    )
    upr_session = models.CharField(_("UPR session"), max_length=40, blank=True)
    affected_persons = models.ManyToManyField(AffectedPerson, blank=True, related_name="concerns")
    sdg_targets = models.ManyToManyField(SdgTarget, blank=True, related_name="concerns")
    published_on_uhri = models.DateField(
        _("published in the UHRI"), null=True, blank=True, help_text=_("When the index added it.")
    )
    # The verdict of the newest published editors' assessment, kept by
    # ``counts.refresh_current_status`` (called by ``services.assessment_save``): pages count
    # concerns by it with a GROUP BY on an index instead of a subquery per concern. Derived:
    # ``services.record_save`` never writes it back from an edited copy; a history row holds
    # it as that save read it (empty in rows written before it was kept there), and a revert
    # does not restore it.
    implementation = models.CharField(
        max_length=21,
        choices=Implementation.choices,
        default=Implementation.NO_INFORMATION,
        db_default=Implementation.NO_INFORMATION,
        editable=False,
    )
    history = HistoricalRecords(m2m_fields=[themes, affected_persons, sdg_targets])

    objects: ClassVar = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "key"]
        indexes = [
            # A country's newest concerns in the list's own order, date then key: the country
            # page's newest five in each theme stop after five rows, with nothing to sort
            # (world scale, SQLite: the page's SQL 47 ms to 38 ms; 447 ms to 38 ms on a
            # database not analysed since the index below was added).
            models.Index(
                fields=["country", "status", "-issued_on", "key"], name="concern_country_newest"
            ),
            # The default order of every list: unfiltered pages read 50 rows instead of sorting
            # all of them (250,000 concerns: 290 ms to 10 ms on SQLite).
            models.Index(fields=["-issued_on", "key"], name="concern_listed_order"),
            # Counts by status per country (home grid, compare page) from the index alone, and
            # the count of a country's public concerns (``public_condition`` reads the source
            # and review ids): at world scale on SQLite 9.8 ms to 2.4 ms, as the rows themselves
            # are no longer read.
            models.Index(fields=["country", "status", "implementation", "source", "review"]),
        ]
        constraints = [date_pair_constraint("concern", "issued_on")]

    def clean(self):
        super().clean()
        errors = check_precision(self.issued_on, self.issued_on_precision, "issued_on")
        review = self.review if self.review_id else None
        if review is not None and review.country_id != self.country_id:
            errors["review"] = _("The review is of another country.")
        if review is not None and review.body_id != self.body_id:
            errors["review"] = _("The review is by another body.")
        if errors:
            raise ValidationError(errors)

    @property
    def issued_display(self) -> str:
        return format_partial_date(self.issued_on, self.issued_on_precision)

    def get_absolute_url(self):
        return reverse("tracker:concern", args=[self.pk])


# Claims and practice ---------------------------------------------------------------------------


class ClaimQuerySet(EditorialQuerySet):
    def for_comparison(self, countries, theme=None):
        qs = self.filter(country__in=countries)
        if theme is not None:
            qs = qs.filter(themes=theme)
        return qs.select_related("source").prefetch_related("themes").order_by("-stated_on", "key")


class Claim(EditorialModel):
    """What a government says it did (a law, an institution, a policy...)."""

    class Kind(models.TextChoices):
        LAW = "law", _("law")
        INSTITUTION = "institution", _("institution")
        POLICY = "policy", _("policy")
        TREATY_ACTION = "treaty_action", _("treaty action")
        PRACTICE = "practice", _("practice")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="claims")
    themes = models.ManyToManyField(Theme, blank=True, related_name="claims")
    kind = models.CharField(max_length=13, choices=Kind.choices)
    summary = models.TextField()
    action_on = models.DateField(null=True, blank=True, help_text=_("When the action happened."))
    action_on_precision = precision_field(_("action date precision"))
    stated_on = models.DateField(null=True, blank=True, help_text=_("When it was claimed."))
    stated_on_precision = precision_field(_("statement date precision"))
    legal_reference = models.CharField(max_length=200, blank=True)
    concerns = models.ManyToManyField(Concern, blank=True, related_name="claims")
    # The verdict of the newest published editors' assessment (see Concern.implementation).
    verification = models.CharField(
        max_length=21,
        choices=Verification.choices,
        default=Verification.UNVERIFIED,
        db_default=Verification.UNVERIFIED,
        editable=False,
    )
    history = HistoricalRecords(m2m_fields=[themes, concerns])

    objects: ClassVar = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-stated_on", "key"]
        indexes = [
            # A country's newest claims (compare page; country page, newest five in each theme)
            # in the list's own order, date then key, so that nothing is sorted (world scale,
            # SQLite: the country page's claims 16 ms to 12 ms).
            models.Index(
                fields=["country", "status", "-stated_on", "key"], name="claim_country_newest"
            ),
            # ... and its newest by date of action, else of statement (country page timeline).
            models.Index(
                F("country"),
                F("status"),
                Coalesce("action_on", "stated_on"),
                name="claim_country_day",
            ),
        ]
        constraints = [
            date_pair_constraint("claim", "action_on"),
            date_pair_constraint("claim", "stated_on"),
        ]

    def clean(self):
        super().clean()
        errors = check_precision(self.action_on, self.action_on_precision, "action_on")
        errors |= check_precision(self.stated_on, self.stated_on_precision, "stated_on")
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return reverse("tracker:claim", args=[self.pk])


class Report(EditorialModel):
    """Reported practice: what an independent source observed over a period."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reports")
    themes = models.ManyToManyField(Theme, blank=True, related_name="reports")
    summary = models.TextField()
    observed_from = models.DateField(null=True, blank=True)
    observed_from_precision = precision_field(_("start precision"))
    observed_to = models.DateField(null=True, blank=True)
    observed_to_precision = precision_field(_("end precision"))
    concerns = models.ManyToManyField(Concern, blank=True, related_name="reports")
    claims = models.ManyToManyField(
        Claim, through="tracker.Stance", blank=True, related_name="reports"
    )
    history = HistoricalRecords(m2m_fields=[themes, concerns])

    class Meta:
        ordering = ["-observed_from", "key"]
        # A country's newest reports (its timeline) without sorting all of them.
        indexes = [models.Index(fields=["country", "status", "observed_from"])]
        constraints = [
            date_pair_constraint("report", "observed_from"),
            date_pair_constraint("report", "observed_to"),
            models.CheckConstraint(
                name="report_period_in_order",
                condition=Q(observed_to__isnull=True)
                | Q(observed_from__isnull=True)
                | Q(observed_to__gte=F("observed_from")),
                violation_error_message=_("The observed period ends before it starts."),
            ),
        ]

    def clean(self):
        super().clean()
        errors = check_precision(self.observed_from, self.observed_from_precision, "observed_from")
        errors |= check_precision(self.observed_to, self.observed_to_precision, "observed_to")
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return reverse("tracker:report", args=[self.pk])


class Stance(models.Model):
    """How a report bears on a government's claim."""

    class Kind(models.TextChoices):
        SUPPORTS = "supports", _("supports")
        CONTRADICTS = "contradicts", _("contradicts")
        QUALIFIES = "qualifies", _("qualifies")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="stances")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="stances")
    stance = models.CharField(max_length=11, choices=Kind.choices)
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_id", "report_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "claim"], name="stance_one_per_pair")
        ]

    def __str__(self):
        return f"report {self.report_id} {self.stance} claim {self.claim_id}"


class Assessment(EditorialModel):
    """A dated judgement on a concern (implementation) or on a claim (verification).

    Assessments are history: the newest published editors' assessment is the current one.
    """

    RESTS_ON = ("source", "concern", "claim")

    class Assessor(models.TextChoices):
        EDITOR = "editor", _("tracker editors")
        TREATY_BODY = "treaty_body", _("treaty body follow-up")
        GOVERNMENT = "government", _("government")
        NGO = "ngo", _("NGO")

    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="assessments"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="assessments"
    )
    verdict = models.CharField(max_length=21, choices=Implementation.choices + Verification.choices)
    grade = models.CharField(
        max_length=2, blank=True, help_text=_("A body's own grade, e.g. A to E in CCPR follow-up.")
    )
    assessor = models.CharField(max_length=11, choices=Assessor.choices, default=Assessor.EDITOR)
    assessed_on = models.DateField()
    rationale = models.TextField()
    reports = models.ManyToManyField(Report, blank=True, related_name="assessments")
    history = HistoricalRecords(m2m_fields=[reports])

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        indexes = [
            models.Index(fields=["concern", "assessor", "status", "assessed_on"]),
            models.Index(fields=["claim", "assessor", "status", "assessed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="assessment_of_concern_or_claim",
                condition=(
                    Q(concern__isnull=False, claim__isnull=True)
                    & Q(verdict__in=Implementation.values)
                )
                | (
                    Q(concern__isnull=True, claim__isnull=False)
                    & Q(verdict__in=Verification.values)
                ),
                violation_error_message=_(
                    "Assess either a concern (with an implementation status) or a claim "
                    "(with a verification status)."
                ),
            )
        ]


class Observation(EditorialModel):
    """One value of an indicator for a country at a date."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="observations")
    observed_on = models.DateField()
    observed_on_precision = precision_field(_("date precision"))
    value = models.DecimalField(max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator_id", "country_id", "observed_on"]
        constraints = [date_pair_constraint("observation", "observed_on")]

    def clean(self):
        super().clean()
        errors = check_precision(self.observed_on, self.observed_on_precision, "observed_on")
        if errors:
            raise ValidationError(errors)

    @property
    def observed_display(self) -> str:
        return format_partial_date(self.observed_on, self.observed_on_precision)


# Derived counts --------------------------------------------------------------------------------


class RecordCount(models.Model):
    """How many concerns (or claims) a country has, by editorial status and current status
    (implementation or verification), theme by theme and in all. Derived data, never edited:
    ``tracker.counts`` rewrites a country's rows when the writes of ``tracker.services`` change
    what is counted of its records, so the home grid, the compare page and the country page
    read a few rows instead of counting thousands of records on every request.

    ``theme`` with ``all_themes`` false: the records tagged with that theme (None: those with no
    theme). ``all_themes`` true (``theme`` None): every record once, however many themes it has.
    """

    class Record(models.TextChoices):  # not shown to readers: no translation
        CONCERN = "concern", "concern"
        CLAIM = "claim", "claim"

    record = models.CharField(max_length=7, choices=Record.choices)
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, null=True, related_name="+")
    all_themes = models.BooleanField(default=False)
    status = models.CharField(max_length=9, choices=Editorial.choices)
    outcome = models.CharField(max_length=21)  # Concern.implementation or Claim.verification
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["record", "country", "all_themes"])]

    def __str__(self):
        return f"{self.record} {self.country_id} {self.theme_id} {self.status} {self.outcome}"


class ThemeLink(models.Model):
    """A concern's (or claim's) theme beside its country, date and key: derived data, never
    edited, rewritten with the counts (``tracker.counts.recount``). Pages ask for the newest few
    records of each theme of a country (the country page) or of each country on a theme (the
    compare page); with the date beside the theme, each group is one range of an index, read
    newest first and left after a few rows. Through the records' own tables the database walked
    a country's records newest first and checked each one's themes, thousands of rows for a
    theme it mentions rarely (at world scale, 40 of the country page's 70 ms of SQL).

    ``theme`` None: a record with no theme. Whether a reader may see the record is not stored
    here: it is checked on the record itself, as everywhere else.
    """

    # No index of its own: the theme leads the index below.
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(null=True)  # Concern.issued_on, Claim.stated_on
    key = models.CharField(max_length=120)
    record_id: int  # the concern or claim (``record``, on each concrete model)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.record_id} {self.theme_id} {self.country_id} {self.day}"


class ConcernThemeLink(ThemeLink):
    record = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["theme", "country", "-day", "key"], name="concern_theme_newest")
        ]


class ClaimThemeLink(ThemeLink):
    record = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["theme", "country", "-day", "key"], name="claim_theme_newest")
        ]


class ApiToken(models.Model):
    """An API token, kept as its SHA-256 digest only: a copy of the database or a backup holds
    nothing a client could send. The token itself is shown once, when it is made
    (``services.api_token_create``, ``manage.py create_token``)."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, blank=True, help_text=_("What the token is for, e.g. a notebook's name.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("After this moment the token is refused.")
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} {self.name or self.digest[:8]}"
