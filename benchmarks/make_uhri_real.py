"""Write a synthetic UHRI export in the real layouts: the full JSON or the 16-column workbook.

    python benchmarks/make_uhri_real.py 267548 --layout json > var/bench/uhri-real.json
    python benchmarks/make_uhri_real.py 1000 --layout xlsx --out var/bench/uhri-real.xlsx

Labels are those of a real full export: body, theme and country labels are read from a folder
of label lists (``--labels``, one label a line: ``bodies.txt`` with the export's ``- `` prefix,
``themes.txt``, ``countries.txt``), by default ``../shared/data/uhri-real`` beside the repository
when it is there, else the labels the seeds hold (``seeds/body_aliases.csv``, the real themes of
``seeds/theme_aliases.csv``, ``seeds/countries.csv``). Values take the real styles: ``- `` prefixed
annotation types and bodies, lists for countries, themes, affected persons and SDG targets, text
starting with its paragraph number, some of it in HTML, ISO dates with times, UPR fields on UPR
records. Like a real export, a few records name no country or only a state the tracker does not
hold (import them with ``--skip-invalid``). The output is the same for the same N and seed.
"""

import argparse
import csv
import datetime as dt
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_LABELS = ROOT.parent / "shared" / "data" / "uhri-real"

AFFECTED = [
    "Children",
    "Women & girls",
    "Persons with disabilities",
    "Migrants",
    "Minorities",
    "Indigenous peoples",
    "Persons deprived of their liberty",
    "Human rights defenders",
    "Journalists & media workers",
    "Older persons",
    "Lesbian, gay, bisexual, transgender & intersex persons",
    "Refugees & asylum-seekers",
    "Internally displaced persons",
    "Persons living in poverty",
    "Persons affected by armed conflict",
    "Rural women",
    "Youth",
    "Civil society",
    "Judges & lawyers",
    "General",
]
SDGS = [
    "1.3 - Implement social protection systems",
    "3.7 - Universal access to sexual and reproductive health-care services",
    "4.1 - Free, equitable and quality primary and secondary education",
    "5.1 - End all forms of discrimination against all women and girls everywhere",
    "5.2 - Eliminate all forms of violence against all women and girls",
    "5.5 - Ensure full participation in leadership and decision-making",
    "8.7 - Eradicate forced labour, modern slavery, human trafficking and child labour",
    "10.2 - Promote universal social, economic and political inclusion",
    "10.3 - Ensure equal opportunities and end discrimination",
    "10.7 - Facilitate orderly, safe, regular and responsible migration",
    "16.1 - Reduce violence everywhere",
    "16.2 - Protect children from abuse, exploitation, trafficking and violence",
    "16.3 - Promote the rule of law and ensure equal access to justice",
    "16.5 - Substantially reduce corruption and bribery",
    "16.6 - Develop effective, accountable and transparent institutions",
    "16.7 - Ensure responsive, inclusive and representative decision-making",
    "16.9 - Provide universal legal identity",
    "16.10 - Ensure public access to information and protect fundamental freedoms",
    "16.a - Strengthen national institutions to prevent violence and combat terrorism and crime",
    "17.18 - Enhance availability of reliable data",
]
REGIONS = [
    "African States",
    "Asia-Pacific States",
    "Eastern European States",
    "Latin American and Caribbean States",
    "Western European and other States",
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
    "detention",
    "children",
    "women",
    "discrimination",
    "measures",
    "national",
    "plan",
    "implementation",
    "resources",
    "allocate",
    "training",
    "officials",
    "monitoring",
    "complaints",
    "mechanism",
    "prosecute",
    "perpetrators",
    "reform",
    "strengthen",
    "institution",
    "consultation",
    "civil",
    "society",
    "data",
    "collection",
    "disaggregated",
    "rights",
]
XLSX_HEADER = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
]


def labels(folder: Path | None) -> tuple[list[str], list[str], list[str]]:
    """(body labels with their ``- ``, theme labels, country labels)."""
    if folder is not None:
        read = [(folder / n).read_text(encoding="utf-8").splitlines() for n in LABEL_FILES]
        bodies, themes, countries = ([x for x in lines if x.strip()] for lines in read)
        return bodies, themes, countries
    seeds = ROOT / "seeds"
    with (seeds / "bodies.csv").open(encoding="utf-8") as handle:
        bodies = [f"- {r['code']}" for r in csv.DictReader(handle) if r["kind"] == "treaty_body"]
    bodies.append("- UPR")
    with (seeds / "body_aliases.csv").open(encoding="utf-8") as handle:
        bodies += [f"- {r['alias']}" for r in csv.DictReader(handle)]
    with (seeds / "theme_aliases.csv").open(encoding="utf-8") as handle:
        themes = [r["uhri_theme"] for r in csv.DictReader(handle)][:94]  # the real ones first
    with (seeds / "countries.csv").open(encoding="utf-8") as handle:
        countries = [r["name"] for r in csv.DictReader(handle)]
    return bodies, themes, countries


LABEL_FILES = ("bodies.txt", "themes.txt", "countries.txt")


def uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def records(n: int, seed: int, folder: Path | None):
    """N records as the JSON export holds them; about ten annotations per document."""
    bodies, themes, countries = labels(folder)
    upr = "- UPR"
    treaty = [b for b in bodies if b != upr and len(b) <= 12 and " " not in b[2:]]
    special = [b for b in bodies if b not in treaty and b != upr]
    rng = random.Random(seed)
    doc = None
    for i in range(n):
        if i % 10 == 0:
            roll = rng.random()
            body = upr if roll < 0.4 else rng.choice(special) if roll < 0.5 else rng.choice(treaty)
            country = rng.choice(countries)
            day = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9500))
            if body == upr:
                symbol = f"A/HRC/{rng.randint(1, 59)}/{i // 10}"
            elif body in treaty:
                symbol = f"{body[2:]}/C/{i // 10}/CO/1"
            else:
                symbol = f"A/HRC/{rng.randint(1, 59)}/{i // 10}/Add.1"
            doc = {
                "body": body,
                "country": country,
                "symbol": symbol,
                "id": uuid(rng),
                "day": day,
                "cycle": str(rng.randint(1, 4)),
                "session": str(rng.randint(1, 47)),
            }
        names = [doc["country"]]
        roll = rng.random()
        if roll < 0.0004:  # about 108 of 267,548 records in the real export
            names = []
        elif roll < 0.03:
            names.append(rng.choice(countries))
        is_upr = doc["body"] == upr
        if is_upr:
            paragraph = f"{rng.randint(100, 160)}.{rng.randint(1, 300)} "
        else:
            paragraph = f"{rng.randint(1, 150)}."
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(35, 110)))
        text = f"{paragraph}{words.capitalize()}. "
        if rng.random() < 0.3:
            text = f"<p>{text.replace(' ', '&nbsp;', 1)}</p>"
        on_uhri = dt.datetime.combine(doc["day"], dt.time()) + dt.timedelta(
            days=rng.randint(5, 60), seconds=rng.randint(0, 86399), milliseconds=rng.randint(0, 999)
        )
        kind = "- Recommendations" if is_upr or rng.random() < 0.6 else "- Concerns/Observations"
        yield {
            "AffectedPersons": rng.sample(AFFECTED, rng.randint(0, 3)),
            "AnnotationId": uuid(rng),
            "AnnotationType": kind,
            "Body": doc["body"],
            "Countries": list(dict.fromkeys(names)),
            "DocumentId": doc["id"],
            "PublicationDate": f"{doc['day'].isoformat()}T00:00:00",
            "PublicationDateOnUhri": on_uhri.isoformat(timespec="milliseconds"),
            "Regions": [rng.choice(REGIONS)],
            "Sdgs": rng.sample(SDGS, rng.randint(0, 2)),
            "Symbol": doc["symbol"],
            "Text": text,
            "Themes": rng.sample(themes, rng.randint(1, 3)),
            "UprCycle": doc["cycle"] if is_upr else None,
            "UprPositions": [rng.choice(["Supported", "Supported", "Noted"])] if is_upr else [],
            "UprRecommendingCountry": [rng.choice(countries)] if is_upr else [],
            "UprRecommendingRegions": [rng.choice(REGIONS)] if is_upr else [],
            "UprSession": [doc["session"]] if is_upr else [],
        }


def write_json(items, out) -> None:
    """One array, a record a line, written as it is made: memory stays flat for any N."""
    out.write("[")
    for number, item in enumerate(items):
        out.write(",\n" if number else "\n")
        out.write(json.dumps(item, ensure_ascii=False))
    out.write("\n]\n")


def cell(values: list[str]) -> str | None:
    return "\n".join(f"- {v}" for v in values) or None


def write_xlsx(items, path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Export")
    sheet.append(XLSX_HEADER)
    for r in items:
        sheet.append(
            [
                r["Text"],
                cell(r["Countries"]),
                r["Body"],
                r["Symbol"],
                cell(r["Themes"]),
                cell(r["AffectedPersons"]),
                cell(r["Sdgs"]),
                dt.datetime.fromisoformat(r["PublicationDate"]),
                cell(r["UprRecommendingCountry"]),
                (r["UprPositions"] or [None])[0],
                r["AnnotationType"][2:],
                r["AnnotationId"],
                (r["UprSession"] or [None])[0],
                cell(r["Regions"]),
                cell(r["UprRecommendingRegions"]),
                dt.datetime.fromisoformat(r["PublicationDateOnUhri"]),
            ]
        )
    book.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=267_548)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--layout", choices=["json", "xlsx"], default="json")
    parser.add_argument("--labels", type=Path, help="a folder of bodies, themes, countries .txt")
    parser.add_argument("--out", type=Path, help="output file (required for xlsx)")
    args = parser.parse_args(argv)
    folder = args.labels or (SHARED_LABELS if SHARED_LABELS.is_dir() else None)
    items = records(args.n, args.seed, folder)
    if args.layout == "xlsx":
        if not args.out:
            parser.error("--out is required for xlsx")
        write_xlsx(items, args.out)
    elif args.out:
        with args.out.open("w", encoding="utf-8") as handle:
            write_json(items, handle)
    else:
        write_json(items, sys.stdout)


if __name__ == "__main__":
    main()
