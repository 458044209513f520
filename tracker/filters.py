"""One FilterSet per browsable model, shared by the HTML pages (``.qs``) and the API.

Every filter names its ``field_name`` and ``lookup_expr``. Multi-valued filters take comma lists
(``country=KAZ,KGZ``) and reject unknown codes with a message naming them, so a typo gives an
explanation instead of an empty list. The filters never look at the user: pass them a queryset
already narrowed with ``visible_to(user)``.
"""

import copy

import django_filters as filters
from django import forms
from django.db import connections
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.filters import QuerySetRequestMixin
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tracker import models as m

# Full text ------------------------------------------------------------------------------------

# The fields each model searches with ``q``. Kept in one place so that it can move to a real
# full-text index (PostgreSQL FTS, SQLite FTS5) without touching the filters or the callers.
SEARCH_FIELDS = {
    m.Concern: ("summary", "recommendation", "paragraph", "external_id"),
    m.Claim: ("summary", "legal_reference"),
    m.Report: ("summary",),
    m.Source: ("title", "publisher", "author", "symbol"),
    m.Country: ("name", "name_ru", "code"),
}


def text_search(queryset, text: str):
    """Rows of ``queryset`` whose search fields contain every word of ``text`` (any case)."""
    if queryset.model is m.Concern:  # a full-text index (migration 0002) serves concerns
        return queryset.search(text)
    fields = SEARCH_FIELDS[queryset.model]
    for word in text.split():
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


# Fields and filters ----------------------------------------------------------------------------


def existing_keys(model, keys: list) -> set:
    """Which of ``keys`` are primary keys of ``model``: one query whatever the number of keys,
    on the database the model is read from. Plain SQL: the ORM took several times as long to
    build this query as to run it, on every filtered request."""
    db = model.objects.db
    quote = connections[db].ops.quote_name
    column, table = quote(model._meta.pk.column), quote(model._meta.db_table)
    marks = ", ".join(["%s"] * len(keys))
    with connections[db].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", keys)
        return {row[0] for row in cursor.fetchall()}


class CommaListField(forms.CharField):
    """A comma-separated list of values; blanks and duplicates dropped, order kept.

    With ``model`` the values are primary keys (ISO codes, instrument codes, theme slugs, ids)
    that must exist; with ``choices`` they must be among the choices. ``upper`` upper-cases codes
    so that ``kaz`` works as well as ``KAZ``.
    """

    def __init__(self, *, model=None, choices=None, upper=False, integers=False, noun="", **kw):
        kw.setdefault("required", False)
        super().__init__(**kw)
        self.model, self.choices, self.upper, self.integers = model, choices, upper, integers
        self.noun = noun or (model._meta.verbose_name if model else _("value"))

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        items = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
        if self.upper:
            items = [v.upper() for v in items]
        if self.integers:
            bad = [v for v in items if not v.isdigit() or len(v) > 18]
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
            found = existing_keys(self.model, items)
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
    """``q``: every word must appear in one of the model's search fields (see ``text_search``)."""

    def __init__(self, **kw):
        kw.setdefault("help_text", _("Words to look for in the text (all must appear)."))
        super().__init__(field_name="", lookup_expr="icontains", **kw)

    def filter(self, qs, value):
        return text_search(qs, value) if value else qs


# FilterSets -----------------------------------------------------------------------------------

_form_classes = {}  # (FilterSet class, language) -> its form class


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per class and language instead
    of on every request (building it, field by field with their generated labels, was a tenth
    of an API list). The fields depend only on the filters' settings and the model, except for
    filters that pick their choices from the request (ModelChoiceFilter...), which are not
    cached. Each form still gets its own copy of the fields, as any Django form does."""

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
    status = choice_filter("status_as_of", m.TreatyStatus.choices, _("treaty status"))
    as_of = filters.DateFilter(
        field_name="", method="filter_as_of", help_text=_("A date (YYYY-MM-DD); default today.")
    )
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
    q = SearchFilter()

    class Meta:
        model = m.Concern
        fields = [
            "country",
            "body",
            "theme",
            "kind",
            "year",
            "implementation",
            "follow_up",
            "review",
            "q",
        ]


class ClaimFilter(FilterSet):
    """Claims; the result always carries ``verification`` (the current assessment)."""

    country = country_filter()
    theme = theme_filter()
    kind = choice_filter("kind", m.Claim.Kind.choices, _("claim kind"))
    verification = choice_filter("verification", m.Verification.choices, _("verification status"))
    concern = id_filter("concerns", m.Concern, distinct=True)
    q = SearchFilter()

    class Meta:
        model = m.Claim
        fields = ["country", "theme", "kind", "verification", "concern", "q"]


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
