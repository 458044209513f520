"""``manage.py import <format> <path>``: bring an export into the tracker in one transaction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.importers import FORMATS, ImportDataError, run_import
from tracker.seeds import parse_partial_date


class Command(BaseCommand):
    help = (
        "Import a UN Treaty Collection extract, OHCHR ratification data, a UHRI export or the "
        "tracker's own CSV/JSON. One transaction: any bad row changes nothing (uhri: unless "
        "--skip-invalid)."
    )

    def add_arguments(self, parser):
        parser.add_argument("format", choices=FORMATS)
        parser.add_argument("path", help="The file (or, for untc-extract, a folder of files).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; save nothing."
        )
        parser.add_argument(
            "--instrument", help="Instrument code when the file name does not say (e.g. CRPD)."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="uhri: publish new reviews and concerns (default: draft, for editors to check).",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="uhri: import every row that can be placed and list the others in a CSV report.",
        )
        parser.add_argument(
            "--report",
            help="With --skip-invalid: where to write the report (default: <file>-skipped.csv "
            "in the current folder).",
        )
        parser.add_argument(
            "--as-of",
            help="untc-extract: the date the extract is valid for (default 2022), e.g. 2022-08.",
        )

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = parse_partial_date(options["as_of"])
            except ValueError as exc:
                expected = "expected YYYY, YYYY-MM or YYYY-MM-DD"
                raise CommandError(f"--as-of {options['as_of']!r}: {expected}") from exc
        try:
            result = run_import(
                options["format"],
                options["path"],
                dry_run=options["dry_run"],
                instrument=options["instrument"],
                publish=options["publish"],
                as_of=as_of,
                skip_invalid=options["skip_invalid"],
            )
        except ImportDataError as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc
        for line in result.lines():
            self.stdout.write(line)
        if options["skip_invalid"]:
            report = Path(options["report"] or f"{Path(options['path']).stem}-skipped.csv")
            report.write_text(result.skipped_csv(), encoding="utf-8")
            self.stdout.write(f"Report of the {len(result.skipped)} rows left out: {report}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
