"""The REST API under ``/api/``: a viewset per record, the comparison, the schema and its docs.

Viewsets are thin: the query work is in ``get_queryset`` (visibility, ``select_related``,
``prefetch_related``), filtering in ``tracker.filters``, shapes in ``tracker.serializers``. Every
list runs a fixed number of queries whatever the number of rows.
"""

import datetime as dt
from array import array

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import path, re_path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, DjangoModelPermissionsOrAnonReadOnly
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView, exception_handler

from tracker import filters
from tracker import models as m
from tracker import serializers as s
from tracker.comparison import compare, parse_country_codes, theme_grid
from tracker.renderers import CSVRenderer, FastJSONRenderer

app_name = "api"

# Errors ---------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns: a readable message, and per field messages for bad input."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    errors = serializers.DictField(
        required=False, help_text="Messages per parameter or field (bad input only)."
    )


def _summary(errors) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{field}: {_summary(messages)}" for field, messages in errors.items())
    if isinstance(errors, list):
        return " ".join(_summary(e) for e in errors)
    return str(errors)


def api_exception_handler(exc, context):
    """DRF's handler, with one JSON shape for every error: ``{"detail": ..., "errors": ...}``."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"])}
    else:
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": f"Invalid input. {_summary(errors)}", "errors": errors}
    return response


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other records depend on this one."


# Throttling, pagination, schema ---------------------------------------------------------------


class _LiveRate:
    """Reads the rate from settings on each use, so a changed setting applies (tests, reloads)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class _CompactHistory:
    """Keeps a client's request times as an array of floats rather than DRF's list. The cache
    pickles the history on every request: a list of thousands of times (a high rate, as in the
    benchmarks) took up to a millisecond a request, an array is copied as one block of bytes.
    An array has the list methods DRF uses, so the throttling itself is DRF's."""

    def throttle_success(self):
        if not isinstance(self.history, array):  # a new client, or a list cached before
            self.history = array("d", self.history)
        return super().throttle_success()


class AnonThrottle(_LiveRate, _CompactHistory, AnonRateThrottle):
    pass


class UserThrottle(_LiveRate, _CompactHistory, UserRateThrottle):
    pass


class Pagination(PageNumberPagination):
    """Numbered pages with the total count; ``page_size`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "Page {page_number} does not exist ({message})."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({"page_size": [f"Not a positive whole number: {raw}."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["description"] = f"Results per page (default 50, max {self.max_page_size})"
                param["schema"]["minimum"] = 1
        return params

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        # The same figures as headers, so that CSV clients can page through too.
        response["X-Total-Count"] = str(self.page.paginator.count)
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", response.data["next"]), ("prev", response.data["previous"]))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


class ValuesList:
    """What a list paginates when it writes rows itself: counts with the filtered queryset as it
    is, and reads a page as ``values(*columns)`` dicts. The columns' joins (the source's title...)
    stay out of the count, which then reads an index only.

    A page is read as "the rows whose id is among the page's ids", the ids being a subquery
    (the filtered queryset, ordered and sliced). The outer query is the same on every request,
    so it is compiled once per database (``page_query``) and only the subquery per request:
    compiling the columns and the source's join took longer than running the query."""

    def __init__(self, queryset, columns):
        self.queryset, self.columns = queryset, columns

    def count(self):
        return self.queryset.count()

    def __getitem__(self, index):
        db = self.queryset.db
        page = PageQuery.get(db, self.queryset.model, self.columns, self.queryset.query.order_by)
        try:
            ids_sql, params = self.queryset.values("pk")[index].query.get_compiler(db).as_sql()
        except EmptyResultSet:  # an empty slice, or a filter that can match nothing
            return []
        return page.rows(connections[db], ids_sql, params)


class PageQuery:
    """``SELECT columns FROM model... WHERE pk IN (page ids) ORDER BY ordering`` as ``values()``
    compiles it for one database, and its rows as ``values()`` returns them. For columns whose
    database values can be dictionary keys (not JSON or binary columns): see ``rows``."""

    IDS = "__page_ids__"  # where the subquery of the page's ids goes
    compiled = {}  # (database, model, columns, ordering) -> PageQuery

    @classmethod
    def get(cls, db: str, model, columns: tuple, ordering: tuple) -> "PageQuery":
        key = (db, model, columns, ordering)
        if key not in cls.compiled:
            cls.compiled[key] = cls(db, model, columns, ordering)
        return cls.compiled[key]

    def __init__(self, db: str, model, columns: tuple, ordering: tuple):
        qs = model.objects.using(db).filter(pk__in=RawSQL(self.IDS, ()))
        self.query = qs.order_by(*ordering).values(*columns).query
        compiler = self.query.get_compiler(db)
        self.sql, params = compiler.as_sql()
        assert not params and self.sql.count(self.IDS) == 1, self.sql
        self.names = [*self.query.extra_select, *self.query.values_select]
        self.fields = [expression for expression, _sql, _alias in compiler.select]
        assert len(self.names) == len(self.fields)
        self.converters = None, {}  # for the last connection used (they are bound to it)

    def rows(self, connection, ids_sql: str, params) -> list[dict]:
        ids = f"SELECT page.{connection.ops.quote_name('pk')} FROM ({ids_sql}) page"
        with connection.cursor() as cursor:
            cursor.execute(self.sql.replace(self.IDS, ids), params)
            rows = cursor.fetchall()
        if self.converters[0] is not connection:
            compiler = self.query.get_compiler(connection=connection)
            self.converters = connection, compiler.get_converters(self.fields)
        # values()' conversions (aware datetimes, dates, booleans), each distinct value of a
        # column converted once: the rows of a page share most of their dates.
        converters = list(self.converters[1].items())
        done = {}
        out = []
        for row in rows:
            row = list(row)
            for i, (functions, expression) in converters:
                value = row[i]
                if (i, value) in done:
                    row[i] = done[i, value]
                    continue
                for function in functions:
                    value = function(value, expression, connection)
                if isinstance(value, dt.date | bool | None):  # immutable: can be shared
                    done[i, row[i]] = value
                row[i] = value
            out.append(dict(zip(self.names, row, strict=True)))
        return out


class FirstMatches(ValuesList):
    """A search paginated over its first ``limit`` matches only: one query reads their ids in
    order (that is the count), the page's rows are then read by id from ``rows``, the unfiltered
    queryset. Neither sorts nor counts every match of a common word, and a rare word is found
    through the index rather than by walking the whole table in order."""

    def __init__(self, queryset, rows, columns, limit: int):
        super().__init__(rows, columns)
        self.matches, self.limit, self.ids = queryset, limit, None

    def count(self):
        if self.ids is None:
            self.ids = list(self.matches.values_list("pk", flat=True)[: self.limit])
        return len(self.ids)

    def __getitem__(self, index):
        self.count()
        ids = self.ids[index]
        found = {row["id"]: row for row in self.queryset.filter(pk__in=ids).values(*self.columns)}
        return [found[pk] for pk in ids]


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TrackerSchema(AutoSchema):
    """Documents the error responses each operation really returns, besides its success."""

    def _errors(self) -> dict[str, str]:
        lookup = "{" in self.path
        codes = {"429": "Too many requests: the rate limit for this client was reached."}
        if self.method == "GET":
            codes["400"] = "A filter or parameter value is malformed or names an unknown code."
            if lookup:
                codes["404"] = "No such record (or it is a draft and you are not an editor)."
            elif self._is_list_view():
                codes["404"] = "The page number is past the end or not a number."
        if self.method in WRITE_METHODS:
            codes["401"] = "Authentication credentials were invalid."
            codes["403"] = "Not logged in, or no permission to change this kind of record."
            if self.method != "DELETE":
                codes["400"] = "The record is invalid: messages per field."
            if lookup:
                codes["404"] = "No such record."
            if self.method == "DELETE":
                codes["409"] = "Other records depend on this one; delete or change them first."
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._errors().items():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description),
                    code,
                    media_types=["application/json"],
                    direction=direction,
                ),
            )
        return dict(sorted(responses.items()))

    def get_auth(self):
        auths = super().get_auth()
        # Reads are public: anonymous access (no credentials) is one of the options.
        if self.method == "GET" and {} not in auths:
            auths.append({})
        return auths

    def get_override_parameters(self):
        params = super().get_override_parameters()
        if self.method == "GET" and CSVRenderer in getattr(self.view, "renderer_classes", ()):
            params.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=["json", "csv"],
                    description="Output format; CSV can also be asked for with Accept: text/csv.",
                )
            )
        return params


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """The default permissions (reads for anyone, writes by model permission), answering a read
    without building the view's queryset: DRF's asks for no permission to read (an empty
    ``perms_map`` entry), but built the queryset first to learn the model."""

    def has_permission(self, request, view):
        if request.user and self.perms_map.get(request.method) == []:
            return True
        return super().has_permission(request, view)


class ApiMixin:
    """What every API view shares: throttles, error shape, JSON for errors whatever the format."""

    schema = TrackerSchema()
    throttle_classes = [AnonThrottle, UserThrottle]

    def get_exception_handler(self):
        return api_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        # An error, and the OPTIONS description, are always JSON, even when CSV was asked for.
        if (response.status_code >= 400 or request.method == "OPTIONS") and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer | BrowsableAPIRenderer
        ):
            request.accepted_renderer = FastJSONRenderer()
            request.accepted_media_type = FastJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


# Record endpoints -----------------------------------------------------------------------------


class RecordViewSet(ApiMixin, viewsets.ModelViewSet):
    """Base of the record endpoints.

    Subclasses name the ``model``, the relations to ``select`` and ``prefetch`` (a name, or a
    callable taking the user and returning a Prefetch so that nested records respect drafts too)
    and the ``ordering``, which ends with the primary key so that pages are stable.
    """

    model = None
    select: tuple = ()
    prefetch: tuple = ()
    ordering: tuple = ("pk",)
    pagination_class = Pagination
    permission_classes = [ModelPermissionsOrAnonReadOnly]
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = "[^/]+"  # any key reaches get_object, which answers a JSON 404
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def base_queryset(self):
        qs = self.model.objects.all()
        if hasattr(qs, "visible_to"):
            qs = qs.visible_to(self.request.user)
        return qs

    def get_queryset(self):
        qs = self.base_queryset().select_related(*self.select)
        user = self.request.user
        qs = qs.prefetch_related(*(p(user) if callable(p) else p for p in self.prefetch))
        return qs.order_by(*self.ordering)

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        name = self.model._meta.verbose_name
        missing = NotFound(f"No {name} with {self.lookup_field} {value!r} (or it is not public).")
        if "\x00" in value:  # PostgreSQL refuses NUL in text; no key contains one anyway
            raise missing
        try:
            return super().get_object()
        except (Http404, NotFound):
            raise missing from None

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["as_of"] = None
        return context

    def _reload(self, serializer):
        # Read the saved row back through get_queryset, so that the response carries the same
        # annotations (implementation, verification) and relations as a GET.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_create(self, serializer):
        serializer.save()
        self._reload(serializer)

    def perform_update(self, serializer):
        serializer.save()
        self._reload(serializer)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            names = sorted({str(o._meta.verbose_name_plural) for o in exc.args[1]})
            raise Conflict(
                f"Other records depend on this one ({', '.join(names)}); "
                "delete or change them first."
            ) from exc


def visible(name, model, *select):
    """A Prefetch of ``name`` limited to the records the user may see."""

    def build(user):
        return Prefetch(name, queryset=model.objects.visible_to(user).select_related(*select))

    return build


class CountryViewSet(RecordViewSet):
    """States, by ISO 3166-1 alpha-3 code (``/api/countries/KAZ/``; lower case works too)."""

    model = m.Country
    serializer_class = s.CountrySerializer
    filterset_class = filters.CountryFilter
    lookup_field = "code"
    ordering = ("name", "code")

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


class BodyViewSet(RecordViewSet):
    """Treaty bodies, the UPR and other monitors, by code (``/api/bodies/CCPR/``)."""

    model = m.Body
    serializer_class = s.BodySerializer
    lookup_field = "code"
    ordering = ("code",)


class InstrumentViewSet(RecordViewSet):
    """Treaties and optional protocols, by code (``/api/instruments/CAT/``)."""

    model = m.Instrument
    serializer_class = s.InstrumentSerializer
    filterset_class = filters.InstrumentFilter
    lookup_field = "code"
    ordering = ("position", "code")


class ThemeViewSet(RecordViewSet):
    """Themes, by slug, with the instruments that protect them."""

    model = m.Theme
    serializer_class = s.ThemeSerializer
    lookup_field = "slug"
    prefetch = ("instruments",)
    ordering = ("position", "slug")


class SourceViewSet(RecordViewSet):
    """Documents the records cite."""

    model = m.Source
    serializer_class = s.SourceSerializer
    filterset_class = filters.SourceFilter
    ordering = ("-published_on", "key", "pk")


class RatificationViewSet(RecordViewSet):
    """Ratification records with the treaty status as of ``as_of`` (default today)."""

    model = m.Ratification
    serializer_class = s.RatificationSerializer
    filterset_class = filters.RatificationFilter
    select = ("source",)
    prefetch = (visible("reservations", m.Reservation, "source"),)
    ordering = ("country_id", "instrument__position", "instrument_id", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The filter has validated it already (a bad date is a 400 before we get here).
        raw = self.request.query_params.get("as_of") if self.request else None
        try:
            context["as_of"] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            context["as_of"] = None
        return context


class StatusSnapshotViewSet(RecordViewSet):
    """What a source said a treaty's status was at a date, kept beside the current record."""

    model = m.StatusSnapshot
    serializer_class = s.StatusSnapshotSerializer
    filterset_class = filters.StatusSnapshotFilter
    select = ("source",)
    ordering = ("country_id", "instrument__position", "instrument_id", "-as_of", "pk")


class ReservationViewSet(RecordViewSet):
    """Reservations, declarations, objections and acceptances of procedures."""

    model = m.Reservation
    serializer_class = s.ReservationSerializer
    select = ("source", "ratification")
    ordering = ("ratification_id", "made_on", "pk")


class ReviewViewSet(RecordViewSet):
    """One body's examination of one country (concluding observations, UPR outcome)."""

    model = m.Review
    serializer_class = s.ReviewSerializer
    filterset_class = filters.ReviewFilter
    select = ("source",)
    ordering = ("country_id", "-adopted_on", "pk")


SEARCH_LIMIT = 1000  # an API search of concerns pages through this many matches at most


def concern_links(ids: list[int], user, db: str) -> tuple[dict, dict]:
    """Theme slugs and the earlier concerns ``user`` may see, per concern id, in the order
    ConcernSerializer lists them: two queries whatever the number of ids."""
    themes, previous = {}, {}
    if not ids:
        return themes, previous
    # Plain SQL: building these joins through the ORM took longer than running them.
    marks = ", ".join(["%s"] * len(ids))
    # Drafts only for editors, as Concern.objects.visible_to(user) has it.
    drafts = user is not None and user.is_active and user.is_staff
    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT link.concern_id, link.theme_id FROM tracker_concern_themes link "
            "JOIN tracker_theme theme ON theme.slug = link.theme_id "
            f"WHERE link.concern_id IN ({marks}) ORDER BY theme.position, theme.slug",
            ids,
        )
        for concern_id, slug in cursor.fetchall():
            themes.setdefault(concern_id, []).append(slug)
        cursor.execute(
            "SELECT link.from_concern_id, earlier.id FROM tracker_concern earlier "
            "JOIN tracker_concern_previous link ON earlier.id = link.to_concern_id "
            f"WHERE link.from_concern_id IN ({marks})"
            + ("" if drafts else " AND earlier.status = %s")
            + " ORDER BY earlier.issued_on DESC, earlier.key",
            ids if drafts else [*ids, m.Editorial.PUBLISHED],
        )
        for concern_id, earlier_id in cursor.fetchall():
            previous.setdefault(concern_id, []).append(earlier_id)
    return themes, previous


class ConcernViewSet(RecordViewSet):
    """Concerns and recommendations, each with its current ``implementation`` status."""

    model = m.Concern
    serializer_class = s.ConcernSerializer
    filterset_class = filters.ConcernFilter
    select = ("source",)
    prefetch = ("themes", visible("previous", m.Concern))
    ordering = ("-issued_on", "key", "pk")

    def get_queryset(self):
        if self.action == "list":  # the list reads values(), so no relations to fetch
            return self.base_queryset().order_by(*self.ordering)
        return super().get_queryset()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description=(
                    "Words to look for in the summary and recommendation (all must appear, each "
                    "as a word or the start of one). A search lists the newest recorded concerns "
                    f"first and pages through its first {SEARCH_LIMIT:,} matches only: `count` "
                    f"is then at most {SEARCH_LIMIT}."
                ),
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        # The same filters, order and pages as any list, but the rows come from values() and are
        # written by ConcernRows (its shape is ConcernSerializer's): no model instances, no
        # per-row serializer work, links built from prefixes reversed once per request.
        everything = self.get_queryset()
        queryset = self.filter_queryset(everything)
        if m.search_words(request.query_params.get("q", "")):
            # A common word matches a quarter of all concerns: sorting them all by date and
            # counting them took most of a search. A search lists the newest recorded first and
            # pages through its first SEARCH_LIMIT matches (see README, API).
            rows = FirstMatches(
                queryset.newest_first(), everything, s.CONCERN_LIST_COLUMNS, SEARCH_LIMIT
            )
        else:
            rows = ValuesList(queryset, s.CONCERN_LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        themes, previous = concern_links(
            [row["id"] for row in page], request.user, rows.queryset.db
        )
        return self.get_paginated_response(s.ConcernRows(request).write(page, themes, previous))


class ClaimViewSet(RecordViewSet):
    """Government claims, each with its ``verification`` and the reports that bear on it."""

    model = m.Claim
    serializer_class = s.ClaimSerializer
    filterset_class = filters.ClaimFilter
    select = ("source",)
    ordering = ("-stated_on", "key", "pk")

    def get_queryset(self):
        user = self.request.user
        stances = m.Stance.objects.filter(
            report__in=m.Report.objects.visible_to(user)
        ).select_related("report", "report__source")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "themes",
                Prefetch("concerns", queryset=m.Concern.objects.visible_to(user)),
                Prefetch("stances", queryset=stances.order_by("stance", "report_id")),
            )
        )


class ReportViewSet(RecordViewSet):
    """Reported practice, with the stance each report takes on government claims."""

    model = m.Report
    serializer_class = s.ReportSerializer
    filterset_class = filters.ReportFilter
    select = ("source",)
    ordering = ("-observed_from", "key", "pk")

    def get_queryset(self):
        user = self.request.user
        stances = m.Stance.objects.filter(claim__in=m.Claim.objects.visible_to(user))
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "themes",
                Prefetch("concerns", queryset=m.Concern.objects.visible_to(user)),
                Prefetch("stances", queryset=stances.order_by("claim_id")),
            )
        )


class AssessmentViewSet(RecordViewSet):
    """Dated judgements on concerns (implementation) and claims (verification)."""

    model = m.Assessment
    serializer_class = s.AssessmentSerializer
    filterset_class = filters.AssessmentFilter
    select = ("source",)
    prefetch = (visible("reports", m.Report),)
    ordering = ("-assessed_on", "-pk")


class PledgeViewSet(RecordViewSet):
    """Commitments outside treaties: action plans, road maps, quotas, accepted recommendations."""

    model = m.Pledge
    serializer_class = s.PledgeSerializer
    filterset_class = filters.PledgeFilter
    select = ("source",)
    prefetch = ("themes", visible("concerns", m.Concern))
    ordering = ("country_id", "-made_on", "pk")


class IndicatorViewSet(RecordViewSet):
    """Measured figures, by slug, each with its observations."""

    model = m.Indicator
    serializer_class = s.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    lookup_field = "slug"
    ordering = ("slug",)

    def get_queryset(self):
        observations = (
            m.Observation.objects.visible_to(self.request.user)
            .select_related("source")
            .order_by("country_id", "observed_on", "pk")
        )
        return (
            super()
            .get_queryset()
            .prefetch_related("themes", Prefetch("observations", queryset=observations))
        )


class ObservationViewSet(RecordViewSet):
    """Values of indicators per country and date."""

    model = m.Observation
    serializer_class = s.ObservationSerializer
    filterset_class = filters.ObservationFilter
    select = ("source",)
    ordering = ("indicator_id", "country_id", "observed_on", "pk")


# Comparison -----------------------------------------------------------------------------------

MAX_COMPARED = 12


class CompareQuerySerializer(serializers.Serializer):
    """The query string of ``/api/compare/``."""

    countries = serializers.CharField(
        help_text=f"ISO alpha-3 codes, comma-separated (at most {MAX_COMPARED}), e.g. KAZ,KGZ,UZB."
    )
    theme = serializers.CharField(
        required=False, help_text="A theme slug; without it, the theme x country grid."
    )
    as_of = serializers.DateField(
        required=False, help_text="Treaty status as of this date (YYYY-MM-DD); default today."
    )

    def validate_countries(self, value):
        codes = parse_country_codes(value)
        if not codes:
            raise serializers.ValidationError("Name at least one country code.")
        if len(codes) > MAX_COMPARED:
            raise serializers.ValidationError(f"Compare at most {MAX_COMPARED} countries.")
        found = m.Country.objects.in_bulk(codes)
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown country code: {', '.join(unknown)}.")
        return [found[c] for c in codes]

    def validate_theme(self, value):
        theme = m.Theme.objects.filter(slug=value.strip()).first()
        if theme is None:
            raise serializers.ValidationError(f"Unknown theme: {value}.")
        return theme


class CompareView(ApiMixin, APIView):
    """Commitments against reported practice, several countries side by side."""

    permission_classes = [AllowAny]  # read-only; visibility comes from the user
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="compare",
        parameters=[CompareQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="CompareResult",
                serializers=[s.ComparisonSerializer, s.GridSerializer],
                resource_type_field_name=None,
            )
        },
        description=(
            "With `theme`: per country the instruments covering the theme and their status as "
            "of `as_of`, pledges, concerns with their implementation status, claims with their "
            "verification and the reports for and against, and indicator observations. "
            "Without `theme`: per theme and country the instruments ratified out of those "
            "covering the theme, concerns counted by implementation and claims by verification."
        ),
    )
    def get(self, request):
        params = CompareQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        countries = params.validated_data["countries"]
        theme = params.validated_data.get("theme")
        as_of = params.validated_data.get("as_of")
        context = {"request": request, "as_of": as_of}
        if theme is None:
            grid = theme_grid(countries, user=request.user, as_of=as_of)
            return Response(s.GridSerializer(grid, context=context).data)
        comparison = compare(countries, theme, user=request.user, as_of=as_of)
        return Response(s.ComparisonSerializer(comparison, context=context).data)


# Routes ---------------------------------------------------------------------------------------


class Router(DefaultRouter):
    include_format_suffixes = False  # ``?format=csv`` instead; keeps the schema simple


router = Router()
router.register("countries", CountryViewSet, basename="country")
router.register("bodies", BodyViewSet, basename="body")
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("themes", ThemeViewSet, basename="theme")
router.register("sources", SourceViewSet, basename="source")
router.register("ratifications", RatificationViewSet, basename="ratification")
router.register("status-snapshots", StatusSnapshotViewSet, basename="statussnapshot")
router.register("reservations", ReservationViewSet, basename="reservation")
router.register("reviews", ReviewViewSet, basename="review")
router.register("concerns", ConcernViewSet, basename="concern")
router.register("claims", ClaimViewSet, basename="claim")
router.register("reports", ReportViewSet, basename="report")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("pledges", PledgeViewSet, basename="pledge")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("observations", ObservationViewSet, basename="observation")


class NotFoundView(ApiMixin, APIView):
    """Any other address under /api/: a JSON 404 rather than the site's HTML page."""

    permission_classes = [AllowAny]
    schema = None  # not an endpoint

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound(f"No API endpoint at {request.path}. The list is at /api/.")

    get = post = put = patch = delete = http_method_not_allowed


urlpatterns = [
    path("compare/", CompareView.as_view(), name="compare"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^.*$", NotFoundView.as_view()),
]
