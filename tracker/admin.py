"""The admin as the editors' working tool: lists to scan, filters, search, autocomplete, inlines,
edit history (viewable and revertible), a country's comparison beside its form, and a work queue."""

import logging
import re
from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords

from tracker import admin_samples, services
from tracker import models as m
from tracker.middleware import WRITE_LOCKED_MESSAGE, is_write_locked
from tracker.selectors import compare

logger = logging.getLogger(__name__)


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
        # ASCII digits only: "²" is a digit to str.isdigit() but not to int(); a year has four.
        if value and re.fullmatch(r"[0-9]{1,4}", value):
            return queryset.filter(**{f"{self.date_field}__year": int(value)})
        return queryset


def year_filter(field_name: str):
    return type(f"{field_name}YearFilter", (YearFilter,), {"date_field": field_name})


class ReasonForm(forms.ModelForm):
    """Every admin form: the editor's reason for the change, kept in the record's history."""

    change_reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        max_length=100,
        help_text=_("Kept in the record's history beside your name."),
    )


class EditorialForm(ReasonForm):
    """Every editorial record's admin form: the reason, and a check that nobody saved the
    record since this form was opened."""

    edited_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["edited_version"].initial = self._current_version()

    def _current_version(self) -> str:
        model = type(self.instance)
        stamp = model._base_manager.filter(pk=self.instance.pk).values_list("updated_at", flat=True)
        return stamp.first().isoformat() if stamp.first() else ""

    def clean(self):
        data = super().clean()
        sent = data.get("edited_version")
        if self.instance.pk is not None and sent and sent != self._current_version():
            raise forms.ValidationError(
                _(
                    "Someone else saved this record after you opened it. Your changes were "
                    "not saved: open the record again (in a new tab) to see theirs, then "
                    "make yours."
                ),
                code="stale",
            )
        return data


def _has_history(obj) -> bool:
    return hasattr(type(obj)._meta, "simple_history_manager_attribute")


def _sign(obj, request, reason) -> None:
    """The history row the next save writes names the editor and their reason."""
    obj._history_user = request.user
    obj._change_reason = reason or None


def _form_links(form) -> dict:
    """The many-to-many values a model form holds, as ``services.record_links_save`` takes
    them (what ``form.save_m2m()`` would set)."""
    data = getattr(form, "cleaned_data", {})
    return {
        f.name: data[f.name]
        for f in form.instance._meta.many_to_many
        if f.name in form.fields and f.name in data
    }


@contextmanager
def _links_in_the_same_row(obj):
    """Many-to-many links saved inside this block are recorded in the history row that the
    record's own save just wrote, instead of one more row per link change: one save, one row."""
    fields = type(obj).history.model._history_m2m_fields if _has_history(obj) else []
    if not fields:
        yield
        return
    obj.skip_history_when_saving = True
    try:
        yield
    finally:
        del obj.skip_history_when_saving
    pk_name = type(obj)._meta.pk.attname
    row = type(obj).history.filter(**{pk_name: obj.pk}).order_by("-history_id").first()
    for field in fields:
        m2m_history = HistoricalRecords.m2m_models[field]
        through = field.remote_field.through
        names = [f.attname for f in through._meta.concrete_fields]
        links = through.objects.filter(**{field.m2m_field_name(): obj.pk})
        m2m_history.objects.filter(history=row).delete()
        m2m_history.objects.bulk_create(
            m2m_history(history=row, **{name: getattr(link, name) for name in names})
            for link in links
        )


class RevertForm(forms.ModelForm):
    """A past version in the revert form. The publication state stays the record's current
    one (shown, not editable) unless the editor ticks ``take_version_status``; the
    many-to-many fields show the version's links, not today's."""

    current = None  # the record as it is now (set per request by ``TrackerAdmin.get_form``)
    version = None  # the history row being restored

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields.get("status")
        if status is not None and "take_version_status" in self.fields:
            status.disabled = True
            self.initial["status"] = self.current.status
            status.help_text = _("Kept as the record is now: %(now)s.") % {
                "now": self.current.get_status_display()
            }
            self.fields["take_version_status"].help_text = _("This version was: %(then)s.") % {
                "then": self.instance.get_status_display()
            }
            self.version_status = self.instance.status
        for field in getattr(self.version, "_history_m2m_fields", ()):
            if field.name in self.fields:
                target = field.m2m_reverse_field_name()
                links = getattr(self.version, field.name).all()
                self.initial[field.name] = [getattr(link, f"{target}_id") for link in links]

    def clean(self):
        data = super().clean()
        if "status" in data and data.get("take_version_status"):
            data["status"] = self.version_status
        return data


class WriteLockedForm(forms.BaseForm):
    """Shown again when the database was busy: the editor's input, and why nothing was saved."""

    def clean(self):
        super().clean()
        raise forms.ValidationError(WRITE_LOCKED_MESSAGE, code="write_locked")


class TrackerAdmin(SimpleHistoryAdmin):
    """Shared behaviour: one history row per save, with the editor's reason (the record's and
    its inlines' alike); every save and delete (forms, inlines, history reverts, bulk delete)
    through ``tracker.services``; no full-table second count; 50 rows a page."""

    form = ReasonForm
    show_full_result_count = False
    list_per_page = 50
    save_on_top = True

    @staticmethod
    def _reason(form) -> str | None:
        return (getattr(form, "cleaned_data", None) or {}).get("change_reason") or None

    def save_model(self, request, obj, form, change):
        _sign(obj, request, self._reason(form))
        services.record_save(record=obj)

    def save_related(self, request, form, formsets, change):
        # The form's many-to-many links (unchanged ones are left alone), recorded in the
        # history row the record's save just wrote; a change of themes is recounted.
        with _links_in_the_same_row(form.instance):
            services.record_links_save(record=form.instance, links=_form_links(form))
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # The inline records carry the parent form's editor and reason, one row each too.
        reason = self._reason(form)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            _sign(obj, request, reason)
            services.record_delete(record=obj, reason=reason)
        for obj in instances:
            _sign(obj, request, reason)
            services.record_save(record=obj)
        for inline_form in formset.forms:
            if inline_form.instance in instances:
                with _links_in_the_same_row(inline_form.instance):
                    services.record_links_save(
                        record=inline_form.instance, links=_form_links(inline_form)
                    )

    def delete_model(self, request, obj):
        services.record_delete(record=obj)

    def delete_queryset(self, request, queryset):
        services.records_delete(records=queryset)

    def get_form(self, request, obj=None, change=False, **kwargs):
        revert = getattr(request, "_tracker_revert", None)
        if revert is not None:
            attrs = {"current": revert[0], "version": revert[1]}
            if revert[0] is not None and hasattr(revert[0], "status"):
                attrs["take_version_status"] = forms.BooleanField(
                    label=_("Also restore this version's publication state"), required=False
                )
            kwargs["form"] = type("RevertForm", (RevertForm, self.form), attrs)
        form = super().get_form(request, obj, change, **kwargs)
        if getattr(request, "tracker_write_locked", False):
            return type(form.__name__, (WriteLockedForm, form), {})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save refused because another write holds the database (an import's write phase,
        after SQLite's busy timeout): the form comes back as the editor filled it, inlines
        included, with a message to save again; nothing is saved, nothing typed is lost. (The
        API answers 423: ``tracker.middleware``.)"""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OperationalError as exc:
            if request.method != "POST" or not is_write_locked(exc):
                raise
            logger.warning("Admin save of %s refused: the database is locked", self.model.__name__)
        request.tracker_write_locked = True
        # Outside a transaction: reading the record and checking the form take no write lock.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Restore a past version: the fields the editor sees in the form, the publication
        state as it is now unless chosen otherwise, one history row with the reason, and a
        message naming the fields that changed."""
        history = self.model.history
        pk_name = self.model._meta.pk.attname
        version = get_object_or_404(
            history.model, **{pk_name: unquote(object_id)}, history_id=version_id
        )
        current = self.model._base_manager.filter(pk=getattr(version, pk_name)).first()
        request._tracker_revert = (current, version)
        if request.method == "POST" and current is not None:
            if not self.has_change_permission(request, current):
                raise PermissionDenied
            obj = version.instance
            obj._state.adding = False
            form = self.get_form(request, obj, change=True)(
                request.POST, request.FILES, instance=obj
            )
            if form.is_valid():
                return self._restore(request, form, version, current)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _restore(self, request, form, version, current):
        when = timezone.localtime(version.history_date).strftime("%Y-%m-%d %H:%M")
        if not form.cleaned_data.get("change_reason"):
            form.cleaned_data["change_reason"] = _("Restored the version of %(when)s") % {
                "when": when
            }
        pk_name = self.model._meta.pk.attname
        rows = self.model.history.order_by("-history_id")
        before = rows.filter(**{pk_name: current.pk}).first()
        obj = self.save_form(request, form, change=True)
        self.save_model(request, obj, form, change=True)
        self.save_related(request, form, [], change=True)
        self.log_change(request, obj, self.construct_change_message(request, form, []))
        after = rows.filter(**{pk_name: obj.pk}).first()
        changed = []
        if before is not None and after is not None:
            delta = after.diff_against(before, excluded_fields=["updated_at", "created_at"])
            changed = [
                str(self.model._meta.get_field(name).verbose_name)
                for name in delta.changed_fields
                if name != "status"
            ]
        parts = [_("Restored the version of %(when)s.") % {"when": when}]
        if changed:
            parts.append(_("Changed: %(fields)s.") % {"fields": ", ".join(changed)})
        else:
            parts.append(_("No field differed from the record as it was."))
        if hasattr(current, "status"):
            if obj.status == current.status:
                parts.append(
                    _("Publication state kept: %(status)s.") % {"status": obj.get_status_display()}
                )
            else:
                parts.append(
                    _("Publication state (status) changed from %(old)s to %(new)s.")
                    % {"old": current.get_status_display(), "new": obj.get_status_display()}
                )
        self.message_user(request, " ".join(str(p) for p in parts), messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change",
                args=[obj.pk],
            )
        )


class EditorialAdmin(TrackerAdmin):
    form = EditorialForm
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
        try:
            changed = services.records_publish(
                records=queryset.select_related("source"), status=status
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return
        self.message_user(request, _("%(n)d record(s) changed.") % {"n": changed})


def _short(text: str, length: int = 90) -> str:
    return Truncator(text or "").chars(length)


def partial_date_column(field: str, description, ordering: str | None = None):
    """A changelist column showing a date as precisely as it is known (``2016``, not
    ``Jan. 1, 2016``), from the field and its ``<field>_precision``."""

    @admin.display(description=description, ordering=ordering or field)
    def column(self, obj):
        return m.format_partial_date(getattr(obj, field), getattr(obj, f"{field}_precision"))

    return column


class SummaryColumn:
    """A changelist column with the start of the record's summary, linking to the record:
    editors scan lists by what the records say, not by their keys."""

    @admin.display(description=_("summary"), ordering="summary")
    def summary_short(self, obj):
        return _short(obj.summary)


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


class BodyAliasInline(admin.TabularInline):
    """The other names an export may give the body (``SR Torture``, a committee's full name)."""

    model = m.BodyAlias
    extra = 1


@admin.register(m.Body)
class BodyAdmin(TrackerAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_ru", "aliases__alias"]
    inlines = [BodyAliasInline]


@admin.register(m.BodyAlias)
class BodyAliasAdmin(TrackerAdmin):
    """Names by which imports find a body; each alias names one body."""

    list_display = ["alias", "body", "body_kind"]
    list_select_related = ["body"]
    list_filter = ["body__kind"]
    search_fields = ["alias", "body__code", "body__name"]
    autocomplete_fields = ["body"]

    @admin.display(description=_("kind of body"), ordering="body__kind")
    def body_kind(self, obj):
        return obj.body.get_kind_display()


@admin.register(m.Instrument)
class InstrumentAdmin(TrackerAdmin):
    list_display = ["code", "short_title", "parent", "body", "adopted_on", "position"]
    list_select_related = ["parent", "body"]
    list_filter = ["body"]
    search_fields = ["code", "title", "short_title", "title_ru"]
    autocomplete_fields = ["parent", "body"]


@admin.register(m.CountryAlias)
class CountryAliasAdmin(TrackerAdmin):
    """Other names of states in the UN's files, as the importers read them."""

    list_display = ("alias", "country")
    list_filter = (("country", admin.EmptyFieldListFilter),)
    search_fields = ("alias", "country__name", "country__code")
    autocomplete_fields = ["country"]


class ThemeAliasInline(admin.TabularInline):
    """The UHRI themes that count under this theme."""

    model = m.ThemeAlias
    extra = 1
    verbose_name = _("UHRI theme mapped here")
    verbose_name_plural = _("UHRI themes mapped here")


@admin.register(m.Theme)
class ThemeAdmin(TrackerAdmin):
    list_display = ["slug", "name", "name_ru", "position"]
    search_fields = ["slug", "name", "name_ru", "uhri_aliases__uhri_theme"]
    filter_horizontal = ["instruments"]
    inlines = [ThemeAliasInline]


@admin.register(m.ThemeAlias)
class ThemeAliasAdmin(TrackerAdmin):
    """The mapping of UHRI themes to the tracker's: the next import reads it as it stands."""

    list_display = ["uhri_theme", "theme"]
    list_editable = ["theme"]
    list_select_related = ["theme"]
    list_filter = ["theme"]
    search_fields = ["uhri_theme", "theme__name", "theme__slug"]
    list_per_page = 200  # the whole mapping of a real export on one page

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Each editable row has a theme menu: read the themes once per request, not per row.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "theme" and request is not None:
            if not hasattr(request, "_theme_choices"):
                request._theme_choices = list(field.choices)
            field.choices = request._theme_choices
        return field


@admin.register(m.AffectedPerson)
class AffectedPersonAdmin(TrackerAdmin):
    list_display = ["slug", "name", "name_ru"]
    search_fields = ["slug", "name", "name_ru"]


@admin.register(m.SdgTarget)
class SdgTargetAdmin(TrackerAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


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
class PledgeAdmin(SummaryColumn, EditorialAdmin):
    list_display = [
        "summary_short",
        "country",
        "made",
        "due",
        "target_value",
        "target_unit",
        "status",
    ]
    list_select_related = ["country", "source"]
    list_filter = ["status", "country", "themes", year_filter("made_on")]
    search_fields = ["key", "summary", "responsible"]
    autocomplete_fields = ["country", "source", "indicator", "concerns"]
    filter_horizontal = ["themes"]
    made = partial_date_column("made_on", _("made"))
    due = partial_date_column("due_by", _("due by"))


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


@admin.register(m.ReportingStatus)
class ReportingStatusAdmin(EditorialAdmin):
    list_display = [
        "country",
        "body",
        "last_report_symbol",
        "last_report_submitted_on",
        "next_report_due_on",
        "overdue",
        "scheduled_review",
        "status",
    ]
    list_select_related = ["country", "body"]
    list_filter = ["status", "country", "body"]
    search_fields = ["key", "last_report_symbol", "scheduled_review", "locator"]
    autocomplete_fields = ["country", "body", "source"]

    @admin.display(boolean=True, description=_("overdue today"))
    def overdue(self, obj):
        return obj.overdue_on(timezone.localdate())


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


class ConcernForm(EditorialForm):
    def clean_previous(self):
        previous = self.cleaned_data.get("previous")
        if self.instance.pk is not None and previous and self.instance in previous:
            raise forms.ValidationError(m.Concern.SELF_PREVIOUS)
        return previous


@admin.register(m.Concern)
class ConcernAdmin(SummaryColumn, EditorialAdmin):
    form = ConcernForm
    list_display = [
        "summary_short",
        "country",
        "body",
        "issued_display",
        "paragraph",
        "kind",
        "theme_list",
        "implementation",
        "status",
    ]
    list_select_related = ["country", "body"]
    list_filter = [
        "status",
        "country",
        "body",
        "body__kind",
        "themes",
        "kind",
        "follow_up",
        year_filter("issued_on"),
    ]
    search_fields = ["key", "summary", "recommendation", "external_id", "review__symbol"]
    autocomplete_fields = [
        "review",
        "body",
        "country",
        "source",
        "recommending_state",
        "previous",
        "affected_persons",
        "sdg_targets",
    ]
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
class ClaimAdmin(SummaryColumn, EditorialAdmin):
    list_display = [
        "summary_short",
        "country",
        "kind",
        "stated",
        "theme_list",
        "verification",
        "status",
    ]
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

    stated = partial_date_column("stated_on", _("stated"))


@admin.register(m.Report)
class ReportAdmin(SummaryColumn, EditorialAdmin):
    list_display = ["summary_short", "country", "observed", "observed_until", "source", "status"]
    observed = partial_date_column("observed_from", _("observed from"))
    observed_until = partial_date_column("observed_to", _("observed to"))
    list_select_related = ["country", "source"]
    list_filter = ["status", "country", "themes", year_filter("observed_from")]
    search_fields = ["key", "summary"]
    autocomplete_fields = ["country", "source", "concerns"]
    filter_horizontal = ["themes"]
    inlines = [StanceInline]


@admin.register(m.Assessment)
class AssessmentAdmin(EditorialAdmin):
    list_display = ["verdict", "judged", "rationale_short", "assessor", "assessed_on", "status"]
    list_select_related = ["concern", "claim"]
    list_filter = ["status", "assessor", "verdict", year_filter("assessed_on")]
    search_fields = ["key", "rationale", "concern__summary", "claim__summary"]
    autocomplete_fields = ["concern", "claim", "source", "reports"]

    @admin.display(description=_("concern or claim judged"))
    def judged(self, obj):
        record = obj.concern or obj.claim
        return _short(record.summary, 70) if record else ""

    @admin.display(description=_("rationale"))
    def rationale_short(self, obj):
        return _short(obj.rationale, 70)


@admin.register(m.Observation)
class ObservationAdmin(EditorialAdmin):
    list_display = ["indicator", "country", "observed_on", "value", "source", "status"]
    list_select_related = ["indicator", "country", "source"]
    list_filter = ["status", "indicator", "country"]
    search_fields = ["key", "indicator__name", "country__name"]
    autocomplete_fields = ["indicator", "country", "source"]


# Work queue ------------------------------------------------------------------------------------

WORK_QUEUE_LIMIT = 100


class WorkQueueFilter(forms.Form):
    """The work queue's filters: a country and a treaty body, by name, among those that have
    concerns or claims. The choices are read once (two queries) and checked against in memory."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    body = forms.ChoiceField(
        label=_("Body"),
        required=False,
        help_text=_("Claims: those answering a concern of this body."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = (
            m.Country.objects.filter(Q(concerns__isnull=False) | Q(claims__isnull=False))
            .distinct()
            .order_by("name")
            .values_list("code", "name")
        )
        bodies = (
            m.Body.objects.filter(concerns__isnull=False)
            .distinct()
            .order_by("code")
            .values_list("code", "name")
        )
        self.fields["country"].choices = [("", _("All countries")), *countries]
        self.fields["body"].choices = [
            ("", _("All bodies")),
            *((code, f"{code} – {name}") for code, name in bodies),
        ]


def work_queue(user=None, country=None, body=None):
    """What needs an editor's attention, each list capped at ``WORK_QUEUE_LIMIT``, and how many
    records each holds in all, narrowed to a country and a body (codes; None: all). Ten
    queries: five counts and five lists."""
    newer_review = m.Review.objects.filter(
        country=OuterRef("concern__country"),
        body=OuterRef("concern__body"),
        adopted_on__gt=OuterRef("assessed_on"),
    )
    weak_source = Q(source__isnull=True) | Q(locator="") | Q(source__published_on__isnull=True)
    concerns, claims = m.Concern.objects.all(), m.Claim.objects.all()
    assessments = m.Assessment.objects.filter(concern__isnull=False)
    if country is not None:
        concerns = concerns.filter(country_id=country)
        claims = claims.filter(country_id=country)
        assessments = assessments.filter(concern__country_id=country)
    if body is not None:
        concerns = concerns.filter(body_id=body)
        answering = m.Concern.objects.filter(claims=OuterRef("pk"), body_id=body)
        claims = claims.filter(Exists(answering))
        assessments = assessments.filter(concern__body_id=body)
    lists = {
        "claims_without_reports": claims.filter(stances__isnull=True)
        .select_related("country")
        .order_by("country_id", "key"),
        "concerns_without_assessment": concerns.filter(assessments__isnull=True)
        .select_related("country", "body")
        .order_by("country_id", "-issued_on", "key"),
        "stale_assessments": assessments.filter(Exists(newer_review))
        .select_related("concern")
        .order_by("assessed_on"),
        "concerns_weak_source": concerns.filter(weak_source)
        .select_related("country", "source")
        .order_by("country_id", "key"),
        "claims_weak_source": claims.filter(weak_source)
        .select_related("country", "source")
        .order_by("country_id", "key"),
    }
    return {
        "counts": {name: records.count() for name, records in lists.items()},
        "queue": {name: records[:WORK_QUEUE_LIMIT] for name, records in lists.items()},
    }


def work_queue_view(request):
    # Drafts are most of the queue: only those who may see them get it (``sees_drafts``).
    if not all(m.sees_drafts(request.user, model) for model in (m.Concern, m.Claim)):
        raise PermissionDenied
    form = WorkQueueFilter(request.GET)
    context = {
        **admin.site.each_context(request),
        "title": _("Work queue"),
        "filter_form": form,
        "limit": WORK_QUEUE_LIMIT,
    }
    if not form.is_valid():
        return TemplateResponse(request, "admin/tracker/work_queue.html", context, status=400)
    chosen = {name: value or None for name, value in form.cleaned_data.items()}
    context.update(work_queue(request.user, **chosen))
    return TemplateResponse(request, "admin/tracker/work_queue.html", context)


_original_get_urls = admin.site.get_urls


def _get_urls():
    return [
        path("work-queue/", admin.site.admin_view(work_queue_view), name="work_queue"),
        *admin_samples.urls(),
        *_original_get_urls(),
    ]


admin.site.get_urls = _get_urls
admin.site.site_header = _("Treaty compliance tracker")
admin.site.site_title = _("Tracker admin")
admin.site.index_title = _("Editing")
admin.site.index_template = "admin/tracker/index.html"

# The Import view (upload, preview, confirm) registers itself on this admin site.
import tracker.admin_import  # noqa: E402, F401


@admin.register(m.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with ``manage.py create_token`` (shown once); here they are listed and
    revoked (deleted). Only digests are stored, so nothing here can be used as a token."""

    list_display = ["user", "name", "created_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["user", "name", "created_at"]
    fields = ["user", "name", "created_at", "expires_at"]

    def has_add_permission(self, request):
        return False
