"""The demo fixture (fixtures/demo.json): loads on an empty database, valid, one draft per kind."""

import pytest
from django.core.management import call_command

from tracker import models as m

pytestmark = pytest.mark.django_db

EDITABLE_MODELS = [
    m.Source,
    m.Ratification,
    m.StatusSnapshot,
    m.Reservation,
    m.Review,
    m.Concern,
    m.Pledge,
    m.Claim,
    m.Report,
    m.Assessment,
    m.Observation,
]


@pytest.fixture
def demo():
    call_command("loaddata", "demo", verbosity=0)


def test_demo_holds_the_three_countries_and_their_curated_records(demo):
    assert set(m.Country.objects.values_list("code", flat=True)) == {"KAZ", "KGZ", "UZB"}
    for model in EDITABLE_MODELS + [m.Theme, m.Instrument, m.Stance, m.Indicator]:
        assert model.objects.exists(), model.__name__
    libel = m.Claim.objects.get(key="kaz-claim-libel-decriminalised")
    assert libel.stances.get().stance == m.Stance.Kind.QUALIFIES


def test_demo_has_exactly_one_draft_of_each_editable_kind(demo):
    for model in EDITABLE_MODELS:
        drafts = model.objects.filter(status=m.Editorial.DRAFT)
        assert drafts.count() == 1, model.__name__
        assert model.objects.published().exists(), model.__name__


def test_every_demo_record_passes_model_validation(demo):
    # loaddata saves raw rows, skipping clean(); this catches a hand edit that breaks a rule.
    for model in EDITABLE_MODELS + [m.Country, m.Body, m.Instrument, m.Theme, m.Indicator]:
        for obj in model.objects.all():
            obj.full_clean()


def test_published_demo_records_cite_published_sources(demo):
    for model in EDITABLE_MODELS[1:]:
        published = model.objects.published()
        assert not published.filter(source__isnull=True).exists(), model.__name__
        assert not published.filter(source__status=m.Editorial.DRAFT).exists(), model.__name__
