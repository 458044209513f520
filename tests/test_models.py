"""Model rules: every database constraint rejects what it should, and validation explains why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories as f
from tracker import models as m

pytestmark = pytest.mark.django_db

D = dt.date


def rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_ratification_per_country_and_instrument():
    r = f.RatificationFactory()
    rejected(lambda: f.RatificationFactory(country=r.country, instrument=r.instrument))


def test_action_date_cannot_precede_signature():
    rejected(
        lambda: f.RatificationFactory(
            signature_date=D(2005, 1, 1), signature_date_precision="day", action_date=D(2004, 1, 1)
        )
    )


def test_action_and_its_date_go_together():
    rejected(lambda: f.RatificationFactory(action="", action_date=D(2004, 1, 1)))
    rejected(
        lambda: f.RatificationFactory(
            action="ratification", action_date=None, action_date_precision=""
        )
    )


def test_a_date_needs_its_precision_and_a_precision_its_date():
    rejected(lambda: f.ConcernFactory(issued_on=D(2016, 7, 21), issued_on_precision=""))
    rejected(lambda: f.ConcernFactory(issued_on=None, issued_on_precision="day"))


def test_codes_are_unique_and_upper_case():
    f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    rejected(lambda: m.Country.objects.create(code="KGZ", iso2="KZ", name="Other"))
    rejected(lambda: m.Country.objects.create(code="kgz", iso2="KG", name="Kyrgyzstan"))
    source = f.SourceFactory()
    rejected(lambda: f.SourceFactory(key=source.key))


def test_assessment_targets_a_concern_with_implementation_or_a_claim_with_verification():
    concern, claim = f.ConcernFactory(), f.ClaimFactory()
    f.AssessmentFactory(concern=concern, verdict="implemented")
    f.AssessmentFactory(claim=claim, verdict="contradicted")
    rejected(lambda: f.AssessmentFactory(concern=concern, verdict="contradicted"))
    rejected(lambda: f.AssessmentFactory(claim=claim, verdict="implemented"))
    rejected(lambda: f.AssessmentFactory(concern=concern, claim=claim, verdict="implemented"))
    rejected(lambda: f.AssessmentFactory(verdict="implemented"))


def test_report_period_and_reservation_dates_in_order():
    rejected(
        lambda: f.ReportFactory(
            observed_from=D(2020, 1, 1), observed_to=D(2019, 1, 1), observed_to_precision="year"
        )
    )
    ratification = f.RatificationFactory()
    rejected(
        lambda: m.Reservation.objects.create(
            key="r",
            ratification=ratification,
            kind="reservation",
            summary="s",
            made_on=D(2010, 1, 1),
            made_on_precision="year",
            withdrawn_on=D(2009, 1, 1),
        )
    )


def test_one_stance_per_report_and_claim():
    stance = f.StanceFactory()
    rejected(lambda: f.StanceFactory(report=stance.report, claim=stance.claim, stance="supports"))


def test_validation_explains_precision_and_missing_source():
    concern = f.ConcernFactory()
    concern.issued_on = D(2016, 7, 21)
    concern.issued_on_precision = "month"
    with pytest.raises(ValidationError, match="first day of that month"):
        concern.full_clean()
    concern.issued_on, concern.source = D(2016, 7, 1), None
    with pytest.raises(ValidationError, match="must cite its source"):
        concern.full_clean()
    concern.status = "draft"
    concern.full_clean()


def test_concern_review_must_match_country_and_body():
    review = f.ReviewFactory()
    concern = f.ConcernFactory(review=review, body=review.body, country=f.CountryFactory())
    with pytest.raises(ValidationError, match="another country"):
        concern.full_clean()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2003, 12, 1), "none"),
        (D(2003, 12, 2), "signatory"),
        (D(2006, 1, 23), "signatory"),
        (D(2006, 1, 24), "party"),
        (D(2024, 1, 1), "party"),
    ],
)
def test_status_as_of_a_date_comes_from_the_stored_dates(day, expected):
    r = f.RatificationFactory(
        signature_date=D(2003, 12, 2),
        signature_date_precision="day",
        action="ratification",
        action_date=D(2006, 1, 24),
    )
    annotated = m.Ratification.objects.with_status_as_of(day).get(pk=r.pk)
    assert annotated.status_as_of == expected == r.status_on(day)


def test_current_implementation_is_the_latest_published_editors_assessment():
    concern = f.ConcernFactory()
    assert m.Concern.objects.get().implementation == "no_information"
    f.AssessmentFactory(concern=concern, verdict="not_implemented", assessed_on=D(2020, 1, 1))
    f.AssessmentFactory(concern=concern, verdict="implemented", assessed_on=D(2022, 1, 1))
    f.AssessmentFactory(
        concern=concern, verdict="regressed", assessed_on=D(2023, 1, 1), status="draft"
    )
    f.AssessmentFactory(
        concern=concern, verdict="regressed", assessed_on=D(2024, 1, 1), assessor="government"
    )
    assert m.Concern.objects.get().implementation == "implemented"


def test_partial_dates_display_only_what_is_known():
    assert m.format_partial_date(D(2008, 1, 1), "year") == "2008"
    assert m.format_partial_date(D(2008, 6, 1), "month") == "2008-06"
    assert m.format_partial_date(D(2008, 6, 30), "day") == "2008-06-30"


def test_the_public_rule_is_not_changed_by_the_queries_using_it(db):
    """Each query resolves its own copy of the rule's expression: using it in one query (as
    a subquery, with its tables renamed) leaves it as it was for the next."""

    def sql():
        return str(m.Concern.objects.published().values("pk").query)

    first = sql()
    f.ConcernFactory(source=f.SourceFactory(status=m.Editorial.DRAFT))
    list(m.Claim.objects.filter(concerns__in=m.Concern.objects.published()))
    list(m.Assessment.objects.published().filter(concern__country__code="KAZ"))
    assert m.Concern.objects.published().count() == 0
    assert sql() == first


def test_the_public_rule_follows_every_record_a_row_rests_on(db):
    """Every combination of editorial states along an assessment -> concern -> review ->
    source chain: ``published()`` holds exactly the rows the rule, evaluated here in Python,
    calls public, at each level, also as a subquery of another query."""
    import itertools

    states = (m.Editorial.PUBLISHED, m.Editorial.DRAFT)
    kaz = f.CountryFactory(code="KAZ", iso2="KZ", name="Kazakhstan")
    body = f.BodyFactory(code="CCPR")
    expected = {m.Review: set(), m.Concern: set(), m.Assessment: set()}
    for n, (a, c, r, rs, cs, no_review) in enumerate(
        itertools.product(states, states, states, states, states, (False, True))
    ):
        review_source = f.SourceFactory(status=rs)
        review = f.ReviewFactory(status=r, source=review_source, country=kaz, body=body)
        concern = f.ConcernFactory(
            key=f"c-{n}",
            status=c,
            source=f.SourceFactory(status=cs),
            review=None if no_review else review,
            country=kaz,
            body=body,
        )
        assessment = f.AssessmentFactory(
            key=f"a-{n}", status=a, concern=concern, verdict="implemented"
        )
        review_public = r == rs == m.Editorial.PUBLISHED
        concern_public = c == cs == m.Editorial.PUBLISHED and (no_review or review_public)
        if review_public:
            expected[m.Review].add(review.pk)
        if concern_public:
            expected[m.Concern].add(concern.pk)
        if concern_public and a == assessment.source.status == m.Editorial.PUBLISHED:
            expected[m.Assessment].add(assessment.pk)
    for model, pks in expected.items():
        assert set(model.objects.published().values_list("pk", flat=True)) == pks, model
    assert expected[m.Assessment]  # not an empty case
    on_public = m.Assessment.objects.filter(concern__in=m.Concern.objects.published())
    assert set(on_public.published().values_list("pk", flat=True)) == expected[m.Assessment]
