"""The admin as the editors' working tool: lists to scan, filters, search, autocomplete, inlines,
edit history (viewable and revertible), a country's comparison beside its form, and a work queue."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tracker import models as m
from tracker.comparison import compare


class YearFilter(admin.SimpleListFilter):
    """Filter by the year of a date field named in ``date_field`` (one query for the choices)."""

    title = _("year")
    parameter_name = "year"
    date_field = ""

    def lookups(self, request, model_admin):
        dates = model_admin.get_queryset(request).dates(self.date_field, "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in dates]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.date_field}__year": int(value)})
        return queryset


def year_filter(field_name: str):
    return type(f"{field_name}YearFilter", (YearFilter,), {"date_field": field_name})


class TrackerAdmin(SimpleHistoryAdmin):
    """Shared behaviour: history, no full-table second count, 50 rows a page."""

    show_full_result_count = False
    list_per_page = 50
    save_on_top = True


class EditorialAdmin(TrackerAdmin):
    autocomplete_fields = ["source"]
    list_filter: tuple = ("status",)
    readonly_fields = ("created_at", "updated_at")
    actions = ["publish", "unpublish"]

    @admin.action(description=_("Publish the selected records"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, m.Editorial.PUBLISHED)

    @admin.action(description=_("Return the selected records to draft"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, m.Editorial.DRAFT)

    def _set_status(self, request, queryset, status):
        # Saved one by one so that validation runs and the history records each change.
        changed = 0
        for obj in queryset.select_related("source"):
            if obj.status != status:
                obj.status = status
                obj.full_clean()
                obj._change_reason = f"admin action: {status}"
                obj.save()
                changed += 1
        self.message_user(request, _("%(n)d record(s) changed.") % {"n": changed})


# Reference data --------------------------------------------------------------------------------


class RatificationInline(admin.TabularInline):
    model = m.Ratification
    extra = 0
    fields = [
        "instrument",
        "signature_date",
        "signature_date_precision",
        "action",
        "action_date",
        "action_date_precision",
        "source",
        "locator",
        "status",
        "key",
    ]
    autocomplete_fields = ["instrument", "source"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instrument", "source")


@admin.register(m.Country)
class CountryAdmin(TrackerAdmin):
    list_display = ["code", "iso2", "name", "name_ru", "region"]
    list_filter = ["region"]
    search_fields = ["code", "iso2", "name", "name_ru"]
    inlines = [RatificationInline]
    change_form_template = "admin/tracker/country/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        country = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if country is not None:
            extra_context["comparison"] = compare([country], None, user=request.user)
            extra_context["concerns_by_theme"] = _by_theme(extra_context["comparison"])
        return super().change_view(request, object_id, form_url, extra_context)


def _by_theme(comparison):
    """Group a one-country comparison's concerns and claims under their themes."""
    column = comparison.columns[0]
    groups: dict = {}
    for kind in ("concerns", "claims"):
        for record in getattr(column, kind):
            for theme in record.themes.all() or [None]:
                groups.setdefault(theme, {"concerns": [], "claims": []})[kind].append(record)
    return sorted(groups.items(), key=lambda item: (item[0] is None, getattr(item[0], "name", "")))


@admin.register(m.Body)
class BodyAdmin(TrackerAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_ru"]


@admin.register(m.Instrument)
class InstrumentAdmin(TrackerAdmin):
    list_display = ["code", "short_title", "parent", "body", "adopted_on", "position"]
    list_select_related = ["parent", "body"]
    list_filter = ["body"]
    search_fields = ["code", "title", "short_title", "title_ru"]
    autocomplete_fields = ["parent", "body"]


@admin.register(m.Theme)
class ThemeAdmin(TrackerAdmin):
    list_display = ["slug", "name", "name_ru", "position"]
    search_fields = ["slug", "name", "name_ru"]
    filter_horizontal = ["instruments"]


@admin.register(m.Indicator)
class IndicatorAdmin(TrackerAdmin):
    list_display = ["slug", "name", "unit"]
    search_fields = ["slug", "name"]
    filter_horizontal = ["themes"]


@admin.register(m.Source)
class SourceAdmin(TrackerAdmin):
    list_display = ["title", "kind", "publisher", "published_display", "symbol", "status"]
    list_filter = ["kind", "status", year_filter("published_on")]
    search_fields = ["key", "title", "publisher", "author", "symbol", "url"]
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description=_("published"), ordering="published_on")
    def published_display(self, obj):
        return obj.published_display


# Commitments -----------------------------------------------------------------------------------


class ReservationInline(admin.StackedInline):
    model = m.Reservation
    extra = 0
    autocomplete_fields = ["source"]
    fields = [
        ("kind", "article"),
        "summary",
        ("made_on", "made_on_precision", "withdrawn_on"),
        ("source", "locator"),
        ("status", "key"),
    ]


@admin.register(m.Ratification)
class RatificationAdmin(EditorialAdmin):
    list_display = [
        "country",
        "instrument",
        "signature_display",
        "action",
        "action_display",
        "source",
        "status",
    ]
    list_select_related = ["country", "instrument", "source"]
    list_filter = ["status", "action", "instrument", "country"]
    search_fields = ["country__name", "country__code", "instrument__code", "domestic_act", "key"]
    autocomplete_fields = ["country", "instrument", "source"]
    inlines = [ReservationInline]

    @admin.display(description=_("signature"), ordering="signature_date")
    def signature_display(self, obj):
        return obj.signature_display

    @admin.display(description=_("action date"), ordering="action_date")
    def action_display(self, obj):
        return obj.action_display


@admin.register(m.StatusSnapshot)
class StatusSnapshotAdmin(EditorialAdmin):
    list_display = ["country", "instrument", "as_of", "reported_status", "source", "status"]
    list_select_related = ["country", "instrument", "source"]
    list_filter = ["status", "reported_status", "instrument", "country"]
    search_fields = ["country__name", "instrument__code", "key", "note"]
    autocomplete_fields = ["country", "instrument", "source"]


@admin.register(m.Reservation)
class ReservationAdmin(EditorialAdmin):
    list_display = ["ratification", "kind", "article", "made_on", "withdrawn_on", "status"]
    list_select_related = ["ratification", "source"]
    list_filter = ["status", "kind", "ratification__country", "ratification__instrument"]
    search_fields = ["summary", "article", "key"]
    autocomplete_fields = ["ratification", "source"]


@admin.register(m.Pledge)
class PledgeAdmin(EditorialAdmin):
    list_display = ["key", "country", "made_on", "due_by", "target_value", "target_unit", "status"]
    list_select_related = ["country", "source"]
    list_filter = ["status", "country", "themes", year_filter("made_on")]
    search_fields = ["key", "summary", "responsible"]
    autocomplete_fields = ["country", "source", "indicator", "concerns"]
    filter_horizontal = ["themes"]


# Monitoring ------------------------------------------------------------------------------------


class ConcernInline(admin.StackedInline):
    model = m.Concern
    fk_name = "review"
    extra = 0
    show_change_link = True
    autocomplete_fields = ["source", "body", "country"]
    fields = [
        ("paragraph", "kind", "follow_up"),
        ("body", "country"),
        "summary",
        "recommendation",
        ("source", "locator"),
        ("issued_on", "issued_on_precision"),
        ("status", "key"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "body", "country")


@admin.register(m.Review)
class ReviewAdmin(EditorialAdmin):
    list_display = ["symbol", "body", "country", "adopted_on", "cycle", "status"]
    list_select_related = ["body", "country"]
    list_filter = ["status", "body", "country", year_filter("adopted_on")]
    search_fields = ["symbol", "key", "cycle"]
    autocomplete_fields = ["body", "country", "source"]
    inlines = [ConcernInline]


class AssessmentInline(admin.StackedInline):
    extra = 0
    model = m.Assessment
    autocomplete_fields = ["source", "reports"]
    fields = [
        ("verdict", "grade", "assessor", "assessed_on"),
        "rationale",
        "reports",
        ("source", "locator"),
        ("status", "key"),
    ]


class ConcernAssessmentInline(AssessmentInline):
    fk_name = "concern"


class ClaimAssessmentInline(AssessmentInline):
    fk_name = "claim"


@admin.register(m.Concern)
class ConcernAdmin(EditorialAdmin):
    list_display = [
        "key",
        "country",
        "body",
        "issued_display",
        "paragraph",
        "kind",
        "theme_list",
        "follow_up",
        "status",
    ]
    list_select_related = ["country", "body"]
    list_filter = [
        "status",
        "country",
        "body",
        "themes",
        "kind",
        "follow_up",
        year_filter("issued_on"),
    ]
    search_fields = ["key", "summary", "recommendation", "external_id", "review__symbol"]
    autocomplete_fields = ["review", "body", "country", "source", "recommending_state", "previous"]
    filter_horizontal = ["themes"]
    inlines = [ConcernAssessmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description=_("issued"), ordering="issued_on")
    def issued_display(self, obj):
        return obj.issued_display

    @admin.display(description=_("themes"))
    def theme_list(self, obj):
        return ", ".join(t.name for t in obj.themes.all())


class StanceInline(admin.TabularInline):
    model = m.Stance
    extra = 1
    autocomplete_fields = ["claim"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim")


class ClaimStanceInline(StanceInline):
    autocomplete_fields = ["report"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")


@admin.register(m.Claim)
class ClaimAdmin(EditorialAdmin):
    list_display = ["key", "country", "kind", "action_on", "stated_on", "theme_list", "status"]
    list_select_related = ["country"]
    list_filter = ["status", "country", "kind", "themes", year_filter("stated_on")]
    search_fields = ["key", "summary", "legal_reference"]
    autocomplete_fields = ["country", "source", "concerns"]
    filter_horizontal = ["themes"]
    inlines = [ClaimStanceInline, ClaimAssessmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description=_("themes"))
    def theme_list(self, obj):
        return ", ".join(t.name for t in obj.themes.all())


@admin.register(m.Report)
class ReportAdmin(EditorialAdmin):
    list_display = ["key", "country", "observed_from", "observed_to", "source", "status"]
    list_select_related = ["country", "source"]
    list_filter = ["status", "country", "themes", year_filter("observed_from")]
    search_fields = ["key", "summary"]
    autocomplete_fields = ["country", "source", "concerns"]
    filter_horizontal = ["themes"]
    inlines = [StanceInline]


@admin.register(m.Assessment)
class AssessmentAdmin(EditorialAdmin):
    list_display = ["key", "concern", "claim", "verdict", "assessor", "assessed_on", "status"]
    list_select_related = ["concern", "claim"]
    list_filter = ["status", "assessor", "verdict", year_filter("assessed_on")]
    search_fields = ["key", "rationale"]
    autocomplete_fields = ["concern", "claim", "source", "reports"]


@admin.register(m.Observation)
class ObservationAdmin(EditorialAdmin):
    list_display = ["indicator", "country", "observed_on", "value", "source", "status"]
    list_select_related = ["indicator", "country", "source"]
    list_filter = ["status", "indicator", "country"]
    search_fields = ["key", "indicator__name", "country__name"]
    autocomplete_fields = ["indicator", "country", "source"]


# Work queue ------------------------------------------------------------------------------------

WORK_QUEUE_LIMIT = 100


def work_queue(user=None):
    """What needs an editor's attention, each list capped. Five queries."""
    newer_review = m.Review.objects.filter(
        country=OuterRef("concern__country"),
        body=OuterRef("concern__body"),
        adopted_on__gt=OuterRef("assessed_on"),
    )
    weak_source = Q(source__isnull=True) | Q(locator="") | Q(source__published_on__isnull=True)
    return {
        "claims_without_reports": m.Claim.objects.filter(stances__isnull=True)
        .select_related("country")
        .order_by("country_id", "key")[:WORK_QUEUE_LIMIT],
        "concerns_without_assessment": m.Concern.objects.filter(assessments__isnull=True)
        .select_related("country", "body")
        .order_by("country_id", "-issued_on", "key")[:WORK_QUEUE_LIMIT],
        "stale_assessments": m.Assessment.objects.filter(concern__isnull=False)
        .filter(Exists(newer_review))
        .select_related("concern")
        .order_by("assessed_on")[:WORK_QUEUE_LIMIT],
        "concerns_weak_source": m.Concern.objects.filter(weak_source)
        .select_related("country", "source")
        .order_by("country_id", "key")[:WORK_QUEUE_LIMIT],
        "claims_weak_source": m.Claim.objects.filter(weak_source)
        .select_related("country", "source")
        .order_by("country_id", "key")[:WORK_QUEUE_LIMIT],
    }


def work_queue_view(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Work queue"),
        "queue": work_queue(request.user),
        "limit": WORK_QUEUE_LIMIT,
    }
    return TemplateResponse(request, "admin/tracker/work_queue.html", context)


_original_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("work-queue/", admin.site.admin_view(work_queue_view), name="work_queue"),
        *_original_get_urls(),
    ]


admin.site.get_urls = _get_urls
admin.site.site_header = _("Treaty compliance tracker")
admin.site.site_title = _("Tracker admin")
admin.site.index_title = _("Editing")
admin.site.index_template = "admin/tracker/index.html"

# The Import view (upload, preview, confirm) registers itself on this admin site.
import tracker.admin_import  # noqa: E402, F401
