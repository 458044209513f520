"""Public pages. Each view reads through the selector of its screen (``tracker.selectors``) or the
API's FilterSets, as its JSON twin does, so the two show the same rows; a view adds only forms,
feeds and links. Query counts are fixed in the page tests."""

import datetime as dt
import time
from contextlib import nullcontext
from dataclasses import fields
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tracker import filters, maps, search, selectors
from tracker import models as m
from tracker.dates import AsOfField
from tracker.downloads import compare_download, list_download, treaties_download
from tracker.selectors import (
    FOCUS_COUNTRIES,
    LIST_ORDER,
    LIST_PAGE_SIZE,
    TIMELINE_EVENTS,
    TIMELINE_KINDS,
    country_page,
    parse_country_codes,
)
from tracker.selectors import compare as compare_countries
from tracker.templatetags.tracker_tags import esc, local_name, shorten
from tracker.throttles import page_throttle_wait

COMPARE_MIN, COMPARE_MAX = 2, 5
# Concerns and claims shown per country on the compare page; the rest are a link away.
COMPARE_NEWEST = 10


def api_url(path: str, params: dict | None = None) -> str:
    """The JSON twin of a page: the same parameters under ``/api/``."""
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")}, safe=",")
    return f"/api/{path}" + (f"?{query}" if query else "")


class AsOfForm(forms.Form):
    # A text box, not a date picker: "2010" and "2010-06" are answers too (``tracker.dates``).
    as_of = AsOfField(
        label=gettext_lazy("Status as of"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "placeholder": "2010-06-30",
                "pattern": r"\d{4}(-\d{2}(-\d{2})?)?",
                "autocomplete": "off",
            }
        ),
        help_text=gettext_lazy(
            "YYYY, YYYY-MM or YYYY-MM-DD; a year or a month means its last day. Empty for today."
        ),
    )


def _as_of(request) -> tuple[AsOfForm, dt.date | None]:
    """The validated ``as_of`` date (None: today), and the form to show with any error."""
    form = AsOfForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["as_of"]
    return form, None


def _invalid(form) -> bool:
    return form.is_bound and not form.is_valid()


# Home ------------------------------------------------------------------------------------------


def home(request):
    """What the tracker is, the focus countries' treaty matrix as of a date, the theme grid."""
    form, as_of = _as_of(request)
    page = selectors.home_page(user=request.user, as_of=as_of)
    context = {
        "form": form,
        "as_of": page.as_of,
        "countries": page.countries,
        "matrix": page.matrix,
        "grid": page.grid,
        "codes": ",".join(c.code for c in page.countries),
        # Every grid cell links to these lists: reverse() once, not six times per cell.
        "concerns_url": reverse("tracker:concerns"),
        "claims_url": reverse("tracker:claims"),
        "api_url": api_url(
            "ratifications/",
            {"country": ",".join(FOCUS_COUNTRIES), "as_of": as_of and as_of.isoformat()},
        ),
    }
    return render(request, "tracker/home.html", context, status=400 if _invalid(form) else 200)


# Country ---------------------------------------------------------------------------------------


def _timeline_html(events) -> str:
    """The timeline's items. A busy state has thousands of events: the template engine took
    about half a second for them, this a few milliseconds, for the same markup."""
    items = []
    for e in events:
        text = escape(shorten(e["text"], 140))
        if e["url"]:
            text = f'<a href="{escape(e["url"])}">{text}</a>'
        items.append(
            f'<li><time datetime="{e["date"].isoformat()}">{escape(e["display"])}</time> '
            f'<span class="kind">{escape(TIMELINE_KINDS[e["kind"]])}</span> {text}</li>'
        )
    return mark_safe("".join(items))


def country(request, code):
    """One country: commitments, then theme by theme what bodies said, what the government claims
    and what independent reports show, indicator charts and a timeline (``country_page``)."""
    obj = get_object_or_404(m.Country, code=code.upper())
    form, as_of = _as_of(request)
    page = country_page(obj, user=request.user, as_of=as_of)
    context = {
        **{f.name: getattr(page, f.name) for f in fields(page)},
        "timeline": _timeline_html(page.timeline),
        "timeline_events": TIMELINE_EVENTS,
        "reviews_api_url": api_url("reviews/", {"country": obj.code}),
        # The compare page needs two countries at least: pair this one with the focus states.
        "compare_codes": ",".join([obj.code] + [c for c in FOCUS_COUNTRIES if c != obj.code]),
        "form": form,
        "feeds": [
            {
                "url": reverse("feeds:country", args=[obj.code]),
                "title": _("Everything new: %(country)s") % {"country": local_name(obj)},
            }
        ],
        "api_url": api_url(f"countries/{obj.code}/page/", {"as_of": as_of and as_of.isoformat()}),
    }
    return render(request, "tracker/country.html", context, status=400 if _invalid(form) else 200)


# Compare ---------------------------------------------------------------------------------------


def compare(request):
    """2 to 5 countries side by side on one theme (or all themes), every choice in the URL."""
    raw = request.GET.getlist("countries")
    if len(raw) > 1 or (raw and raw[0] != ",".join(parse_country_codes(raw[0]))):
        # A submitted form sends one parameter per select; redirect to the short, bookmarkable
        # form ``?countries=KAZ,KGZ`` so that the address people copy is the canonical one.
        params = request.GET.copy()
        params.setlist("countries", [",".join(parse_country_codes(",".join(raw)))])
        for optional in ("theme", "as_of"):
            if not params.get(optional):
                params.pop(optional, None)
        return HttpResponseRedirect(f"{reverse('tracker:compare')}?{params.urlencode(safe=',')}")

    codes = parse_country_codes(raw[0]) if raw else FOCUS_COUNTRIES
    errors = []
    countries, missing = selectors.countries_by_code(codes)
    if missing:
        errors.append(_("Unknown country code: %(codes)s.") % {"codes": ", ".join(missing)})
    elif not COMPARE_MIN <= len(countries) <= COMPARE_MAX:
        errors.append(
            _("Choose between %(min)d and %(max)d countries.")
            % {"min": COMPARE_MIN, "max": COMPARE_MAX}
        )
    themes = list(m.Theme.objects.all())
    slug = request.GET.get("theme", "")
    theme = next((t for t in themes if t.slug == slug), None)
    if slug and theme is None:
        errors.append(_("Unknown theme: %(slug)s.") % {"slug": slug})
    all_countries = list(m.Country.objects.only("code", "name", "name_ru"))

    form, as_of = _as_of(request)
    result = None
    if not errors:
        result = compare_countries(
            countries, theme, user=request.user, as_of=as_of, newest=COMPARE_NEWEST
        )
    selected = (codes + [""] * COMPARE_MAX)[:COMPARE_MAX]
    options = _country_options(all_countries)
    selects = [(code, _select(options, code)) for code in selected]
    treaty_rows = []
    if result:
        treaty_rows = [
            (instrument, [col.ratifications[i][1] for col in result.columns])
            for i, instrument in enumerate(result.instruments)
        ]
    context = {
        "result": result,
        "treaty_rows": treaty_rows,
        "errors": errors,
        "themes": themes,
        "theme": theme,
        "selects": selects,
        "form": form,
        # The twin: the same columns, the same newest records.
        "api_url": api_url(
            "compare/",
            {
                "countries": ",".join(codes),
                "theme": slug,
                "as_of": as_of and as_of.isoformat(),
                "newest": COMPARE_NEWEST,
            },
        ),
    }
    if request.GET.get("format"):  # the same table as a file (``tracker.downloads``)
        return compare_download(request, result, errors, form, codes, slug)
    status = 400 if errors or _invalid(form) else 200
    return render(request, "tracker/compare.html", context, status=status)


def _country_options(countries) -> list[tuple[str, str, str]]:
    """Each country's code and ``<option>`` markup (split where ``selected`` goes) for the
    country selectors, built once for all five of them; ``_select`` marks the chosen one. Five
    selectors of 193 countries took 70 ms through the template engine."""
    # local_name's choice, with the language looked up once rather than for each country.
    russian = (get_language() or "").startswith("ru")
    return [
        (
            c.code,
            f'<option value="{esc(c.code)}"',
            f">{esc(c.name_ru if russian and c.name_ru else c.name)}</option>",
        )
        for c in countries
    ]


def _select(options, selected: str) -> str:
    return mark_safe(
        "".join(
            head + (" selected" if code == selected else "") + tail for code, head, tail in options
        )
    )


# Treaties --------------------------------------------------------------------------------------


def treaties(request):
    """Treaty status of any set of countries (all by default) as of a date, sortable."""
    form, as_of = _as_of(request)
    codes = parse_country_codes(request.GET.get("countries", ""))
    sort = request.GET.get("sort", "")
    errors = []
    try:
        table = selectors.treaty_table(user=request.user, codes=codes, as_of=as_of, sort=sort)
    except selectors.UnknownSort:
        errors.append(_("Unknown sort column: %(sort)s.") % {"sort": sort})
        table = selectors.treaty_table(user=request.user, codes=codes, as_of=as_of)
    if table.unknown_codes:
        unknown = ", ".join(table.unknown_codes)
        errors.insert(0, _("Unknown country code: %(codes)s.") % {"codes": unknown})
    context = {
        "form": form,
        "as_of": table.as_of,
        "instruments": table.instruments,
        "rows": table.rows,
        "sort": sort,
        "countries_param": ",".join(codes),
        "errors": errors,
        "api_url": api_url(
            "ratifications/",
            {"country": ",".join(codes), "as_of": as_of and as_of.isoformat()},
        ),
    }
    if request.GET.get("format"):  # the same table as a file (``tracker.downloads``)
        return treaties_download(request, context, errors, form, codes)
    status = 400 if errors or _invalid(form) else 200
    return render(request, "tracker/treaties.html", context, status=status)


# Countries, instruments, themes ----------------------------------------------------------------


def countries(request):
    """Every state with its region and how many concerns, claims and reports the tracker holds
    on it, filtered by region as ``/api/countries/?region=`` is."""
    filterset = filters.CountryFilter(request.GET, queryset=m.Country.objects.all())
    valid = filterset.is_valid()
    rows = filterset.qs.order_by("name") if valid else []
    region = request.GET.get("region", "").strip()
    regions = list(
        m.Country.objects.exclude(region="")
        .values("region")
        .annotate(n=Count("code"))
        .order_by("region")
    )
    context = {
        "rows": selectors.countries_index(rows, user=request.user),
        "region": region,
        "regions": [
            {"name": r["region"], "n": r["n"], "on": r["region"].lower() == region.lower()}
            for r in regions
        ],
        "filterset": filterset,
        "api_url": api_url("countries/", {"region": region}),
    }
    return render(request, "tracker/countries.html", context, status=200 if valid else 400)


def instrument(request, code):
    """One treaty or protocol: what it is, its monitoring body, its parent or protocols, the
    themes it protects, and every state's status as of a date, with counts."""
    form, as_of = _as_of(request)
    obj = get_object_or_404(
        m.Instrument.objects.select_related("parent", "body"), code=code.upper()
    )
    page = selectors.instrument_page(obj, user=request.user, as_of=as_of)
    context = {
        "obj": obj,
        "protocols": page.protocols,
        "themes": page.themes,
        "rows": page.rows,
        "counts": page.counts,
        "world_map": maps.status_map(page.statuses),
        "form": form,
        "as_of": page.as_of,
        "api_url": api_url(
            "ratifications/", {"instrument": obj.code, "as_of": as_of and as_of.isoformat()}
        ),
    }
    return render(
        request, "tracker/instrument.html", context, status=400 if _invalid(form) else 200
    )


def theme(request, slug):
    """One theme: what it covers, the instruments that protect it, and per country how many
    concerns and claims the tracker holds on it, each linking to the filtered list."""
    obj = get_object_or_404(m.Theme, slug=slug.lower())
    page = selectors.theme_page(obj, user=request.user)
    context = {
        "obj": obj,
        "instruments": page.instruments,
        "rows": page.rows,
        "concerns_total": page.concerns_total,
        "claims_total": page.claims_total,
        "feeds": [
            {"title": FEED_TITLES[kind] % {"scope": local_name(obj)}, "url": url}
            for kind, url in (
                ("concerns", reverse("feeds:concerns-theme", args=[obj.slug])),
                ("claims", reverse("feeds:claims-theme", args=[obj.slug])),
                ("reports", reverse("feeds:reports-theme", args=[obj.slug])),
            )
        ],
        "api_url": api_url(f"themes/{obj.slug}/"),
    }
    return render(request, "tracker/theme.html", context)


# Detail pages ----------------------------------------------------------------------------------


def concern(request, pk):
    """A concern or recommendation with its review, source, the claims, reports and pledges that
    answer it, the same concern in other cycles, and its assessments over time."""
    obj = get_object_or_404(selectors.concern_page(request.user), pk=pk)
    context = {"obj": obj, "api_url": api_url(f"concerns/{obj.pk}/")}
    return render(request, "tracker/concern.html", context)


def claim(request, pk):
    """A government claim with the concerns it answers, the reports for and against it and its
    verification over time."""
    obj = get_object_or_404(selectors.claim_page(request.user), pk=pk)
    context = {"obj": obj, "api_url": api_url(f"claims/{obj.pk}/")}
    return render(request, "tracker/claim.html", context)


def report(request, pk):
    """A report of practice with the claims it bears on (and how), the concerns it concerns and
    the assessments that rest on it."""
    obj = get_object_or_404(selectors.report_page(request.user), pk=pk)
    context = {"obj": obj, "api_url": api_url(f"reports/{obj.pk}/")}
    return render(request, "tracker/report.html", context)


def source(request, pk):
    """A source with the records that cite it (up to a hundred of each kind)."""
    obj = get_object_or_404(selectors.source_page(request.user), pk=pk)
    citing = selectors.citing(obj, user=request.user)
    context = {"obj": obj, "citing": citing, "api_url": api_url(f"sources/{obj.pk}/")}
    return render(request, "tracker/source.html", context)


# Lists with filters ----------------------------------------------------------------------------


FACET_ITEMS = 12  # values shown per facet, the most frequent first


class Facet:
    """Counts of the filtered rows by one field, in one GROUP BY query.

    ``param`` is the filter the counts link to; ``value`` the field grouped on; ``label_fields``
    come from the same query (names of countries and themes) so that no lookup follows.
    ``stored``: the same field and labels on ``RecordCount``, whose rows are summed instead of
    counting records when the list's other filters allow it (``selectors.stored_rows``).
    """

    def __init__(
        self,
        param,
        title,
        value,
        label_fields=(),
        choices=None,
        annotate=None,
        multiple=True,
        stored=None,
    ):
        self.param, self.title, self.value = param, title, value
        self.label_fields, self.choices, self.annotate = label_fields, choices, annotate
        self.multiple = multiple  # a comma list: an entry adds its value to those chosen
        self.stored = stored  # (field, label fields) on RecordCount

    def count(self, queryset, selected: list[str]) -> dict:
        """Counts of the records of ``queryset``."""
        if self.annotate:
            queryset = queryset.annotate(**self.annotate)
        value, labels = self.value, self.label_fields
        rows = queryset.order_by().values(value, *labels).annotate(n=Count("pk", distinct=True))
        return self._items(rows, value, labels, selected)

    def count_stored(self, stored, selected: list[str]) -> dict:
        """Counts summed from ``stored``, RecordCount rows (``selectors.stored_rows``)."""
        value, labels = self.stored
        rows = stored.order_by().values(value, *labels).annotate(n=Sum("n"))
        return self._items(rows, value, labels, selected)

    def _items(self, rows, value: str, labels, selected: list[str]) -> dict:
        items = []
        for row in rows.order_by("-n", value):
            key = row[value]
            if key is None or not row["n"]:
                continue
            label = str(key)
            if self.choices:
                label = str(dict(self.choices).get(key, key))
            elif labels:
                label = _localised_label(row, labels) or label
            on = str(key) in selected
            if on:  # the link drops this value and keeps the others chosen
                link = ",".join(v for v in selected if v != str(key))
            else:
                link = ",".join([*selected, str(key)]) if self.multiple else str(key)
            items.append({"value": str(key), "label": label, "n": row["n"], "on": on, "link": link})
        # The most frequent values, and any chosen: at world scale the country facet listed all
        # 193 states before the filter form, which offers every value anyway.
        shown = [item for i, item in enumerate(items) if i < FACET_ITEMS or item["on"]]
        more = len(items) - len(shown)
        return {"param": self.param, "title": self.title, "items": shown, "more": more}

    def not_counted(self) -> dict:
        return {"param": self.param, "title": self.title, "items": [], "not_counted": True}


def _facets(filterset, specs, user) -> list[dict]:
    """The counts of a list's facets, each without its own filter so that its other values stay
    on offer. All of them share ``settings.FACET_TIME_LIMIT`` seconds: at 250,000 concerns the
    unfiltered list's facets took 2.5 s, so a facet that does not finish in the time left, and
    every facet after it, is shown as not counted (its values can still be chosen in the filter
    form). ``time_limit`` runs a count in a savepoint on PostgreSQL, so that the rest of the page
    can still query after one is stopped. Counts by country, theme and current status come from
    the stored counts when the other filters allow it (``selectors.stored_rows``)."""
    cleaned = filterset.form.cleaned_data
    deadline = time.monotonic() + settings.FACET_TIME_LIMIT
    counted = []
    for facet in specs:
        chosen = cleaned.get(facet.param)
        chosen = [
            str(v) for v in (chosen if isinstance(chosen, list) else [chosen] if chosen else [])
        ]
        others = {name: value for name, value in cleaned.items() if name != facet.param}
        stored = facet.stored and selectors.stored_rows(
            filterset.queryset.model, others, user=user, per_theme=facet.param == "theme"
        )
        if stored is not None:  # a few stored rows: not timed
            counted.append(facet.count_stored(stored, chosen))
            continue
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise search.SearchTimeout()
            with search.time_limit(left):
                counted.append(facet.count(filterset.qs_without(facet.param), chosen))
        except search.SearchTimeout:
            counted.append(facet.not_counted())
    return counted


def _localised_label(row: dict, fields) -> str:
    """The first label field, or its ``_ru`` twin when the page is in Russian and it is filled."""
    name = row[fields[0]]
    if len(fields) > 1 and (get_language() or "").startswith("ru") and row[fields[1]]:
        return row[fields[1]]
    return name


COUNTRY_FACET = Facet(
    "country",
    gettext_lazy("Country"),
    "country_id",
    ("country__name", "country__name_ru"),
    stored=("country_id", ("country__name", "country__name_ru")),
)
THEME_FACET = Facet(
    "theme",
    gettext_lazy("Theme"),
    "themes",
    ("themes__name", "themes__name_ru"),
    stored=("theme_id", ("theme__name", "theme__name_ru")),
)

LISTS = {
    "concerns": {
        "empty": gettext_lazy("No concerns match these filters."),
        "none": gettext_lazy("The tracker holds no concerns yet."),
        "model": m.Concern,
        "filterset": filters.ConcernFilter,
        "select": ("country", "body", "source"),
        "order": LIST_ORDER["concerns"],
        "title": gettext_lazy("Concerns and recommendations"),
        "facets": [
            COUNTRY_FACET,
            Facet(
                "implementation",
                gettext_lazy("Implementation"),
                "implementation",
                choices=m.Implementation.choices,
                stored=("outcome", ()),
            ),
            THEME_FACET,
            Facet("body", gettext_lazy("Body"), "body_id"),
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Concern.Kind.choices),
        ],
    },
    "claims": {
        "empty": gettext_lazy("No claims match these filters."),
        "none": gettext_lazy("The tracker holds no claims yet."),
        "model": m.Claim,
        "filterset": filters.ClaimFilter,
        "select": ("country", "source"),
        "order": LIST_ORDER["claims"],
        "title": gettext_lazy("Government claims"),
        "facets": [
            COUNTRY_FACET,
            Facet(
                "verification",
                gettext_lazy("Verification"),
                "verification",
                choices=m.Verification.choices,
                stored=("outcome", ()),
            ),
            THEME_FACET,
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Claim.Kind.choices),
        ],
    },
    "reports": {
        "empty": gettext_lazy("No reports match these filters."),
        "none": gettext_lazy("The tracker holds no reports yet."),
        "model": m.Report,
        "filterset": filters.ReportFilter,
        "select": ("country", "source"),
        "order": LIST_ORDER["reports"],
        "title": gettext_lazy("Reports of practice"),
        "facets": [COUNTRY_FACET, THEME_FACET],
    },
    "sources": {
        "empty": gettext_lazy("No sources match these filters."),
        "none": gettext_lazy("The tracker holds no sources yet."),
        "model": m.Source,
        "filterset": filters.SourceFilter,
        "select": (),
        "order": LIST_ORDER["sources"],
        "title": gettext_lazy("Sources"),
        "facets": [
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Source.Kind.choices),
            Facet(
                "year",
                gettext_lazy("Year"),
                "year",
                annotate={"year": ExtractYear("published_on")},
                multiple=False,
            ),
        ],
    },
}


# Labels for the filter form: the FilterSets' generated ones ("Country is in") read poorly.
FILTER_LABELS = {
    "q": gettext_lazy("Words in the text"),
    "country": gettext_lazy("Countries"),
    "body": gettext_lazy("Bodies"),
    "theme": gettext_lazy("Themes"),
    "kind": gettext_lazy("Kind"),
    "year": gettext_lazy("Year"),
    "implementation": gettext_lazy("Implementation status"),
    "verification": gettext_lazy("Verification status"),
    "follow_up": gettext_lazy("Marked for follow-up"),
    "review": gettext_lazy("Review"),
    "claim": gettext_lazy("Claims"),
    "stance": gettext_lazy("Stance on those claims"),
    "concern": gettext_lazy("Concerns"),
    "affected": gettext_lazy("Affected persons"),
    "sdg": gettext_lazy("SDG targets"),
    "body_kind": gettext_lazy("Kind of body"),
}
# Where a list reads a parameter otherwise than the others do.
LIST_FILTER_LABELS = {("claims", "stance"): gettext_lazy("Reports on the claim")}


# Filters with no facet, said in words in the list's heading.
FILTER_WORDS = {
    "follow_up": (gettext_lazy("marked for follow-up"), gettext_lazy("not marked for follow-up")),
    "review": gettext_lazy("review %(ids)s"),
    "claim": gettext_lazy("on claim %(ids)s"),
    "concern": gettext_lazy("on concern %(ids)s"),
    "stance": gettext_lazy("stance: %(ids)s"),
}
NAMED = {"country": m.Country, "theme": m.Theme}


# The order a heading names filters in: where, on what, then the rest, the words searched last.
WORDS_ORDER = ["country", "theme", "body", "kind", "year", "implementation", "verification"]


def _filters_in_words(
    cleaned: dict, facets: list[dict], names: dict, specs=(), form=None
) -> list[str]:
    """What a list is filtered on, as a reader would say it ("Kazakhstan", "Torture", "2019",
    "“prison”", "CCPR/C/KGZ/CO/2"). Labels come from the facets' counts, then from the names
    the filter form offers (read once, for the form and the heading alike); a country or theme
    still unnamed is looked up, one query per kind. ``names`` gets each value's label."""
    labels = {f["param"]: {i["value"]: i["label"] for i in f["items"]} for f in facets}
    for spec in specs:  # a choice the results lack still has its label
        if spec.choices:
            for value, label in spec.choices:
                labels.setdefault(spec.param, {}).setdefault(str(value), str(label))
    named = set()
    for param, field in form.fields.items() if form is not None else ():
        if cleaned.get(param) and isinstance(field, filters.CommaListField):
            chosen = [str(v) for v in cleaned[param]]
            for value, label in field.named_choices(chosen):
                labels.setdefault(param, {}).setdefault(value, label)
            if field.choices is not None:  # fixed words: said as they are
                named.add(param)
    words = []
    rank = {param: i for i, param in enumerate(WORDS_ORDER)}
    ordered = sorted(cleaned, key=lambda p: (p == "q", rank.get(p, len(rank))))
    for param in ordered:
        value = cleaned[param]
        if value in (None, "", []):
            continue
        if param == "q":
            words.append(f"“{value}”")
        elif param == "follow_up":
            words.append(str(FILTER_WORDS[param][0 if value else 1]))
        elif param in FILTER_WORDS and param not in named:
            known = labels.get(param, {})
            ids = ", ".join(known.get(str(v), str(v)) for v in value)
            words.append(str(FILTER_WORDS[param]) % {"ids": ids})
        else:
            values = value if isinstance(value, list) else [value]
            known = labels.get(param, {})
            missing = [str(v) for v in values if str(v) not in known]
            if missing and param in NAMED:
                for obj in NAMED[param].objects.filter(pk__in=missing):
                    known[str(obj.pk)] = local_name(obj)
            words += [known.get(str(v), str(v)) for v in values]
            names.update(known)
    return words


# Feed titles as pages name them, whole sentences so that each translates on its own.
FEED_TITLES = {
    "concerns": gettext_lazy("New concerns: %(scope)s"),
    "claims": gettext_lazy("New claims: %(scope)s"),
    "reports": gettext_lazy("New reports: %(scope)s"),
}
ALL_FEED_TITLES = {
    "concerns": gettext_lazy("All new concerns"),
    "claims": gettext_lazy("All new claims"),
    "reports": gettext_lazy("All new reports"),
}


def _list_feed(name: str, cleaned: dict, names: dict) -> dict | None:
    """The feed matching a list: its one country's, else its one theme's, else all of them."""
    if name == "sources":
        return None
    countries, themes = cleaned.get("country") or [], cleaned.get("theme") or []
    if len(countries) == 1:
        url = reverse(f"feeds:{name}-country", args=[countries[0]])
        title = FEED_TITLES[name] % {"scope": names.get(countries[0], countries[0])}
    elif len(themes) == 1:
        url = reverse(f"feeds:{name}-theme", args=[themes[0]])
        title = FEED_TITLES[name] % {"scope": names.get(themes[0], themes[0])}
    else:
        url, title = reverse(f"feeds:{name}"), str(ALL_FEED_TITLES[name])
    return {"url": url, "title": title}


def _record_list(request, name: str):
    """A filtered, faceted, paginated list read through the API's FilterSet."""
    wait = page_throttle_wait(request)
    if wait is not None:
        response = render(request, "429.html", {"retry_after": round(wait)}, status=429)
        response["Retry-After"] = str(round(wait))
        return response
    spec = LISTS[name]
    base = spec["model"].objects.visible_to(request.user)
    filterset = spec["filterset"](request.GET, queryset=base, request=request)
    for param, field in filterset.form.fields.items():
        field.label = LIST_FILTER_LABELS.get((name, param), FILTER_LABELS.get(param, field.label))
    # The search box first: it is what most readers reach for.
    if "q" in filterset.form.fields:
        filterset.form.order_fields(["q"])
    valid = filterset.is_valid()
    context = {
        "title": spec["title"],
        "empty": spec["empty"],
        "none": spec["none"],
        "filtered_by": [],
        "name": name,
        "filterset": filterset,
        "page": None,
        "facets": [],
        # The twin at the page's size: page N of both holds the same rows.
        # A ticked box per value (``?country=KAZ&country=KGZ``) is the API's ``KAZ,KGZ``.
        "api_url": api_url(
            f"{name}/",
            {
                **{k: ",".join(v) for k, v in request.GET.lists() if k != "format"},
                "page_size": LIST_PAGE_SIZE,
            },
        ),
    }
    template = f"tracker/{name}.html"
    if not valid:
        return render(request, template, context, status=400)
    # The form's named choices are read now, before the search: a search stopped by its time
    # limit can leave a transaction unable to run another query, and its 400 shows the form. A
    # download shows no form.
    if not request.GET.get("format"):
        filterset.read_choices()
    searching = bool(filterset.form.cleaned_data.get("q"))
    try:
        # Rendering reads the page's rows, so it runs under the search's time limit too.
        with search.time_limit() if searching else nullcontext():
            rows = filterset.qs.select_related(*spec["select"]).order_by(*spec["order"])
            if name != "sources":
                rows = rows.prefetch_related("themes")
            if request.GET.get("format"):  # the same rows as a file (``tracker.downloads``)
                return list_download(request, name, rows, filterset.form.cleaned_data)
            try:
                counted = selectors.counted_rows(
                    spec["model"], rows, filterset.form.cleaned_data, user=request.user
                )
                page = request.GET.get("page") or 1
                context["page"] = Paginator(counted, LIST_PAGE_SIZE).page(page)
            except InvalidPage as error:
                raise Http404(_("No such page: %(error)s") % {"error": error}) from None
            cleaned = filterset.form.cleaned_data
            context["facets"] = _facets(filterset, spec["facets"], request.user)
            context["facets_not_counted"] = [
                str(f["title"]) for f in context["facets"] if f.get("not_counted")
            ]
            names: dict = {}
            context["filtered_by"] = _filters_in_words(
                cleaned, context["facets"], names, spec["facets"], filterset.form
            )
            feed = _list_feed(name, cleaned, names)
            context["feeds"] = [feed] if feed else []
            return render(request, template, context)
    except search.SearchTimeout as timeout:
        filterset.form.add_error("q", str(timeout))
        context.update(page=None, facets=[])
        return render(request, template, context, status=400)


def concerns(request):
    """Concerns and recommendations, filtered as ``/api/concerns/`` is."""
    return _record_list(request, "concerns")


def claims(request):
    """Government claims, filtered as ``/api/claims/`` is."""
    return _record_list(request, "claims")


def reports(request):
    """Reports of practice, filtered as ``/api/reports/`` is."""
    return _record_list(request, "reports")


def sources(request):
    """Sources, filtered as ``/api/sources/`` is."""
    return _record_list(request, "sources")


# Search over everything -----------------------------------------------------------------------

SEARCH_TITLES = {
    "concerns": LISTS["concerns"]["title"],
    "claims": LISTS["claims"]["title"],
    "reports": LISTS["reports"]["title"],
    "sources": LISTS["sources"]["title"],
    "reviews": gettext_lazy("Reviews (document symbols)"),
    "themes": gettext_lazy("Themes"),
    "countries": gettext_lazy("Countries"),
}


class SiteSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search the tracker"),
        required=False,
        max_length=1000,
        validators=[filters.validate_search],
    )


def _throttled(request):
    """The 429 page when the client has asked for too many pages, else None."""
    wait = page_throttle_wait(request)
    if wait is None:
        return None
    response = render(request, "429.html", {"retry_after": round(wait)}, status=429)
    response["Retry-After"] = str(round(wait))
    return response


def _site_search(request) -> tuple[SiteSearchForm, list[dict], int]:
    """The search form, each kind's matches (``search.everything``) with the link to all of
    them, and the status: 200, or 400 with the form's error for a search that cannot run."""
    form = SiteSearchForm(request.GET)
    if not form.is_valid():
        return form, [], 400
    q = form.cleaned_data["q"].strip()
    if not q:
        return form, [], 200
    try:
        with search.time_limit():
            found = search.everything(request.user, q)
    except search.SearchTimeout as timeout:
        form.add_error("q", str(timeout))
        return form, [], 400
    groups = []
    for result in found:
        name = result.kind.name
        url = None
        if result.kind.list_page:
            url = reverse(f"tracker:{name}") + "?" + urlencode({"q": q})
        groups.append(
            {
                "name": name,
                "title": SEARCH_TITLES[name],
                "count": result.count,
                "rows": result.rows,
                "more": result.count - len(result.rows),
                "list_url": url,
            }
        )
    return form, groups, 200


def site_search(request):
    """One search box over every kind of record, the results grouped by kind (a few each, with a
    link to all of them in their list)."""
    throttled = _throttled(request)
    if throttled:
        return throttled
    form, groups, status = _site_search(request)
    q = form.cleaned_data.get("q", "").strip() if status == 200 else request.GET.get("q", "")
    context = {
        "form": form,
        "q": q,
        "groups": [g for g in groups if g["count"]],
        "searched": bool(groups),
        "api_url": api_url("search/", {"q": q}),
    }
    return render(request, "tracker/search.html", context, status=status)


def _search_row(name: str, obj) -> dict:
    """One search result as the JSON twin gives it: the record's own fields and its page."""
    if name == "concerns":
        row = {
            "id": obj.pk,
            "country": obj.country_id,
            "body": obj.body_id,
            "kind": obj.kind,
            "implementation": obj.implementation,
            "issued_on": obj.issued_display,
            "summary": obj.summary,
        }
    elif name in ("claims", "reports"):
        row = {"id": obj.pk, "country": obj.country_id, "summary": obj.summary}
        if name == "claims":
            row.update(kind=obj.kind, verification=obj.verification)
    elif name == "sources":
        row = {"id": obj.pk, "title": obj.title, "publisher": obj.publisher, "symbol": obj.symbol}
    elif name == "reviews":
        row = {
            "id": obj.pk,
            "symbol": obj.symbol,
            "body": obj.body_id,
            "country": obj.country_id,
            "adopted_on": m.format_partial_date(obj.adopted_on, obj.adopted_on_precision),
        }
    elif name == "themes":
        row = {"slug": obj.slug, "name": obj.name, "name_ru": obj.name_ru}
    else:
        row = {"code": obj.code, "name": obj.name, "name_ru": obj.name_ru}
    if name == "reviews":
        page = reverse("tracker:concerns") + "?" + urlencode({"review": obj.pk})
    elif name == "themes":
        page = reverse("tracker:theme", args=[obj.slug])
    else:
        page = obj.get_absolute_url()
    return row | {"page_url": page}


def site_search_json(request):
    """The search page's twin: the same groups, the same rows, as JSON."""
    throttled = _throttled(request)
    if throttled:
        wait = {"Retry-After": throttled["Retry-After"]}
        return JsonResponse({"detail": _("Too many requests.")}, status=429, headers=wait)
    unknown = sorted(set(request.GET) - {"q", "format"})
    if unknown or request.GET.get("format", "json") != "json":
        known = _("Unknown parameter. Known: %(known)s.") % {"known": "q, format=json"}
        errors = {p: [known] for p in unknown or ["format"]}
        return JsonResponse({"detail": _summary_of(errors), "errors": errors}, status=400)
    form, groups, status = _site_search(request)
    if status != 200:
        errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        return JsonResponse({"detail": _summary_of(errors), "errors": errors}, status=status)
    absolute = request.build_absolute_uri
    body = {
        "q": form.cleaned_data["q"].strip(),
        "results": {
            g["name"]: {
                "count": g["count"],
                "list_url": absolute(g["list_url"]) if g["list_url"] else None,
                "results": [
                    (row := _search_row(g["name"], obj)) | {"page_url": absolute(row["page_url"])}
                    for obj in g["rows"]
                ],
            }
            for g in groups
        },
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _summary_of(errors: dict) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
