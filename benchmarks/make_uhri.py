"""Write a UHRI-format CSV of N synthetic annotations for the import benchmark.

    python benchmarks/make_uhri.py 200000 > /tmp/uhri-200k.csv
    python manage.py import uhri /tmp/uhri-200k.csv

Rows use the real export's columns, ``;``-separated multi-valued cells with ``- `` prefixes,
both date styles, and country names, bodies and themes the seed data holds, so every row imports.
The output is the same for the same N and seed.
"""

import argparse
import csv
import datetime as dt
import random
import sys

COUNTRIES = ["Kazakhstan", "Kyrgyzstan", "Uzbekistan", "Tajikistan", "Turkmenistan", "Mongolia"]
BODIES = ["CCPR", "CESCR", "CAT", "CEDAW", "CERD", "CRC", "CRPD", "UPR"]
THEMES = [
    "Freedom of opinion and expression",
    "Freedom of peaceful assembly",
    "Torture and other cruel inhuman or degrading treatment",
    "Violence against women",
    "Persons with disabilities",
    "Administration of justice & fair trial",
    "Labour rights",
]
GROUPS = ["Women", "Children", "Journalists", "Persons with disabilities", "Migrants", "Detainees"]
KINDS = ["Recommendation", "Recommendation", "Recommendation", "Concern", "Positive aspect"]
HEADER = [
    "AnnotationId",
    "Symbol",
    "Text",
    "DocumentId",
    "PublicationDate",
    "AnnotationType",
    "Countries",
    "AffectedPersons",
    "Themes",
    "Sdgs",
    "Regions",
    "Body",
]
WORDS = [
    "ensure",
    "guarantee",
    "adopt",
    "review",
    "legislation",
    "independent",
    "investigation",
    "effective",
    "remedy",
    "victims",
    "access",
    "justice",
    "protect",
    "freedom",
    "expression",
    "assembly",
    "association",
    "prevent",
    "torture",
]


def rows(n: int, seed: int = 1):
    """N rows; about 40 annotations per document, one country each (a few name two)."""
    rng = random.Random(seed)
    for i in range(n):
        doc = i // 40
        country = COUNTRIES[doc % len(COUNTRIES)]
        body = BODIES[doc % len(BODIES)]
        countries = [country] if rng.random() > 0.02 else [country, COUNTRIES[0]]
        if len(set(countries)) < len(countries):
            countries = [country]
        day = dt.date(1995, 1, 1) + dt.timedelta(days=doc % 10000)
        date = day.isoformat() if doc % 2 else day.strftime("%d/%m/%Y")
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 60))).capitalize() + "."
        yield [
            f"bench-{i:07d}",
            f"{body}/C/{country[:3].upper()}/CO/{doc}",
            text,
            f"doc-{doc}",
            date,
            rng.choice(KINDS),
            "; ".join(f"- {c}" for c in countries),
            "; ".join(f"- {g}" for g in rng.sample(GROUPS, rng.randint(0, 2))),
            "; ".join(f"- {t}" for t in rng.sample(THEMES, rng.randint(1, 3))),
            "16.3",
            "Asia",
            body,
        ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(args.n, args.seed))


if __name__ == "__main__":
    main()
