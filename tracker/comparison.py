"""Commitments against reported practice: the reads behind the compare page, the country page,
the home grid, the admin's country view and ``/api/compare/``.

Every function runs a fixed number of queries whatever the number of countries, themes or records.
Pages show only the newest few records per cell: they ask for those alone (a subquery with a
LIMIT per cell, ``newest_in_each``) and count the rest with one grouped query on the records' own
status columns (``Concern.implementation``, ``Claim.verification``), so a busy state costs about
what a quiet one does.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Prefetch, Q
from django.db.models.expressions import RawSQL

from tracker import models as m
from tracker.cache import content_version


def parse_country_codes(text: str) -> list[str]:
    """``"kaz, KGZ"`` -> ``["KAZ", "KGZ"]``, duplicates dropped, order kept."""
    codes = [code.strip().upper() for code in (text or "").split(",") if code.strip()]
    return list(dict.fromkeys(codes))


@dataclass
class CountryColumn:
    """Everything the tracker holds on one country for one theme."""

    country: m.Country
    ratifications: list[tuple[m.Instrument, m.Ratification | None]] = field(default_factory=list)
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
        return sum(1 for _, r in self.ratifications if r and r.status_as_of == m.TreatyStatus.PARTY)

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
    countries, theme=None, *, user=None, as_of: dt.date | None = None, newest: int | None = None
) -> Comparison:
    """Side-by-side comparison of countries on one theme (or on all themes when ``theme`` is None).

    ``countries`` is a list of Country objects, in the order the columns should appear. Records are
    limited to what ``user`` may see. Treaty status is derived as of ``as_of`` (default today).
    With ``newest``, each column lists only its ``newest`` latest concerns and claims (pages); the
    counts by status still cover all of them. Without it, every record (API, admin).
    Queries: instruments 1, ratifications 1, pledges 1, observations 1, then concerns 2 and claims
    3 = 9 (concerns, their themes; claims, their themes, stances with reports; with ``newest``:
    concerns, concern counts; claims, stances with reports, claim counts).
    """
    result = commitments(countries, theme, user=user, as_of=as_of)
    columns = {column.country.code: column for column in result.columns}
    codes = list(columns)
    if newest is None:
        concerns = m.Concern.objects.visible_to(user).for_comparison(codes, theme)
        claims = m.Claim.objects.visible_to(user).for_comparison(codes, theme)
        claims = claims.prefetch_related(_stances(user))
    else:
        # One group per country; no "country IN (...)" besides: given both, PostgreSQL's
        # planner misjudged how many rows a country has and sorted all of them.
        per_country = [Q(country=code) for code in codes]
        concerns = newest_in_each(
            _scope(m.Concern, None, theme, user), ["-issued_on", "key"], per_country, newest
        )
        claims = newest_in_each(
            _scope(m.Claim, None, theme, user), ["-stated_on", "key"], per_country, newest
        )
        claims = claims.prefetch_related(_stances(user))
    for name, rows in (("concerns", concerns), ("claims", claims)):
        for row in rows:
            getattr(columns[row.country_id], name).append(row)

    if newest is None:
        for column in columns.values():
            column.concerns_by_implementation = Counter(c.implementation for c in column.concerns)
            column.claims_by_verification = Counter(c.verification for c in column.claims)
        return result
    for model, attribute in (
        (m.Concern, "concerns_by_implementation"),
        (m.Claim, "claims_by_verification"),
    ):
        for country, by_status in _status_counts(model, codes, theme, user).items():
            getattr(columns[country], attribute).update(by_status)
    return result


def _scope(model, codes, theme, user):
    """Records of ``model`` of these countries (any if None) on ``theme`` (any theme if None)
    ``user`` sees."""
    queryset = model.objects.visible_to(user)
    queryset = queryset if codes is None else queryset.filter(country__in=codes)
    return queryset.filter(themes=theme) if theme else queryset


def _status_counts(model, codes, theme, user) -> dict[str, dict[str, int]]:
    """Per country, its concerns by implementation status (or claims by verification)."""
    status = "implementation" if model is m.Concern else "verification"

    def count():
        scope = _scope(model, codes, theme, user)
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for row in scope.values("country_id", status).annotate(n=Count("pk")).order_by():
            counts[row["country_id"]][row[status]] = row["n"]
        return dict(counts)

    return cached_counts(f"{model.__name__}:{','.join(codes)}:{theme and theme.slug}", user, count)


# Counts by status are kept in the cache under the content version only where every process
# shares that cache (``CACHE_URL`` set, like the response cache): an edit then makes them stale
# at once everywhere. With a cache of its own per process, another process's edit would go
# unseen for a while, so there they are counted on every request.
COUNTS_SECONDS = 60


def cached_counts(name: str, user, count):
    """``count()``, kept in the shared cache (if any) for the current content version and for
    what ``user`` sees (published records only, or drafts too)."""
    if not settings.CACHE_URL:
        return count()
    sees = "all" if user is not None and user.is_active and user.is_staff else "published"
    key = f"tracker:counts:{content_version()}:{sees}:{name}"
    return cache.get_or_set(key, count, COUNTS_SECONDS)


def commitments(countries, theme=None, *, user=None, as_of: dt.date | None = None) -> Comparison:
    """A comparison without its concerns and claims: instruments, treaty status, pledges and
    indicator figures. Queries: instruments, ratifications, pledges, observations = 4."""
    as_of = as_of or dt.date.today()
    codes = [c.code for c in countries]
    instruments = list(
        theme.instruments.order_by("position", "code") if theme else m.Instrument.objects.all()
    )

    ratifications = m.Ratification.objects.visible_to(user).for_matrix(
        countries=codes, instruments=instruments, as_of=as_of
    )
    held = {(r.country_id, r.instrument_id): r for r in ratifications}

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
    for name, rows in (("pledges", pledges), ("observations", observations)):
        for row in rows:
            getattr(columns[row.country_id], name).append(row)
    return Comparison(
        theme=theme, as_of=as_of, instruments=instruments, columns=list(columns.values())
    )


def _stances(user) -> Prefetch:
    """A claim's stances whose report ``user`` may see, with the report and its source."""
    visible_reports = m.Report.objects.visible_to(user)
    return Prefetch(
        "stances",
        # EXISTS, not "report IN (subquery)": given the IN list, SQLite walks every visible
        # report for each claim, seconds per page at world scale.
        queryset=m.Stance.objects.filter(Exists(visible_reports.filter(pk=OuterRef("report_id"))))
        .select_related("report", "report__source")
        .order_by("stance", "report__observed_from", "report_id"),
    )


def newest_in_each(queryset, order: list[str], groups: list[Q], n: int):
    """The records of ``queryset`` that are among the first ``n`` in ``order`` of any of
    ``groups`` (one filter per country, or per theme), in one query:
    ``id IN (SELECT * FROM (SELECT ... LIMIT n) UNION ALL ...)``. Each subquery walks the
    country's index in date order and stops after ``n`` matches, however many records the
    country has. A UNION, not ``id IN (...) OR id IN (...)``: given the ORs PostgreSQL read the
    whole table and checked every row against each list (seconds at 250,000 concerns)."""
    parts, params = [], []
    for i, group in enumerate(groups):
        query = queryset.filter(group).order_by(*order).values("pk")[:n].query
        sql, group_params = query.get_compiler(queryset.db).as_sql()
        parts.append(f"SELECT * FROM ({sql}) AS newest_{i}")
        params.extend(group_params)
    if not parts:
        return queryset.none()
    quote = connections[queryset.db].ops.quote_name
    model = queryset.model
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    newest = RawSQL(f"{column} IN ({' UNION ALL '.join(parts)})", params, BooleanField())
    return model.objects.filter(newest).order_by(*order)


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
    claims: list[dict]  # every claim in short (id, summary, dates), for the timeline


def country_records(country, themes, *, user=None, newest: int) -> CountryRecords:
    """One country's concerns and claims theme by theme (``themes``: every Theme), the newest
    ``newest`` of each theme; a record tagged with two themes is under both. Queries: concern
    counts (cached), the concerns shown with their themes, claims in short (all of them, with
    their themes), the claims shown, their stances with reports = 5.
    """
    by_theme: dict[str | None, ThemeRecords] = defaultdict(ThemeRecords)
    visible = m.Concern.objects.visible_to(user).filter(country=country)

    def count():
        rows = visible.values_list("themes").annotate(n=Count("pk")).order_by()
        return dict(rows.values_list("themes", "n"))

    totals = cached_counts(f"Concern:{country.code}:by-theme", user, count)
    groups = [Q(themes=t) for t in themes if totals.get(t.slug)]
    if totals.get(None):
        groups.append(Q(themes__isnull=True))
    concerns = newest_in_each(visible, ["-issued_on", "key"], groups, newest).annotate(
        theme=F("themes")
    )
    # Newest first: the first ``newest`` rows of a theme are its newest concerns.
    for concern in concerns:
        records = by_theme[concern.theme]
        if len(records.concerns) < newest:
            records.concerns.append(concern)
    for slug, total in totals.items():
        by_theme[slug].concerns_total = total

    # A state has far fewer claims than concerns: read them all in short, for the timeline and
    # the counts, and fetch in full only those shown.
    claim_rows = list(
        m.Claim.objects.visible_to(user)
        .filter(country=country)
        .values(
            "pk",
            "themes",
            "summary",
            "action_on",
            "action_on_precision",
            "stated_on",
            "stated_on_precision",
        )
        .order_by("-stated_on", "key")
    )
    shown = []
    for row in claim_rows:
        records = by_theme[row["themes"]]
        records.claims_total += 1
        if records.claims_total <= newest:
            shown.append(row)
    claims = (
        m.Claim.objects.filter(pk__in={row["pk"] for row in shown})
        .prefetch_related(_stances(user))
        .in_bulk()
    )
    for row in shown:
        by_theme[row["themes"]].claims.append(claims[row["pk"]])
    every_claim = list({row["pk"]: row for row in claim_rows}.values())
    return CountryRecords(by_theme=dict(by_theme), claims=every_claim)


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


def theme_grid(countries, *, user=None, as_of: dt.date | None = None) -> Grid:
    """The theme x country summary. Queries: themes 1, theme instruments 1, statuses 1,
    concern counts 1, claim counts 1 = 5 (3 while the counts are in the cache)."""
    as_of = as_of or dt.date.today()
    codes = [c.code for c in countries]
    themes = list(m.Theme.objects.all())
    covered = defaultdict(set)
    for slug, code in m.Theme.instruments.through.objects.values_list("theme_id", "instrument_id"):
        covered[slug].add(code)

    statuses = {
        (row["country_id"], row["instrument_id"]): row["status_as_of"]
        for row in m.Ratification.objects.visible_to(user)
        .filter(country__in=codes)
        .with_status_as_of(as_of)
        .values("country_id", "instrument_id", "status_as_of")
    }

    def count(model, status):
        queryset = model.objects.visible_to(user).filter(country__in=codes, themes__isnull=False)
        return list(
            queryset.values("country_id", "themes", status).annotate(n=Count("pk")).order_by()
        )

    name = f"grid:{','.join(codes)}"
    concern_counts = cached_counts(
        f"Concern:{name}", user, lambda: count(m.Concern, "implementation")
    )
    claim_counts = cached_counts(f"Claim:{name}", user, lambda: count(m.Claim, "verification"))

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
    for item in concern_counts:
        cells[(item["country_id"], item["themes"])].concerns[item["implementation"]] += item["n"]
    for item in claim_counts:
        cells[(item["country_id"], item["themes"])].claims[item["verification"]] += item["n"]
    return Grid(countries=list(countries), as_of=as_of, rows=rows)
