"""Factories for test data: every record valid and published unless a test says otherwise."""

import csv
import datetime as dt
import string
from pathlib import Path

import factory

from tracker import models as m


def _free_iso2() -> list[str]:
    with (Path(__file__).resolve().parent.parent / "seeds" / "countries.csv").open() as f:
        taken = {row["iso2"] for row in csv.DictReader(f)}
    letters = string.ascii_uppercase
    return [a + b for a in letters for b in letters if a + b not in taken]


FREE_ISO2 = _free_iso2()


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "X" + chr(65 + n // 26 % 26) + chr(65 + n % 26))
    # Never a real state's alpha-2 code: a test that also creates Kazakhstan or Uzbekistan
    # would otherwise meet KZ or UZ again once the sequence got there.
    iso2 = factory.Sequence(lambda n: FREE_ISO2[n % len(FREE_ISO2)])
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Body
        django_get_or_create = ("code",)

    code = "CCPR"
    name = "Human Rights Committee"
    kind = m.Body.Kind.TREATY_BODY


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Instrument
        django_get_or_create = ("code",)

    code = "ICCPR"
    title = "International Covenant on Civil and Political Rights"
    short_title = "ICCPR"
    body = factory.SubFactory(BodyFactory)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Source

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    kind = m.Source.Kind.NGO
    published_on = dt.date(2021, 1, 1)
    published_on_precision = m.Precision.YEAR
    status = m.Editorial.PUBLISHED


class EditorialFactory(factory.django.DjangoModelFactory):
    key = factory.Sequence(lambda n: f"record-{n}")
    status = m.Editorial.PUBLISHED
    source = factory.SubFactory(SourceFactory)
    locator = "para. 1"


class RatificationFactory(EditorialFactory):
    class Meta:
        model = m.Ratification

    country = factory.SubFactory(CountryFactory)
    instrument = factory.SubFactory(InstrumentFactory)
    action = m.Ratification.Action.ACCESSION
    action_date = dt.date(2006, 1, 24)
    action_date_precision = m.Precision.DAY


class ReviewFactory(EditorialFactory):
    class Meta:
        model = m.Review

    body = factory.SubFactory(BodyFactory)
    country = factory.SubFactory(CountryFactory)
    symbol = factory.Sequence(lambda n: f"CCPR/C/XXX/CO/{n}")
    adopted_on = dt.date(2016, 7, 21)
    adopted_on_precision = m.Precision.DAY


class ConcernFactory(EditorialFactory):
    class Meta:
        model = m.Concern
        skip_postgeneration_save = True

    body = factory.SubFactory(BodyFactory)
    country = factory.SubFactory(CountryFactory)
    issued_on = dt.date(2016, 7, 21)
    issued_on_precision = m.Precision.DAY
    paragraph = "12"
    summary = factory.Sequence(lambda n: f"The committee is concerned about matter {n}.")

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class ClaimFactory(EditorialFactory):
    class Meta:
        model = m.Claim
        skip_postgeneration_save = True

    country = factory.SubFactory(CountryFactory)
    kind = m.Claim.Kind.LAW
    summary = factory.Sequence(lambda n: f"The government says it reformed law {n}.")
    stated_on = dt.date(2021, 2, 1)
    stated_on_precision = m.Precision.MONTH

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class ReportFactory(EditorialFactory):
    class Meta:
        model = m.Report
        skip_postgeneration_save = True

    country = factory.SubFactory(CountryFactory)
    summary = factory.Sequence(lambda n: f"Observers documented event {n}.")
    observed_from = dt.date(2019, 7, 1)
    observed_from_precision = m.Precision.MONTH

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class StanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Stance

    report = factory.SubFactory(ReportFactory)
    claim = factory.SubFactory(ClaimFactory)
    stance = m.Stance.Kind.CONTRADICTS


class AssessmentFactory(EditorialFactory):
    class Meta:
        model = m.Assessment

    assessor = m.Assessment.Assessor.EDITOR
    assessed_on = dt.date(2022, 1, 1)
    rationale = "Reports show the reform applied in part."


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Indicator
        skip_postgeneration_save = True
        django_get_or_create = ("slug",)

    slug = "women-in-parliament"
    name = "Women's share of seats in parliament"
    unit = "%"

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class ObservationFactory(EditorialFactory):
    class Meta:
        model = m.Observation

    indicator = factory.SubFactory(IndicatorFactory)
    country = factory.SubFactory(CountryFactory)
    observed_on = dt.date(2021, 1, 1)
    observed_on_precision = m.Precision.YEAR
    value = 27


class PledgeFactory(EditorialFactory):
    class Meta:
        model = m.Pledge

    country = factory.SubFactory(CountryFactory)
    summary = "Raise women's share of decision-making posts to 30%."
    made_on = dt.date(2016, 1, 1)
    made_on_precision = m.Precision.YEAR


def uhri_csv(rows: int) -> bytes:
    """A UHRI export of ``rows`` CAT concerns on Kazakhstan, 40 per document: for imports large
    enough to show progress."""
    lines = ["AnnotationId,Symbol,Text,Countries,Body,PublicationDate"]
    for i in range(rows):
        lines.append(
            f"gen-{i:06d},CAT/C/KAZ/CO/{i // 40},Investigate complaint {i} of torture.,"
            f"Kazakhstan,CAT,2016-12-{1 + i // 40 % 28:02d}"
        )
    return ("\n".join(lines) + "\n").encode()
