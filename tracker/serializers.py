"""API shapes of every record, and of the comparison and the theme grid.

Reads never query per row: every relation a serializer follows is fetched by the viewset's
``get_queryset`` (``select_related`` / ``prefetch_related``), and foreign keys to natural-key
models (country, instrument, body, theme) are written out as the key itself, which the row holds.

Writes go through the model's own validation (``full_clean()``: field checks, ``clean()`` and the
database constraints), the same as the admin, so the API cannot store what the admin would refuse.
"""

import copy
import datetime as dt
from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker import models as m
from tracker.links import url_pattern

# Links ----------------------------------------------------------------------------------------


def _reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None  # that page does not exist (yet): say so rather than fail


def page_path(obj) -> str | None:
    """The path of the HTML page that shows ``obj``, or None where the site has no such page.

    Records without a page of their own (a ratification, a review, a pledge...) are shown on
    their country's page, so they link there.
    """
    if isinstance(obj, m.Theme):
        return _reverse("tracker:theme", obj.slug)
    if isinstance(obj, m.Instrument):
        return _reverse("tracker:instrument", obj.code)
    if isinstance(obj, m.Assessment):
        if obj.concern_id:
            return _reverse("tracker:concern", obj.concern_id)
        return _reverse("tracker:claim", obj.claim_id)
    if isinstance(obj, m.Reservation):
        return _reverse("tracker:country", obj.ratification.country_id)
    if hasattr(obj, "get_absolute_url"):
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:
            return None
    if getattr(obj, "country_id", None):
        return _reverse("tracker:country", obj.country_id)
    return None


@extend_schema_field({"type": "string", "format": "uri", "nullable": True, "readOnly": True})
class PageLinkField(serializers.Field):
    """Absolute URL of the record's HTML page (null where the site has none)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        path = page_path(value)
        request = self.context.get("request")
        if path is None or request is None:
            return path
        return request.build_absolute_uri(path)


class CleanLinkMixin:
    """Links without the request's ``?format=``: a record's URL is the same in JSON and CSV."""

    def get_url(self, obj, view_name, request, format):
        lookup_value = getattr(obj, self.lookup_field)
        if lookup_value in (None, ""):
            return None
        path = reverse(view_name, kwargs={self.lookup_url_kwarg: lookup_value})
        return request.build_absolute_uri(path) if request is not None else path


class SelfLinkField(CleanLinkMixin, serializers.HyperlinkedIdentityField):
    pass


class LinkField(CleanLinkMixin, serializers.HyperlinkedRelatedField):
    pass


def self_link(basename: str, lookup: str = "pk"):
    return SelfLinkField(view_name=f"api:{basename}-detail", lookup_field=lookup, read_only=True)


# Validation -----------------------------------------------------------------------------------


def django_errors(exc: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF's error shape (field -> messages)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


class RecordSerializer(serializers.ModelSerializer):
    """Base of every record's serializer: HTML page link and the model's own validation."""

    page_url = PageLinkField()

    LAST = ("source_detail", "url", "page_url")

    def get_field_names(self, declared_fields, info):
        # The record's own fields first, then its citation and links.
        names = list(super().get_field_names(declared_fields, info))
        return [n for n in names if n not in self.LAST] + [n for n in self.LAST if n in names]

    def to_internal_value(self, data):
        # A NUL byte reaches related-key lookups before any field validator runs, and
        # PostgreSQL refuses it in text with a DataError: refuse it here, field by field.
        if isinstance(data, dict):
            nul = {
                name: ["Null characters are not allowed."]
                for name, value in data.items()
                if "\x00" in str(value) or "\x00" in str(name)
            }
            if nul:
                raise serializers.ValidationError(nul)
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in attrs.items() if k not in many}
        # Validate a copy: the instance itself is only changed by save().
        obj = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in plain.items():
            setattr(obj, name, value)
        try:
            obj.full_clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_errors(exc)) from exc
        return attrs

    def save(self, **kwargs):
        raise NotImplementedError("The API writes through tracker.services (RecordViewSet._save).")


@extend_schema_field({"type": "string", "description": "The document's own address, or empty."})
class DocumentURLField(serializers.URLField):
    """The source's web address: a URL, or empty where it has none (so no ``uri`` format)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(source="url", required=False, allow_blank=True, **kwargs)


DOCUMENT_LINK_HELP = (
    "Where to read the document: its own address, else for a UN document with a symbol "
    "https://undocs.org/<symbol>; empty when neither is known."
)


class SourceBriefSerializer(serializers.ModelSerializer):
    """The source a record cites, with links to it in the API, on the site and at its publisher.

    Without the source's ``key``: source keys are the seeds' handles for how the data was put
    together (seed document numbers), not something readers use; ``id`` and ``url`` name it."""

    url = self_link("source")
    page_url = PageLinkField()
    document_url = serializers.CharField(
        source="document_link", read_only=True, help_text=DOCUMENT_LINK_HELP
    )

    class Meta:
        model = m.Source
        fields = [
            "id",
            "title",
            "kind",
            "publisher",
            "published_on",
            "published_on_precision",
            "symbol",
            "document_url",
            "url",
            "page_url",
        ]


class SourcedSerializer(RecordSerializer):
    """A record with a source: ``source`` is the writable id, ``source_detail`` the citation."""

    source_detail = SourceBriefSerializer(source="source", read_only=True, allow_null=True)


# Reference data -------------------------------------------------------------------------------


class CountrySerializer(RecordSerializer):
    url = self_link("country", "code")

    class Meta:
        model = m.Country
        fields = [
            "code",
            "iso2",
            "name",
            "name_ru",
            "region",
            "un_member_since",
            "url",
            "page_url",
        ]


class BodySerializer(RecordSerializer):
    url = self_link("body", "code")

    class Meta:
        model = m.Body
        fields = ["code", "name", "name_ru", "kind", "url", "page_url"]


class InstrumentSerializer(RecordSerializer):
    url = self_link("instrument", "code")

    class Meta:
        model = m.Instrument
        fields = [
            "code",
            "title",
            "title_ru",
            "short_title",
            "short_title_ru",
            "adopted_on",
            "parent",
            "body",
            "untc_reference",
            "position",
            "url",
            "page_url",
        ]


class ThemeSerializer(RecordSerializer):
    url = self_link("theme", "slug")

    class Meta:
        model = m.Theme
        fields = [
            "slug",
            "name",
            "name_ru",
            "description",
            "instruments",
            "position",
            "url",
            "page_url",
        ]


class ThemeBriefSerializer(RecordSerializer):
    """A theme without its instruments (the comparison lists those once, at the top)."""

    url = self_link("theme", "slug")

    class Meta:
        model = m.Theme
        fields = ["slug", "name", "name_ru", "description", "url", "page_url"]


class SourceSerializer(RecordSerializer):
    """A source. ``key`` and ``seed_file`` are written (editors create sources with them) but
    not shown: they say how the curated data was put together, which readers need not see.
    ``document_url`` reads as the address to open the document at (see DOCUMENT_LINK_HELP)."""

    url = self_link("source")
    document_url = DocumentURLField(help_text=DOCUMENT_LINK_HELP)

    class Meta:
        model = m.Source
        # The model's ``url`` is written out as ``document_url``; ``url`` is the API link.
        fields = [
            "id",
            "key",
            "title",
            "kind",
            "publisher",
            "author",
            "published_on",
            "published_on_precision",
            "symbol",
            "seed_file",
            "notes",
            "status",
            "created_at",
            "updated_at",
            "document_url",
            "url",
            "page_url",
        ]
        extra_kwargs = {"key": {"write_only": True}, "seed_file": {"write_only": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["document_url"] = instance.document_link
        return data


# Commitments ----------------------------------------------------------------------------------


class ReservationSerializer(SourcedSerializer):
    url = self_link("reservation")

    class Meta:
        model = m.Reservation
        fields = "__all__"


class RatificationSerializer(SourcedSerializer):
    """A ratification record. ``status`` is the treaty status as of ``as_of`` (default today);
    the record's editorial state is ``editorial_status``. Dates after ``as_of`` are blanked, so
    the row reads as it stood then."""

    url = self_link("ratification")
    status = serializers.ChoiceField(
        source="status_as_of", choices=m.TreatyStatus.choices, read_only=True
    )
    as_of = serializers.SerializerMethodField()
    editorial_status = serializers.ChoiceField(
        source="status", choices=m.Editorial.choices, required=False
    )
    reservations = ReservationSerializer(many=True, read_only=True)

    class Meta:
        model = m.Ratification
        fields = [
            "id",
            "key",
            "country",
            "instrument",
            "status",
            "as_of",
            "signature_date",
            "signature_date_precision",
            "action",
            "action_date",
            "action_date_precision",
            "entry_into_force",
            "domestic_act",
            "editorial_status",
            "source",
            "locator",
            "source_detail",
            "reservations",
            "created_at",
            "updated_at",
            "url",
            "page_url",
        ]

    def _as_of(self) -> dt.date:
        return self.context.get("as_of") or dt.date.today()

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, obj):
        return self._as_of().isoformat()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        status = getattr(instance, "status_as_of", None)
        if status is None:  # a row just written, not read through the as-of query
            status = data["status"] = instance.status_on(self._as_of())
        # As it stood then: no consent yet means no consent date; no signature yet, no date.
        if status != m.TreatyStatus.PARTY:
            data.update(action="", action_date=None, action_date_precision="")
            data["entry_into_force"] = None
        if status == m.TreatyStatus.NONE:
            data.update(signature_date=None, signature_date_precision="")
        return data


class StatusSnapshotSerializer(SourcedSerializer):
    url = self_link("statussnapshot")

    class Meta:
        model = m.StatusSnapshot
        fields = "__all__"


class PledgeSerializer(SourcedSerializer):
    url = self_link("pledge")

    class Meta:
        model = m.Pledge
        fields = "__all__"


# Monitoring -----------------------------------------------------------------------------------


class ReviewSerializer(SourcedSerializer):
    url = self_link("review")

    class Meta:
        model = m.Review
        fields = "__all__"


class ReportingStatusSerializer(SourcedSerializer):
    """A state's reporting to one body. ``overdue`` is derived from ``next_report_due_on`` as of
    ``as_of`` (default today): true once the whole day, month or year it is due in has passed,
    null when no due date is recorded."""

    url = self_link("reportingstatus")
    overdue = serializers.SerializerMethodField()
    as_of = serializers.SerializerMethodField()

    class Meta:
        model = m.ReportingStatus
        fields = "__all__"

    def _as_of(self) -> dt.date:
        return self.context.get("as_of") or timezone.localdate()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, obj) -> bool | None:
        return obj.overdue_on(self._as_of())

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, obj) -> str:
        return self._as_of().isoformat()


class ConcernSerializer(SourcedSerializer):
    """A concern with ``implementation``: the verdict of the latest editors' assessment."""

    url = self_link("concern")
    implementation = serializers.ChoiceField(choices=m.Implementation.choices, read_only=True)
    # The model's ``upr_position``, under the name the API has always used.
    position = serializers.ChoiceField(
        source="upr_position",
        choices=m.Concern.Position.choices,
        required=False,
        allow_blank=True,
        help_text="The state under review's answer to a UPR recommendation.",
    )

    class Meta:
        model = m.Concern
        # Affected persons and SDG targets are filters of the list (``affected``, ``sdg``); as
        # fields of each row they would cost the list a query each (``concern_links``).
        fields = [
            "id",
            "implementation",
            "key",
            "status",
            "locator",
            "created_at",
            "updated_at",
            "issued_on",
            "issued_on_precision",
            "paragraph",
            "kind",
            "affected_groups",
            "summary",
            "recommendation",
            "follow_up",
            "external_id",
            "position",
            "upr_session",
            "published_on_uhri",
            "source",
            "review",
            "body",
            "country",
            "recommending_state",
            "themes",
            "previous",
            "source_detail",
            "url",
            "page_url",
        ]

    def validate_previous(self, value):
        if self.instance is not None and any(c.pk == self.instance.pk for c in value):
            raise serializers.ValidationError(m.Concern.SELF_PREVIOUS)
        return value

    def to_representation(self, instance):
        # The fields above define the input and the schema; the output is written by
        # ConcernRows, the writer of the list's rows, so a concern has one JSON shape. The
        # relations come from the view's prefetch (``previous`` only those the reader may see).
        rows = self.context.get("concern_rows")
        if rows is None:  # one writer per request: its links are reversed once
            rows = self.context["concern_rows"] = ConcernRows(self.context.get("request"))
        pk = instance.pk
        themes = {pk: [t.slug for t in instance.themes.all()]}
        previous = {}
        if "previous" in self.fields:  # not in the comparison's rows
            previous[pk] = [c.pk for c in instance.previous.all()]
        out = rows.write([ConcernRows.row_of(instance)], themes, previous)[0]
        return {name: out[name] for name in self.fields if not self.fields[name].write_only}


# Lean list rows -------------------------------------------------------------------------------
# One writer of a concern's JSON: the list builds its rows from ``.values()`` (at 50 rows a
# page DRF's per-row, per-field work and four ``reverse()`` calls per row were most of the
# request's time), and ConcernSerializer writes its output through the same ``ConcernRows``.
# The serializer's fields still define the input and the schema; ``tests/test_api_concerns.py``
# checks the written keys are those fields, in order. A field added to the model must be added
# here too; that test says so.

SOURCE_BRIEF_COLUMNS = (
    "source__title",
    "source__kind",
    "source__publisher",
    "source__published_on",
    "source__published_on_precision",
    "source__symbol",
    "source__url",
)
CONCERN_LIST_COLUMNS = (
    "id",
    "implementation",
    "key",
    "status",
    "locator",
    "created_at",
    "updated_at",
    "issued_on",
    "issued_on_precision",
    "paragraph",
    "kind",
    "affected_groups",
    "summary",
    "recommendation",
    "follow_up",
    "external_id",
    "upr_position",
    "upr_session",
    "published_on_uhri",
    "source_id",
    "review_id",
    "body_id",
    "country_id",
    "recommending_state_id",
    *SOURCE_BRIEF_COLUMNS,
)


def link_maker(request, view_name: str) -> Callable[[object], str]:
    """``pk -> URL`` of a detail view (see ``url_pattern``); absolute when there is a request,
    like the serializers' links."""
    head, tail = url_pattern(view_name).split("{}")
    if request is not None:
        head = request.build_absolute_uri(head)
    return lambda pk: f"{head}{pk}{tail}"


def datetime_text(value: dt.datetime | None, zone=None) -> str | None:
    """A datetime as DRF's DateTimeField writes it: ISO 8601 in the current time zone (or
    ``zone``), UTC written as Z."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(zone or timezone.get_current_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


class ConcernRows:
    """Writes concern rows (``CONCERN_LIST_COLUMNS`` of a ``values()`` query) as ConcernSerializer
    would. ``themes`` and ``previous`` map a concern id to its theme slugs and the ids of its
    earlier concerns the reader may see, in the order the serializer lists them."""

    def __init__(self, request):
        self.url = link_maker(request, "api:concern-detail")
        self.page_url = link_maker(request, "tracker:concern")
        self.source_url = link_maker(request, "api:source-detail")
        self.source_page_url = link_maker(request, "tracker:source")
        self.zone = timezone.get_current_timezone()
        self.datetimes = {}  # created_at and updated_at are often the same instant

    def datetime(self, value):
        if value not in self.datetimes:
            self.datetimes[value] = datetime_text(value, self.zone)
        return self.datetimes[value]

    def source_detail(self, row: dict) -> dict | None:
        pk = row["source_id"]
        if pk is None:
            return None
        return {
            "id": pk,
            "title": row["source__title"],
            "kind": row["source__kind"],
            "publisher": row["source__publisher"],
            "published_on": _date(row["source__published_on"]),
            "published_on_precision": row["source__published_on_precision"],
            "symbol": row["source__symbol"],
            "document_url": m.document_link(
                row["source__url"], row["source__kind"], row["source__symbol"]
            ),
            "url": self.source_url(pk),
            "page_url": self.source_page_url(pk),
        }

    @staticmethod
    def row_of(concern: m.Concern) -> dict:
        """A concern read as a model instance (with its source), as the list's ``values()``
        row of ``CONCERN_LIST_COLUMNS``."""
        row = {name: getattr(concern, name) for name in CONCERN_LIST_COLUMNS if "__" not in name}
        source = concern.source if concern.source_id is not None else None
        for name in SOURCE_BRIEF_COLUMNS:
            row[name] = getattr(source, name.removeprefix("source__")) if source else None
        return row

    def write(self, rows, themes: dict, previous: dict) -> list[dict]:
        sources = {}  # most pages cite a handful of sources: build each citation once
        out = []
        for row in rows:
            pk, source_id = row["id"], row["source_id"]
            if source_id not in sources:
                sources[source_id] = self.source_detail(row)
            out.append(
                {
                    "id": pk,
                    "implementation": row["implementation"],
                    "key": row["key"],
                    "status": row["status"],
                    "locator": row["locator"],
                    "created_at": self.datetime(row["created_at"]),
                    "updated_at": self.datetime(row["updated_at"]),
                    "issued_on": _date(row["issued_on"]),
                    "issued_on_precision": row["issued_on_precision"],
                    "paragraph": row["paragraph"],
                    "kind": row["kind"],
                    "affected_groups": row["affected_groups"],
                    "summary": row["summary"],
                    "recommendation": row["recommendation"],
                    "follow_up": row["follow_up"],
                    "external_id": row["external_id"],
                    "position": row["upr_position"],
                    "upr_session": row["upr_session"],
                    "published_on_uhri": _date(row["published_on_uhri"]),
                    "source": source_id,
                    "review": row["review_id"],
                    "body": row["body_id"],
                    "country": row["country_id"],
                    "recommending_state": row["recommending_state_id"],
                    "themes": themes.get(pk, []),
                    "previous": previous.get(pk, []),
                    "source_detail": sources[source_id],
                    "url": self.url(pk),
                    "page_url": self.page_url(pk),
                }
            )
        return out


# Claims and practice --------------------------------------------------------------------------


class StanceOnClaimSerializer(serializers.ModelSerializer):
    """A report's stance on a claim, seen from the report."""

    claim_url = LinkField(source="claim", view_name="api:claim-detail", read_only=True)

    class Meta:
        model = m.Stance
        fields = ["claim", "stance", "note", "claim_url"]


class ReportBriefSerializer(serializers.ModelSerializer):
    url = self_link("report")
    page_url = PageLinkField()
    source_detail = SourceBriefSerializer(source="source", read_only=True, allow_null=True)

    class Meta:
        model = m.Report
        fields = [
            "id",
            "key",
            "summary",
            "observed_from",
            "observed_from_precision",
            "observed_to",
            "observed_to_precision",
            "source_detail",
            "url",
            "page_url",
        ]


class StanceOfReportSerializer(serializers.ModelSerializer):
    """A report's stance on a claim, seen from the claim, with the report itself."""

    report = ReportBriefSerializer(read_only=True)

    class Meta:
        model = m.Stance
        fields = ["stance", "note", "report"]


class ClaimSerializer(SourcedSerializer):
    """A claim with ``verification`` and the reports that support, contradict or qualify it."""

    url = self_link("claim")
    verification = serializers.ChoiceField(choices=m.Verification.choices, read_only=True)
    stances = StanceOfReportSerializer(many=True, read_only=True)

    class Meta:
        model = m.Claim
        fields = "__all__"


class ReportSerializer(SourcedSerializer):
    url = self_link("report")
    stances = StanceOnClaimSerializer(many=True, read_only=True)

    class Meta:
        model = m.Report
        exclude = ["claims"]  # shown, with the stance taken, in ``stances``


class AssessmentSerializer(SourcedSerializer):
    url = self_link("assessment")

    class Meta:
        model = m.Assessment
        fields = "__all__"


class ObservationSerializer(SourcedSerializer):
    url = self_link("observation")

    class Meta:
        model = m.Observation
        fields = "__all__"


class IndicatorSerializer(RecordSerializer):
    url = self_link("indicator", "slug")
    observations = ObservationSerializer(many=True, read_only=True)

    class Meta:
        model = m.Indicator
        fields = [
            "slug",
            "name",
            "name_ru",
            "unit",
            "description",
            "themes",
            "observations",
            "url",
            "page_url",
        ]


# Comparison -----------------------------------------------------------------------------------
# Slimmer shapes than the record endpoints: only the relations compare() fetches, so that the
# comparison stays at a fixed number of queries. Each row links to its full record.


class CompareConcernSerializer(ConcernSerializer):
    class Meta:
        model = m.Concern
        fields = [f for f in ConcernSerializer.Meta.fields if f != "previous"]


class CompareClaimSerializer(ClaimSerializer):
    class Meta:
        model = m.Claim
        exclude = ["concerns"]


class ComparePledgeSerializer(PledgeSerializer):
    class Meta:
        model = m.Pledge
        exclude = ["themes", "concerns"]


TREATY_CELL_STATUSES = [*m.TreatyStatus.choices, (m.NO_DATA, "no data")]


class CompareRatificationSerializer(serializers.BaseSerializer):
    """An (instrument, cell) pair of a comparison column: the ratification record, else the
    dated statement of a source (a status snapshot) it rests on, else ``no_data``."""

    def to_representation(self, pair):
        instrument, cell = pair
        record = cell if isinstance(cell, m.Ratification) else None
        snapshot = cell.snapshot if isinstance(cell, m.SnapshotStatus) else None
        return {
            "instrument": instrument.code,
            "status": cell.status_as_of if cell is not None else m.NO_DATA,
            "ratification": CompareRatificationRecordSerializer(record, context=self.context).data
            if record
            else None,
            "snapshot": StatusSnapshotSerializer(snapshot, context=self.context).data
            if snapshot
            else None,
        }


class CompareRatificationRecordSerializer(RatificationSerializer):
    """A ratification in a comparison: without reservations, which compare() does not fetch."""

    class Meta(RatificationSerializer.Meta):
        fields = [f for f in RatificationSerializer.Meta.fields if f != "reservations"]


class _CompareRatificationSchema(serializers.Serializer):
    """Schema only: what CompareRatificationSerializer writes out."""

    instrument = serializers.CharField()
    status = serializers.ChoiceField(
        choices=TREATY_CELL_STATUSES,
        help_text="The treaty status as of as_of: from the ratification record if there is one, "
        "else from a source's dated statement (snapshot); no_data where the tracker holds "
        "neither.",
    )
    ratification = CompareRatificationRecordSerializer(allow_null=True)
    snapshot = StatusSnapshotSerializer(
        allow_null=True, help_text="The dated statement the status rests on, without a record."
    )


class CompareColumnSerializer(serializers.Serializer):
    country = CountrySerializer()
    party_count = serializers.IntegerField()
    ratifications = serializers.SerializerMethodField()
    pledges = ComparePledgeSerializer(many=True)
    concerns = CompareConcernSerializer(many=True)
    concerns_by_implementation = serializers.DictField(child=serializers.IntegerField())
    claims = CompareClaimSerializer(many=True)
    claims_by_verification = serializers.DictField(child=serializers.IntegerField())
    observations = ObservationSerializer(many=True)

    @extend_schema_field(_CompareRatificationSchema(many=True))
    def get_ratifications(self, column):
        return CompareRatificationSerializer(
            column.ratifications, many=True, context=self.context
        ).data


class ComparisonSerializer(serializers.Serializer):
    """Countries side by side on one theme (``/api/compare/?countries=...&theme=...``)."""

    theme = ThemeBriefSerializer(allow_null=True)
    as_of = serializers.DateField()
    instruments = InstrumentSerializer(many=True)
    columns = CompareColumnSerializer(many=True)


class GridCellSerializer(serializers.Serializer):
    country = serializers.CharField(source="country.code")
    instruments_total = serializers.IntegerField()
    party = serializers.IntegerField()
    signatory = serializers.IntegerField()
    commitment = serializers.ChoiceField(choices=["all", "some", "none", "n/a"])
    concerns = serializers.DictField(child=serializers.IntegerField())
    concerns_total = serializers.IntegerField()
    claims = serializers.DictField(child=serializers.IntegerField())
    claims_total = serializers.IntegerField()
    concerns_url = serializers.SerializerMethodField()
    claims_url = serializers.SerializerMethodField()

    def _list_url(self, name, cell) -> str:
        path = reverse(f"api:{name}-list")
        query = f"?country={cell.country.code}&theme={cell.theme.slug}"
        return self.context["request"].build_absolute_uri(path + query)

    @extend_schema_field(OpenApiTypes.URI)
    def get_concerns_url(self, cell):
        return self._list_url("concern", cell)

    @extend_schema_field(OpenApiTypes.URI)
    def get_claims_url(self, cell):
        return self._list_url("claim", cell)


class GridRowSerializer(serializers.Serializer):
    theme = serializers.SerializerMethodField()
    cells = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            "required": ["slug", "name"],
        }
    )
    def get_theme(self, row):
        return {"slug": row[0].slug, "name": row[0].name}

    @extend_schema_field(GridCellSerializer(many=True))
    def get_cells(self, row):
        return GridCellSerializer(row[1], many=True, context=self.context).data


class GridSerializer(serializers.Serializer):
    """The theme x country summary (``/api/compare/?countries=...`` without ``theme``)."""

    countries = serializers.SerializerMethodField()
    as_of = serializers.DateField()
    rows = GridRowSerializer(many=True)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_countries(self, grid):
        return [c.code for c in grid.countries]


# The country page's twin ---------------------------------------------------------------------


class CountryPageSerializer(serializers.BaseSerializer):
    """What ``/countries/<code>/`` shows, as JSON (``/api/countries/<code>/page/``): the same
    selector (``tracker.selectors.country_page``), so the same rows. Records are in brief, each
    linking to its full record; the page's cut-offs (the newest five per theme, the newest 40
    events) are the page's, with the totals beside them."""

    def to_representation(self, page):
        context = self.context
        concern_link = link_maker(context.get("request"), "api:concern-detail")
        claim_link = link_maker(context.get("request"), "api:claim-detail")

        def concern(c):
            return {
                "id": c.pk,
                "url": concern_link(c.pk),
                "page_url": page_path(c),
                "body": c.body_id,
                "issued_on": _date(c.issued_on),
                "issued_on_precision": c.issued_on_precision,
                "paragraph": c.paragraph,
                "kind": c.kind,
                "summary": c.summary,
                "implementation": c.implementation,
                "status": c.status,
            }

        def claim(c):
            return {
                "id": c.pk,
                "url": claim_link(c.pk),
                "page_url": page_path(c),
                "kind": c.kind,
                "stated_on": _date(c.stated_on),
                "stated_on_precision": c.stated_on_precision,
                "summary": c.summary,
                "verification": c.verification,
                "status": c.status,
                "reports": [{"report": s.report_id, "stance": s.stance} for s in c.shown_stances],
            }

        def review(r):
            if r is None:
                return None
            return {
                "symbol": r.symbol,
                "adopted_on": _date(r.adopted_on),
                "adopted_on_precision": r.adopted_on_precision,
            }

        def reporting(row):
            status = row["status"]
            return {
                "body": row["body"].code,
                "last_report_symbol": status.last_report_symbol if status else None,
                "last_report_submitted_on": _date(status.last_report_submitted_on)
                if status
                else None,
                "next_report_due_on": _date(status.next_report_due_on) if status else None,
                "next_report_due_on_precision": status.next_report_due_on_precision
                if status
                else None,
                "overdue": row["overdue"],
                "scheduled_review": status.scheduled_review if status else None,
                "latest_review": review(row["latest"]),
                "earlier_reviews": [r["symbol"] for r in row["earlier"]],
            }

        return {
            "country": CountrySerializer(page.country, context=context).data,
            "page_url": page_path(page.country),
            "as_of": page.as_of.isoformat(),
            "treaties": [
                {
                    **CompareRatificationSerializer((instrument, cell), context=context).data,
                    "other_statements": StatusSnapshotSerializer(
                        others, many=True, context=context
                    ).data,
                }
                for instrument, cell, others in page.treaty_rows
            ],
            "reservations": ReservationSerializer(
                page.reservations, many=True, context=context
            ).data,
            "procedures": ReservationSerializer(page.procedures, many=True, context=context).data,
            "pledges": ComparePledgeSerializer(
                page.column.pledges, many=True, context=context
            ).data,
            "reporting": [reporting(row) for row in page.reporting],
            "themes": [
                {
                    "theme": section["theme"].slug if section["theme"] else None,
                    "concerns": [concern(c) for c in section["records"].concerns],
                    "concerns_total": section["records"].concerns_total,
                    "claims": [claim(c) for c in section["records"].claims],
                    "claims_total": section["records"].claims_total,
                    "indicators": [chart["indicator"].slug for chart in section["charts"]],
                }
                for section in page.theme_sections
            ],
            "observations": ObservationSerializer(
                page.column.observations, many=True, context=context
            ).data,
            "timeline": [
                {
                    "date": e["date"].isoformat(),
                    "display": e["display"],
                    "kind": e["kind"],
                    "text": e["text"],
                    "page_url": e["url"] or None,
                }
                for e in page.timeline
            ],
            "timeline_cut": page.timeline_cut,
        }
