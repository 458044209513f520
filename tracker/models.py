"""The domain model: reference data, provenance, commitments, monitoring, claims and practice.

Reads live in the QuerySet classes below, named for the screen or endpoint they serve, so that the
HTML pages, the API and the admin run the same (fixed) number of queries.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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


def check_precision(value: dt.date | None, precision: str | None, field: str) -> dict[str, str]:
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


def precision_field(verbose_name: str) -> models.CharField:
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


class EditorialQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Editorial.PUBLISHED)

    def visible_to(self, user):
        """Editors (staff) see drafts too; everyone else only published records."""
        if user is not None and user.is_active and user.is_staff:
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

    class Meta:
        abstract = True

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
    name = models.CharField(max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
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


# Provenance ------------------------------------------------------------------------------------


class Source(models.Model):
    """A document that records cite: UN document, government statement, NGO report, press..."""

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

    def get_absolute_url(self):
        return reverse("tracker:source", args=[self.pk])


# Commitments -----------------------------------------------------------------------------------


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
        qs = self.with_status_as_of(as_of)
        if countries is not None:
            qs = qs.filter(country__in=countries)
        if instruments is not None:
            qs = qs.filter(instrument__in=instruments)
        return qs.select_related("source").order_by("country_id", "instrument__position")


class Ratification(EditorialModel):
    """A state's signature and consent to be bound (ratification, accession, succession)."""

    class Action(models.TextChoices):
        RATIFICATION = "ratification", _("ratification")
        ACCESSION = "accession", _("accession")
        SUCCESSION = "succession", _("succession")

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

    objects = RatificationQuerySet.as_manager()

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
        errors = {}
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
    concerns = models.ManyToManyField("Concern", blank=True, related_name="pledges")
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


def latest_assessment(field: str):
    """Subquery: the verdict of the newest published editors' assessment of the outer row."""
    return Subquery(
        Assessment.objects.filter(
            **{field: OuterRef("pk")}, assessor=Assessment.Assessor.EDITOR, status="published"
        )
        .order_by("-assessed_on", "-pk")
        .values("verdict")[:1]
    )


def search_words(text: str) -> list[str]:
    """The words of a search, as ``ConcernQuerySet.search`` uses them: punctuation and search
    operators dropped. No words, no search."""
    return re.findall(r"\w+", text)


CONCERN_FTS = "tracker_concern_fts"  # SQLite's FTS5 index of concerns (migration 0002)


class ConcernQuerySet(EditorialQuerySet):
    def search(self, text: str):
        """Concerns whose summary or recommendation holds every word of ``text`` (or a word
        starting with it), through a full-text index: FTS5 on SQLite (migration 0002), a GIN
        index on a stored ``tsvector`` column on PostgreSQL (migration 0005). Punctuation and
        search operators in ``text`` are ignored.
        """
        words = search_words(text)
        if not words:
            return self
        vendor = connections[self.db].vendor
        table = self.model._meta.db_table
        if vendor == "sqlite":
            match = " ".join(f'"{word}"*' for word in words)
            if CONCERN_FTS not in self.query.extra_tables:
                # A join, not ``id IN (matches)``: SQLite can then walk the matches in the
                # index's own rowid order and stop at a LIMIT (see ``newest_first``) instead of
                # collecting every match first.
                return self.extra(
                    tables=[CONCERN_FTS],
                    where=[f"{CONCERN_FTS}.rowid = {table}.id", f"{CONCERN_FTS} MATCH %s"],
                    params=[match],
                )
            sql = f"{table}.id IN (SELECT rowid FROM {CONCERN_FTS} WHERE {CONCERN_FTS} MATCH %s)"
        elif vendor == "postgresql":
            match = " & ".join(f"{word}:*" for word in words)
            # The stored column: a match checked row by row reads the vector, where the
            # expression had to parse the text again (1.2 s instead of 20 s for a whole scan).
            sql = f"{table}.search_vector @@ to_tsquery('simple', %s)"
        else:
            query = self
            for word in words:
                query = query.filter(Q(summary__icontains=word) | Q(recommendation__icontains=word))
            return query
        return self.filter(RawSQL(sql, [match], output_field=models.BooleanField()))

    def newest_first(self):
        """Newest recorded first (descending id). After ``search()`` on SQLite this is the
        full-text index's own order, so the first matches come without sorting all of them."""
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
    position = models.CharField(max_length=17, choices=Position.choices, blank=True)
    # The verdict of the newest published editors' assessment, kept by
    # ``refresh_current_status``: pages count concerns by it with a GROUP BY on an index
    # instead of a subquery per concern. Derived, so not in the history.
    implementation = models.CharField(
        max_length=21,
        choices=Implementation.choices,
        default=Implementation.NO_INFORMATION,
        db_default=Implementation.NO_INFORMATION,
        editable=False,
    )
    history = HistoricalRecords(m2m_fields=[themes], excluded_fields=["implementation"])

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "key"]
        indexes = [
            models.Index(fields=["country", "status", "issued_on"]),
            # The default order of every list: unfiltered pages read 50 rows instead of sorting
            # all of them (250,000 concerns: 290 ms to 10 ms on SQLite).
            models.Index(fields=["-issued_on", "key"], name="concern_listed_order"),
            # Counts by status per country (home grid, compare page) from the index alone.
            models.Index(fields=["country", "status", "implementation"]),
        ]
        constraints = [date_pair_constraint("concern", "issued_on")]

    def clean(self):
        super().clean()
        errors = check_precision(self.issued_on, self.issued_on_precision, "issued_on")
        if self.review_id and self.review.country_id != self.country_id:
            errors["review"] = _("The review is of another country.")
        if self.review_id and self.review.body_id != self.body_id:
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
    history = HistoricalRecords(m2m_fields=[themes, concerns], excluded_fields=["verification"])

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-stated_on", "key"]
        indexes = [
            # A country's newest claims (compare page) without reading all of them.
            models.Index(fields=["country", "status", "stated_on"]),
            # ... and its newest by date of action, else of statement (country page timeline).
            models.Index(
                F("country"),
                F("status"),
                models.functions.Coalesce("action_on", "stated_on"),
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
    claims = models.ManyToManyField(Claim, through="Stance", blank=True, related_name="reports")
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


def refresh_current_status(concerns=None, claims=None) -> None:
    """Set ``Concern.implementation`` and ``Claim.verification`` from the assessments: the
    verdict of the newest published editors' assessment, else ``no_information`` /
    ``unverified``. ``concerns`` and ``claims`` are ids (None: every record). Run on every save
    or delete of an assessment (signals below); writers that bypass signals call it themselves.
    """
    from tracker import counts  # it reads these models

    for model, ids, field, default in (
        (Concern, concerns, "implementation", Implementation.NO_INFORMATION),
        (Claim, claims, "verification", Verification.UNVERIFIED),
    ):
        records = model.objects.all()
        if ids is not None:
            ids = {pk for pk in ids if pk is not None}
            if not ids:
                continue
            records = records.filter(pk__in=ids)
        latest = latest_assessment(model._meta.model_name)
        records.update(**{field: models.functions.Coalesce(latest, Value(default))})
        # The counts by status change with it (an update() sends no signals).
        counts.changed(None if ids is None else set(records.values_list("country_id", flat=True)))


@receiver(pre_save, sender=Assessment)
def _note_assessed_record(sender, instance, **kwargs):
    """Remember what an edited assessment judged before: moved to another record, the old
    one's status changes too."""
    before = Assessment.objects.filter(pk=instance.pk).values_list("concern_id", "claim_id")
    instance._assessed_before = before.first() if instance.pk else None


@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def _assessment_changed(sender, instance, **kwargs):
    concern_before, claim_before = getattr(instance, "_assessed_before", None) or (None, None)
    refresh_current_status(
        concerns={instance.concern_id, concern_before}, claims={instance.claim_id, claim_before}
    )


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
    ``tracker.counts`` rewrites a country's rows after every change to its records, so the home
    grid, the compare page and the country page read a few rows instead of counting thousands
    of records on every request.

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
