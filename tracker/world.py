"""A synthetic world-scale data set for benchmarks: every UN member state, hundreds of thousands of
concerns, claims and reports, reproducible from a seed.

Every record it writes has a key starting with ``world-`` and cites the ``world-synthetic`` source,
so the curated data is never touched and the synthetic rows can be removed again in one step.
Rows are written with ``bulk_create`` in batches inside one transaction; that skips the edit
history (``simple_history`` records saves, not bulk inserts), which benchmark data does not need.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from tracker import counts
from tracker import models as m
from tracker.cache import content_changed

PREFIX = "world-"
SOURCE_KEY = "world-synthetic"
FIRST_DAY = dt.date(1995, 1, 1)
DAYS = 30 * 365  # dates spread over thirty years
CONCERNS_PER_REVIEW = 25

# Words that synthetic text is built from, so that full-text search has realistic work to do.
SUBJECTS = [
    "The Committee",
    "The State party",
    "The delegation",
    "Civil society organisations",
    "The national human rights institution",
    "The Special Rapporteur",
    "Independent observers",
    "The Ombudsperson",
]
CONCERN_VERBS = [
    "is concerned about",
    "notes with regret",
    "remains concerned at",
    "is deeply concerned by",
    "notes with concern",
    "is alarmed by",
]
PROBLEMS = [
    "reports of arbitrary detention of {group}",
    "the lack of independent investigations into allegations of {theme}",
    "restrictions imposed on {group} in law and in practice",
    "the broad definition of extremism used against {group}",
    "the absence of a comprehensive law on {theme}",
    "the low number of prosecutions for {theme}",
    "the harassment and intimidation of {group}",
    "persistent discrimination against {group} in access to justice",
    "the insufficient resources allocated to the protection of {group}",
    "the continued use of criminal defamation provisions",
    "the registration requirements that hamper the work of {group}",
    "the limited access of {group} to effective remedies for {theme}",
]
RECOMMEND_VERBS = [
    "should",
    "should take all measures necessary to",
    "is urged to",
    "should, as a matter of priority,",
]
ACTIONS = [
    "amend its legislation on {theme} in line with the Covenant",
    "ensure that all allegations of {theme} are promptly and impartially investigated",
    "guarantee that {group} can exercise their rights without undue restriction",
    "adopt a national action plan on {theme} with a timetable and a budget",
    "provide training to judges, prosecutors and police officers on {theme}",
    "collect disaggregated data on {theme} and make it public",
    "establish an independent complaints mechanism accessible to {group}",
    "repeal provisions that criminalise the legitimate activities of {group}",
    "ensure adequate redress, including compensation, for victims of {theme}",
]
GROUPS = [
    "journalists",
    "human rights defenders",
    "women and girls",
    "persons with disabilities",
    "migrant workers",
    "children",
    "ethnic minorities",
    "religious minorities",
    "lesbian, gay, bisexual and transgender persons",
    "persons deprived of their liberty",
    "rural women",
    "asylum seekers and refugees",
]
CLAIM_TEXT = [
    "The Government reports that it adopted a law on {theme} and amended the Criminal Code",
    "A new inter-agency working group on {theme} met {n} times and issued guidance to agencies",
    "The Ministry of Justice states that {n} officials were trained on {theme} during the year",
    "The Government says that complaints by {group} are now reviewed within thirty days",
    "Authorities announced a national action plan on {theme} with {n} measures",
    "The State reports that it funded shelters and hotlines serving {group}",
]
REPORT_TEXT = [
    "Monitors documented {n} cases concerning {group} in the period observed",
    "Interviews with {group} describe obstacles to remedies for {theme} despite recent reforms",
    "Court records show that few complaints about {theme} reached trial",
    "Local organisations recorded {n} incidents affecting {group}, most in the capital",
    "Observers note that the new rules on {theme} were applied inconsistently across regions",
    "Media reports and testimony indicate continuing pressure on {group}",
]
RATIONALE = [
    "Follow-up information shows measures taken in part; reports describe gaps in practice.",
    "No information on implementation was received from the State or from civil society.",
    "Legislation was adopted, but independent reports show it is not applied consistently.",
    "Reports describe a worsening of the situation since the recommendation was issued.",
]


@dataclass
class Counts:
    """How many records of each kind to create."""

    concerns: int
    claims: int
    reports: int


def _day(rng: random.Random, start: dt.date = FIRST_DAY, span: int = DAYS) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(span, 1)))


def _fill(rng: random.Random, template: str, theme: str) -> str:
    return template.format(theme=theme, group=rng.choice(GROUPS), n=rng.randint(2, 400))


def _sentences(rng: random.Random, heads: list[str], tails: list[str], themes, n: int) -> str:
    """``n`` sentences, each a head ("The Committee is concerned about") and a filled-in tail."""
    sentences = []
    for _ in range(n):
        theme = rng.choice(themes).name.lower()
        head = rng.choice(heads)
        tail = _fill(rng, rng.choice(tails), theme)
        sentences.append(f"{head} {tail}." if head else f"{tail}.")
    return " ".join(sentences)


class Writer:
    """Buffered ``INSERT`` of plain tuples with ``executemany``: the ORM's ``bulk_create`` spends
    most of its time building and preparing model instances, which a million rows cannot afford.

    Primary keys are assigned here (``next_id``), so links can be written without reading back.
    """

    def __init__(self, cursor, model, columns: list[str], batch_size: int, with_id: bool = True):
        self.cursor, self.batch_size, self.rows, self.count = cursor, batch_size, [], 0
        self.with_id = with_id
        if with_id:
            columns = ["id", *columns]
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.next_id = (last or 0) + 1
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        self.sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({marks})'

    def add(self, *values) -> int | None:
        """Queue one row; returns its primary key."""
        pk = None
        if self.with_id:
            pk, self.next_id = self.next_id, self.next_id + 1
            values = (pk, *values)
        self.rows.append(values)
        if len(self.rows) >= self.batch_size:
            self.flush()
        return pk

    def flush(self) -> None:
        if self.rows:
            self.cursor.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


EDITORIAL = ["key", "status", "source_id", "locator", "created_at", "updated_at"]


def world_delete() -> dict[str, int]:
    """Remove every synthetic (``world-``) record, links first. Returns rows deleted per table.

    Plain SQL deletes, because the ORM's delete would load every row to send signals.
    """
    like = PREFIX + "%"
    steps = [
        (m.Assessment.reports.through, "assessment_id", m.Assessment),
        (m.Stance, "report_id", m.Report),
        (m.Report.themes.through, "report_id", m.Report),
        (m.Report.concerns.through, "report_id", m.Report),
        (m.Claim.themes.through, "claim_id", m.Claim),
        (m.ClaimThemeLink, "record_id", m.Claim),
        (m.Claim.concerns.through, "claim_id", m.Claim),
        (m.Concern.themes.through, "concern_id", m.Concern),
        (m.ConcernThemeLink, "record_id", m.Concern),
        (m.Concern.previous.through, "from_concern_id", m.Concern),
        (m.Pledge.concerns.through, "concern_id", m.Concern),
    ]
    deleted: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table_model, column, owner in steps:
            table = table_model._meta.db_table
            cursor.execute(
                f'DELETE FROM "{table}" WHERE "{column}" IN '
                f'(SELECT "id" FROM "{owner._meta.db_table}" WHERE "key" LIKE %s)',
                [like],
            )
            deleted[table] = cursor.rowcount
        for model in (m.Assessment, m.Report, m.Claim, m.Concern, m.Review, m.Ratification):
            table = model._meta.db_table
            cursor.execute(f'DELETE FROM "{table}" WHERE "key" LIKE %s', [like])
            deleted[table] = cursor.rowcount
    counts.changed(None)  # plain SQL sends no signals
    return deleted


def _ensure_reference_data() -> None:
    """The world needs the 193 states, the bodies, instruments and themes from ``seeds/``."""
    if not (
        m.Country.objects.count() >= 193
        and m.Instrument.objects.exists()
        and m.Theme.objects.exists()
        and m.Body.objects.filter(kind=m.Body.Kind.TREATY_BODY).exists()
    ):
        from tracker.services import seeds_load

        seeds_load()


def world_generate(
    *, concerns: int, claims: int, reports: int, seed: int = 1, batch_size: int = 2000
) -> Counter:
    """Replace the synthetic world with a fresh one of the given size; returns rows created.

    The same ``seed`` gives the same records. Countries get from one to twenty times as many
    records as each other; dates spread over thirty years; text is a few sentences long.
    """
    rng = random.Random(seed)
    # Every country is recounted once, at the end (tracker.counts).
    with transaction.atomic(), counts.deferred():
        _ensure_reference_data()
        world_delete()
        source, _ = m.Source.objects.update_or_create(
            key=SOURCE_KEY,
            defaults={
                "title": "Synthetic benchmark data (generated, not real records)",
                "kind": m.Source.Kind.DATASET,
                "publisher": "generate_world",
                "notes": "Made-up records for load tests. They describe no real country.",
                "status": m.Editorial.PUBLISHED,
            },
        )
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        world = World(
            rng=rng,
            day=lambda *a: ops.adapt_datefield_value(_day(rng, *a)),
            common=lambda key, locator="synthetic": (
                f"{PREFIX}{key}",
                m.Editorial.PUBLISHED,
                source.pk,
                locator,
                now,
                now,
            ),
            countries=list(m.Country.objects.order_by("code").values_list("code", flat=True)),
            themes=list(m.Theme.objects.order_by("slug")),
            batch_size=batch_size,
        )
        # Skew: weights from 1 to 20, so some states have ten times the records of others.
        world.weights = [10 ** (1.3 * rng.random()) for _ in world.countries]
        world.theme_weights = [1 / (i + 1) ** 0.7 for i in range(len(world.themes))]
        with connection.cursor() as cursor:
            world.cursor = cursor
            created = Counter(ratifications=_ratifications(world))
            created["reviews"], reviews = _reviews(world, concerns)
            created["concerns"], concern_ids = _concerns(world, concerns, reviews)
            created["claims"], claim_ids = _claims(world, claims, concern_ids)
            created["reports"], created["stances"] = _reports(
                world, reports, concern_ids, claim_ids
            )
            created["assessments"] = _assessments(world, concern_ids, claim_ids)
        # Assessments written in bulk send no signals: set each record's current status.
        counts.refresh_current_status()
        # Primary keys were given explicitly: move PostgreSQL's sequences past them.
        models = [m.Ratification, m.Review, m.Concern, m.Claim, m.Report, m.Stance, m.Assessment]
        with connection.cursor() as cursor:
            for statement in ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    # Fresh statistics: without them SQLite's planner reads whole tables through the status index
    # (a list page took 8 s instead of 50 ms). On PostgreSQL VACUUM also fills the visibility map,
    # so counts can read indexes alone; it cannot run inside a transaction (tests, a caller's
    # atomic block). Bulk writes send no signals: drop cached pages.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    content_changed()
    return created


@dataclass
class World:
    """What every generating step shares: the random source, the states and their weights."""

    rng: random.Random
    day: object
    common: object
    countries: list[str]
    themes: list
    batch_size: int
    weights: list[float] = field(default_factory=list)
    theme_weights: list[float] = field(default_factory=list)
    cursor: object = None

    def writer(self, model, columns: list[str], with_id: bool = True) -> Writer:
        return Writer(self.cursor, model, columns, self.batch_size, with_id)

    def country(self) -> str:
        return self.rng.choices(self.countries, weights=self.weights)[0]

    def pick_themes(self, most: int) -> list:
        chosen = self.rng.choices(
            self.themes, weights=self.theme_weights, k=self.rng.randint(1, most)
        )
        return list(dict.fromkeys(chosen))


def _ratifications(w: World) -> int:
    """One row per state x instrument not already curated: 70% party, 10% signatory, 20% none."""
    rng = w.rng
    taken = set(m.Ratification.objects.values_list("country_id", "instrument_id"))
    instruments = list(m.Instrument.objects.order_by("position", "code"))
    out = w.writer(
        m.Ratification,
        [*EDITORIAL, "country_id", "instrument_id", "signature_date", "signature_date_precision",
         "action", "action_date", "action_date_precision", "entry_into_force", "domestic_act"],
    )  # fmt: skip
    for code in w.countries:
        for instrument in instruments:
            if (code, instrument.code) in taken:
                continue
            roll = rng.random()
            start = instrument.adopted_on or dt.date(1966, 12, 16)
            span = (dt.date(2024, 12, 31) - start).days
            signed = _day(rng, start, span) if roll < 0.8 and rng.random() < 0.7 else None
            action, acted, precision, in_force = "", None, "", None
            if roll < 0.7:
                acted = _day(rng, signed or start, (dt.date(2025, 6, 30) - (signed or start)).days)
                action = rng.choice(list(m.Ratification.Action.values))
                precision, in_force = m.Precision.DAY, acted + dt.timedelta(days=30)
            elif roll < 0.8 and signed is None:
                signed = _day(rng, start, span)
            out.add(
                *w.common(f"ratification-{code.lower()}-{instrument.code.lower()}"),
                code, instrument.code, _iso(signed), m.Precision.DAY if signed else "",
                action, _iso(acted), precision, _iso(in_force), "",
            )  # fmt: skip
    out.flush()
    return out.count


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _reviews(w: World, concerns: int) -> tuple[int, dict[str, list[tuple]]]:
    """Reviews in proportion to each state's weight (at least one each); grouped by state."""
    rng = w.rng
    bodies = list(
        m.Body.objects.filter(kind__in=[m.Body.Kind.TREATY_BODY, m.Body.Kind.UPR])
        .order_by("code")
        .values_list("code", flat=True)
    )
    total = max(len(w.countries), concerns // CONCERNS_PER_REVIEW)
    states = w.countries + rng.choices(w.countries, weights=w.weights, k=total - len(w.countries))
    out = w.writer(
        m.Review,
        [*EDITORIAL, "body_id", "country_id", "symbol", "adopted_on", "adopted_on_precision",
         "cycle"],
    )  # fmt: skip
    cycles: Counter = Counter()
    by_country = defaultdict(list)
    for i, code in enumerate(states):
        body = rng.choice(bodies)
        cycles[(code, body)] += 1
        cycle = cycles[(code, body)]
        adopted = w.day()
        pk = out.add(
            *w.common(f"review-{i:06d}"), body, code, f"{body}/C/{code}/CO/{cycle}/W", adopted,
            m.Precision.DAY, str(cycle),
        )  # fmt: skip
        by_country[code].append((pk, body, adopted))
    out.flush()
    return out.count, by_country


def _concerns(w: World, total: int, reviews) -> tuple[int, dict[str, list[int]]]:
    """Concerns, each a paragraph of a review of its state; returns concern ids per state."""
    rng = w.rng
    out = w.writer(
        m.Concern,
        [*EDITORIAL, "review_id", "body_id", "country_id", "issued_on", "issued_on_precision",
         "paragraph", "kind", "affected_groups", "summary", "recommendation", "follow_up",
         "recommending_state_id", "upr_position"],
    )  # fmt: skip
    links = w.writer(m.Concern.themes.through, ["concern_id", "theme_id"], with_id=False)
    kinds = [m.Concern.Kind.RECOMMENDATION] * 6 + [m.Concern.Kind.CONCERN] * 3
    kinds.append(m.Concern.Kind.POSITIVE_ASPECT)
    positions = list(m.Concern.Position.values)
    concern_heads = [f"{s} {v}" for s in SUBJECTS[:2] + SUBJECTS[3:7] for v in CONCERN_VERBS]
    recommend_heads = [f"The State party {v}" for v in RECOMMEND_VERBS]
    ids_by_country: dict[str, list[int]] = defaultdict(list)
    for i in range(total):
        code = w.country()
        review_id, body, issued_on = rng.choice(reviews[code])
        picked = w.pick_themes(3)
        upr = body == "UPR"
        paragraph = str(rng.randint(5, 80))
        pk = out.add(
            *w.common(f"concern-{i:07d}", f"para. {paragraph}"),
            review_id, body, code, issued_on, m.Precision.DAY, paragraph, rng.choice(kinds),
            ", ".join(rng.sample(GROUPS, rng.randint(0, 2))),
            _sentences(rng, concern_heads, PROBLEMS, picked, rng.randint(2, 5)),
            _sentences(rng, recommend_heads, ACTIONS, picked, rng.randint(1, 4)),
            rng.random() < 0.05,
            rng.choice(w.countries) if upr else None,
            rng.choice(positions) if upr else "",
        )  # fmt: skip
        ids_by_country[code].append(pk)
        for theme in picked:
            links.add(pk, theme.slug)
    out.flush()
    links.flush()
    return out.count, ids_by_country


def _claims(w: World, total: int, concern_ids) -> tuple[int, dict[str, list[int]]]:
    """Government claims, each answering up to two concerns of its state."""
    rng = w.rng
    out = w.writer(
        m.Claim,
        [*EDITORIAL, "country_id", "kind", "summary", "action_on", "action_on_precision",
         "stated_on", "stated_on_precision", "legal_reference"],
    )  # fmt: skip
    themes = w.writer(m.Claim.themes.through, ["claim_id", "theme_id"], with_id=False)
    answers = w.writer(m.Claim.concerns.through, ["claim_id", "concern_id"], with_id=False)
    kinds = list(m.Claim.Kind.values)
    ids_by_country: dict[str, list[int]] = defaultdict(list)
    for i in range(total):
        code = w.country()
        picked = w.pick_themes(2)
        acted = _day(rng)
        pk = out.add(
            *w.common(f"claim-{i:07d}"), code, rng.choice(kinds),
            _sentences(rng, [""], CLAIM_TEXT, picked, rng.randint(2, 4)),
            acted.isoformat(), m.Precision.DAY,
            (acted + dt.timedelta(days=rng.randint(0, 700))).isoformat(), m.Precision.DAY,
            f"Law No. {rng.randint(1, 999)}-{rng.randint(1, 9)}",
        )  # fmt: skip
        ids_by_country[code].append(pk)
        for theme in picked:
            themes.add(pk, theme.slug)
        pool = concern_ids.get(code, [])
        for concern in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
            answers.add(pk, concern)
    for writer in (out, themes, answers):
        writer.flush()
    return out.count, ids_by_country


def _reports(w: World, total: int, concern_ids, claim_ids) -> tuple[int, int]:
    """Reported practice; half the reports take a stance on a claim of their state."""
    rng = w.rng
    out = w.writer(
        m.Report,
        [*EDITORIAL, "country_id", "summary", "observed_from", "observed_from_precision",
         "observed_to", "observed_to_precision"],
    )  # fmt: skip
    themes = w.writer(m.Report.themes.through, ["report_id", "theme_id"], with_id=False)
    bears_on = w.writer(m.Report.concerns.through, ["report_id", "concern_id"], with_id=False)
    stances = w.writer(m.Stance, ["report_id", "claim_id", "stance", "note"])
    kinds = list(m.Stance.Kind.values)
    for i in range(total):
        code = w.country()
        picked = w.pick_themes(2)
        begun = _day(rng)
        pk = out.add(
            *w.common(f"report-{i:07d}"), code,
            _sentences(rng, [""], REPORT_TEXT, picked, rng.randint(2, 6)),
            begun.isoformat(), m.Precision.DAY,
            (begun + dt.timedelta(days=rng.randint(30, 730))).isoformat(), m.Precision.DAY,
        )  # fmt: skip
        for theme in picked:
            themes.add(pk, theme.slug)
        pool = concern_ids.get(code, [])
        for concern in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
            bears_on.add(pk, concern)
        claims = claim_ids.get(code, [])
        if claims and rng.random() < 0.5:
            stances.add(pk, rng.choice(claims), rng.choice(kinds), "")
    for writer in (out, themes, bears_on, stances):
        writer.flush()
    return out.count, stances.count


def _assessments(w: World, concern_ids, claim_ids) -> int:
    """Editors' assessments of 40% of concerns and half of the claims."""
    rng = w.rng
    out = w.writer(
        m.Assessment,
        [*EDITORIAL, "concern_id", "claim_id", "verdict", "grade", "assessor", "assessed_on",
         "rationale"],
    )  # fmt: skip
    plan = (
        ("concern", concern_ids, 0.4, list(m.Implementation.values)),
        ("claim", claim_ids, 0.5, list(m.Verification.values)),
    )
    for kind, ids_by_country, share, verdicts in plan:
        for code in sorted(ids_by_country):
            for pk in ids_by_country[code]:
                if rng.random() >= share:
                    continue
                out.add(
                    *w.common(f"assessment-{kind}-{out.count + len(out.rows):07d}"),
                    pk if kind == "concern" else None, pk if kind == "claim" else None,
                    rng.choice(verdicts), "", m.Assessment.Assessor.EDITOR,
                    w.day(dt.date(2010, 1, 1), 15 * 365), rng.choice(RATIONALE),
                )  # fmt: skip
    out.flush()
    return out.count
