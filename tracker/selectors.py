"""The reads behind each screen, one function per screen, shared by the page, its JSON twin, the
API and the admin: commitments against reported practice (the compare page, the country page,
the home grid, the admin's country view, ``/api/compare/``), the treaty status screens (home,
the treaty table, an instrument's page) and what the tracker holds per country and theme.

Every function runs a fixed number of queries whatever the number of countries, themes or records.
Pages show only the newest few records per cell: they ask for those alone (a subquery with a
LIMIT per cell, ``newest_in_each``) and read how many there are by status from the stored counts
(``RecordCount``, kept by ``tracker.counts``), so a busy state costs about what a quiet one does.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Count, Exists, OuterRef, Prefetch, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker import counts
from tracker import models as m
from tracker.citations import with_edit_dates
from tracker.links import url_pattern


def parse_country_codes(text: str) -> list[str]:
    """``"kaz, KGZ"`` -> ``["KAZ", "KGZ"]``, duplicates dropped, order kept."""
    codes = [code.strip().upper() for code in (text or "").split(",") if code.strip()]
    return list(dict.fromkeys(codes))


@dataclass
class CountryColumn:
    """Everything the tracker holds on one country for one theme."""

    country: m.Country
    # Per instrument: the ratification record, else the status a source's dated statement
    # gives (``m.SnapshotStatus``), else None: the tracker holds nothing ("no data").
    ratifications: list[tuple[m.Instrument, m.Ratification | m.SnapshotStatus | None]] = field(
        default_factory=list
    )
    snapshots: list[m.StatusSnapshot] = field(default_factory=list)
    pledges: list[m.Pledge] = field(default_factory=list)
    concerns: list[m.Concern] = field(default_factory=list)
    claims: list[m.Claim] = field(default_factory=list)
    observations: list[m.Observation] = field(default_factory=list)
    # Of every concern and claim, also those left out of the lists above when only the newest
    # are fetched.
    concerns_by_implementation: Counter = field(default_factory=Counter)
    claims_by_verification: Counter = field(default_factory=Counter)

    @property
    def party_count(self) -> int:
        party = m.TreatyStatus.PARTY
        return len([r for _, r in self.ratifications if r and r.status_as_of == party])

    @property
    def concerns_total(self) -> int:
        return sum(self.concerns_by_implementation.values())

    @property
    def claims_total(self) -> int:
        return sum(self.claims_by_verification.values())


@dataclass
class Comparison:
    theme: m.Theme | None
    as_of: dt.date
    instruments: list[m.Instrument]
    columns: list[CountryColumn]


def compare(
    countries,
    theme=None,
    *,
    user=None,
    as_of: dt.date | None = None,
    newest: int | None = None,
    brief: bool = True,
) -> Comparison:
    """Side-by-side comparison of countries on one theme (or on all themes when ``theme`` is None).

    ``countries`` is a list of Country objects, in the order the columns should appear. Records are
    limited to what ``user`` may see. Treaty status is derived as of ``as_of`` (default today).
    With ``newest``, each column lists only its ``newest`` latest concerns and claims (pages); the
    counts by status still cover all of them. Without it, every record (API, admin). ``brief``
    rows (pages) hold only the fields a page shows; the API asks for whole records.
    Queries: instruments 1, ratifications 1, snapshots 1, pledges 1, observations 1, then
    5 = 10 (concerns,
    their themes, claims, their themes, stances with reports; with ``newest``: concerns, claims,
    their stances with reports, the stored counts of both).
    """
    result = commitments(countries, theme, user=user, as_of=as_of)
    columns = {column.country.code: column for column in result.columns}
    codes = list(columns)
    if newest is None:
        concerns = m.Concern.objects.visible_to(user).for_comparison(codes, theme)
        claims = m.Claim.objects.visible_to(user).for_comparison(codes, theme)
        claims = claims.prefetch_related(_stances(user))
    elif theme and brief:
        # Each country's newest on the theme: one range each of the theme links' index.
        concerns = newest_linked(m.Concern, user, "country", codes, newest, theme=theme)
        claims = newest_linked(m.Claim, user, "country", codes, newest, theme=theme)
        attach_stances(claims, user)
    else:
        # One group per country; no "country IN (...)" besides: given both, PostgreSQL's
        # planner misjudged how many rows a country has and sorted all of them.
        concerns = newest_in_each(
            _scope(m.Concern, None, theme, user), ["-issued_on", "key"], "country", codes, newest
        )
        claims = newest_in_each(
            _scope(m.Claim, None, theme, user), ["-stated_on", "key"], "country", codes, newest
        )
        if brief:
            concerns = concerns.only(*SHOWN[m.Concern])
            claims = list(claims.only(*SHOWN[m.Claim]))
            attach_stances(claims, user)
        else:  # whole records, with what the API writes out of them
            concerns = concerns.select_related("body", "review", "source").prefetch_related(
                "themes"
            )
            claims = claims.select_related("source").prefetch_related("themes", _stances(user))
    for name, rows in (("concerns", concerns), ("claims", claims)):
        for row in rows:
            getattr(columns[row.country_id], name).append(row)

    if newest is None:
        for column in columns.values():
            column.concerns_by_implementation = Counter(c.implementation for c in column.concerns)
            column.claims_by_verification = Counter(c.verification for c in column.claims)
        return result
    # Concerns by implementation and claims by verification, from the stored counts.
    counted = _counted(user).filter(country__in=codes)
    counted = counted.filter(theme=theme) if theme else counted.filter(all_themes=True)
    for record, country, outcome, n in counted.values_list("record", "country_id", "outcome", "n"):
        column = columns[country]
        if record == "concern":
            column.concerns_by_implementation[outcome] += n
        else:
            column.claims_by_verification[outcome] += n
    return result


def _scope(model, codes, theme, user):
    """Records of ``model`` of these countries (any if None) on ``theme`` (any theme if None)
    ``user`` sees."""
    queryset = model.objects.visible_to(user)
    queryset = queryset if codes is None else queryset.filter(country__in=codes)
    return queryset.filter(themes=theme) if theme else queryset


def _counted(user, models=(m.Concern, m.Claim)):
    """The stored counts (``tracker.counts``) of the records ``user`` may see: all of them for
    one who sees the drafts of every one of ``models``, else the public ones."""
    if all(m.sees_drafts(user, model) for model in models):
        return m.RecordCount.objects.all()
    return m.RecordCount.objects.filter(status=m.Editorial.PUBLISHED)


def commitments(countries, theme=None, *, user=None, as_of: dt.date | None = None) -> Comparison:
    """A comparison without its concerns and claims: instruments, treaty status, pledges and
    indicator figures. Queries: instruments, ratifications, snapshots, pledges, observations
    = 5."""
    as_of = as_of or dt.date.today()
    codes = [c.code for c in countries]
    instruments = list(
        theme.instruments.order_by("position", "code") if theme else m.Instrument.objects.all()
    )

    ratifications = m.Ratification.objects.visible_to(user).for_matrix(
        countries=codes, instruments=instruments, as_of=as_of
    )
    snapshots = list(
        m.StatusSnapshot.objects.visible_to(user).for_matrix(
            countries=codes, instruments=instruments
        )
    )
    held = m.treaty_cells(ratifications, snapshots, as_of)

    def scoped(qs, theme_path="themes"):
        qs = qs.filter(country__in=codes)
        return qs.filter(**{theme_path: theme}) if theme else qs

    pledges = scoped(m.Pledge.objects.visible_to(user)).select_related("indicator", "source")
    observations = (
        scoped(m.Observation.objects.visible_to(user), "indicator__themes")
        .select_related("indicator", "source")
        .order_by("indicator_id", "observed_on")
    )

    columns = {code: CountryColumn(country=c) for code, c in zip(codes, countries, strict=True)}
    for column in columns.values():
        column.ratifications = [(i, held.get((column.country.code, i.code))) for i in instruments]
    for snapshot in snapshots:
        columns[snapshot.country_id].snapshots.append(snapshot)
    for name, rows in (("pledges", pledges), ("observations", observations)):
        for row in rows:
            getattr(columns[row.country_id], name).append(row)
    return Comparison(
        theme=theme, as_of=as_of, instruments=instruments, columns=list(columns.values())
    )


def _visible_stances(user):
    """Stances whose report ``user`` may see, with the report and its source."""
    return (
        m.Stance.objects.filter(m.visible_link("report_id", m.Report, user))
        .select_related("report", "report__source")
        .order_by("stance", "report__observed_from", "report_id")
    )


def _stances(user) -> Prefetch:
    """A claim's stances whose report ``user`` may see (``claim.stances.all()``)."""
    return Prefetch("stances", queryset=_visible_stances(user))


# What pages show of a concern or claim in a list (``concern_items``, ``claim_items``): the rest,
# the long recommendation text among it, stays unread.
SHOWN = {
    m.Concern: [
        "status", "country", "body", "issued_on", "issued_on_precision", "paragraph", "summary",
        "kind", "implementation",
    ],
    m.Claim: ["status", "country", "kind", "stated_on", "stated_on_precision", "summary",
              "verification"],
}  # fmt: skip


def attach_stances(claims, user) -> None:
    """Set ``claim.shown_stances`` on each claim a page shows: its stances whose report ``user``
    may see, in one query. Pages use this rather than ``prefetch_related``, which builds a
    queryset per claim (a millisecond each, for a hundred claims on a country page)."""
    by_claim = defaultdict(list)
    ids = {claim.pk for claim in claims}
    if ids:
        stances = _visible_stances(user).filter(claim_id__in=ids)
        shown = ["claim", "stance", "report__summary", "report__source__publisher"]
        for stance in stances.only(*shown, "report__source__title"):
            by_claim[stance.claim_id].append(stance)
    for claim in claims:
        claim.shown_stances = by_claim[claim.pk]


# Stands for each group's value among the parameters of the subquery compiled once for all
# groups (SQLite).
STAND_IN = "\x00newest-in-each\x00"


def newest_in_each(queryset, order: list[str], field: str, values: list, n: int):
    """The records of ``queryset`` that are among the first ``n`` in ``order`` of any group:
    those whose ``field`` (a text key: country code, theme slug) is each of ``values`` (None:
    those with no value), in one query: ``id IN (SELECT * FROM (SELECT ... LIMIT n) UNION ALL
    ...)``. Each subquery walks the group's index in date order and stops after ``n`` matches,
    however many records the group has. A UNION, not ``id IN (...) OR id IN (...)``: given the
    ORs PostgreSQL read the whole table and checked every row against each list (seconds at
    250,000 concerns). The subquery is compiled once for all groups: compiling it for each of
    twenty themes took longer than running the query. On SQLite each group's copy gets its
    value in place of a stand-in among the parameters; on PostgreSQL the one subquery is also
    planned once, its value a column of the groups' list that it runs for in turn (``CROSS
    JOIN LATERAL``): planning twenty copies of it took 15 ms, ten times as long as running
    them."""
    db = queryset.db
    parts, params = [], []

    def subquery(lookup):
        query = queryset.filter(**lookup).order_by(*order).values("pk")[:n].query
        return query.get_compiler(db).as_sql()

    keys = [value for value in values if value is not None]
    if keys and connections[db].vendor == "postgresql":
        sql, shape = subquery({field: RawSQL("newest_group.value", ())})
        groups = ", ".join(["(%s)"] * len(keys))
        parts.append(
            f"SELECT newest.* FROM (VALUES {groups}) AS newest_group(value) "
            f"CROSS JOIN LATERAL ({sql}) AS newest"
        )
        params += [*keys, *shape]
    elif keys:
        sql, shape = subquery({field: STAND_IN})
        for i, value in enumerate(keys):
            parts.append(f"SELECT * FROM ({sql}) AS newest_{i}")
            params.extend(value if p == STAND_IN else p for p in shape)
    if None in values:
        sql, shape = subquery({f"{field}__isnull": True})
        parts.append(f"SELECT * FROM ({sql}) AS newest_none")
        params.extend(shape)
    if not parts:
        return queryset.none()
    quote = connections[db].ops.quote_name
    model = queryset.model
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    newest = RawSQL(f"{column} IN ({' UNION ALL '.join(parts)})", params, BooleanField())
    return model.objects.filter(newest).order_by(*order)


def newest_links(model, user, field: str, values: list, n: int, **scope):
    """The theme links (``m.ThemeLink``) of the newest ``n`` concerns or claims (``model``)
    ``user`` sees in each group of ``field`` ("theme": one group per theme slug, None for
    records with no theme; "country": per country code), among those of ``scope``
    (``country=``, ``theme=``), newest first: each group is one range of the links' index,
    walked newest first, each row's record checked against the rule as it comes. A query."""
    link, _day = counts.THEME_LINKS[model]
    seen = model.objects.visible_to(user).filter(pk=OuterRef("record_id"))
    return newest_in_each(
        link._default_manager.filter(Exists(seen), **scope), ["-day", "key"], field, values, n
    )


def newest_linked(model, user, field: str, values: list, n: int, **scope) -> list:
    """The records of ``newest_links``, with the fields pages show (``SHOWN``), each with
    ``theme`` set to the theme it was found under (a record with two themes comes once per
    theme). One query."""
    shown = ["theme", "record", *(f"record__{name}" for name in SHOWN[model])]
    records = []
    links = newest_links(model, user, field, values, n, **scope)
    for row in links.select_related("record").only(*shown):
        row.record.theme = row.theme_id
        records.append(row.record)
    return records


@dataclass
class ThemeRecords:
    """One country's newest concerns and claims on one theme, and how many there are in all."""

    concerns: list[m.Concern] = field(default_factory=list)
    concerns_total: int = 0
    claims: list[m.Claim] = field(default_factory=list)
    claims_total: int = 0


@dataclass
class CountryRecords:
    by_theme: dict[str | None, ThemeRecords]  # theme slug, None for records without a theme
    claims: list[dict]  # the newest dated claims in short (id, summary, dates), for the timeline


def country_records(country, themes, *, user=None, newest: int, dated: int) -> CountryRecords:
    """One country's concerns and claims theme by theme (``themes``: every Theme), the newest
    ``newest`` of each theme; a record tagged with two themes is under both. Also its ``dated``
    newest claims by date of action (else of statement), for the timeline. Queries: the stored
    counts, the concerns shown, the claims shown, their stances with reports, the dated claims
    = 5.
    """
    by_theme: dict[str | None, ThemeRecords] = defaultdict(ThemeRecords)
    totals: dict[str, Counter[str | None]] = {"concern": Counter(), "claim": Counter()}
    counted = _counted(user).filter(country=country, all_themes=False)
    for record, slug, n in counted.values_list("record", "theme_id", "n"):
        totals[record][slug] += n
    for model, record, name in ((m.Concern, "concern", "concerns"), (m.Claim, "claim", "claims")):
        found = totals[record]
        groups = [t.slug for t in themes if found.get(t.slug)]
        if found.get(None):
            groups.append(None)
        rows = newest_linked(model, user, "theme", groups, newest, country=country)
        if model is m.Claim:
            attach_stances(rows, user)
        for row in rows:
            getattr(by_theme[row.theme], name).append(row)
        for slug, total in found.items():
            setattr(by_theme[slug], f"{name}_total", total)

    claims = (
        m.Claim.objects.visible_to(user)
        .filter(country=country)
        .annotate(day=Coalesce("action_on", "stated_on"))
        .filter(day__isnull=False)
        .order_by("-day", "key")
        .values(
            "pk",
            "summary",
            "action_on",
            "action_on_precision",
            "stated_on",
            "stated_on_precision",
        )[:dated]
    )
    return CountryRecords(by_theme=dict(by_theme), claims=list(claims))


@dataclass
class GridCell:
    """One theme x country cell: commitment level and counts by status."""

    country: m.Country
    theme: m.Theme
    instruments_total: int = 0
    party: int = 0
    signatory: int = 0
    concerns: Counter = field(default_factory=Counter)
    claims: Counter = field(default_factory=Counter)

    @property
    def concerns_total(self) -> int:
        return sum(self.concerns.values())

    @property
    def claims_total(self) -> int:
        return sum(self.claims.values())

    @property
    def commitment(self) -> str:
        """``all``, ``some`` or ``none`` of the theme instruments ratified; ``n/a`` if none."""
        if not self.instruments_total:
            return "n/a"
        if self.party == self.instruments_total:
            return "all"
        return "some" if self.party else "none"


@dataclass
class Grid:
    countries: list[m.Country]
    as_of: dt.date
    rows: list[tuple[m.Theme, list[GridCell]]]


def theme_grid(countries, *, user=None, as_of: dt.date | None = None, statuses=None) -> Grid:
    """The theme x country summary. Queries: themes, theme instruments, treaty statuses (the
    records and the snapshots beside them), the stored counts of concerns and claims = 5; 3 when
    the caller has the statuses already (``statuses``: (country, instrument) -> status as of
    ``as_of``, of what ``user`` sees, as ``m.treaty_cells`` gives them)."""
    as_of = as_of or dt.date.today()
    codes = [c.code for c in countries]
    themes = list(m.Theme.objects.all())
    covered = defaultdict(set)
    for slug, code in m.Theme.instruments.through.objects.values_list("theme_id", "instrument_id"):
        covered[slug].add(code)

    if statuses is None:
        held = treaty_status(user, as_of, countries=codes)
        statuses = {cell: r.status_as_of for cell, r in held.items()}

    counted = _counted(user).filter(country__in=codes, all_themes=False, theme__isnull=False)
    counted = counted.values_list("record", "country_id", "theme_id", "outcome", "n")

    cells = {}
    rows = []
    for theme in themes:
        row = []
        for country in countries:
            cell = GridCell(country=country, theme=theme)
            cell.instruments_total = len(covered[theme.slug])
            for code in covered[theme.slug]:
                status = statuses.get((country.code, code))
                cell.party += status == m.TreatyStatus.PARTY
                cell.signatory += status == m.TreatyStatus.SIGNATORY
            cells[(country.code, theme.slug)] = cell
            row.append(cell)
        rows.append((theme, row))
    for record, country, theme, outcome, n in counted:
        cell = cells[(country, theme)]
        (cell.concerns if record == "concern" else cell.claims)[outcome] += n
    return Grid(countries=list(countries), as_of=as_of, rows=rows)


# The record lists' order, shared by the list pages and the API's lists, so that page N of a
# list and page N of its twin (at the page's size) hold the same rows. ``key`` is unique.
LIST_ORDER = {
    "concerns": ("-issued_on", "key", "pk"),
    "claims": ("-stated_on", "key", "pk"),
    "reports": ("-observed_from", "key", "pk"),
    "sources": ("-published_on", "key", "pk"),
}
# Rows per page of a list page; its twin asks the API for as many.
LIST_PAGE_SIZE = 25


# Screens ---------------------------------------------------------------------------------------
# One function per screen: the page, its JSON twin and the admin read through it, so they show
# the same rows. Each returns plain data (dataclasses, model rows, dicts); markup is the
# template's business.

# Concerns and claims shown per theme on the country page, and events on its timeline; the rest
# are a link away (the filtered lists).
COUNTRY_NEWEST = 5
TIMELINE_EVENTS = 40


@dataclass
class CountryPage:
    """What the country page shows (``country_page``)."""

    country: m.Country
    as_of: dt.date
    column: CountryColumn  # treaty cells, snapshots, pledges, observations
    # (instrument, the status cell, the other sources' dated statements on it)
    treaty_rows: list[tuple]
    reservations: list[m.Reservation]  # reservations and declarations
    procedures: list[m.Reservation]  # complaint and inquiry procedures accepted
    reporting: list[dict]  # per committee: status, overdue, latest and earlier reviews
    # Per theme with anything to show: {"theme": Theme or None, "records": ThemeRecords,
    # "charts": [...]}; None gathers records without a theme.
    theme_sections: list[dict]
    charts: list[dict]  # per indicator: {"indicator", "observations", "pledge"}
    timeline: list[dict]  # the newest TIMELINE_EVENTS events: date, display, kind, text, url
    timeline_cut: bool  # whether there are more events than shown


def country_page(country: m.Country, *, user=None, as_of: dt.date | None = None) -> CountryPage:
    """One country: commitments, reporting, theme by theme what bodies said and what the
    government claims, indicator charts and a timeline, as ``user`` may see them.

    Queries (16, whatever the data size; the page and its twin add the country's own):
    ``commitments`` 5 (instruments, snapshots, ratifications, pledges, observations),
    reservations, the newest dated reviews, the committees with their reporting row and latest
    review, themes, ``country_records`` 5 (stored counts, concerns, claims, their stances with
    reports, the newest dated claims), the indicators' themes, the newest dated reports.
    """
    result = commitments([country], None, user=user, as_of=as_of)
    column = result.columns[0]
    ratification_ids = [r.pk for _i, r in column.ratifications if isinstance(r, m.Ratification)]
    reservations = list(
        m.Reservation.objects.visible_to(user)
        .filter(ratification__in=ratification_ids)
        .select_related("ratification__instrument", "source")
        .order_by("ratification__instrument__position", "made_on")
    )
    # Only the newest reviews, claims and reports can be among the timeline's newest events;
    # one more than it shows tells whether there are more.
    reviews = list(
        m.Review.objects.visible_to(user)
        .filter(country=country, adopted_on__isnull=False)
        .order_by("-adopted_on", "key")
        .values("body_id", "symbol", "adopted_on", "adopted_on_precision")[: TIMELINE_EVENTS + 1]
    )
    reports = (
        m.Report.objects.visible_to(user)
        .filter(country=country, observed_from__isnull=False)
        .order_by("-observed_from", "key")
        .values("pk", "summary", "observed_from", "observed_from_precision")[: TIMELINE_EVENTS + 1]
    )
    reporting = m.reporting_for_country(country, user)
    themes = list(m.Theme.objects.all())
    records = country_records(
        country, themes, user=user, newest=COUNTRY_NEWEST, dated=TIMELINE_EVENTS + 1
    )
    indicator_themes = defaultdict(list)
    for indicator_id, slug in m.Indicator.themes.through.objects.values_list(
        "indicator_id", "theme_id"
    ):
        indicator_themes[indicator_id].append(slug)

    # Every dated statement of a source, beside the record (commitments() read them already).
    snapshots_by_instrument = defaultdict(list)
    for snapshot in column.snapshots:
        snapshots_by_instrument[snapshot.instrument_id].append(snapshot)
    # A statement the status itself rests on is not repeated beside it.
    treaty_rows = [
        (
            instrument,
            cell,
            [
                s
                for s in snapshots_by_instrument.get(instrument.code, [])
                if s is not getattr(cell, "snapshot", None)
            ],
        )
        for instrument, cell in column.ratifications
    ]

    # Theme by theme: a record tagged with two themes appears under both.
    empty = ThemeRecords()
    sections: dict[str, dict[str, Any]] = {
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
    return CountryPage(
        country=country,
        as_of=result.as_of,
        column=column,
        treaty_rows=treaty_rows,
        reservations=[r for r in reservations if r.kind != m.Reservation.Kind.ACCEPTANCE],
        procedures=[r for r in reservations if r.kind == m.Reservation.Kind.ACCEPTANCE],
        reporting=_reporting_rows(reporting, reviews, result.as_of),
        theme_sections=theme_sections,
        charts=charts,
        timeline=events[:TIMELINE_EVENTS],
        timeline_cut=len(events) > TIMELINE_EVENTS,
    )


# What each kind of timeline event is called on the page.
TIMELINE_KINDS = {
    "treaty": gettext_lazy("treaty"),
    "review": gettext_lazy("review"),
    "pledge": gettext_lazy("pledge"),
    "claim": gettext_lazy("reform claimed"),
    "report": gettext_lazy("report"),
}


def _timeline(column, reviews, claims, reports) -> list[dict]:
    """Dated events of one country, newest first. ``reviews``, ``claims`` and ``reports`` are
    short rows (``values()``), the newest few of each: a busy state has thousands. ``kind`` is
    a key of ``TIMELINE_KINDS``; ``url`` the record's page, if it has one."""
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
        if not isinstance(ratification, m.Ratification):
            continue  # nothing held, or a source's statement without dates of action
        add(
            ratification.signature_date,
            ratification.signature_date_precision,
            "treaty",
            _("Signed %(treaty)s") % {"treaty": instrument.short_title},
        )
        add(
            ratification.action_date,
            ratification.action_date_precision,
            "treaty",
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
            "review",
            _("%(body)s review %(symbol)s")
            % {"body": review["body_id"], "symbol": review["symbol"]},
        )
    for pledge in column.pledges:
        add(pledge.made_on, pledge.made_on_precision, "pledge", pledge.summary)
    url = url_pattern("tracker:claim")
    for claim in claims:
        add(
            claim["action_on"] or claim["stated_on"],
            claim["action_on_precision"] if claim["action_on"] else claim["stated_on_precision"],
            "claim",
            claim["summary"],
            url.format(claim["pk"]),
        )
    url = url_pattern("tracker:report")
    for report in reports:
        add(
            report["observed_from"],
            report["observed_from_precision"],
            "report",
            report["summary"],
            url.format(report["pk"]),
        )
    events.sort(key=lambda e: e["date"], reverse=True)
    return events


def _reporting_rows(reporting, reviews, as_of) -> list[dict]:
    """The reporting section's rows: per committee its reporting status, whether the next report
    is overdue on ``as_of``, its latest review and its earlier reviews among the timeline's
    (``reviews``: the country's newest dated reviews, newest first)."""
    rows = []
    for body, status in reporting:
        latest = body.latest_review
        earlier = [
            {
                "symbol": r["symbol"],
                "date": m.format_partial_date(r["adopted_on"], r["adopted_on_precision"]),
            }
            for r in reviews
            if r["body_id"] == body.code and (latest is None or r["symbol"] != latest.symbol)
        ]
        rows.append(
            {
                "body": body,
                "status": status,
                "overdue": status.overdue_on(as_of) if status else None,
                "latest": latest,
                "earlier": earlier,
            }
        )
    return rows


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
        }
        for indicator, observations in series.items()
    ]


# Treaty status screens: home, the treaty table, an instrument's page --------------------------

# The three states the curated data covers; the home page shows them side by side.
FOCUS_COUNTRIES = ["KAZ", "KGZ", "UZB"]


def countries_by_code(codes: list[str]) -> tuple[list[m.Country], list[str]]:
    """Countries in the order asked for (one query), and the codes that match none."""
    # A NUL byte matches no code, and PostgreSQL refuses it in a query: leave it out of one.
    lookup = [c for c in codes if "\x00" not in c]
    found = {c.code: c for c in m.Country.objects.filter(code__in=lookup)}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def treaty_status(user, as_of: dt.date | None, *, countries=None, instruments=None) -> dict:
    """Per (country, instrument) what ``user`` may see of its status on ``as_of`` (today if
    None): the ratification record or the snapshots' statement (``m.treaty_cells``); a missing
    cell is "no data". ``countries`` and ``instruments`` (codes) narrow it; None is all.
    Queries: ratifications, snapshots = 2."""
    return m.treaty_cells(
        m.Ratification.objects.visible_to(user).for_matrix(
            countries=countries, instruments=instruments, as_of=as_of
        ),
        m.StatusSnapshot.objects.visible_to(user).for_matrix(
            countries=countries, instruments=instruments
        ),
        as_of,
    )


@dataclass
class HomePage:
    """What the home page shows (``home_page``)."""

    as_of: dt.date
    countries: list[m.Country]
    matrix: list[tuple]  # (instrument, [status cell per country, None for no data])
    grid: Grid


def home_page(*, user=None, as_of: dt.date | None = None) -> HomePage:
    """The focus countries' treaty matrix and their theme grid. Queries: countries,
    instruments, ``treaty_status`` 2, ``theme_grid`` 3 (given the statuses) = 7."""
    countries, _missing = countries_by_code(FOCUS_COUNTRIES)
    instruments = list(m.Instrument.objects.all())
    codes = [c.code for c in countries]
    held = treaty_status(user, as_of, countries=codes)
    matrix = [(i, [held.get((c.code, i.code)) for c in countries]) for i in instruments]
    # The grid needs the same statuses: no second query for them.
    statuses = {cell: r.status_as_of for cell, r in held.items()}
    grid = theme_grid(countries, user=user, as_of=as_of, statuses=statuses)
    return HomePage(as_of=grid.as_of, countries=countries, matrix=matrix, grid=grid)


class UnknownSort(ValueError):
    """A sort key the treaty table does not know."""


@dataclass
class TreatyTable:
    """What the treaty table shows (``treaty_table``)."""

    as_of: dt.date
    instruments: list[m.Instrument]
    # (country, [status cell per instrument, None for no data], number of treaties it is party to)
    rows: list[tuple]
    unknown_codes: list[str]  # asked-for codes that match no country


TREATY_SORT_RANK: dict[str, int] = {m.TreatyStatus.PARTY: 0, m.TreatyStatus.SIGNATORY: 1}


def treaty_table(
    *, user=None, codes: list[str] | None = None, as_of: dt.date | None = None, sort: str = ""
) -> TreatyTable:
    """The treaty status of the countries ``codes`` (all when empty) on ``as_of``, sorted by
    ``sort``: ``name`` (default), ``parties`` (most first) or an instrument code (parties first,
    earliest first; then signatories, no action, no data); a leading ``-`` reverses.
    Raises ``UnknownSort``. Queries: countries, instruments, ``treaty_status`` 2 = 4."""
    if codes:
        countries, unknown = countries_by_code(codes)
    else:
        countries, unknown = list(m.Country.objects.all()), []
    instruments = list(m.Instrument.objects.all())
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    known = [i.code for i in instruments]
    if key not in known and key not in ("", "name", "parties"):
        raise UnknownSort(sort)
    # Every country by default: the filter would be a list of all 193 codes, so none is made.
    held = treaty_status(user, as_of, countries=[c.code for c in countries] if codes else None)
    rows = [(c, [held.get((c.code, i.code)) for i in instruments]) for c in countries]

    if key in known:
        index = known.index(key)

        def by_status(row):
            r = row[1][index]
            status = r.status_as_of if r else m.NO_DATA
            # Parties first, earliest first: the longest-standing commitments lead; then
            # signatories, no action, and last the states the tracker holds nothing on.
            day = (r.action_date or r.signature_date if r else None) or dt.date.max
            return (TREATY_SORT_RANK.get(status, 2 if r else 3), day)

        rows.sort(key=by_status, reverse=descending)
    elif key == "parties":
        rows.sort(key=lambda row: _parties(row[1]), reverse=not descending)
    elif descending:
        rows.reverse()
    return TreatyTable(
        as_of=as_of or dt.date.today(),
        instruments=instruments,
        rows=[(c, cells, _parties(cells)) for c, cells in rows],
        unknown_codes=unknown,
    )


def _parties(cells) -> int:
    return sum(1 for r in cells if r and r.status_as_of == m.TreatyStatus.PARTY)


@dataclass
class InstrumentPage:
    """What an instrument's page shows (``instrument_page``)."""

    instrument: m.Instrument
    as_of: dt.date
    protocols: list[m.Instrument]
    themes: list[m.Theme]
    rows: list[tuple]  # (country, its status cell or None for no data), every state
    statuses: list[tuple]  # (country, status word or m.NO_DATA), for the map
    counts: list[tuple]  # (status, how many states), "no data" apart from "none"


def instrument_page(
    instrument: m.Instrument, *, user=None, as_of: dt.date | None = None
) -> InstrumentPage:
    """One instrument and every state's status on ``as_of``. Queries: protocols, themes,
    countries, ``treaty_status`` 2 = 5 (the page adds the instrument's own)."""
    protocols = list(instrument.protocols.order_by("position", "code"))
    themes = list(instrument.themes.order_by("position", "slug"))
    states = list(m.Country.objects.only("code", "name", "name_ru", "region"))
    held = treaty_status(user, as_of, instruments=[instrument.code])
    rows = [(c, held.get((c.code, instrument.code))) for c in states]
    statuses = [(c, r.status_as_of if r else m.NO_DATA) for c, r in rows]
    counted = Counter(s for _c, s in statuses)
    order = [m.TreatyStatus.PARTY, m.TreatyStatus.SIGNATORY, m.TreatyStatus.NONE, m.NO_DATA]
    return InstrumentPage(
        instrument=instrument,
        as_of=as_of or dt.date.today(),
        protocols=protocols,
        themes=themes,
        rows=rows,
        statuses=statuses,
        counts=[(status, counted.get(status, 0)) for status in order],
    )


# Countries and themes: what the tracker holds on each ------------------------------------------


def stored_counts(user, **scope) -> dict[str, dict[str, int]]:
    """Concerns and claims per country, from the stored counts (``tracker.counts``) of what
    ``user`` may see, narrowed by ``scope`` (RecordCount fields): ``{code: {"concern": n,
    "claim": n}}``. One query."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"concern": 0, "claim": 0})
    rows = _counted(user).filter(**scope).values("record", "country_id").annotate(n=Sum("n"))
    for row in rows.order_by():
        totals[row["country_id"]][row["record"]] += row["n"]
    return totals


def stored_rows(model, chosen: dict, *, user=None, per_theme: bool = False):
    """The stored counts (``RecordCount``) of the records of ``model`` (concerns or claims) a
    list filtered by ``chosen`` (its FilterSet's cleaned data) holds for ``user``, when the
    filters are only countries, at most one theme and current statuses (``implementation``,
    ``verification``); None for any other filter (the list counts its rows). ``per_theme``:
    a row per theme (a record under each of its themes) instead of each record once. At world
    scale a COUNT of every public concern took 155 ms on SQLite and the list's counts by theme
    1.1 s: the rule for what the public sees is checked row by row, where the stored counts
    already hold its answer."""
    outcome = counts.OUTCOME.get(model)
    if outcome is None:
        return None
    chosen = {name: value for name, value in chosen.items() if value not in (None, "", [])}
    themes = chosen.get("theme", [])
    if set(chosen) - {"country", "theme", outcome} or len(themes) > 1 or (themes and per_theme):
        return None
    rows = _counted(user, (model,)).filter(record=counts.RECORD[model])
    if themes:
        rows = rows.filter(theme_id=themes[0], all_themes=False)
    elif per_theme:
        rows = rows.filter(theme__isnull=False, all_themes=False)
    else:
        rows = rows.filter(all_themes=True)
    if "country" in chosen:
        rows = rows.filter(country_id__in=set(chosen["country"]))
    if outcome in chosen:
        rows = rows.filter(outcome__in=set(chosen[outcome]))
    return rows


def list_total(model, chosen: dict, *, user=None) -> int | None:
    """How many records a list filtered by ``chosen`` holds, from ``stored_rows``; None when
    they cannot tell. One query."""
    rows = stored_rows(model, chosen, user=user)
    return None if rows is None else rows.aggregate(n=Coalesce(Sum("n"), 0))["n"]


class KnownTotal:
    """Rows (a queryset, the API's ``ValuesList``) whose number is already known: a paginator
    asks it instead of the database; a page is their slice as usual."""

    ordered = True

    def __init__(self, rows, total: int):
        self.rows, self.total = rows, total

    def count(self):
        return self.total

    def __getitem__(self, index):
        return self.rows[index]


def counted_rows(model, rows, chosen: dict, *, user=None):
    """``rows`` of a list filtered by ``chosen``, ready to paginate: with their total from the
    stored counts when ``list_total`` knows it (pages and API alike), else as they are."""
    total = list_total(model, chosen, user=user)
    return rows if total is None else KnownTotal(rows, total)


def countries_index(countries, *, user=None) -> list[tuple]:
    """Per country of ``countries`` (a filtered queryset or list): (country, concerns, claims,
    reports) that ``user`` may see. Queries: the countries, stored counts, reports = 3."""
    counts = stored_counts(user, all_themes=True)
    reports = dict(
        m.Report.objects.visible_to(user)
        .order_by()
        .values("country_id")
        .annotate(n=Count("pk"))
        .values_list("country_id", "n")
    )
    empty = {"concern": 0, "claim": 0}
    return [
        (
            c,
            counts.get(c.code, empty)["concern"],
            counts.get(c.code, empty)["claim"],
            reports.get(c.code, 0),
        )
        for c in countries
    ]


@dataclass
class ThemePage:
    """What a theme's page shows (``theme_page``)."""

    theme: m.Theme
    instruments: list[m.Instrument]
    rows: list[tuple]  # (country, concerns, claims), the most first; countries with none left out
    concerns_total: int
    claims_total: int


def theme_page(theme: m.Theme, *, user=None) -> ThemePage:
    """One theme: its instruments and per country how many concerns and claims ``user`` may
    see on it. Queries: instruments, stored counts, countries = 3 (the page adds the theme's)."""
    instruments = list(theme.instruments.select_related("body").order_by("position", "code"))
    counts = stored_counts(user, theme=theme)
    names = {
        c.code: c
        for c in m.Country.objects.filter(code__in=list(counts)).only("code", "name", "name_ru")
    }
    rows = sorted(
        (
            (names[code], n["concern"], n["claim"])
            for code, n in counts.items()
            if code in names and (n["concern"] or n["claim"])
        ),
        key=lambda row: (-(row[1] + row[2]), row[0].name),
    )
    return ThemePage(
        theme=theme,
        instruments=instruments,
        rows=rows,
        concerns_total=sum(r[1] for r in rows),
        claims_total=sum(r[2] for r in rows),
    )


# Record pages: one record with what it rests on and what answers it ----------------------------


def _assessments(user) -> Prefetch:
    return Prefetch(
        "assessments",
        queryset=m.Assessment.objects.visible_to(user)
        .select_related("source")
        .prefetch_related(Prefetch("reports", queryset=m.Report.objects.visible_to(user)))
        .order_by("-assessed_on", "-pk"),
    )


def concern_page(user):
    """The concerns ``user`` may see, each read with its review, source, themes, assessments
    (with their reports), the claims, reports and pledges that answer it and the same concern in
    other cycles, all as ``user`` may see them, and when a person last edited it: 9 queries for
    one."""
    return (
        with_edit_dates(m.Concern.objects.visible_to(user))
        .select_related("country", "body", "review", "source", "recommending_state")
        .prefetch_related(
            "themes",
            _assessments(user),
            Prefetch("claims", queryset=m.Claim.objects.visible_to(user)),
            Prefetch("reports", queryset=m.Report.objects.visible_to(user)),
            Prefetch("pledges", queryset=m.Pledge.objects.visible_to(user)),
            Prefetch("previous", queryset=m.Concern.objects.visible_to(user)),
            Prefetch("later", queryset=m.Concern.objects.visible_to(user)),
        )
    )


def claim_page(user):
    """The claims ``user`` may see, each read with its source, themes, assessments, the concerns
    it answers and the stances of the reports on it, as ``user`` may see them: 6 queries."""
    return (
        with_edit_dates(m.Claim.objects.visible_to(user))
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
                queryset=m.Stance.objects.filter(m.visible_link("report_id", m.Report, user))
                .select_related("report__source")
                .order_by("stance", "report__observed_from"),
            ),
        )
    )


def report_page(user):
    """The reports ``user`` may see, each read with its source, themes, its stances on claims,
    the concerns it bears on and the assessments resting on it, as ``user`` may see them:
    5 queries."""
    return (
        with_edit_dates(m.Report.objects.visible_to(user))
        .select_related("country", "source")
        .prefetch_related(
            "themes",
            Prefetch(
                "stances",
                queryset=m.Stance.objects.filter(
                    m.visible_link("claim_id", m.Claim, user)
                ).select_related("claim"),
            ),
            Prefetch("concerns", queryset=m.Concern.objects.visible_to(user)),
            Prefetch(
                "assessments",
                queryset=m.Assessment.objects.visible_to(user).select_related("concern", "claim"),
            ),
        )
    )


def source_page(user):
    """The sources ``user`` may see, with when a person last edited each (``citing`` lists
    the records resting on one): 1 query."""
    return with_edit_dates(m.Source.objects.visible_to(user))


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


def citing(source: m.Source, *, user=None) -> list[dict]:
    """Per kind of record that cites ``source`` and ``user`` may see: ``{"label", "kind",
    "rows" (up to CITING_LIMIT), "more"}``. One query per kind (6)."""
    found = []
    for model, label, related in CITING:
        rows = list(
            model.objects.visible_to(user)
            .filter(source=source)
            .select_related(*related)
            .order_by("pk")[: CITING_LIMIT + 1]
        )
        if rows:
            found.append(
                {
                    "label": label,
                    "kind": model._meta.model_name,
                    "rows": rows[:CITING_LIMIT],
                    "more": len(rows) > CITING_LIMIT,
                }
            )
    return found
