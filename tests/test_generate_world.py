"""manage.py generate_world: synthetic world-scale records, reproducible, beside curated data."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from tracker import models as m
from tracker.services import seeds_load
from tracker.world import SOURCE_KEY, world_generate

pytestmark = pytest.mark.django_db


def world_rows():
    """The synthetic records' content (no primary keys, which depend on the database's past)."""
    concerns = m.Concern.objects.filter(key__startswith="world-").order_by("key")
    return {
        "concerns": list(
            concerns.values_list("key", "country_id", "body_id", "issued_on", "summary")
        ),
        "themes": sorted(
            m.Concern.themes.through.objects.filter(concern__key__startswith="world-").values_list(
                "concern__key", "theme_id"
            )
        ),
        "claims": list(
            m.Claim.objects.filter(key__startswith="world-")
            .order_by("key")
            .values_list("key", "country_id", "summary", "stated_on")
        ),
        "assessments": list(
            m.Assessment.objects.filter(key__startswith="world-")
            .order_by("key")
            .values_list("key", "concern__key", "claim__key", "verdict")
        ),
    }


def test_generate_world_creates_the_asked_numbers_for_every_state(reference_data):
    created = world_generate(concerns=600, claims=120, reports=240, seed=3)

    world = m.Concern.objects.filter(key__startswith="world-")
    assert world.count() == created["concerns"] == 600
    assert m.Claim.objects.filter(key__startswith="world-").count() == 120
    assert m.Report.objects.filter(key__startswith="world-").count() == 240
    assert created["reviews"] == m.Review.objects.filter(key__startswith="world-").count() >= 193
    # Every state has a row for every instrument, curated or synthetic.
    assert m.Ratification.objects.count() == 193 * m.Instrument.objects.count()
    assert created["stances"] > 0 and created["assessments"] > 0
    # All published, citing the synthetic source, with text of a realistic length and themes.
    source = m.Source.objects.get(key=SOURCE_KEY)
    assert source.kind == m.Source.Kind.DATASET and "ynthetic" in source.title
    assert set(world.values_list("status", flat=True)) == {m.Editorial.PUBLISHED}
    assert set(world.values_list("source", flat=True)) == {source.pk}
    lengths = [len(s) for s in world.values_list("summary", flat=True)]
    assert 100 < sum(lengths) / len(lengths) < 1000
    assert not world.filter(themes__isnull=True).exists()
    years = {d.year for d in world.values_list("issued_on", flat=True)}
    assert min(years) < 2000 and max(years) > 2020


def test_generate_world_is_skewed_between_states(reference_data):
    world_generate(concerns=4000, claims=0, reports=0, seed=1)
    per_country = Counter(
        m.Concern.objects.filter(key__startswith="world-").values_list("country_id", flat=True)
    )
    busiest, *_, quietest = sorted(per_country.values(), reverse=True)
    assert busiest >= 8 * max(quietest, 1)


def test_generate_world_gives_the_same_records_for_the_same_seed(reference_data):
    world_generate(concerns=300, claims=60, reports=100, seed=7)
    first = world_rows()
    # A second run replaces the synthetic records instead of adding to them.
    world_generate(concerns=300, claims=60, reports=100, seed=7)
    assert world_rows() == first
    world_generate(concerns=300, claims=60, reports=100, seed=8)
    assert world_rows()["concerns"] != first["concerns"]


def test_generate_world_leaves_the_curated_records_untouched():
    seeds_load()

    def curated():
        return {
            model.__name__: list(
                model.objects.exclude(key__startswith="world-").order_by("key").values()
            )
            for model in (m.Concern, m.Claim, m.Report, m.Review, m.Ratification, m.Assessment)
        }

    before = curated()
    assert before["Concern"], "the curated seeds should hold concerns"
    world_generate(concerns=200, claims=40, reports=80, seed=1)
    assert curated() == before


def test_command_prints_counts_and_delete_removes_only_synthetic_records(capsys, reference_data):
    curated = m.Concern.objects.count()
    call_command("generate_world", concerns=100, claims=20, reports=30, seed=2)
    out = capsys.readouterr().out
    assert "concerns       created      100" in out
    assert m.Concern.objects.count() == curated + 100

    counted = m.RecordCount.objects.filter(record="concern", all_themes=True)
    assert sum(counted.values_list("n", flat=True)) == curated + 100

    call_command("generate_world", delete=True)
    assert m.Concern.objects.count() == curated
    assert not m.Review.objects.filter(key__startswith="world-").exists()
    assert sum(counted.values_list("n", flat=True)) == curated


def test_generate_world_sets_each_records_current_status(reference_data):
    world_generate(concerns=300, claims=60, reports=60, seed=3)
    for model, field, default in (
        (m.Concern, "implementation", "no_information"),
        (m.Claim, "verification", "unverified"),
    ):
        latest = Subquery(
            m.Assessment.objects.filter(
                **{model._meta.model_name: OuterRef("pk")}, assessor="editor", status="published"
            )
            .order_by("-assessed_on", "-pk")
            .values("verdict")[:1]
        )
        rows = model.objects.annotate(expected=Coalesce(latest, Value(default)))
        pairs = list(rows.values_list(field, "expected"))
        assert len({e for _, e in pairs}) > 2
        assert all(stored == expected for stored, expected in pairs)
