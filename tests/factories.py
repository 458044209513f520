"""Factories for test data: every record valid and published unless a test says otherwise."""

import csv
import datetime as dt
import string
from pathlib import Path

import factory

from tracker import models as m
from tracker import services


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
        skip_postgeneration_save = True  # the aliases hook saves nothing on the country

    code = factory.Sequence(lambda n: "X" + chr(65 + n // 26 % 26) + chr(65 + n % 26))
    # Never a real state's alpha-2 code: a test that also creates Kazakhstan or Uzbekistan
    # would otherwise meet KZ or UZ again once the sequence got there.
    iso2 = factory.Sequence(lambda n: FREE_ISO2[n % len(FREE_ISO2)])
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")

    @factory.post_generation
    def aliases(obj, create, extracted, **kwargs):
        """The shipped aliases of this state, and those of the states the tracker does not
        hold, as ``load_seeds`` would give them (importers read them from the database)."""
        if create:
            m.CountryAlias.objects.bulk_create(
                [
                    m.CountryAlias(alias=alias, country=obj if code else None)
                    for alias, code in _seed_country_aliases()
                    if code in ("", obj.code)
                ],
                ignore_conflicts=True,
            )


def _seed_country_aliases() -> list[tuple[str, str]]:
    if not _COUNTRY_ALIASES:
        path = Path(__file__).resolve().parent.parent / "seeds" / "country_aliases.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            _COUNTRY_ALIASES.extend(
                (row["alias"].strip(), (row["country"] or "").strip().upper())
                for row in csv.DictReader(handle)
                if not row["alias"].lstrip().startswith("#")
            )
    return _COUNTRY_ALIASES


_COUNTRY_ALIASES: list[tuple[str, str]] = []


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


class ServiceFactory(factory.django.DjangoModelFactory):
    """Records saved as the app saves them (``tracker.services``), counts and current status
    kept."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.record_save(record=model_class(*args, **kwargs))


def _themes(record, create, extracted):
    if create and extracted:
        services.record_links_save(record=record, links={"themes": extracted})


class SourceFactory(ServiceFactory):
    class Meta:
        model = m.Source

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    kind = m.Source.Kind.NGO
    published_on = dt.date(2021, 1, 1)
    published_on_precision = m.Precision.YEAR
    status = m.Editorial.PUBLISHED


class EditorialFactory(ServiceFactory):
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


class ReportingStatusFactory(EditorialFactory):
    class Meta:
        model = m.ReportingStatus

    country = factory.SubFactory(CountryFactory)
    body = factory.SubFactory(BodyFactory)
    last_report_symbol = "CCPR/C/XXX/3"
    last_report_submitted_on = dt.date(2022, 3, 1)
    last_report_submitted_on_precision = m.Precision.MONTH
    next_report_due_on = dt.date(2031, 7, 24)
    next_report_due_on_precision = m.Precision.DAY


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
        _themes(self, create, extracted)


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
        _themes(self, create, extracted)


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
        _themes(self, create, extracted)


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
        _themes(self, create, extracted)


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
