"""Concern.implementation and Claim.verification: the newest published editors' assessment,
kept as a column by every save or delete of an assessment through ``tracker.services`` and by
bulk writers."""

import datetime as dt

import pytest

from tests import factories as f
from tracker import models as m
from tracker import services

pytestmark = pytest.mark.django_db


def implementation(concern) -> str:
    concern.refresh_from_db()
    return concern.implementation


def test_a_concern_takes_the_verdict_of_its_newest_published_editors_assessment():
    concern = f.ConcernFactory()
    assert implementation(concern) == m.Implementation.NO_INFORMATION
    first = f.AssessmentFactory(concern=concern, verdict="not_implemented")
    assert implementation(concern) == "not_implemented"
    f.AssessmentFactory(concern=concern, verdict="implemented", assessed_on=dt.date(2020, 1, 1))
    assert implementation(concern) == "not_implemented"  # older
    f.AssessmentFactory(concern=concern, verdict="regressed", status=m.Editorial.DRAFT)
    f.AssessmentFactory(concern=concern, verdict="regressed", assessor="government")
    assert implementation(concern) == "not_implemented"  # a draft, not the editors'
    newer = f.AssessmentFactory(
        concern=concern, verdict="implemented", assessed_on=dt.date(2023, 1, 1)
    )
    assert implementation(concern) == "implemented"
    newer.status = m.Editorial.DRAFT
    services.assessment_save(assessment=newer)
    assert implementation(concern) == "not_implemented"
    services.assessment_delete(assessment=first)
    assert implementation(concern) == "implemented"  # the 2020 one
    services.records_delete(records=m.Assessment.objects.filter(concern=concern))
    assert implementation(concern) == m.Implementation.NO_INFORMATION


def test_an_assessment_moved_to_another_record_updates_both():
    before, after = f.ConcernFactory(), f.ConcernFactory()
    assessment = f.AssessmentFactory(concern=before, verdict="implemented")
    assessment.concern = after
    services.assessment_save(assessment=assessment)
    assert implementation(before) == m.Implementation.NO_INFORMATION
    assert implementation(after) == "implemented"


def test_a_claim_takes_its_verification_likewise():
    claim = f.ClaimFactory()
    assert m.Claim.objects.get().verification == m.Verification.UNVERIFIED
    assessment = f.AssessmentFactory(claim=claim, verdict="contested")
    assert m.Claim.objects.get().verification == "contested"
    services.record_delete(record=assessment)
    assert m.Claim.objects.get().verification == m.Verification.UNVERIFIED
