"""The REST API under ``/api/``: a viewset per record, the comparison, the schema and its docs.

Viewsets are thin: the query work is in ``get_queryset`` (visibility, ``select_related``,
``prefetch_related``), filtering in ``tracker.filters``, shapes in ``tracker.serializers``. Every
list runs a fixed number of queries whatever the number of rows.
"""

import datetime as dt
import hashlib
import re

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import Prefetch, ProtectedError, RestrictedError
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import path, re_path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, DjangoModelPermissionsOrAnonReadOnly
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.views import APIView, exception_handler

from tracker import filters, search, services
from tracker import models as m
from tracker import serializers as s
from tracker.dates import parse_as_of
from tracker.renderers import (
    CompareCSVRenderer,
    CompareXLSXRenderer,
    CSVRenderer,
    FastJSONRenderer,
    XLSXRenderer,
)
from tracker.selectors import (
    LIST_ORDER,
    compare,
    counted_rows,
    country_page,
    parse_country_codes,
    theme_grid,
)
from tracker.throttles import AnonThrottle, UserThrottle

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


class SearchTooSlow(APIException):
    status_code = status.HTTP_400_BAD_REQUEST


def api_exception_handler(exc, context):
    """DRF's handler, with one JSON shape for every error: ``{"detail": ..., "errors": ...}``."""
    if isinstance(exc, search.SearchTimeout):
        exc = SearchTooSlow(str(exc))
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


class Filters(DjangoFilterBackend):
    """django-filter's backend, keeping the FilterSet it validated on the view
    (``view.filterset``): a list reads what was chosen from it (``counted_rows``)."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class Pagination(PageNumberPagination):
    """Numbered pages with the total count; ``page_size`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "Page {page_number} does not exist ({message})."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
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


MAX_ORDERING_FIELDS = 3


class Ordering(OrderingFilter):
    """``ordering=name,-date``: the view's ``ordering_fields`` (API name -> model field) only,
    up to three, each optionally with ``-`` for descending; anything else is a 400 naming it
    rather than silently ignored. The primary key is added last, so that pages stay stable.
    Without the parameter the view's own ``ordering``."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        allowed = getattr(view, "ordering_fields", None) or {}
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        unknown = [t for t in terms if t.removeprefix("-") not in allowed]
        known = ", ".join(allowed)
        if not terms or unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Cannot order by {', '.join(unknown) or 'nothing'}. Known: {known} "
                        "(a leading - for descending)."
                    ]
                }
            )
        if len(terms) > MAX_ORDERING_FIELDS:
            raise ValidationError(
                {self.ordering_param: [f"Order by at most {MAX_ORDERING_FIELDS} fields."]}
            )
        ordering = []
        for term in dict.fromkeys(terms):
            field = allowed[term.removeprefix("-")]
            ordering.append(f"-{field}" if term.startswith("-") else field)
        if not {"pk", "-pk"} & set(ordering):
            ordering.append("pk")  # ties broken the same way on every page
        return ordering

    def get_schema_operation_parameters(self, view):
        allowed = getattr(view, "ordering_fields", None)
        if not allowed:
            return []
        default = ", ".join(str(o) for o in getattr(view, "ordering", ()))
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort by one to {MAX_ORDERING_FIELDS} of: {', '.join(allowed)}, "
                    f"comma-separated, each with a leading - for descending (default: "
                    f"{default}). Ties are broken by id."
                ),
                "schema": {"type": "string"},
            }
        ]


def format_names(renderers) -> list[str]:
    """The ``format`` values a view answers, in the order of its renderers."""
    return [r.format for r in renderers if getattr(r, "format", None)]


class KnownParameters:
    """Query parameters a view reads, so that a misspelt one (``countyr=KAZ``) is a 400 naming
    it and the parameters there are, instead of a list that silently ignores it. Lists know
    their FilterSet's filters, ``page``, ``page_size``, ``ordering`` (where they can be ordered)
    and ``format``; a single record ``format`` (and ``as_of`` where its status depends on it)."""

    def known_parameters(self) -> list[str]:
        return ["format"]

    def check_parameters(self, request):
        known = self.known_parameters()
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            message = f"Unknown parameter. Known: {', '.join(known)}."
            raise ValidationError({name: [message] for name in unknown})


class ValuesList:
    """What a list paginates when it writes rows itself: counts with the filtered queryset as it
    is (unless the stored counts know the total: ``counted_rows``), and reads a page as
    ``values(*columns)`` dicts. The columns' joins (the source's title...) stay out of the
    count, which then reads an index only.

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
            codes["400"] = (
                "A filter or parameter value is malformed or names an unknown code, a "
                "parameter is unknown, or the format is not one of those listed."
            )
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
            if self.method in ("PUT", "PATCH") and lookup:
                codes["412"] = (
                    "If-Match names another version than the record's current one: someone "
                    "changed it since you read it. GET it again and redo the change."
                )
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
        renderers = getattr(self.view, "renderer_classes", ())
        if self.method == "GET" and {CSVRenderer, CompareCSVRenderer} & set(renderers):
            params.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=[f for f in format_names(renderers) if f != "api"],
                    description=(
                        "Output format (default json); CSV can also be asked for with Accept: "
                        "text/csv. Any other value is a 400 listing the formats."
                    ),
                )
            )
        if self.method in ("PUT", "PATCH") and "{" in self.path:
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    location=OpenApiParameter.HEADER,
                    description=(
                        "The ETag of the record as you read it (a GET returns it). The change "
                        "is made only if nobody changed the record since; else 412."
                    ),
                )
            )
        if self.method in WRITE_METHODS:
            params.append(
                OpenApiParameter(
                    CHANGE_REASON_HEADER,
                    str,
                    location=OpenApiParameter.HEADER,
                    description="Why you make this change: kept in the record's history.",
                )
            )
        return params


CHANGE_REASON_HEADER = "X-Change-Reason"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record was changed since you read it (If-Match does not name its current version). "
        "GET it again and redo the change."
    )


def record_etag(data) -> str:
    """The ETag of a record as the API shows it: the same for any format and indentation, and
    different whenever anything shown changes (the record, its links, its current status)."""
    body = orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """The default permissions (reads for anyone, writes by model permission), answering a read
    without building the view's queryset: DRF's asks for no permission to read (an empty
    ``perms_map`` entry), but built the queryset first to learn the model."""

    def has_permission(self, request, view):
        if request.user and self.perms_map.get(request.method) == []:
            return True
        return super().has_permission(request, view)


class ApiMixin(KnownParameters):
    """What every API view shares: throttles, error shape, JSON for errors whatever the format,
    a 400 for an unknown parameter or format."""

    schema = TrackerSchema()
    throttle_classes = [AnonThrottle, UserThrottle]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to ?format=<one it has no renderer for>: a bare 404
            asked = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE, "")
            formats = ", ".join(format_names(self.get_renderers()))
            raise ValidationError(
                {"format": [f"Unknown format: {asked}. Known: {formats}."]}
            ) from None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS":
            self.check_parameters(request)

    def dispatch(self, request, *args, **kwargs):
        # A search runs under the time limit: a query past it is stopped, and the client gets a
        # 400 saying so (``api_exception_handler``) instead of a worker held for minutes.
        if not request.GET.get("q"):
            return super().dispatch(request, *args, **kwargs)
        with search.time_limit():
            return super().dispatch(request, *args, **kwargs)

    def get_exception_handler(self):
        return api_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        # An error, and the OPTIONS description, are always JSON, even when CSV was asked for.
        if (response.status_code >= 400 or request.method == "OPTIONS") and isinstance(
            getattr(request, "accepted_renderer", None),
            CSVRenderer | XLSXRenderer | BrowsableAPIRenderer,
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
    ordering_fields: dict = {}  # API name -> model field, for ``?ordering=``
    pagination_class = Pagination
    permission_classes = [ModelPermissionsOrAnonReadOnly]
    filter_backends = [Filters, Ordering]
    lookup_value_regex = "[^/]+"  # any key reaches get_object, which answers a JSON 404
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

    def paginate_queryset(self, queryset):
        # Concerns and claims: the total from the stored counts when the filters allow it.
        filterset = getattr(self, "filterset", None)
        if filterset is not None and hasattr(filterset.form, "cleaned_data"):  # validated
            chosen = filterset.form.cleaned_data
            queryset = counted_rows(self.model, queryset, chosen, user=self.request.user)
        return super().paginate_queryset(queryset)

    def known_parameters(self) -> list[str]:
        filterset = getattr(self, "filterset_class", None)
        filters_ = list(filterset.base_filters) if filterset else []
        if self.detail:
            return ["format", *(["as_of"] if "as_of" in filters_ else [])]
        if self.request.method not in ("GET", "HEAD"):
            return ["format"]
        paging = ["page", "page_size", *(["ordering"] if self.ordering_fields else [])]
        return [*filters_, *paging, "format"]

    def base_queryset(self):
        qs = self.model.objects.all()
        if hasattr(qs, "visible_to"):
            qs = qs.visible_to(self.request.user)
        return qs

    def get_queryset(self):
        qs = self.base_queryset().select_related(*self.select)
        user = self.request.user
        qs = qs.prefetch_related(*(p(user) if callable(p) else p for p in self.prefetch))
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            # The row stays locked from this read to the write (PostgreSQL; SQLite's immediate
            # transactions hold the write lock from the start): another editor's save waits.
            qs = qs.select_for_update(of=("self",))
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

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = record_etag(response.data)
        return response

    def update(self, request, *args, **kwargs):
        # Read, compare and write in one transaction, the row locked (``get_queryset``): two
        # editors changing the same record one after the other, each sees the other's change.
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)
        response["ETag"] = record_etag(response.data)
        return response

    def perform_create(self, serializer):
        self._save(serializer, self.model())
        self._reload(serializer)

    def perform_update(self, serializer):
        wanted = self.request.headers.get("If-Match")
        if wanted and wanted.strip() != "*":
            current = record_etag(self.get_serializer(serializer.instance).data)
            if current not in {tag.strip() for tag in wanted.split(",")}:
                raise PreconditionFailed()
        self._save(serializer, serializer.instance, partial=True)
        self._reload(serializer)

    def _save(self, serializer, instance, partial=False):
        """Write the validated fields through ``services.record_save``: an update saves only
        the fields the request sent (and ``updated_at``), so that it never puts back values it
        did not mean to change."""
        data = dict(serializer.validated_data)
        many = {f.name for f in instance._meta.many_to_many}
        links = {name: data.pop(name) for name in list(data) if name in many}
        for name, value in data.items():
            setattr(instance, name, value)
        reason = self.request.headers.get(CHANGE_REASON_HEADER, "").strip() or None
        services.record_save(
            record=instance, fields=list(data) if partial else None, links=links, reason=reason
        )
        serializer.instance = instance

    def perform_destroy(self, instance):
        try:
            services.record_delete(record=instance)
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
    ordering_fields = {
        "name": "name",
        "code": "code",
        "region": "region",
        "un_member_since": "un_member_since",
    }

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


class BodyViewSet(RecordViewSet):
    """Treaty bodies, the UPR and other monitors, by code (``/api/bodies/CCPR/``)."""

    model = m.Body
    serializer_class = s.BodySerializer
    lookup_field = "code"
    ordering = ("code",)
    ordering_fields = {"code": "code", "name": "name", "kind": "kind"}


class InstrumentViewSet(RecordViewSet):
    """Treaties and optional protocols, by code (``/api/instruments/CAT/``)."""

    model = m.Instrument
    serializer_class = s.InstrumentSerializer
    filterset_class = filters.InstrumentFilter
    lookup_field = "code"
    ordering = ("position", "code")
    ordering_fields = {"position": "position", "code": "code", "adopted_on": "adopted_on"}


class ThemeViewSet(RecordViewSet):
    """Themes, by slug, with the instruments that protect them."""

    model = m.Theme
    serializer_class = s.ThemeSerializer
    lookup_field = "slug"
    prefetch = ("instruments",)
    ordering = ("position", "slug")
    ordering_fields = {"position": "position", "slug": "slug", "name": "name"}


class SourceViewSet(RecordViewSet):
    """Documents the records cite."""

    model = m.Source
    serializer_class = s.SourceSerializer
    filterset_class = filters.SourceFilter
    ordering = LIST_ORDER["sources"]
    ordering_fields = {"id": "pk", "published_on": "published_on", "title": "title", "kind": "kind"}


class RatificationRowSerializer(s.RatificationSerializer):
    """Schema only: a row of the ratification list, which with ``status=none`` or ``no_data``
    also holds the country x instrument cells without a record (no id, dates or links of their
    own; the source, if any, is the one whose dated statement says "no action")."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    key = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        choices=s.TREATY_CELL_STATUSES,
        read_only=True,
        help_text="The treaty status as of as_of; no_data (a cell without a record only) where "
        "the tracker holds neither a record nor a source's dated statement.",
    )
    editorial_status = serializers.ChoiceField(
        choices=m.Editorial.choices, read_only=True, allow_null=True
    )
    source = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = serializers.URLField(read_only=True, allow_null=True)


NO_RECORD_STATUSES = {m.TreatyStatus.NONE, m.NO_DATA}


def comma_list(raw: str, upper: bool = False) -> list[str]:
    """A comma list as the filters read it (they have validated it already)."""
    items = [v.strip() for v in raw.split(",") if v.strip()]
    return list(dict.fromkeys(v.upper() for v in items) if upper else dict.fromkeys(items))


class RatificationViewSet(RecordViewSet):
    """Ratification records with the treaty status as of ``as_of`` (default today).

    With ``status=none`` (or ``no_data``) the list also has a row for every country and
    instrument without a record: ``none`` where a source's dated statement says the state had
    taken no action, ``no_data`` where the tracker holds nothing on it, as the treaty tables
    show them (``models.snapshot_statuses``)."""

    model = m.Ratification
    serializer_class = s.RatificationSerializer
    filterset_class = filters.RatificationFilter
    select = ("source",)
    prefetch = (visible("reservations", m.Reservation, "source"),)
    ordering = ("country_id", "instrument__position", "instrument_id", "pk")
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "instrument": "instrument_id",
        "signature_date": "signature_date",
        "action_date": "action_date",
        "entry_into_force": "entry_into_force",
    }

    @extend_schema(responses=RatificationRowSerializer(many=True))
    def list(self, request, *args, **kwargs):
        params = request.query_params
        wanted = set(comma_list(params.get("status", ""))) & NO_RECORD_STATUSES
        if not wanted or params.get("action"):  # a cell without a record has no action
            return super().list(request, *args, **kwargs)
        records = self.filter_queryset(self.get_queryset())  # validates every parameter
        if "ordering" in params:
            raise ValidationError(
                {"ordering": ["Not with status=none or no_data: those rows are by country."]}
            )
        return self.get_paginated_response(self._with_cells(records, wanted))

    def _with_cells(self, records, wanted: set[str]) -> "list[dict]":
        """One page of the records matching ``status`` and of the cells without a record
        whose status is wanted, in the list's order (country, instrument): five queries, two
        more when the page holds records (them and their reservations)."""
        params = self.request.query_params
        codes = comma_list(params.get("country", ""), upper=True)
        instrument_codes = comma_list(params.get("instrument", ""), upper=True)
        as_of = self.get_serializer_context()["as_of"]
        day = as_of or dt.date.today()
        countries = m.Country.objects.order_by("code")
        instruments = m.Instrument.objects.order_by("position", "code")
        held = self.base_queryset()
        snapshots = m.StatusSnapshot.objects.visible_to(self.request.user).select_related("source")
        if codes:
            countries = countries.filter(code__in=codes)
            held, snapshots = held.filter(country__in=codes), snapshots.filter(country__in=codes)
        if instrument_codes:
            instruments = instruments.filter(code__in=instrument_codes)
            held = held.filter(instrument__in=instrument_codes)
            snapshots = snapshots.filter(instrument__in=instrument_codes)
        position = dict(instruments.values_list("code", "position"))
        held = set(held.order_by().values_list("country_id", "instrument_id"))
        statuses = m.snapshot_statuses(snapshots, day)
        entries = [
            (country_id, position[instrument_id], instrument_id, pk)
            for pk, country_id, instrument_id in records.order_by().values_list(
                "pk", "country_id", "instrument_id"
            )
        ]
        for country in countries.values_list("code", flat=True):
            for instrument in position:
                if (country, instrument) in held:
                    continue
                cell = statuses.get((country, instrument))
                status = cell.status_as_of if cell is not None else m.NO_DATA
                if status in wanted:
                    entries.append((country, position[instrument], instrument, 0, cell))
        entries.sort(key=lambda entry: entry[:4])
        page = self.paginate_queryset(entries)
        ids = [entry[3] for entry in page if entry[3]]
        found = {r.pk: r for r in self.get_queryset().with_status_as_of(as_of).filter(pk__in=ids)}
        context = self.get_serializer_context()
        rows = []
        for entry in page:
            if entry[3]:
                rows.append(self.get_serializer(found[entry[3]]).data)
            else:
                rows.append(self._cell_row(entry[0], entry[2], entry[4], day, context))
        return rows

    def _cell_row(self, country: str, instrument: str, cell, day, context) -> dict:
        snapshot = cell.snapshot if cell is not None else None
        source = snapshot.source if snapshot is not None else None
        return {
            "id": None,
            "key": None,
            "country": country,
            "instrument": instrument,
            "status": cell.status_as_of if cell is not None else m.NO_DATA,
            "as_of": day.isoformat(),
            "signature_date": None,
            "signature_date_precision": "",
            "action": "",
            "action_date": None,
            "action_date_precision": "",
            "entry_into_force": None,
            "domestic_act": "",
            "editorial_status": snapshot.status if snapshot is not None else None,
            "source": source.pk if source is not None else None,
            "locator": snapshot.locator if snapshot is not None else "",
            "source_detail": s.SourceBriefSerializer(source, context=context).data
            if source is not None
            else None,
            "reservations": [],
            "created_at": None,
            "updated_at": None,
            "url": None,
            "page_url": self.request.build_absolute_uri(reverse("tracker:country", args=[country])),
        }

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The filter has validated it already (a bad date is a 400 before we get here).
        raw = self.request.query_params.get("as_of") if self.request else None
        try:
            context["as_of"] = parse_as_of(raw)
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
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "instrument": "instrument_id",
        "as_of": "as_of",
    }


class ReservationViewSet(RecordViewSet):
    """Reservations, declarations, objections and acceptances of procedures."""

    model = m.Reservation
    serializer_class = s.ReservationSerializer
    select = ("source", "ratification")
    ordering = ("ratification_id", "made_on", "pk")
    ordering_fields = {"id": "pk", "made_on": "made_on", "kind": "kind"}


class ReviewViewSet(RecordViewSet):
    """One body's examination of one country (concluding observations, UPR outcome)."""

    model = m.Review
    serializer_class = s.ReviewSerializer
    filterset_class = filters.ReviewFilter
    select = ("source",)
    ordering = ("country_id", "-adopted_on", "pk")
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "body": "body_id",
        "adopted_on": "adopted_on",
    }


class ReportingStatusViewSet(RecordViewSet):
    """Where a state stands in reporting to each treaty body: last report, next report due,
    whether it is overdue as of ``as_of`` (default today), and the review scheduled. Read only."""

    model = m.ReportingStatus
    serializer_class = s.ReportingStatusSerializer
    filterset_class = filters.ReportingStatusFilter
    select = ("source",)
    ordering = ("country_id", "body_id", "pk")
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "body": "body_id",
        "last_report_submitted_on": "last_report_submitted_on",
        "next_report_due_on": "next_report_due_on",
    }
    http_method_names = ["get", "head", "options"]  # rows change through seeds and the admin

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The filter has validated it already (a bad date is a 400 before we get here).
        raw = self.request.query_params.get("as_of") if self.request else None
        try:
            context["as_of"] = parse_as_of(raw)
        except ValueError:
            context["as_of"] = None
        return context


SEARCH_LIMIT = 1000  # an API search of concerns pages through this many matches at most


def concern_links(ids: list[int], user, db: str) -> tuple[dict, dict]:
    """Theme slugs and the earlier concerns ``user`` may see, per concern id, in the order
    ConcernSerializer lists them: two queries whatever the number of ids."""
    themes, previous = {}, {}
    if not ids:
        return themes, previous
    # Plain SQL: building these joins through the ORM took longer than running them.
    marks = ", ".join(["%s"] * len(ids))
    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT link.concern_id, link.theme_id FROM tracker_concern_themes link "
            "JOIN tracker_theme theme ON theme.slug = link.theme_id "
            f"WHERE link.concern_id IN ({marks}) ORDER BY theme.position, theme.slug",
            ids,
        )
        for concern_id, slug in cursor.fetchall():
            themes.setdefault(concern_id, []).append(slug)
    # The earlier concerns the user may see, by the one visibility rule, newest first.
    links = (
        m.Concern.objects.using(db)
        .visible_to(user)
        .filter(later__in=ids)
        .order_by("-issued_on", "key")
        .values_list("later", "pk")
    )
    for concern_id, earlier_id in links:
        previous.setdefault(concern_id, []).append(earlier_id)
    return themes, previous


class ConcernViewSet(RecordViewSet):
    """Concerns and recommendations, each with its current ``implementation`` status."""

    model = m.Concern
    serializer_class = s.ConcernSerializer
    filterset_class = filters.ConcernFilter
    select = ("source",)
    prefetch = ("themes", visible("previous", m.Concern))
    ordering = LIST_ORDER["concerns"]
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "body": "body_id",
        "issued_on": "issued_on",
        "kind": "kind",
        "implementation": "implementation",
    }

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
        if search.terms(request.query_params.get("q", "")):
            if "ordering" in request.query_params:
                raise ValidationError(
                    {"ordering": ["Not with q: a search lists the newest recorded first."]}
                )
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
    ordering = LIST_ORDER["claims"]
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "stated_on": "stated_on",
        "action_on": "action_on",
        "kind": "kind",
        "verification": "verification",
    }

    def get_queryset(self):
        user = self.request.user
        stances = m.Stance.objects.filter(
            m.visible_link("report_id", m.Report, user)
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
    ordering = LIST_ORDER["reports"]
    ordering_fields = {"id": "pk", "country": "country_id", "observed_from": "observed_from"}

    def get_queryset(self):
        user = self.request.user
        stances = m.Stance.objects.filter(m.visible_link("claim_id", m.Claim, user))
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
    ordering_fields = {"id": "pk", "assessed_on": "assessed_on", "verdict": "verdict"}


class PledgeViewSet(RecordViewSet):
    """Commitments outside treaties: action plans, road maps, quotas, accepted recommendations."""

    model = m.Pledge
    serializer_class = s.PledgeSerializer
    filterset_class = filters.PledgeFilter
    select = ("source",)
    prefetch = ("themes", visible("concerns", m.Concern))
    ordering = ("country_id", "-made_on", "pk")
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "made_on": "made_on",
        "due_by": "due_by",
    }


class IndicatorViewSet(RecordViewSet):
    """Measured figures, by slug, each with its observations."""

    model = m.Indicator
    serializer_class = s.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    lookup_field = "slug"
    ordering = ("slug",)
    ordering_fields = {"slug": "slug", "name": "name"}

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
    ordering_fields = {
        "id": "pk",
        "country": "country_id",
        "indicator": "indicator_id",
        "observed_on": "observed_on",
    }


# Comparison -----------------------------------------------------------------------------------

MAX_COMPARED = 12


def as_of_field() -> serializers.CharField:
    """The ``as_of`` parameter of the comparison and the country page."""
    return serializers.CharField(
        required=False,
        help_text="Treaty status as of this date: YYYY, YYYY-MM or YYYY-MM-DD (a year or a "
        "month: its last day); default today.",
    )


def valid_as_of(value: str):
    """``as_of`` as a date (``tracker.dates``), or the reason it is not one."""
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


class CompareQuerySerializer(serializers.Serializer):
    """The query string of ``/api/compare/``."""

    countries = serializers.CharField(
        help_text=f"ISO alpha-3 codes, comma-separated (at most {MAX_COMPARED}), e.g. KAZ,KGZ,UZB."
    )
    theme = serializers.CharField(
        required=False,
        help_text="A theme slug; without it (and without `newest`), the theme x country grid.",
    )
    newest = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        help_text="Only the newest N concerns and claims per country, as the compare page shows "
        "them (its twin asks for 10); the counts by status still cover all. With it, the "
        "columns are given for all themes too, as on the page. Default: every record.",
    )
    as_of = as_of_field()
    validate_as_of = staticmethod(valid_as_of)

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
    renderer_classes = [
        FastJSONRenderer,
        BrowsableAPIRenderer,
        CompareCSVRenderer,
        CompareXLSXRenderer,
    ]
    http_method_names = ["get", "head", "options"]  # rows change through seeds and the admin

    def known_parameters(self) -> list[str]:
        return [*CompareQuerySerializer().fields, "format"]

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
        newest = params.validated_data.get("newest")
        if theme is None and newest is None:
            grid = theme_grid(countries, user=request.user, as_of=as_of)
            return Response(s.GridSerializer(grid, context=context).data)
        comparison = compare(
            countries, theme, user=request.user, as_of=as_of, newest=newest, brief=False
        )
        return Response(s.ComparisonSerializer(comparison, context=context).data)


class CountryPageQuerySerializer(serializers.Serializer):
    """The query string of ``/api/countries/<code>/page/``."""

    as_of = as_of_field()
    validate_as_of = staticmethod(valid_as_of)


class CountryPageView(ApiMixin, APIView):
    """The country page as JSON: the same selector, the same rows."""

    permission_classes = [AllowAny]  # read-only; visibility comes from the user
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]
    http_method_names = ["get", "head", "options"]

    def known_parameters(self) -> list[str]:
        return [*CountryPageQuerySerializer().fields, "format"]

    @extend_schema(
        operation_id="country_page",
        parameters=[CountryPageQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
        description=(
            "What the country page shows: treaty status as of `as_of` with the source each "
            "rests on and other sources' statements, reservations, procedures accepted, pledges, "
            "reporting per committee, theme by theme the newest five concerns and claims with "
            "their totals, indicator figures and the newest 40 events. The full lists are "
            "`/api/concerns/?country=...` and `/api/claims/?country=...`."
        ),
    )
    def get(self, request, code):
        params = CountryPageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        as_of = params.validated_data.get("as_of")
        try:
            country = m.Country.objects.get(code=code.upper())
        except m.Country.DoesNotExist:
            raise NotFound(f"No country with the code {code}.") from None
        page = country_page(country, user=request.user, as_of=as_of)
        context = {"request": request, "as_of": page.as_of}
        return Response(s.CountryPageSerializer(page, context=context).data)


# Routes ---------------------------------------------------------------------------------------


class RootView(ApiMixin, APIRootView):
    """The list of endpoints: every record list, the comparison, the schema and its docs."""

    permission_classes = [AllowAny]
    schema = None  # not an endpoint of its own in the schema

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name in ("compare", "schema", "docs"):
            response.data[name] = reverse(f"api:{name}", request=request)
        return response


class Router(DefaultRouter):
    include_format_suffixes = False  # ``?format=csv`` instead; keeps the schema simple
    APIRootView = RootView


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
router.register("reporting", ReportingStatusViewSet, basename="reportingstatus")
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

    def check_parameters(self, request):
        pass  # no endpoint here, whatever the parameters: the 404 says so

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound(f"No API endpoint at {request.path}. The list is at /api/.")

    get = post = put = patch = delete = http_method_not_allowed


urlpatterns = [
    path("compare/", CompareView.as_view(), name="compare"),
    path("countries/<str:code>/page/", CountryPageView.as_view(), name="country-page"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^.*$", NotFoundView.as_view()),
]
