"""Commitments against reported practice: the reads behind the compare page, the country page,
the home grid, the admin's country view and ``/api/compare/``.

Both functions run a fixed number of queries whatever the number of countries, themes or records.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch

from tracker import models as m


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

    @property
    def party_count(self) -> int:
        return sum(1 for _, r in self.ratifications if r and r.status_as_of == m.TreatyStatus.PARTY)

    @property
    def concerns_by_implementation(self) -> Counter:
        return Counter(c.implementation for c in self.concerns)

    @property
    def claims_by_verification(self) -> Counter:
        return Counter(c.verification for c in self.claims)


@dataclass
class Comparison:
    theme: m.Theme | None
    as_of: dt.date
    instruments: list[m.Instrument]
    columns: list[CountryColumn]


def compare(countries, theme=None, *, user=None, as_of: dt.date | None = None) -> Comparison:
    """Side-by-side comparison of countries on one theme (or on all themes when ``theme`` is None).

    ``countries`` is a list of Country objects, in the order the columns should appear. Records are
    limited to what ``user`` may see. Treaty status is derived as of ``as_of`` (default today).
    Queries: instruments 1, ratifications 1, pledges 1, concerns 2 (+themes), claims 3 (+themes,
    +stances with reports), observations 1 = 9.
    """
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
    concerns = m.Concern.objects.visible_to(user).for_comparison(codes, theme)
    visible_reports = m.Report.objects.visible_to(user)
    claims = (
        m.Claim.objects.visible_to(user)
        .for_comparison(codes, theme)
        .prefetch_related(
            Prefetch(
                "stances",
                # EXISTS, not "report IN (subquery)": given the IN list, SQLite walks every
                # visible report for each claim, seconds per page at world scale.
                queryset=m.Stance.objects.filter(
                    Exists(visible_reports.filter(pk=OuterRef("report_id")))
                )
                .select_related("report", "report__source")
                .order_by("stance", "report__observed_from", "report_id"),
            )
        )
    )
    observations = (
        scoped(m.Observation.objects.visible_to(user), "indicator__themes")
        .select_related("indicator", "source")
        .order_by("indicator_id", "observed_on")
    )

    columns = {code: CountryColumn(country=c) for code, c in zip(codes, countries, strict=True)}
    for column in columns.values():
        column.ratifications = [(i, held.get((column.country.code, i.code))) for i in instruments]
    for name, rows in (
        ("pledges", pledges),
        ("concerns", concerns),
        ("claims", claims),
        ("observations", observations),
    ):
        for row in rows:
            getattr(columns[row.country_id], name).append(row)
    return Comparison(
        theme=theme, as_of=as_of, instruments=instruments, columns=list(columns.values())
    )


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
    concern counts 1, claim counts 1 = 5."""
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
    concern_counts = (
        m.Concern.objects.visible_to(user)
        .filter(country__in=codes, themes__isnull=False)
        .with_implementation()
        .values("country_id", "themes", "implementation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    claim_counts = (
        m.Claim.objects.visible_to(user)
        .filter(country__in=codes, themes__isnull=False)
        .with_verification()
        .values("country_id", "themes", "verification")
        .annotate(n=Count("pk"))
        .order_by()
    )

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
