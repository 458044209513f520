"""Public pages. Each view reads through the querysets and comparison functions the API uses,
so a page and its JSON twin run the same queries. Query counts are fixed in the page tests."""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from tracker import filters
from tracker import models as m
from tracker.comparison import (
    ThemeRecords,
    commitments,
    country_records,
    parse_country_codes,
    theme_grid,
)
from tracker.comparison import compare as compare_countries
from tracker.templatetags.tracker_tags import esc, shorten, url_pattern

# The three states the curated data covers; the home page shows them side by side.
FOCUS_COUNTRIES = ["KAZ", "KGZ", "UZB"]
COMPARE_MIN, COMPARE_MAX = 2, 5
# Concerns and claims shown per country on the compare page; the rest are a link away.
COMPARE_NEWEST = 10


def api_url(path: str, params: dict | None = None) -> str:
    """The JSON twin of a page: the same parameters under ``/api/``."""
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")}, safe=",")
    return f"/api/{path}" + (f"?{query}" if query else "")


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("Status as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for today."),
    )


def _as_of(request) -> tuple[AsOfForm, dt.date | None]:
    """The validated ``as_of`` date (None: today), and the form to show with any error."""
    form = AsOfForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["as_of"]
    return form, None


def _invalid(form) -> bool:
    return form.is_bound and not form.is_valid()


def _by_code(codes: list[str]) -> tuple[list[m.Country], list[str]]:
    """Countries in the order asked for (one query), and the codes that match none."""
    # A NUL byte matches no code, and PostgreSQL refuses it in a query: leave it out of one.
    lookup = [c for c in codes if "\x00" not in c]
    found = {c.code: c for c in m.Country.objects.filter(code__in=lookup)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


# Home ------------------------------------------------------------------------------------------


def home(request):
    """What the tracker is, the focus countries' treaty matrix as of a date, the theme grid."""
    form, as_of = _as_of(request)
    countries, _missing = _by_code(FOCUS_COUNTRIES)
    instruments = list(m.Instrument.objects.all())
    ratifications = m.Ratification.objects.visible_to(request.user).for_matrix(
        countries=[c.code for c in countries], as_of=as_of
    )
    held = {(r.instrument_id, r.country_id): r for r in ratifications}
    matrix = [(i, [held.get((i.code, c.code)) for c in countries]) for i in instruments]
    # The grid needs the same statuses: no second query for them.
    statuses = {(r.country_id, r.instrument_id): r.status_as_of for r in held.values()}
    grid = theme_grid(countries, user=request.user, as_of=as_of, statuses=statuses)
    context = {
        "form": form,
        "as_of": grid.as_of,
        "countries": countries,
        "matrix": matrix,
        "grid": grid,
        "codes": ",".join(c.code for c in countries),
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


def _timeline(column, reviews, claims, reports) -> list[dict]:
    """Dated events of one country, newest first. ``reviews``, ``claims`` and ``reports`` are
    short rows (``values()``), the newest few of each: a busy state has thousands."""
    events = []

    def add(day, precision, kind, text, url=""):
        if day:
            events.append(
                {
                    "date": day,
                    "display": m.format_partial_date(day, precision),
                    "kind": kind,
                    "text": text,
                    "url": url,
                }
            )

    for instrument, ratification in column.ratifications:
        if ratification is None:
            continue
        add(
            ratification.signature_date,
            ratification.signature_date_precision,
            _("treaty"),
            _("Signed %(treaty)s") % {"treaty": instrument.short_title},
        )
        add(
            ratification.action_date,
            ratification.action_date_precision,
            _("treaty"),
            _("%(action)s of %(treaty)s")
            % {
                "action": ratification.get_action_display().capitalize(),
                "treaty": instrument.short_title,
            },
        )
    for review in reviews:
        add(
            review["adopted_on"],
            review["adopted_on_precision"],
            _("review"),
            _("%(body)s review %(symbol)s")
            % {"body": review["body_id"], "symbol": review["symbol"]},
        )
    for pledge in column.pledges:
        add(pledge.made_on, pledge.made_on_precision, _("pledge"), pledge.summary)
    kind, url = _("reform claimed"), url_pattern("tracker:claim")
    for claim in claims:
        add(
            claim["action_on"] or claim["stated_on"],
            claim["action_on_precision"] if claim["action_on"] else claim["stated_on_precision"],
            kind,
            claim["summary"],
            url.format(claim["pk"]),
        )
    kind, url = _("report"), url_pattern("tracker:report")
    for report in reports:
        add(
            report["observed_from"],
            report["observed_from_precision"],
            kind,
            report["summary"],
            url.format(report["pk"]),
        )
    events.sort(key=lambda e: e["date"], reverse=True)
    return events


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
            f'<span class="kind">{escape(e["kind"])}</span> {text}</li>'
        )
    return mark_safe("".join(items))


# Concerns and claims shown per theme on the country page, and events on its timeline; the rest
# are a link away (the filtered lists).
COUNTRY_NEWEST = 5
TIMELINE_EVENTS = 40


def country(request, code):
    """One country: commitments, then theme by theme what bodies said, what the government claims
    and what independent reports show, indicator charts and a timeline."""
    obj = get_object_or_404(m.Country, code=code.upper())
    user = request.user
    result = commitments([obj], None, user=user)
    column = result.columns[0]
    ratification_ids = [r.pk for _i, r in column.ratifications if r is not None]
    reservations = list(
        m.Reservation.objects.visible_to(user)
        .filter(ratification__in=ratification_ids)
        .select_related("ratification__instrument", "source")
        .order_by("ratification__instrument__position", "made_on")
    )
    snapshots = list(
        m.StatusSnapshot.objects.visible_to(user)
        .filter(country=obj)
        .select_related("instrument", "source")
    )
    # Only the newest reviews, claims and reports can be among the timeline's newest events;
    # one more than it shows tells whether there are more.
    reviews = (
        m.Review.objects.visible_to(user)
        .filter(country=obj, adopted_on__isnull=False)
        .order_by("-adopted_on", "key")
        .values("body_id", "symbol", "adopted_on", "adopted_on_precision")[: TIMELINE_EVENTS + 1]
    )
    reports = (
        m.Report.objects.visible_to(user)
        .filter(country=obj, observed_from__isnull=False)
        .order_by("-observed_from", "key")
        .values("pk", "summary", "observed_from", "observed_from_precision")[: TIMELINE_EVENTS + 1]
    )
    themes = list(m.Theme.objects.all())
    records = country_records(
        obj, themes, user=user, newest=COUNTRY_NEWEST, dated=TIMELINE_EVENTS + 1
    )
    indicator_themes = defaultdict(list)
    for indicator_id, slug in m.Indicator.themes.through.objects.values_list(
        "indicator_id", "theme_id"
    ):
        indicator_themes[indicator_id].append(slug)

    snapshots_by_instrument = defaultdict(list)
    for snapshot in snapshots:
        snapshots_by_instrument[snapshot.instrument_id].append(snapshot)
    treaty_rows = [
        (instrument, ratification, snapshots_by_instrument.get(instrument.code, []))
        for instrument, ratification in column.ratifications
    ]

    # Theme by theme: a record tagged with two themes appears under both.
    empty = ThemeRecords()
    sections = {
        t.slug: {"theme": t, "records": records.by_theme.get(t.slug, empty), "charts": []}
        for t in themes
    }
    charts = _charts(column)
    for chart in charts:
        for slug in indicator_themes[chart["indicator"].slug]:
            if slug in sections:
                sections[slug]["charts"].append(chart)
    theme_sections = [
        s
        for s in sections.values()
        if s["records"].concerns_total or s["records"].claims_total or s["charts"]
    ]
    if None in records.by_theme:
        theme_sections.append({"theme": None, "records": records.by_theme[None], "charts": []})

    events = _timeline(column, reviews, records.claims, reports)
    context = {
        "country": obj,
        "column": column,
        "treaty_rows": treaty_rows,
        "reservations": [r for r in reservations if r.kind != m.Reservation.Kind.ACCEPTANCE],
        "procedures": [r for r in reservations if r.kind == m.Reservation.Kind.ACCEPTANCE],
        "theme_sections": theme_sections,
        "charts": charts,
        "timeline": _timeline_html(events[:TIMELINE_EVENTS]),
        "timeline_cut": len(events) > TIMELINE_EVENTS,
        "timeline_events": TIMELINE_EVENTS,
        "as_of": result.as_of,
        # The compare page needs two countries at least: pair this one with the focus states.
        "compare_codes": ",".join([obj.code] + [c for c in FOCUS_COUNTRIES if c != obj.code]),
        "api_url": api_url("compare/", {"countries": obj.code}),
    }
    return render(request, "tracker/country.html", context)


def _charts(column) -> list[dict]:
    """One chart per indicator the country has figures for, with the target of a pledge on it."""
    series = defaultdict(list)
    for observation in column.observations:
        series[observation.indicator].append(observation)
    targets = {
        p.indicator_id: p for p in column.pledges if p.indicator_id and p.target_value is not None
    }
    return [
        {
            "indicator": indicator,
            "observations": observations,
            "pledge": targets.get(indicator.slug),
            "target": targets[indicator.slug].target_value if indicator.slug in targets else None,
        }
        for indicator, observations in series.items()
    ]


# Compare ---------------------------------------------------------------------------------------


def compare(request):
    """2 to 5 countries side by side on one theme (or all themes), every choice in the URL."""
    raw = request.GET.getlist("countries")
    if len(raw) > 1 or (raw and raw[0] != ",".join(parse_country_codes(raw[0]))):
        # A submitted form sends one parameter per select; redirect to the short, bookmarkable
        # form ``?countries=KAZ,KGZ`` so that the address people copy is the canonical one.
        params = request.GET.copy()
        params.setlist("countries", [",".join(parse_country_codes(",".join(raw)))])
        if not params.get("theme"):
            params.pop("theme", None)
        return HttpResponseRedirect(f"{reverse('tracker:compare')}?{params.urlencode(safe=',')}")

    codes = parse_country_codes(raw[0]) if raw else FOCUS_COUNTRIES
    errors = []
    countries, missing = _by_code(codes)
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

    result = None
    if not errors:
        result = compare_countries(countries, theme, user=request.user, newest=COMPARE_NEWEST)
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
        "api_url": api_url("compare/", {"countries": ",".join(codes), "theme": slug}),
    }
    return render(request, "tracker/compare.html", context, status=400 if errors else 200)


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
    errors = []
    if codes:
        countries, missing = _by_code(codes)
        if missing:
            errors.append(_("Unknown country code: %(codes)s.") % {"codes": ", ".join(missing)})
    else:
        countries = list(m.Country.objects.all())
    instruments = list(m.Instrument.objects.all())
    held = {
        (r.country_id, r.instrument_id): r
        for r in m.Ratification.objects.visible_to(request.user).for_matrix(
            countries=[c.code for c in countries], as_of=as_of
        )
    }
    rows = [(c, [held.get((c.code, i.code)) for i in instruments]) for c in countries]

    sort = request.GET.get("sort", "")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    codes_known = [i.code for i in instruments]
    if key in codes_known:
        index = codes_known.index(key)
        rank = {m.TreatyStatus.PARTY: 0, m.TreatyStatus.SIGNATORY: 1}

        def by_status(row):
            r = row[1][index]
            status = r.status_as_of if r else m.TreatyStatus.NONE
            # Parties first, earliest first: the longest-standing commitments lead.
            return (rank.get(status, 2), r.action_date or r.signature_date if r else dt.date.max)

        rows.sort(key=by_status, reverse=descending)
    elif key == "parties":
        rows.sort(
            key=lambda row: sum(1 for r in row[1] if r and r.status_as_of == "party"),
            reverse=not descending,
        )
    elif key not in ("", "name"):
        errors.append(_("Unknown sort column: %(sort)s.") % {"sort": sort})
    elif descending:
        rows.reverse()

    party_counts = {
        c.code: sum(1 for r in cells if r and r.status_as_of == m.TreatyStatus.PARTY)
        for c, cells in rows
    }
    context = {
        "form": form,
        "as_of": as_of or dt.date.today(),
        "instruments": instruments,
        "rows": [(c, cells, party_counts[c.code]) for c, cells in rows],
        "sort": sort,
        "countries_param": ",".join(codes),
        "errors": errors,
        "api_url": api_url(
            "ratifications/",
            {"country": ",".join(codes), "as_of": as_of and as_of.isoformat()},
        ),
    }
    status = 400 if errors or _invalid(form) else 200
    return render(request, "tracker/treaties.html", context, status=status)


# Detail pages ----------------------------------------------------------------------------------


def _assessments(user):
    return Prefetch(
        "assessments",
        queryset=m.Assessment.objects.visible_to(user)
        .select_related("source")
        .prefetch_related("reports")
        .order_by("-assessed_on", "-pk"),
    )


def concern(request, pk):
    """A concern or recommendation with its review, source, the claims, reports and pledges that
    answer it, the same concern in other cycles, and its assessments over time."""
    user = request.user
    obj = get_object_or_404(
        m.Concern.objects.visible_to(user)
        .select_related("country", "body", "review", "source", "recommending_state")
        .prefetch_related(
            "themes",
            _assessments(user),
            Prefetch("claims", queryset=m.Claim.objects.visible_to(user)),
            Prefetch("reports", queryset=m.Report.objects.visible_to(user)),
            Prefetch("pledges", queryset=m.Pledge.objects.visible_to(user)),
            Prefetch("previous", queryset=m.Concern.objects.visible_to(user)),
            Prefetch("later", queryset=m.Concern.objects.visible_to(user)),
        ),
        pk=pk,
    )
    context = {"obj": obj, "api_url": api_url(f"concerns/{obj.pk}/")}
    return render(request, "tracker/concern.html", context)


def claim(request, pk):
    """A government claim with the concerns it answers, the reports for and against it and its
    verification over time."""
    user = request.user
    obj = get_object_or_404(
        m.Claim.objects.visible_to(user)
        .select_related("country", "source")
        .prefetch_related(
            "themes",
            _assessments(user),
            Prefetch(
                "concerns",
                queryset=m.Concern.objects.visible_to(user).select_related("body"),
            ),
            Prefetch(
                "stances",
                queryset=m.Stance.objects.filter(report__in=m.Report.objects.visible_to(user))
                .select_related("report__source")
                .order_by("stance", "report__observed_from"),
            ),
        ),
        pk=pk,
    )
    context = {"obj": obj, "api_url": api_url(f"claims/{obj.pk}/")}
    return render(request, "tracker/claim.html", context)


def report(request, pk):
    """A report of practice with the claims it bears on (and how), the concerns it concerns and
    the assessments that rest on it."""
    user = request.user
    obj = get_object_or_404(
        m.Report.objects.visible_to(user)
        .select_related("country", "source")
        .prefetch_related(
            "themes",
            Prefetch(
                "stances",
                queryset=m.Stance.objects.filter(
                    claim__in=m.Claim.objects.visible_to(user)
                ).select_related("claim"),
            ),
            Prefetch(
                "concerns",
                queryset=m.Concern.objects.visible_to(user),
            ),
            Prefetch(
                "assessments",
                queryset=m.Assessment.objects.visible_to(user).select_related("concern", "claim"),
            ),
        ),
        pk=pk,
    )
    context = {"obj": obj, "api_url": api_url(f"reports/{obj.pk}/")}
    return render(request, "tracker/report.html", context)


# Records citing a source, listed on its page (each model holds its own foreign key to Source).
CITING = [
    (m.Ratification, gettext_lazy("Treaty records"), ("country", "instrument")),
    (m.Concern, gettext_lazy("Concerns and recommendations"), ("country", "body")),
    (m.Pledge, gettext_lazy("Pledges"), ("country",)),
    (m.Claim, gettext_lazy("Government claims"), ("country",)),
    (m.Report, gettext_lazy("Reports of practice"), ("country",)),
    (m.Observation, gettext_lazy("Indicator figures"), ("country", "indicator")),
]
CITING_LIMIT = 100


def source(request, pk):
    """A source with the records that cite it (up to a hundred of each kind)."""
    user = request.user
    obj = get_object_or_404(m.Source.objects.visible_to(user), pk=pk)
    citing = []
    for model, label, related in CITING:
        rows = list(
            model.objects.visible_to(user)
            .filter(source=obj)
            .select_related(*related)
            .order_by("pk")[: CITING_LIMIT + 1]
        )
        if rows:
            citing.append(
                {
                    "label": label,
                    "kind": model._meta.model_name,
                    "rows": rows[:CITING_LIMIT],
                    "more": len(rows) > CITING_LIMIT,
                }
            )
    context = {"obj": obj, "citing": citing, "api_url": api_url(f"sources/{obj.pk}/")}
    return render(request, "tracker/source.html", context)


# Lists with filters ----------------------------------------------------------------------------

PAGE_SIZE = 25


class Facet:
    """Counts of the filtered rows by one field, in one GROUP BY query.

    ``param`` is the filter the counts link to; ``value`` the field grouped on; ``label_fields``
    come from the same query (names of countries and themes) so that no lookup follows.
    """

    def __init__(self, param, title, value, label_fields=(), choices=None, annotate=None):
        self.param, self.title, self.value = param, title, value
        self.label_fields, self.choices, self.annotate = label_fields, choices, annotate

    def count(self, queryset, selected: list[str]) -> dict:
        if self.annotate:
            queryset = queryset.annotate(**self.annotate)
        rows = (
            queryset.order_by()
            .values(self.value, *self.label_fields)
            .annotate(n=Count("pk", distinct=True))
            .order_by("-n", self.value)
        )
        items = []
        for row in rows:
            value = row[self.value]
            if value is None:
                continue
            label = str(value)
            if self.choices:
                label = str(dict(self.choices).get(value, value))
            elif self.label_fields:
                label = _localised_label(row, self.label_fields) or label
            items.append(
                {"value": str(value), "label": label, "n": row["n"], "on": str(value) in selected}
            )
        return {"param": self.param, "title": self.title, "items": items}


def _localised_label(row: dict, fields) -> str:
    """The first label field, or its ``_ru`` twin when the page is in Russian and it is filled."""
    name = row[fields[0]]
    if len(fields) > 1 and (get_language() or "").startswith("ru") and row[fields[1]]:
        return row[fields[1]]
    return name


COUNTRY_FACET = Facet(
    "country", gettext_lazy("Country"), "country_id", ("country__name", "country__name_ru")
)
THEME_FACET = Facet("theme", gettext_lazy("Theme"), "themes", ("themes__name", "themes__name_ru"))

LISTS = {
    "concerns": {
        "model": m.Concern,
        "filterset": filters.ConcernFilter,
        "select": ("country", "body", "source"),
        "order": ("-issued_on", "key"),
        "title": gettext_lazy("Concerns and recommendations"),
        "facets": [
            COUNTRY_FACET,
            Facet(
                "implementation",
                gettext_lazy("Implementation"),
                "implementation",
                choices=m.Implementation.choices,
            ),
            THEME_FACET,
            Facet("body", gettext_lazy("Body"), "body_id"),
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Concern.Kind.choices),
        ],
    },
    "claims": {
        "model": m.Claim,
        "filterset": filters.ClaimFilter,
        "select": ("country", "source"),
        "order": ("-stated_on", "key"),
        "title": gettext_lazy("Government claims"),
        "facets": [
            COUNTRY_FACET,
            Facet(
                "verification",
                gettext_lazy("Verification"),
                "verification",
                choices=m.Verification.choices,
            ),
            THEME_FACET,
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Claim.Kind.choices),
        ],
    },
    "reports": {
        "model": m.Report,
        "filterset": filters.ReportFilter,
        "select": ("country", "source"),
        "order": ("-observed_from", "key"),
        "title": gettext_lazy("Reports of practice"),
        "facets": [COUNTRY_FACET, THEME_FACET],
    },
    "sources": {
        "model": m.Source,
        "filterset": filters.SourceFilter,
        "select": (),
        "order": ("-published_on", "key"),
        "title": gettext_lazy("Sources"),
        "facets": [
            Facet("kind", gettext_lazy("Kind"), "kind", choices=m.Source.Kind.choices),
            Facet(
                "year", gettext_lazy("Year"), "year", annotate={"year": ExtractYear("published_on")}
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
    "review": gettext_lazy("Review ids"),
    "claim": gettext_lazy("Claim ids"),
    "stance": gettext_lazy("Stance on those claims"),
    "concern": gettext_lazy("Concern ids"),
}


def _record_list(request, name: str):
    """A filtered, faceted, paginated list read through the API's FilterSet."""
    spec = LISTS[name]
    base = spec["model"].objects.visible_to(request.user)
    filterset = spec["filterset"](request.GET, queryset=base)
    for param, field in filterset.form.fields.items():
        field.label = FILTER_LABELS.get(param, field.label)
    # The search box first: it is what most readers reach for.
    if "q" in filterset.form.fields:
        filterset.form.order_fields(["q"])
    valid = filterset.is_valid()
    page = None
    facets = []
    if valid:
        rows = filterset.qs.select_related(*spec["select"]).order_by(*spec["order"])
        if name != "sources":
            rows = rows.prefetch_related("themes")
        try:
            page = Paginator(rows, PAGE_SIZE).page(request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(_("No such page: %(error)s") % {"error": error}) from None
        for facet in spec["facets"]:
            selected = (request.GET.get(facet.param) or "").split(",")
            facets.append(facet.count(filterset.qs, selected))
    context = {
        "title": spec["title"],
        "name": name,
        "filterset": filterset,
        "page": page,
        "facets": facets,
        "api_url": api_url(f"{name}/", request.GET.dict()),
    }
    return render(request, f"tracker/{name}.html", context, status=200 if valid else 400)


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
