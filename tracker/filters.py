"""One FilterSet per browsable model, shared by the HTML pages (``.qs``) and the API.

Every filter names its ``field_name`` and ``lookup_expr``. Multi-valued filters take comma lists
(``country=KAZ,KGZ``) and reject unknown codes with a message naming them, so a typo gives an
explanation instead of an empty list. The filters never look at the user: pass them a queryset
already narrowed with ``visible_to(user)``.
"""

import copy
import re

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.filters import QuerySetRequestMixin
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tracker import models as m
from tracker import search
from tracker.dates import AsOfField

# Full text ------------------------------------------------------------------------------------


def validate_search(text: str) -> None:
    """Form validation for ``q``: a search that cannot run is a clear 400, not a slow page."""
    try:
        search.terms(text)
    except search.SearchError as exc:
        raise forms.ValidationError(str(exc), code="search") from exc


# Fields and filters ----------------------------------------------------------------------------


def existing_keys(model, keys: list, user=None) -> set:
    """Which of ``keys`` are primary keys of ``model`` that ``user`` may see: one query. A draft
    the user may not see is as unknown as a key that does not exist, so that a filter's answer
    never tells one from the other."""
    records = model._default_manager
    if hasattr(records, "visible_to"):
        records = records.visible_to(user)
    return set(records.filter(pk__in=keys).values_list("pk", flat=True))


class NamedChoices(forms.CheckboxSelectMultiple):
    """Checkboxes with names for a comma-list filter: the page shows "Kazakhstan", "not
    implemented", a review's symbol, never a code to type. What it sends is read back as one
    comma list, so ``?country=KAZ,KGZ`` (the API's form) and ``?country=KAZ&country=KGZ`` (the
    form's) mean the same. Its options come from its field (``CommaListField.named_choices``),
    read only when the form is drawn: the API, which never draws it, runs no query for them."""

    field = None  # set per form by ``FilterSet.form``

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return ",".join(v for v in values if v)

    def format_value(self, value):
        if isinstance(value, str):
            value = value.split(",")
        values = [str(v).strip() for v in value or [] if str(v).strip()]
        if self.field is not None and self.field.upper:
            values = [v.upper() for v in values]
        return values

    def optgroups(self, name, value, attrs=None):
        if self.field is not None:
            self.choices = self.field.named_choices(value)
        return super().optgroups(name, value, attrs)


def _record_label(obj) -> str:
    """A record as a filter's option names it: a review by its symbol, a concern or claim by
    the start of its summary, reference data by its name in the reader's language."""
    if isinstance(obj, m.Review):
        return f"{obj.symbol} ({obj.country_id})"
    if isinstance(obj, m.Body):
        return f"{obj.name} ({obj.code})" if obj.name and obj.name != obj.code else obj.code
    if isinstance(obj, m.SdgTarget):
        return str(obj)
    if hasattr(obj, "summary"):
        summary = obj.summary if len(obj.summary) <= 80 else obj.summary[:79] + "…"
        return f"{obj.country_id}: {summary}"
    if (get_language() or "").startswith("ru") and getattr(obj, "name_ru", ""):
        return obj.name_ru
    return getattr(obj, "name", str(obj))


class CommaListField(forms.CharField):
    """A comma-separated list of values; blanks and duplicates dropped, order kept.

    With ``model`` the values are primary keys (ISO codes, instrument codes, theme slugs, ids)
    that must exist; with ``choices`` they must be among the choices. ``upper`` upper-cases codes
    so that ``kaz`` works as well as ``KAZ``.
    """

    def __init__(self, *, model=None, choices=None, upper=False, integers=False, noun="", **kw):
        kw.setdefault("required", False)
        kw.setdefault("widget", NamedChoices)
        super().__init__(**kw)
        self.model, self.choices, self.upper, self.integers = model, choices, upper, integers
        self._named = None  # named_choices, read once per form
        self.noun = noun or (model._meta.verbose_name if model else _("value"))

    def named_choices(self, selected=()) -> list[tuple[str, str]]:
        """(value, name) of every option, for ``NamedChoices``; one query for a model, none
        for fixed choices. Records with ids (reviews, claims, concerns: thousands) list only
        the ``selected`` ones, so that the reader sees what is chosen and can untick it. Only
        what the user may see is offered (``visible_to``), as ``clean`` accepts only that."""
        if self.choices is not None:
            return [(str(v), str(label)) for v, label in self.choices]
        if self._named is None:
            records = self.model._default_manager.all()
            if hasattr(records, "visible_to"):
                records = records.visible_to(getattr(self, "user", None))
            if self.integers:
                ids = [int(v) for v in selected if re.fullmatch(r"[0-9]{1,18}", str(v))]
                records = records.filter(pk__in=ids)
            named = [(str(obj.pk), _record_label(obj)) for obj in records]
            if self.model is m.Country:
                named.sort(key=lambda pair: pair[1])
            self._named = named
        return self._named

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        items = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        if self.upper:
            items = [v.upper() for v in items]
        if self.integers:
            # ASCII digits only ("²" passes str.isdigit() and fails int()).
            bad = [v for v in items if not re.fullmatch(r"[0-9]{1,18}", v)]
            if bad:
                raise forms.ValidationError(
                    _("Not a whole number: %(values)s."), params={"values": ", ".join(bad)}
                )
            items = [int(v) for v in items]
        if self.choices is not None:
            known = {str(c) for c, _label in self.choices}
            unknown = [str(v) for v in items if str(v) not in known]
            if unknown:
                raise forms.ValidationError(
                    _("Unknown %(noun)s: %(values)s. Choose from: %(known)s."),
                    params={
                        "noun": self.noun,
                        "values": ", ".join(unknown),
                        "known": ", ".join(sorted(known)),
                    },
                )
        if self.model is not None and items:
            found = existing_keys(self.model, items, getattr(self, "user", None))
            unknown = [str(v) for v in items if v not in found]
            if unknown:
                raise forms.ValidationError(
                    _("Unknown %(noun)s: %(values)s."),
                    params={"noun": self.noun, "values": ", ".join(unknown)},
                )
        return items


class ShallowCopy:
    """A FilterSet deep-copies all its filters for every request. A filter holds only its
    settings, which no request changes, so a shallow copy is enough; the deep copy was a tenth
    of an API list's function calls (the translated help texts are expensive to copy)."""

    def __deepcopy__(self, memo):
        clone = copy.copy(self)
        if clone.method:  # bind the method to the copy, whose parent is the request's FilterSet
            clone.method = clone.method
        return clone


class ListFilter(ShallowCopy, filters.Filter):
    """Matches rows whose ``field_name`` is any of a comma list (``lookup_expr`` is ``in``).

    ``distinct`` defaults to on for many-to-many paths (``themes``), which would otherwise
    repeat a row once per matching theme.
    """

    field_class = CommaListField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "in")
        if "help_text" not in kwargs and kwargs.get("noun"):
            kwargs["help_text"] = _("One or more, comma-separated (%(noun)s).") % {
                "noun": kwargs["noun"]
            }
        super().__init__(*args, **kwargs)
        # The OpenAPI schema shows a plain string (the comma list) with the help text.
        schema = {"type": "string"}
        if self.extra.get("help_text"):
            schema["description"] = str(self.extra["help_text"])
        set_override(self, "field", schema)

    def filter(self, qs, value):
        if not value:
            return qs
        qs = qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})
        return qs.distinct() if self.distinct else qs


def country_filter(field_name="country_id", **kw):
    return ListFilter(
        field_name=field_name,
        model=m.Country,
        upper=True,
        noun=_("country code"),
        help_text=_("ISO 3166-1 alpha-3 codes, comma-separated (e.g. KAZ,KGZ)."),
        **kw,
    )


def theme_filter(field_name="themes", **kw):
    return ListFilter(
        field_name=field_name,
        model=m.Theme,
        noun=_("theme"),
        distinct=True,
        help_text=_("Theme slugs, comma-separated."),
        **kw,
    )


def choice_filter(field_name, choices, noun, **kw):
    return ListFilter(
        field_name=field_name,
        choices=choices,
        noun=noun,
        help_text=_("One or more of: %(values)s (comma-separated).")
        % {"values": ", ".join(c for c, _label in choices)},
        **kw,
    )


def id_filter(field_name, model, **kw):
    return ListFilter(
        field_name=field_name,
        model=model,
        integers=True,
        noun=_("%(model)s id") % {"model": model._meta.verbose_name},
        help_text=_("Numeric ids, comma-separated."),
        **kw,
    )


@extend_schema_field(
    {
        "type": "string",
        "description": "A date as YYYY, YYYY-MM or YYYY-MM-DD (a year or a month: its last day); "
        "default today.",
    }
)
class AsOfFilter(ShallowCopy, filters.Filter):
    """``as_of`` read as the pages read it (``tracker.dates``): ``2010`` is the end of 2010."""

    field_class = AsOfField


class YearField(forms.IntegerField):
    """A year between 1 and 9999, so that a huge number is a 400 and not a database error."""

    def __init__(self, **kw):
        super().__init__(min_value=1, max_value=9999, **kw)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(ShallowCopy, filters.NumberFilter):
    field_class = YearField


class StrictBooleanField(forms.CharField):
    """``true``/``false`` (also 1/0, yes/no); anything else is an error rather than ignored."""

    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def __init__(self, **kw):
        # On the page a choice of words; the API still reads 1/0, yes/no as well.
        kw.setdefault(
            "widget",
            forms.Select(choices=[("", _("either")), ("true", _("yes")), ("false", _("no"))]),
        )
        super().__init__(**kw)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return self.VALUES[value.strip().lower()]
        except KeyError:
            raise forms.ValidationError(
                _("Not true or false: %(value)s."), params={"value": value}
            ) from None


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(ShallowCopy, filters.Filter):
    field_class = StrictBooleanField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__{self.lookup_expr}": value})


class SearchFilter(ShallowCopy, filters.CharFilter):
    """``q``: every word must appear in one of the model's search fields (``tracker.search``)."""

    def __init__(self, **kw):
        kw.setdefault(
            "help_text",
            _(
                "Words to look for in the text (all must appear; at most %(max)d words of two "
                "letters or more)."
            )
            % {"max": search.MAX_TERMS},
        )
        kw.setdefault("max_length", 1000)
        kw.setdefault("validators", [validate_search])
        super().__init__(field_name="", lookup_expr="icontains", **kw)

    def filter(self, qs, value):
        return search.matching(qs, value) if value else qs


# FilterSets -----------------------------------------------------------------------------------

_form_classes = {}  # (FilterSet class, language) -> its form class


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per class and language instead
    of on every request (building it, field by field with their generated labels, was a tenth
    of an API list). The fields depend only on the filters' settings and the model, except for
    filters that pick their choices from the request (ModelChoiceFilter...), which are not
    cached. Each form still gets its own copy of the fields, as any Django form does."""

    @property
    def form(self):
        # Id and code lists are checked against what the requesting user may see.
        form = super().form
        user = getattr(self.request, "user", None)
        for field in form.fields.values():
            if isinstance(field, CommaListField):
                field.user = user
                if isinstance(field.widget, NamedChoices):
                    field.widget.field = field
        return form

    def read_choices(self) -> None:
        """Read the options of every named-choice field now (one query per model), so that
        drawing the form later runs none."""
        for name, field in self.form.fields.items():
            if isinstance(field.widget, NamedChoices):
                field.named_choices(field.widget.format_value(self.form[name].value()))

    def qs_without(self, name: str):
        """The rows every filter but ``name`` lets through: a facet counted on them keeps its
        other values on offer once one is chosen (switch or add a country)."""
        queryset = self.queryset.all()
        for param, value in self.form.cleaned_data.items():
            if param != name:
                queryset = self.filters[param].filter(queryset, value)
        return queryset

    def get_form_class(self):
        key = (type(self), get_language())  # the labels are translated when they are built
        form_class = _form_classes.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values()):
                _form_classes[key] = form_class
        return form_class


class CountryFilter(FilterSet):
    code = ListFilter(
        field_name="code",
        model=m.Country,
        upper=True,
        noun=_("country code"),
        help_text=_("ISO 3166-1 alpha-3 codes, comma-separated."),
    )
    region = filters.CharFilter(field_name="region", lookup_expr="iexact")
    q = SearchFilter()

    class Meta:
        model = m.Country
        fields = ["code", "region", "q"]


class InstrumentFilter(FilterSet):
    body = ListFilter(field_name="body_id", model=m.Body, upper=True, noun=_("body code"))
    theme = theme_filter()

    class Meta:
        model = m.Instrument
        fields = ["body", "theme"]


class IndicatorFilter(FilterSet):
    theme = theme_filter()

    class Meta:
        model = m.Indicator
        fields = ["theme"]


class SourceFilter(FilterSet):
    kind = choice_filter("kind", m.Source.Kind.choices, _("source kind"))
    year = YearFilter(field_name="published_on", lookup_expr="year")
    q = SearchFilter()

    class Meta:
        model = m.Source
        fields = ["kind", "year", "q"]


class RatificationFilter(FilterSet):
    """Treaty status as of a date: ``as_of`` decides the ``status`` the rows are filtered on.

    Whatever the parameters, the result carries ``status_as_of`` (today when ``as_of`` is empty).
    """

    country = country_filter()
    instrument = ListFilter(
        field_name="instrument_id",
        model=m.Instrument,
        upper=True,
        noun=_("instrument code"),
        help_text=_("Instrument codes, comma-separated (e.g. ICCPR,CAT)."),
    )
    # ``no_data`` matches no record: the API adds the cells without one (``RatificationViewSet``).
    status = choice_filter(
        "status_as_of", [*m.TreatyStatus.choices, (m.NO_DATA, _("no data"))], _("treaty status")
    )
    as_of = AsOfFilter(field_name="", method="filter_as_of")
    action = choice_filter("action", m.Ratification.Action.choices, _("action"))

    class Meta:
        model = m.Ratification
        fields = ["country", "instrument", "status", "as_of", "action"]

    def filter_as_of(self, queryset, name, value):
        # Applied in filter_queryset, before ``status`` needs the annotation.
        return queryset

    def filter_queryset(self, queryset):
        queryset = queryset.with_status_as_of(self.form.cleaned_data.get("as_of"))
        return super().filter_queryset(queryset)


class StatusSnapshotFilter(FilterSet):
    country = country_filter()
    instrument = ListFilter(
        field_name="instrument_id", model=m.Instrument, upper=True, noun=_("instrument code")
    )

    class Meta:
        model = m.StatusSnapshot
        fields = ["country", "instrument"]


class ReviewFilter(FilterSet):
    country = country_filter()
    body = ListFilter(field_name="body_id", model=m.Body, upper=True, noun=_("body code"))
    year = YearFilter(field_name="adopted_on", lookup_expr="year")
    cycle = filters.CharFilter(field_name="cycle", lookup_expr="iexact")

    class Meta:
        model = m.Review
        fields = ["country", "body", "year", "cycle"]


class ReportingStatusFilter(FilterSet):
    """Reporting status per state and body; ``as_of`` only sets the day ``overdue`` is judged on."""

    country = country_filter()
    body = ListFilter(field_name="body_id", model=m.Body, upper=True, noun=_("body code"))
    as_of = AsOfFilter(field_name="", method="filter_as_of")

    class Meta:
        model = m.ReportingStatus
        fields = ["country", "body", "as_of"]

    def filter_as_of(self, queryset, name, value):
        return queryset  # read by the serializer, not a filter on the rows


class ConcernFilter(FilterSet):
    """Concerns; the result always carries ``implementation`` (the current assessment)."""

    country = country_filter()
    body = ListFilter(field_name="body_id", model=m.Body, upper=True, noun=_("body code"))
    theme = theme_filter()
    kind = choice_filter("kind", m.Concern.Kind.choices, _("concern kind"))
    year = YearFilter(field_name="issued_on", lookup_expr="year")
    implementation = choice_filter(
        "implementation", m.Implementation.choices, _("implementation status")
    )
    follow_up = StrictBooleanFilter(field_name="follow_up", lookup_expr="exact", required=False)
    review = id_filter("review_id", m.Review)
    body_kind = choice_filter(
        "body__kind", m.Body.Kind.choices, _("kind of body"), label=_("Kind of body")
    )
    affected = ListFilter(
        field_name="affected_persons",
        model=m.AffectedPerson,
        noun=_("affected persons group"),
        distinct=True,
        label=_("Affected persons"),
        help_text=_("Slugs of affected persons groups, comma-separated (e.g. children)."),
    )
    sdg = ListFilter(
        field_name="sdg_targets",
        model=m.SdgTarget,
        noun=_("SDG target"),
        distinct=True,
        label=_("SDG targets"),
        help_text=_("SDG target codes, comma-separated (e.g. 16.2,5.5)."),
    )
    q = SearchFilter()

    class Meta:
        model = m.Concern
        fields = [
            "country",
            "body",
            "body_kind",
            "theme",
            "kind",
            "year",
            "implementation",
            "follow_up",
            "review",
            "affected",
            "sdg",
            "q",
        ]


NO_REPORT = "none"
REPORT_STANCES = [
    (m.Stance.Kind.SUPPORTS.value, _("supported by a report")),
    (m.Stance.Kind.CONTRADICTS.value, _("contradicted by a report")),
    (m.Stance.Kind.QUALIFIES.value, _("qualified by a report")),
    (NO_REPORT, _("no report for or against")),
]


class ClaimFilter(FilterSet):
    """Claims; the result always carries ``verification`` (the current assessment)."""

    country = country_filter()
    theme = theme_filter()
    kind = choice_filter("kind", m.Claim.Kind.choices, _("claim kind"))
    verification = choice_filter("verification", m.Verification.choices, _("verification status"))
    stance = choice_filter("", REPORT_STANCES, _("stance of the reports"), method="filter_stance")
    concern = id_filter("concerns", m.Concern, distinct=True)
    q = SearchFilter()

    class Meta:
        model = m.Claim
        fields = ["country", "theme", "kind", "verification", "stance", "concern", "q"]

    def filter_stance(self, queryset, name, value):
        """Claims on which a report the user may see takes any of the stances chosen, or
        (``none``) on which no such report takes any: a draft report counts for no one who
        cannot see it."""
        stances = m.Stance.objects.filter(
            m.visible_link("report_id", m.Report, getattr(self.request, "user", None)),
            claim_id=OuterRef("pk"),
        )
        either = Q()
        kinds = [v for v in value if v != NO_REPORT]
        if kinds:
            either |= Exists(stances.filter(stance__in=kinds))
        if NO_REPORT in value:
            either |= ~Exists(stances)
        return queryset.filter(either)


class ReportFilter(FilterSet):
    """Reports; ``claim`` and ``stance`` together mean "takes this stance on this claim"."""

    country = country_filter()
    theme = theme_filter()
    claim = id_filter("stances__claim_id", m.Claim, method="filter_stance")
    stance = choice_filter(
        "stances__stance", m.Stance.Kind.choices, _("stance"), method="filter_stance"
    )
    concern = id_filter("concerns", m.Concern, distinct=True)
    q = SearchFilter()

    class Meta:
        model = m.Report
        fields = ["country", "theme", "claim", "stance", "concern", "q"]

    def filter_stance(self, queryset, name, value):
        # Both parameters go into one filter() call so that they match the same Stance row.
        data = self.form.cleaned_data
        if name == "stances__stance" and data.get("claim"):
            return queryset  # already applied together with ``claim``
        lookups = {}
        if data.get("claim"):
            lookups["stances__claim_id__in"] = data["claim"]
        if data.get("stance"):
            lookups["stances__stance__in"] = data["stance"]
        return queryset.filter(**lookups).distinct() if lookups else queryset


class AssessmentFilter(FilterSet):
    concern = id_filter("concern_id", m.Concern)
    claim = id_filter("claim_id", m.Claim)
    assessor = choice_filter("assessor", m.Assessment.Assessor.choices, _("assessor"))
    verdict = choice_filter(
        "verdict", m.Implementation.choices + m.Verification.choices, _("verdict")
    )
    country = ListFilter(
        field_name="",
        model=m.Country,
        upper=True,
        noun=_("country code"),
        method="filter_country",
        help_text=_("Country of the concern or claim assessed (ISO alpha-3, comma-separated)."),
    )

    class Meta:
        model = m.Assessment
        fields = ["concern", "claim", "assessor", "verdict", "country"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(Q(concern__country_id__in=value) | Q(claim__country_id__in=value))


class PledgeFilter(FilterSet):
    country = country_filter()
    theme = theme_filter()
    indicator = ListFilter(field_name="indicator_id", model=m.Indicator, noun=_("indicator"))
    year = YearFilter(field_name="made_on", lookup_expr="year")

    class Meta:
        model = m.Pledge
        fields = ["country", "theme", "indicator", "year"]


class ObservationFilter(FilterSet):
    country = country_filter()
    indicator = ListFilter(field_name="indicator_id", model=m.Indicator, noun=_("indicator"))
    theme = theme_filter("indicator__themes")
    year = YearFilter(field_name="observed_on", lookup_expr="year")

    class Meta:
        model = m.Observation
        fields = ["country", "indicator", "theme", "year"]
