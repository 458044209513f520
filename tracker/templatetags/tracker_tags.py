"""Display helpers for the pages: names in the reader's language, query strings, badges, charts."""

import datetime as dt
import unicodedata
from decimal import Decimal
from html import escape as esc

from django import template
from django.conf import settings
from django.template import engines
from django.template.defaultfilters import stringfilter
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from markupsafe import Markup

from tracker import models as m
from tracker.links import url_pattern

register = template.Library()


def _russian() -> bool:
    return (get_language() or "").startswith("ru")


@register.filter
def local_name(obj) -> str:
    """The record's ``name_ru`` when the page is in Russian and one is stored, else ``name``."""
    if obj is None:
        return ""
    if _russian() and getattr(obj, "name_ru", ""):
        return obj.name_ru
    return getattr(obj, "name", str(obj))


@register.filter
def local_title(instrument) -> str:
    """An instrument's full title in the reader's language."""
    if _russian() and instrument.title_ru:
        return instrument.title_ru
    return instrument.title


@register.filter
def local_short_title(instrument) -> str:
    """An instrument's short title in the reader's language."""
    if _russian() and instrument.short_title_ru:
        return instrument.short_title_ru
    return instrument.short_title


@register.filter
def partial_date(obj, field: str) -> str:
    """``obj|partial_date:"issued_on"``: the date shown no more precisely than it is known."""
    return m.format_partial_date(getattr(obj, field), getattr(obj, f"{field}_precision", ""))


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters replaced (``None`` or "" removes one).

    Changing any filter resets the page, so a link never lands beyond the last page.
    """
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            params.pop(name, None)
        else:
            params[name] = value
    encoded = params.urlencode(safe=",")
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def admin_change_url(obj) -> str:
    """Link to the record's admin page, or "" when the model is not in the admin."""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def editorial(context, obj) -> str:
    """A "draft" badge on a draft record and, for editors, a link to it in the admin. A tag,
    not an included template: pages show it on hundreds of records."""
    return mark_safe(editorial_html(context.get("user"), obj))


def editorial_html(user, obj) -> str:
    """``editorial`` for ``user`` (also the row templates', ``tracker.jinja``)."""
    html = ""
    if getattr(obj, "status", None) == "draft":
        html = format_html('<span class="badge draft">{}</span>', _("draft"))
    if m.sees_drafts(user, type(obj)):
        url = admin_change_url(obj)
        if url:
            html += format_html(' <a class="edit" href="{}">{}</a>', url, _("edit in admin"))
    return html


STATUS_LABELS = {
    **dict(m.TreatyStatus.choices),
    m.NO_DATA: gettext_lazy("no data"),
    **dict(m.Implementation.choices),
    **dict(m.Verification.choices),
    **dict(m.Stance.Kind.choices),
}
# A text symbol beside each status so that it reads without colour (and in print).
STATUS_SYMBOLS = {
    "party": "●",
    "signatory": "◐",
    "none": "○",
    m.NO_DATA: "–",
    "implemented": "✔",
    "partially_implemented": "◐",
    "not_implemented": "✖",
    "regressed": "▼",
    "no_information": "?",
    "corroborated": "✔",
    "partly_corroborated": "◐",
    "contested": "⇄",
    "contradicted": "✖",
    "unverified": "?",
    "supports": "+",
    "contradicts": "−",
    "qualifies": "~",
}


@register.simple_tag
def status_badge(status: str, detail: str = ""):
    """A status word with a symbol and a colour class; ``detail`` is e.g. the year. Built here,
    not in a template: pages show hundreds of badges, and a template per badge (or even
    ``format_html`` and a translation lookup per badge) was a good part of their rendering."""
    return mark_safe(_badge(get_language(), status, detail))


def language_path(path: str, code: str) -> str:
    """``path`` (without the script prefix) in language ``code``: the pages' URLs carry their
    language as a prefix, none for the default (tracker.urls)."""
    for other, _name in settings.LANGUAGES:
        if other != settings.LANGUAGE_CODE and (
            path == f"/{other}" or path.startswith(f"/{other}/")
        ):
            path = path[len(other) + 1 :] or "/"
            break
    return path if code == settings.LANGUAGE_CODE else f"/{code}{path}"


@register.simple_tag(takes_context=True)
def language_links(context) -> list[tuple[str, str, str]]:
    """``(code, name, url)`` of this page in each language, its query string kept."""
    request = context.get("request")
    if request is None:
        return []
    prefix = get_script_prefix().rstrip("/")
    query = request.META.get("QUERY_STRING", "")
    return [
        (
            code,
            name,
            prefix + language_path(request.path_info, code) + (f"?{query}" if query else ""),
        )
        for code, name in settings.LANGUAGES
    ]


@register.filter
def status_word(status: str) -> str:
    """A status in words, as its badge says it (for text that cannot hold a badge)."""
    return str(STATUS_LABELS.get(status, status))


def _badge(language: str | None, status: str, detail="") -> str:
    """``status_badge`` for callers that know the language already (the row tags below)."""
    head = _badge_heads.get((language, status)) if status in STATUS_LABELS else None
    if head is None:
        head = format_html(
            '<span class="badge s-{}"><span aria-hidden="true">{}</span> {}',
            status,
            STATUS_SYMBOLS.get(status, ""),
            STATUS_LABELS.get(status, status),
        )
        if status in STATUS_LABELS:  # known statuses only: the cache stays small
            _badge_heads[(language, status)] = head
    if detail:
        return f'{head} <span class="badge-detail">{conditional_escape(detail)}</span></span>\n'
    return f"{head}</span>\n"


# A badge's markup up to its detail, per language and status.
_badge_heads: dict[tuple[str | None, str], str] = {}
_cuts: dict[str | None, tuple[str, int]] = {}


def shorten(text: str, length: int) -> str:
    """``Truncator(text).chars(length)`` (the ``truncatechars`` filter), with the same result.
    Truncator walks the text character by character to skip combining characters; a short
    text needs no cut, and ASCII has no combining characters, so neither needs the walk."""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= length:
        return text
    if length <= 0 or not text.isascii():
        return Truncator(text).chars(length)
    language = get_language()
    if language not in _cuts:  # the ellipsis in the reader's language, and its length
        ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")
        _cuts[language] = ellipsis, 10**6 - calculate_truncate_chars_length(10**6, ellipsis)
    ellipsis, taken = _cuts[language]
    return add_truncation_text(text[: length - min(taken, length)], ellipsis)


@register.filter(is_safe=True)
@stringfilter
def clip(value: str, length) -> str:
    """``truncatechars`` without its cost per character (see ``shorten``)."""
    return shorten(value, int(length))


@register.filter
def record_url(obj) -> str:
    """``obj.get_absolute_url()`` for a concern, claim, report or source (see ``url_pattern``)."""
    return url_pattern(f"tracker:{obj._meta.model_name}").format(obj.pk)


def _as_float(value) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else float(str(value))


@register.inclusion_tag("tracker/_chart.html")
def indicator_chart(indicator, observations, pledge=None, width=360, height=160):
    """A small line chart as inline SVG, with a dashed line at a pledge's target if given.

    ``observations`` are one country's values of ``indicator`` in date order. Each source gets
    a line of its own: figures from different sources were not necessarily measured the same
    way, and one line through all of them would draw a change that may be only a change of
    source. The target line runs from the day the pledge was made (the chart's start when that
    is not known) to its deadline (the chart's end). The unit heads the value axis. One figure
    alone is shown as a figure, not as a chart of one dot. The same figures are listed in a
    table under the chart, so the chart is decoration for sighted readers.
    """
    target = pledge.target_value if pledge is not None else None
    context = {"indicator": indicator, "observations": observations, "pledge": pledge}
    context["target"] = target
    if len(observations) == 1:
        return {**context, "single": observations[0]}
    pad_left, pad_right, pad_top, pad_bottom = 36, 12, 22, 24
    values = [_as_float(o.value) for o in observations]
    top = max([*values, _as_float(target) if target is not None else 0, 1.0])
    top = top * 1.1
    days = [o.observed_on.toordinal() for o in observations]
    # The pledge's dates widen the time axis, so that its target line starts and ends on them.
    pledged = [d.toordinal() for d in (pledge.made_on, pledge.due_by) if d] if target else []
    first, last = (min(days + pledged), max(days + pledged)) if days else (0, 1)
    span = (last - first) or 1
    plot_w, plot_h = width - pad_left - pad_right, height - pad_top - pad_bottom

    def x(day: int) -> float:
        return round(pad_left + (day - first) / span * plot_w if len(days) > 1 else width / 2, 1)

    def y(value: float) -> float:
        return round(pad_top + plot_h - value / top * plot_h, 1)

    # Coordinates go to the template as strings: numbers would be localised ("23,3" in Russian),
    # which SVG cannot read.
    points = [(f"{x(d)}", f"{y(v)}", o) for d, v, o in zip(days, values, observations, strict=True)]
    # One series per source, in the order each source first appears (its points stay in date
    # order); ``n`` picks the line style, and only four are drawn apart.
    by_source: dict = {}
    for point in points:
        observation = point[2]
        line = by_source.get(observation.source_id)
        if line is None:
            line = {"n": len(by_source) % 4, "source": observation.source, "points": []}
            by_source[observation.source_id] = line
        line["points"].append(point)
    series = list(by_source.values())
    for line in series:
        line["polyline"] = " ".join(f"{px},{py}" for px, py, _ in line["points"])
    years = sorted({dt.date.fromordinal(d).year for d in days + pledged})
    ticks = [years[0], years[-1]] if len(years) > 1 else years
    baseline = pad_top + plot_h
    if target is not None:
        start = pledge.made_on.toordinal() if pledge.made_on else first
        end = pledge.due_by.toordinal() if pledge.due_by else last
        context["target_x"] = (f"{x(start)}", f"{x(end)}")
        context["target_y"] = f"{y(_as_float(target))}"
    return {
        **context,
        "width": f"{width}",
        "height": f"{height}",
        "points": points,
        "series": series,
        "baseline_y": f"{baseline}",
        "tick_y": f"{baseline + 16}",
        "label_x": f"{pad_left - 4}",
        "left": f"{pad_left}",
        "right": f"{width - pad_right}",
        "unit_y": f"{pad_top - 10}",
        "top_label": round(top / 1.1),
        "top_y": f"{y(round(top / 1.1))}",
        "x_ticks": [
            (f"{max(x(dt.date(year, 1, 1).toordinal()), pad_left)}", year) for year in ticks
        ],
    }


@register.simple_tag(takes_context=True)
def facet_url(context, param: str, value: str, on: bool) -> str:
    """Link of a facet entry: filter on ``value``, or drop the filter when it is already on."""
    return query(context, **{param: "" if on else value})


STATUS_ORDER = [*m.Implementation.values, *m.Verification.values]


@register.filter
def status_counts(counter) -> list[tuple[str, int]]:
    """``(status, n)`` pairs of a Counter in vocabulary order.

    Needed because ``counter.items`` in a template looks up the key "items" first, which a
    Counter answers with 0.
    """
    return sorted(
        ((k, n) for k, n in counter.items() if n),
        key=lambda kv: STATUS_ORDER.index(kv[0]) if kv[0] in STATUS_ORDER else len(STATUS_ORDER),
    )


# Records and cells that pages show by the hundred. Concerns and claims have one Jinja2
# template each (``templates/rows/``, ``tracker.jinja``), for every page that lists them; the
# cells below (a home grid cell, a treaty status, the timeline) are still written here rather
# than in included templates: Django's engine spent about a millisecond on each, most of a
# world-scale page's time. ``esc`` is the standard library's escape, which Django's ``escape``
# wraps with a check for lazy text that cost as much again.


def _rows(kind: str, records, user, *, full: bool, items: bool) -> str:
    """``records`` of ``kind`` ("concern", "claim") written by their one template
    (``templates/rows/``), each in a list item when ``items``. What is the same for every row
    (links, badges, whether ``user`` sees drafts) is worked out once here, not per row."""
    model = m.Concern if kind == "concern" else m.Claim
    language = get_language()
    return (
        engines["rows"]
        .env.get_template(f"{kind}.jinja")
        .render(
            records=records,
            user=user,
            full=full,
            items=items,
            sees=m.sees_drafts(user, model),
            badges=_badges(language),
            url=url_pattern(f"tracker:{kind}"),
            report_url=url_pattern("tracker:report"),
            theme_url=url_pattern("tracker:theme"),
        )
    )


def _badges(language: str | None) -> dict:
    """Every known status's badge (``_badge``) as markup, per language (the templates call
    ``badge`` for any other)."""
    badges = _badge_sets.get(language)
    if badges is None:
        badges = _badge_sets[language] = {s: Markup(_badge(language, s)) for s in STATUS_LABELS}
    return badges


_badge_sets: dict[str | None, dict] = {}


@register.simple_tag(takes_context=True)
def concern_items(context, concerns) -> str:
    """Concerns as list items: status, body, year, paragraph, then the summary linking to the
    concern (``templates/rows/concern.jinja``)."""
    return mark_safe(_rows("concern", concerns, context.get("user"), full=False, items=True))


@register.simple_tag(takes_context=True)
def record_row(context, kind: str, record) -> str:
    """One concern or claim as its list page shows it (with country, kind and themes): the same
    template as ``concern_items`` and ``claim_items``."""
    return mark_safe(_rows(kind, [record], context.get("user"), full=True, items=False))


def date_in_words(value: dt.date | None, precision: str | None) -> str:
    """A partial date as readers write it: ``2022``, ``August 2022``, ``24 January 2006``."""
    if value is None:
        return ""
    if precision == m.Precision.YEAR:
        return str(value.year)
    return date_format(value, "F Y" if precision == m.Precision.MONTH else "j F Y")


@register.filter
def date_words(obj, field: str) -> str:
    """``obj.<field>`` with its ``<field>_precision`` as readers write it (``date_in_words``)."""
    return date_in_words(getattr(obj, field, None), getattr(obj, f"{field}_precision", ""))


PRECISION_WORDS = {
    m.Precision.DAY: gettext_lazy("dates to the day"),
    m.Precision.MONTH: gettext_lazy("dates to the month"),
    m.Precision.YEAR: gettext_lazy("years only"),
}


def treaty_basis(r) -> str:
    """What a treaty status cell rests on, in words (its ``title``): the source with its
    publisher and date, how precise the dates are, and the date the statement is valid for.

    The world table has 3,474 cells citing a handful of sources: each wording is made once per
    language and set of values (the key holds every value the text is made of)."""
    source = getattr(r, "source", None)
    if isinstance(r, m.SnapshotStatus):
        detail = (
            "snapshot",
            r.snapshot.as_of,
            r.snapshot.as_of_precision,
            bool(r.snapshot.reported_year),
        )
    elif r is None:
        detail = ("none",)
    elif r.status_as_of == m.TreatyStatus.PARTY:
        detail = ("record", r.action_date_precision)
    elif r.status_as_of == m.TreatyStatus.SIGNATORY:
        detail = ("record", r.signature_date_precision)
    else:
        detail = ("record", "")
    cited = (
        (source.title, source.publisher, source.published_on, source.published_on_precision)
        if source is not None
        else None
    )
    key = (get_language(), cited, detail)
    text = _bases.get(key)
    if text is None:
        if len(_bases) > 5000:
            _bases.clear()
        text = _bases[key] = _treaty_basis(r)
    return text


_bases: dict[tuple, str] = {}


def _treaty_basis(r) -> str:
    if r is None:
        return str(
            _("No data: the tracker holds no record or statement on this treaty for this state.")
        )
    source = r.source
    parts = []
    if source is not None:
        cited = shorten(source.title, 110)
        byline = ", ".join(
            p
            for p in (
                source.publisher,
                date_in_words(source.published_on, source.published_on_precision),
            )
            if p
        )
        parts.append(
            _("Source: %(source)s") % {"source": f"{cited} ({byline})" if byline else cited}
        )
    if isinstance(r, m.SnapshotStatus):
        snapshot = r.snapshot
        parts.append(
            _("as that source stated it for %(date)s")
            % {"date": date_in_words(snapshot.as_of, snapshot.as_of_precision)}
        )
        if snapshot.reported_year:
            parts.append(str(PRECISION_WORDS[m.Precision.YEAR]))
    else:
        precision = ""
        if r.status_as_of == m.TreatyStatus.PARTY:
            precision = r.action_date_precision
        elif r.status_as_of == m.TreatyStatus.SIGNATORY:
            precision = r.signature_date_precision
        if precision:
            parts.append(str(PRECISION_WORDS.get(precision, precision)))
        if source is not None and source.published_on:
            valid = date_in_words(source.published_on, source.published_on_precision)
            parts.append(_("as recorded in %(date)s") % {"date": valid})
    return "; ".join(str(p) for p in parts) + "."


@register.simple_tag(takes_context=True)
def treaty_cell(context, r) -> str:
    """A cell's treaty status as of the page's date (``status_as_of``), with the year it took
    effect, in a span whose ``title`` says what it rests on (``treaty_basis``). ``r`` is a
    ratification, a source's statement (``m.SnapshotStatus``) or None: "no data"."""
    language = get_language()
    if r is None:
        badge = _badge(language, m.NO_DATA)
    elif r.status_as_of == m.TreatyStatus.PARTY:
        badge = _badge(language, "party", r.action_date.year if r.action_date else "")
    elif r.status_as_of == m.TreatyStatus.SIGNATORY:
        badge = _badge(language, "signatory", r.signature_date.year if r.signature_date else "")
    else:
        badge = _badge(language, "none")
    html = f'<span class="basis" title="{esc(treaty_basis(r))}">{badge.rstrip()}</span>'
    if r is not None and r.status == m.Editorial.DRAFT:
        html = f"{html} {editorial(context, getattr(r, 'snapshot', r))}"
    return mark_safe(html)


RATIFICATION_ACTIONS = dict(m.Ratification.Action.choices)


@register.simple_tag(takes_context=True)
def treaty_row_cells(context, r) -> str:
    """The country page's cells for one instrument after its name: status, signed, bound (with
    the kind of act) and the source with its locator; dashes where nothing is held."""
    if not isinstance(r, m.Ratification):  # nothing held, or a source's statement only
        source = "—"
        if r is not None and r.source:
            source = f'<a href="{record_url(r.source)}">{esc(shorten(r.source.title, 50))}</a>'
            if r.snapshot.locator:
                source += f", {esc(r.snapshot.locator)}"
        signed = bound = "—"
        return mark_safe(_treaty_row(treaty_cell(context, r), signed, bound, source))
    signed = esc(r.signature_display) or "—"
    bound = "—"
    if r.action:
        action = esc(str(RATIFICATION_ACTIONS.get(r.action, r.action)))
        if r.action_date_precision == m.Precision.YEAR and r.source and r.source.kind == "dataset":
            # A dataset of years (the UN Treaty Collection extract) does not tell them apart;
            # the record needs a kind, but readers are not told one that nobody stated.
            action = esc(_("ratification or accession"))
        bound = f'{esc(r.action_display)} <span class="muted">({action})</span>'
    source = "—"
    if r.source:
        source = f'<a href="{record_url(r.source)}">{esc(shorten(r.source.title, 50))}</a>'
        if r.locator:
            source += f", {esc(r.locator)}"
    return mark_safe(_treaty_row(treaty_cell(context, r), signed, bound, source))


def _treaty_row(status: str, signed: str, bound: str, source: str) -> str:
    """The cells, each labelled with its column for the phone layout (``table.reflow``)."""
    labels = [esc(_(word)) for word in ("Status", "Signed", "Bound", "Source")]
    cells = (status, signed, bound, source)
    return "".join(
        f'<td data-label="{lab}">{cell}</td>' for lab, cell in zip(labels, cells, strict=True)
    )


@register.simple_tag(takes_context=True)
def claim_items(context, claims) -> str:
    """Claims as list items: status, kind, date, the summary linking to the claim, then the
    reports that support or contradict it (``shown_stances``, see
    ``selectors.attach_stances``; ``templates/rows/claim.jinja``)."""
    return mark_safe(_rows("claim", claims, context.get("user"), full=False, items=True))


def _grid_words(language: str | None) -> dict[str, str]:
    """The home grid's fixed words, translated and escaped once per language: looking them up
    for each of a hundred cells was a tenth of the home page's time."""
    words = _grid_word_sets.get(language)
    if words is None:
        words = _grid_word_sets[language] = {
            "no_treaty": esc(_("no treaty mapped")),
            "party": esc(_("party to %(party)s of %(total)s treaties")),
            "no_concerns": esc(_("no concerns")),
            "no_claims": esc(_("no claims")),
        }
    return words


def _grid_count(language: str | None, record: str, n: int) -> str:
    """ "12 concerns" / "1 claim" in the reader's language, escaped, kept per language and n."""
    key = (language, record, n)
    if key not in _grid_counts:
        if record == "concern":
            label = ngettext("%(n)s concern", "%(n)s concerns", n)
        else:
            label = ngettext("%(n)s claim", "%(n)s claims", n)
        _grid_counts[key] = esc(label % {"n": n})
    return _grid_counts[key]


_grid_word_sets: dict[str | None, dict[str, str]] = {}
_grid_counts: dict[tuple[str | None, str, int], str] = {}


@register.simple_tag(takes_context=True)
def grid_cell(context, cell) -> str:
    """One theme x country cell of the home grid: treaties ratified, then concerns and claims by
    status, each number linking to the list behind it."""
    language = get_language()
    words = _grid_words(language)
    if cell.commitment == "n/a":
        html = f'<p class="muted">{words["no_treaty"]}</p>'
    else:
        text = words["party"] % {"party": cell.party, "total": cell.instruments_total}
        html = f'<p class="commit commit-{cell.commitment}">{text}</p>'
    where = f"?country={esc(cell.country.code)}&amp;theme={esc(cell.theme.slug)}"
    rows = (
        (cell.concerns, cell.concerns_total, context["concerns_url"], "implementation", "concern"),
        (cell.claims, cell.claims_total, context["claims_url"], "verification", "claim"),
    )
    for counter, total, url, param, record in rows:
        if not total:
            html += f'\n<p class="muted">{words["no_" + record + "s"]}</p>'
            continue
        items = "".join(
            f'<li><a href="{url}{where}&amp;{param}={status}">{_badge(language, status, n)}'
            "</a></li>"
            for status, n in status_counts(counter)
        )
        label = _grid_count(language, record, total)
        html += f'\n<p><a href="{url}{where}">{label}</a></p>\n<ul class="counts">{items}</ul>'
    return mark_safe(f'<div class="cell">\n{html}\n</div>')
